"""Telling mistakes apart: what a wrong selection of pool rows most likely comes from.

A query strategy returns the indices of the ``n`` rows with the highest score. When a student's selection is
wrong, the checks ask, in order, questions that tell the common mistakes apart:

1. is it a valid index set at all (integers, in range, distinct)? Scores returned instead of indices, or
   one value per class (entropy over the wrong axis), show here;
2. is it the right size?
3. is it the top ``n`` of another score: the right score sorted the other way, another uncertainty score,
   one class's probability, the hard labels, a score with NaN where a probability is 0?
4. does it change from one call to the next on the same input, or stay the same rows when the table's rows
   are reversed (random rows, a seeded draw, fixed positions)?

The first question that fits gives the one diagnosis (a key of ``autograder/mistakes.toml``); when none fits
the verdict is "uncommon" (not one of the common mistakes). Ties in a score never decide a verdict: a set
counts as the top ``n`` of a score when no row left out scores higher than a row chosen.

This is also where the hidden checks of several parts share helpers (the public ones share
:mod:`allab.checks`): the random and zero probability tables, and calling a query strategy on them.
"""
import numpy as np

from allab.probes import Probe, fixed_pool
from autograder.grading.runner import Mistake
from autograder.scoring import UNCOMMON

# every key a verdict below can return (a test checks that each is catalogued)
KEYS = ("returns_scores", "returns_rows", "not_indices", "duplicates", "wrong_count", "batch_too_large", "entropy_axis",
        "most_confident", "largest_margin", "lowest_entropy", "other_strategy", "margin_top_two",
        "one_class_probability", "hard_labels", "entropy_nan", "random_rows", "wrong_score", UNCOMMON)


# --- scores ---------------------------------------------------------------------------------------

def entropy(probas, nan_at_zero=False):
    """Row entropies (natural log). With ``nan_at_zero``, what ``-sum(p * log p)`` gives: NaN at exact 0."""
    p = np.asarray(probas, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if nan_at_zero:
            return -np.sum(p * np.log(p), axis=-1)
        return -np.sum(np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0), axis=-1)


def least_confidence(probas):
    return 1 - np.asarray(probas, dtype=float).max(axis=1)


def margin(probas):
    """The gap between the two largest probabilities (small = uncertain)."""
    top = np.sort(np.asarray(probas, dtype=float), axis=1)
    return top[:, -1] - top[:, -2] if top.shape[1] > 1 else np.ones(len(top))


STRATEGIES = {  # name -> (score, the key for "the right score sorted the wrong way"); high score = queried
    "least_confidence": (least_confidence, "most_confident"),
    "margin": (lambda p: -margin(p), "largest_margin"),
    "entropy": (entropy, "lowest_entropy"),
}


def _with_nan_last(score):
    """NaN scores as ``np.argsort(-score)`` sees them: after every number."""
    return np.where(np.isnan(score), -np.inf, score)


def _variants(probas, strategy):
    """``[(score, key)]``: wrong versions of the strategy's own score (checked before other strategies: a
    margin written wrongly is likelier in margin sampling than least confidence is)."""
    p = np.asarray(probas, dtype=float)
    candidates = []
    if strategy == "entropy":
        with_nan = entropy(p, nan_at_zero=True)
        if np.any(np.isnan(with_nan)):
            candidates.append((_with_nan_last(with_nan), "entropy_nan"))
            candidates.append((np.where(np.isnan(with_nan), np.inf, with_nan), "entropy_nan"))
    if strategy == "margin" and p.shape[1] > 1:
        candidates += [(p.max(axis=1) - p.min(axis=1), "margin_top_two"),
                       (np.abs(p[:, 0] - p[:, 1]), "margin_top_two"), (p[:, 0] - p[:, 1], "margin_top_two")]
    return _both_ways(candidates)


def _other_scores(probas):
    """``[(score, key)]``: other scores students rank by by mistake."""
    p = np.asarray(probas, dtype=float)
    n_classes = p.shape[1]
    candidates = [(p.min(axis=1), "wrong_score")]
    for c in range(n_classes if n_classes <= 3 else 2):
        candidates.append((p[:, c], "one_class_probability"))
    if n_classes > 1:
        candidates.append((np.abs(p[:, 1] - 0.5), "one_class_probability"))
        candidates.append((np.abs(p[:, 0] - p[:, 1]), "one_class_probability"))
        candidates.append((p.argmax(axis=1).astype(float), "hard_labels"))
    return _both_ways(candidates)


def _both_ways(candidates):
    """Each score both ways (the highest and the lowest first): a student may have sorted either way."""
    return [(s, key) for score, key in candidates for s in (score, -score)]


def is_top(chosen, score, tol=1e-9):
    """Whether the rows ``chosen`` are a top-``len(chosen)`` set of ``score`` (ties either way)."""
    score = np.asarray(score, dtype=float)
    mask = np.zeros(len(score), dtype=bool)
    mask[np.asarray(chosen, dtype=int)] = True
    if mask.all() or not mask.any():
        return True
    return bool(np.min(score[mask]) >= np.max(score[~mask]) - tol)


def top(score, n):
    """The indices of the ``n`` highest scores (stable: the first of tied rows)."""
    return np.argsort(-np.asarray(score, dtype=float), kind="stable")[:n]


# --- verdicts -------------------------------------------------------------------------------------

def as_indices(value, n_rows, n_classes=None):
    """``value`` as an array of distinct row indices into a pool of ``n_rows``, or raise a :class:`Mistake`.

    Scores (non-integer numbers, or one number per row), one index per class, repeated rows and values out
    of range each get their own diagnosis.
    """
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise Mistake("not_indices") from None
    if arr.ndim == 2 and arr.shape[1] > 1:
        raise Mistake("returns_rows")
    arr = arr.ravel()
    if arr.size and (not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr))):
        raise Mistake("returns_scores")
    idx = arr.astype(int)
    if np.any((idx < 0) | (idx >= max(n_rows, 1))):
        raise Mistake("not_indices")
    if len(set(idx.tolist())) != len(idx):
        raise Mistake("duplicates")
    return idx


def selection_verdict(got, probas, n, strategy, again=None, mirrored=None):
    """The catalogue key that best explains ``got``, a wrong selection of ``n`` rows by ``strategy``.

    Parameters
    ----------
    got : array of int
        The student's selection (valid indices: see :func:`as_indices`).
    probas : array of shape (n_rows, n_classes)
        The probabilities the model gave.
    n : int
        The batch size asked for.
    strategy : str
        A key of ``STRATEGIES``: the score the function must rank by.
    again : callable, optional
        Calls the student's function again on the same input, returning its selection: a selection that
        changes between calls is random.
    mirrored : callable, optional
        Calls it on the same table with its rows in reverse order: a selection that stays the same rows
        while the right one moves does not depend on the probabilities (a seeded draw, fixed positions).
    """
    return selection_keys(got, probas, n, strategy, again, mirrored)[0]


def selection_keys(got, probas, n, strategy, again=None, mirrored=None):
    """Every catalogue key that fits ``got`` (see :func:`selection_verdict`), likeliest first; [UNCOMMON]
    when none does. On one table several may fit (on three classes, some scores rank alike)."""
    p = np.asarray(probas, dtype=float)
    k = min(n, len(p))
    got = np.asarray(got, dtype=int)
    if strategy == "entropy" and len(got) == min(n, p.shape[1]) and k != len(got) and np.all(got < p.shape[1]):
        return ["entropy_axis"]
    if len(got) != k:
        return ["batch_too_large" if n > len(p) else "wrong_count"]
    score, reversed_key = STRATEGIES[strategy]
    own = score(p)
    if is_top(got, -own):
        return [reversed_key]
    if again is not None and _changes(again, got):
        return ["random_rows"]  # before the scores: a random set can fit a score with many ties by chance
    keys = ["entropy_axis"] if strategy == "entropy" and _is_axis_mistake(got, p, k) else []
    keys += [key for other, key in _variants(p, strategy) if is_top(got, other)]
    keys += ["other_strategy" for name, (other, _) in STRATEGIES.items()
             if name != strategy and is_top(got, other(p)) and not is_top(got, own)]
    keys += [key for other, key in _other_scores(p) if is_top(got, other)]
    if not keys and mirrored is not None and _ignores_probabilities(mirrored, got, own, k):
        keys = ["random_rows"]  # last: NaN rows also stay put
    return list(dict.fromkeys(keys)) or [UNCOMMON]


def combined_verdict(key_lists):
    """One key for several failed tables: the key that fits the most of them (a catalogued one before
    UNCOMMON), ties going to the likelier key of the first table that has one."""
    order = list(dict.fromkeys(key for keys in key_lists for key in keys))
    fits = {key: sum(key in keys for keys in key_lists) for key in order}
    return max(order, key=lambda key: (key != UNCOMMON, fits[key], -order.index(key)))


def _changes(again, got):
    """Whether calling again on the same input gives another selection than ``got``."""
    try:
        other = np.asarray(again(), dtype=float).ravel()
    except Exception:  # noqa: BLE001 - a second call that fails says nothing about randomness
        return False
    return sorted(other.tolist()) != sorted(got.tolist())


def _ignores_probabilities(mirrored, got, own, k):
    """Whether the selection stays the same rows when the table's rows are reversed (the right one moves)."""
    right = set(top(own, k).tolist())
    if right == {len(own) - 1 - i for i in right}:
        return False  # the reversed table's right answer is the same rows: nothing to learn
    try:
        other = np.asarray(mirrored(), dtype=float).ravel()
    except Exception:  # noqa: BLE001 - a call that fails says nothing about what the selection depends on
        return False
    return sorted(other.tolist()) == sorted(got.tolist())


def _is_axis_mistake(got, p, k):
    """``scipy.stats.entropy(probas)``: one entropy per class (column), so the indices are class numbers."""
    columns = entropy(p.T / np.maximum(p.T.sum(axis=1, keepdims=True), 1e-300))
    return np.all(got < p.shape[1]) and sorted(got.tolist()) == sorted(top(columns, min(k, p.shape[1])).tolist())


def check_selection(value, probas, n, strategy, want=None, again=None, default=None):
    """Fail with the one diagnosis unless ``value`` selects the top ``n`` rows of ``strategy``'s score.

    ``want`` is the reference's selection (else the top ``n`` of the score, ties either way); ``default`` is
    the verdict when the selection fits no common mistake (a check built for one mistake names it).
    """
    keys = selection_failure(value, probas, n, strategy, want, again)
    if keys:
        raise Mistake(_or_default(keys[0], default))
    return value


def check_selections(cases, strategy, default=None):
    """Like :func:`check_selection` on several tables at once: ``cases`` yields ``(value, probas, n, want,
    again, mirrored)`` (the last three optional). Every failed table has its say, so that the one diagnosis fits
    them all (a mistake that two scores explain on one table is told apart on another)."""
    failures = [keys for keys in (selection_failure(*case[:2], case[2], strategy, *case[3:]) for case in cases)
                if keys]
    if failures:
        raise Mistake(_or_default(combined_verdict(failures), default))


def _or_default(key, default):
    return default if key == UNCOMMON and default else key


def selection_failure(value, probas, n, strategy, want=None, again=None, mirrored=None):
    """``[]`` when ``value`` is a right selection, else the keys that fit it (see :func:`selection_keys`)."""
    p = np.asarray(probas, dtype=float)
    try:
        got = as_indices(value, len(p), p.shape[1])
    except Mistake as verdict:
        return [verdict.key]
    k = min(n, len(p))
    if want is not None:
        ok = sorted(got.tolist()) == sorted(np.asarray(want, dtype=int).ravel().tolist())
    else:
        ok = len(got) == k and is_top(got, STRATEGIES[strategy][0](p))
    return [] if ok else selection_keys(got, p, n, strategy, again, mirrored)


# --- query strategies on fixed tables -------------------------------------------------------------

def random_tables(seed=0):
    """Random probability tables of 40 rows: 2, 3 and 10 classes."""
    rng = np.random.default_rng(seed)
    for n_classes in (2, 3, 10):
        yield rng.dirichlet(np.ones(n_classes) * 0.7, size=40)


def zero_tables():
    """Tables with exact zeros where ``-sum(p * log p)`` is NaN: in the first, code that puts NaN last picks
    other rows than the lowest entropies; in the second, code that puts NaN first does. The two largest
    entropies: rows 5 and 6, then rows 0 and 3."""
    yield np.array([[0.98, 0.02, 0, 0], [0.99, 0.01, 0, 0], [0.97, 0.01, 0.01, 0.01], [0.9, 0.05, 0.03, 0.02],
                    [0.85, 0.05, 0.05, 0.05], [0.5, 0.5, 0, 0], [0.34, 0.33, 0.33, 0], [0.96, 0.02, 0.01, 0.01]])
    yield np.array([[0.5, 0.5, 0, 0], [0.97, 0.01, 0.01, 0.01], [0.96, 0.02, 0.01, 0.01], [0.3, 0.3, 0.2, 0.2],
                    [0.9, 0.05, 0.03, 0.02], [0.85, 0.05, 0.05, 0.05], [0.7, 0.3, 0, 0], [0.8, 0.2, 0, 0]])


def strategy_case(call, name, probas, n, want=None):
    """``(value, probas, n, want, again, mirrored)`` of query strategy ``name`` on a fixed table (see
    :func:`check_selections`)."""
    args = (Probe.fixed_proba(probas), fixed_pool(len(probas)), n)
    mirrored = (Probe.fixed_proba(np.asarray(probas)[::-1]), fixed_pool(len(probas)), n)
    return (call(name, *args).value, probas, n, want, lambda: call(name, *args).value,
            lambda: call(name, *mirrored).value)


def check_strategy(call, name, probas, n, strategy, want=None, default=None):
    """Call query strategy ``name`` on a fixed table of ``probas``; fail with its one likely mistake."""
    check_selections([strategy_case(call, name, probas, n, want)], strategy, default)


def check_on_random_tables(call, reference, name, strategy, n, seed=0):
    """Compare with the reference on the random tables (2, 3 and 10 classes); one verdict for them all."""
    cases = []
    for probas in random_tables(seed):
        want = reference(name, Probe.fixed_proba(probas), fixed_pool(len(probas)), n).value
        cases.append(strategy_case(call, name, probas, n, want))
    check_selections(cases, strategy)
