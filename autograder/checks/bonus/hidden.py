"""Hidden checks of the bonus notebook; the public ones are in public.py.

Every correct variant the docstrings allow must pass:

* query_by_committee: vote entropy with ties broken by consensus entropy (the reference), or consensus entropy
  alone, in any order. The committees below are built so that both scores pick the same rows, with a clear gap
  to the next row, so the checks compare sets.
* class_balanced_uncertainty_sampling: round-robin over the predicted classes, or a quota per class then a fill
  by uncertainty, in any order. The checks test properties: exactly min(n, pool) different rows, every
  predicted class present when n >= the number of predicted classes, and within each class the most uncertain
  rows.
* make_digits_task: lists or arrays.
"""
import functools

import numpy as np

from allab.probes import Probe, fixed_pool
from autograder.checks.verdicts import as_indices, entropy
from autograder.grading.runner import Mistake, check, expect

# --- query_by_committee ---------------------------------------------------------------------------

def _member_row(rng, cls, conf, n_classes):
    p = np.empty(n_classes)
    p[np.arange(n_classes) != cls] = rng.dirichlet(np.ones(n_classes - 1)) * (1 - conf)
    p[cls] = conf
    return p


@functools.lru_cache(maxsize=None)  # the same tables for every student
def _committee(seed, n_members, n_classes, counts=(4, 5, 11)):
    """Probability tables (members, rows, classes) with three kinds of rows: an even split of the votes between
    two classes with unsure members, one dissenting member, and full agreement with sure members."""
    rng = np.random.default_rng(seed)
    rows = []
    for level, k in enumerate(counts):
        for _ in range(k):
            a, b = rng.choice(n_classes, 2, replace=False)
            if level == 0:
                votes, confs = [a if m % 2 == 0 else b for m in range(n_members)], rng.uniform(.55, .7, n_members)
            elif level == 1:
                votes = [a] * (n_members - 1) + [b]
                confs = np.r_[rng.uniform(.8, .95, n_members - 1), rng.uniform(.55, .6)]
            else:
                votes, confs = [a] * n_members, rng.uniform(.9, .99, n_members)
            perm = rng.permutation(n_members)
            rows.append([_member_row(rng, votes[perm[m]], confs[perm[m]], n_classes) for m in range(n_members)])
    tables = np.array(rows).transpose(1, 0, 2)[:, rng.permutation(len(rows))]
    tables.setflags(write=False)
    return tables


def _qbc_scores(tables):
    tables = np.asarray(tables)
    votes = tables.argmax(axis=2)
    shares = np.stack([(votes == c).mean(axis=0) for c in range(tables.shape[2])], axis=1)
    return entropy(shares), entropy(tables.mean(axis=0))


def _agreeing_sizes(tables):
    """Batch sizes n whose top-n rows are the same by vote entropy and by consensus entropy, with a gap."""
    vote, consensus = _qbc_scores(tables)
    by_vote, by_consensus = np.argsort(-vote, kind="stable"), np.argsort(-consensus, kind="stable")
    sizes = []
    for n in range(1, len(vote)):
        if vote[by_vote[n - 1]] - vote[by_vote[n]] > 1e-6 and \
                consensus[by_consensus[n - 1]] - consensus[by_consensus[n]] > 1e-6 and \
                set(by_vote[:n].tolist()) == set(by_consensus[:n].tolist()):
            sizes.append(n)
    return sizes


def _qbc_verdict(got, tables, n):
    """The mistake a wrong QBC answer most likely comes from."""
    vote, consensus = _qbc_scores(tables)
    if got == sorted(np.lexsort((consensus, vote))[:n].tolist()) or \
            got == sorted(np.argsort(consensus, kind="stable")[:n].tolist()):
        return "lowest_disagreement"
    for member in tables:
        h, unsure = entropy(member), 1 - member.max(axis=1)
        if got in (sorted(np.argsort(-h, kind="stable")[:n].tolist()),
                   sorted(np.argsort(-unsure, kind="stable")[:n].tolist())):
            return "one_member"
    return "wrong_score"


def _check_qbc(call, tables, n):
    tables = np.asarray(tables)
    X = fixed_pool(tables.shape[1])
    expected = sorted(np.argsort(-_qbc_scores(tables)[1], kind="stable")[:n].tolist())
    got = as_indices(call("query_by_committee", [Probe.fixed_proba(t) for t in tables], X, n).value, len(X))
    if len(got) != n and np.all(got < tables.shape[2]):
        raise Mistake("entropy_axis")  # one score per class: entropy over the wrong axis
    expect(len(got) == n, "wrong_count")
    if sorted(got.tolist()) != expected:
        raise Mistake(_qbc_verdict(sorted(got.tolist()), tables, n))


@check("query_by_committee", core=True)
def qbc_on_committees(call, reference):
    """committees of 3 to 5 members, 2 and 3 classes: the rows of most disagreement"""
    for seed, (n_members, n_classes) in enumerate([(3, 2), (4, 2), (4, 3), (5, 3), (3, 3)]):
        tables = _committee(seed, n_members, n_classes)
        sizes = _agreeing_sizes(tables)
        assert sizes, "grader bug: no batch size on which both scores agree"
        for n in sizes:
            want = sorted(as_indices(reference("query_by_committee", [Probe.fixed_proba(t) for t in tables],
                                             fixed_pool(tables.shape[1]), n).value, tables.shape[1]).tolist())
            assert want == sorted(np.argsort(-_qbc_scores(tables)[1])[:n].tolist()), "grader bug: reference"
            _check_qbc(call, tables, n)


@check("query_by_committee")
def qbc_uses_every_member(call):
    """the same committee in another member order, and a committee whose first member never changes its mind"""
    tables = _committee(7, 4, 3)
    sizes = _agreeing_sizes(tables)
    for shift in range(1, 4):
        for n in sizes:
            _check_qbc(call, np.roll(tables, shift, axis=0), n)
    tables = _committee(10, 4, 2).copy()
    tables[0] = [0.7, 0.3]
    sizes = _agreeing_sizes(tables)
    assert sizes, "grader bug: no batch size on which both scores agree"
    for n in sizes:
        _check_qbc(call, tables, n)


@check("query_by_committee")
def qbc_small_pool(call):
    """a pool no larger than the batch: every row, once"""
    tables = _committee(3, 3, 2, counts=(1, 1, 2))
    for n in (4, 9):
        got = as_indices(call("query_by_committee", [Probe.fixed_proba(t) for t in tables], fixed_pool(4), n).value, 4)
        expect(sorted(got.tolist()) == [0, 1, 2, 3], "batch_too_large")


# --- make_digits_task -----------------------------------------------------------------------------

def _digits_data(seed=0, n=80):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n)
    X = np.column_stack([np.arange(n), rng.integers(0, 17, (n, 3))]).astype(float)
    return X, y


def _check_digits(call, X, y, negative, positive):
    kwargs = {} if (negative, positive) == (3, 8) else {"negative": negative, "positive": positive}
    out = call("make_digits_task", X, y, **kwargs)
    value = out.value
    expect(isinstance(value, (tuple, list)) and len(value) == 2, "digits_mask")
    expect(np.array_equal(out.args_after[0], X) and np.array_equal(out.args_after[1], y), "modifies_input")
    X_bin, y_bin = np.asarray(value[0], dtype=float), np.asarray(value[1]).ravel()
    keep = (y == negative) | (y == positive)
    if (negative, positive) not in ((3, 8), (8, 3)) and X_bin.shape == X[(y == 3) | (y == 8)].shape and \
            np.array_equal(X_bin, X[(y == 3) | (y == 8)]):
        raise Mistake("digits_params")
    expect(X_bin.shape == X[keep].shape and np.array_equal(X_bin, X[keep]), "digits_mask")
    expect(len(y_bin) == int(keep.sum()), "digits_mask")
    expect(set(np.unique(y_bin).tolist()) <= {0, 1}, "digits_binary")
    if np.array_equal(y_bin, (y[keep] == negative).astype(int)):
        raise Mistake("digits_swapped")
    expect(np.array_equal(y_bin, (y[keep] == positive).astype(int)), "digits_binary")


@check("make_digits_task")
def digits_any_pair(call):
    """other pairs of digits, in either order"""
    X, y = _digits_data(seed=1)
    for negative, positive in [(3, 8), (0, 9), (7, 1), (4, 6), (8, 3)]:
        _check_digits(call, X, y, negative, positive)


@functools.lru_cache(maxsize=None)
def _real_digits():
    from sklearn.datasets import load_digits
    digits = load_digits()
    X, y = digits.data[:300], digits.target[:300]
    X.setflags(write=False)
    y.setflags(write=False)
    return X, y


@check("make_digits_task", core=True)
def digits_real_images(call, reference):
    """the real digits images: the same task as the reference"""
    X, y = _real_digits()
    _check_digits(call, X, y, 3, 8)
    got = [np.asarray(v) for v in call("make_digits_task", X, y).value]
    want = [np.asarray(v) for v in reference("make_digits_task", X, y).value]
    expect(np.array_equal(got[0], want[0]), "digits_mask")
    expect(np.array_equal(got[1].astype(int), want[1]), "digits_binary")


# --- class_balanced_uncertainty_sampling ----------------------------------------------------------

def _balanced_tables(seed=0):
    """Random tables whose most uncertain rows mostly belong to one predicted class."""
    rng = np.random.default_rng(seed)
    for n_classes, n_rows in [(2, 30), (3, 30), (4, 24), (5, 40)]:
        probas = rng.dirichlet(np.ones(n_classes) * 0.8, size=n_rows)
        # class 0 gets most rows and the most uncertain ones; the others are few and sure
        probas[: n_rows // 2] = rng.dirichlet(np.r_[2.5, np.ones(n_classes - 1) * 1.5], size=n_rows // 2)
        yield probas


def _check_balanced(call, probas, n):
    probas = np.asarray(probas)
    got = as_indices(call("class_balanced_uncertainty_sampling", Probe.fixed_proba(probas),
                        fixed_pool(len(probas)), n).value, len(probas))
    expect(len(got) == min(n, len(probas)), "balanced_count")
    predicted, uncertainty = probas.argmax(axis=1), 1 - probas.max(axis=1)
    classes = np.unique(predicted)
    if n >= len(classes):
        expect(set(predicted[got].tolist()) == set(classes.tolist()), "class_coverage")
    chosen = np.zeros(len(probas), dtype=bool)
    chosen[got] = True
    for c in classes:
        mine, rest = uncertainty[chosen & (predicted == c)], uncertainty[~chosen & (predicted == c)]
        if len(mine) and len(rest):
            expect(mine.min() > rest.max(), "balanced_uncertainty")


@check("class_balanced_uncertainty_sampling", core=True)
def balanced_properties_on_random_tables(call):
    """2 to 5 classes, many batch sizes: n rows, every predicted class, the most uncertain of each class"""
    for probas in _balanced_tables(seed=0):
        n_classes = len(np.unique(probas.argmax(axis=1)))
        for n in sorted({1, n_classes - 1, n_classes, n_classes + 1, 2 * n_classes + 1, 7, 13} - {0}):
            _check_balanced(call, probas, n)


@check("class_balanced_uncertainty_sampling")
def balanced_rare_class(call):
    """a class predicted for one row only, and more rows asked than one class has"""
    rng = np.random.default_rng(3)
    probas = rng.dirichlet([4, 1, 1], size=20)
    third = probas.argmax(axis=1) == 2
    probas[third] = probas[third][:, ::-1]  # predicted class 0 now
    probas[7] = [0.1, 0.1, 0.8]             # the only row predicted class 2
    for n in (3, 5, 8, 12):
        _check_balanced(call, probas, n)
    _check_balanced(call, probas[:12], 11)


@check("class_balanced_uncertainty_sampling")
def balanced_small_pool(call):
    """a pool no larger than the batch: every row, once"""
    probas = [[0.6, 0.4], [0.9, 0.1], [0.3, 0.7], [0.45, 0.55], [0.2, 0.8]]
    for n in (5, 8):
        got = as_indices(call("class_balanced_uncertainty_sampling", Probe.fixed_proba(probas), fixed_pool(5),
                            n).value, 5)
        expect(sorted(got.tolist()) == [0, 1, 2, 3, 4], "batch_too_large")
