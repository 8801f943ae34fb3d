"""Hidden checks of Part 4 (modAL); the public ones are in public.py.

The loop is observed through a spy logistic regression (``Probe.spy``): every ``fit`` shows the learner's
training set, every ``predict_proba`` on pool rows shows the pool the query strategy scored. From these the
checks replay each round: the pool must be the original pool minus the rows taught so far, the rows taught
must be the most uncertain rows of that pool (modAL's default strategy, least confidence, recomputed here on
the same training data) and their labels must be their own. A logistic regression has no ties, so this holds
for any correct loop (np.delete, a boolean mask, teaching row by row, ...).
"""
import functools
from collections import Counter

import numpy as np
from sklearn.linear_model import LogisticRegression

from allab.checks import fits
from allab.probes import Probe, fixed_pool, row_ids
from autograder.checks.verdicts import as_indices, check_selections, random_tables, zero_tables
from autograder.grading.runner import Mistake, check, expect

# --- modal_learning_loop --------------------------------------------------------------------------

def _data(seed=0, n_lab=12, n_pool=60, n_test=40, n_classes=2):
    """Overlapping Gaussian classes (so that uncertainty matters), with every class in the labelled set."""
    rng = np.random.default_rng(seed)
    n = n_lab + n_pool + n_test
    y = rng.integers(0, n_classes, n)
    y[:n_classes] = np.arange(n_classes)
    centres = rng.normal(scale=1.5, size=(n_classes, 3))
    X = centres[y] + rng.normal(size=(n, 3))
    a, b = n_lab, n_lab + n_pool
    return X[:a], y[:a], X[a:b], y[a:b], X[b:], y[b:]


def _result(out):
    value = out.value
    expect(isinstance(value, (tuple, list)) and len(value) == 2, "wrong_count")
    accuracies = np.asarray(value[0], dtype=float).ravel().tolist()
    n_labeled = [int(n) for n in np.asarray(value[1], dtype=float).ravel()]
    return accuracies, n_labeled


def _logreg(X, y):
    """The spy's own estimator (allab.probes.ESTIMATORS["logreg"]), refitted here on the same data."""
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    return _fitted_logreg(X.tobytes(), X.shape, y.tobytes(), y.dtype.str)


@functools.lru_cache(maxsize=1024)  # correct loops fit the same sets for every student
def _fitted_logreg(X_bytes, X_shape, y_bytes, y_dtype):
    X = np.frombuffer(X_bytes).reshape(X_shape)
    return LogisticRegression(max_iter=1000, random_state=42).fit(X, np.frombuffer(y_bytes, dtype=y_dtype))


def _replay(out, data, n_queries, label="model"):
    """Check the rounds of a spied run: pools, taught rows and their labels. Returns the fit events."""
    X_lab, y_lab, X_pool, y_pool, X_test, y_test = data
    X_all, y_all = np.vstack(data[0::2]), np.concatenate(data[1::2])
    n_lab, n_pool = len(X_lab), len(X_pool)
    pool_ids = set(range(n_lab, n_lab + n_pool))
    events = out.logs.get(label, [])
    fit_events = fits(out, label)
    expect(fit_events, "ignores_estimator")
    for e in fit_events:
        seen = row_ids(e["X"], X_all)
        expect(not np.any(seen >= n_lab + n_pool), "trains_on_test")
        expect(np.all(seen >= 0) and np.array_equal(np.asarray(e["y"]).ravel(), y_all[seen]), "wrong_rows")
    first = Counter(row_ids(fit_events[0]["X"], X_all).tolist())
    expect(first == Counter(range(n_lab)), "wrong_rows")

    # The query strategy scores the pool: predict_proba on pool rows only, after the latest fit.
    queries, last_fit = [], None
    for e in events:
        if e["method"] == "fit":
            last_fit = e
        elif e["method"] == "predict_proba" and len(e["X"]):
            seen = row_ids(e["X"], X_all)
            if np.any(seen >= n_lab + n_pool) and np.any((seen >= n_lab) & (seen < n_lab + n_pool)):
                raise Mistake("trains_on_test")
            if np.all((seen >= n_lab) & (seen < n_lab + n_pool)):
                if queries and queries[-1][0] is last_fit and queries[-1][1].tolist() == seen.tolist():
                    continue  # the same query again (modAL retries a strategy whose result does not unpack)
                queries.append((last_fit, seen))
    expect(queries, "pool_never_shrinks")
    for j, (fit, pool) in enumerate(queries):
        trained = Counter(row_ids(fit["X"], X_all).tolist())
        expected = pool_ids - set(trained)
        expect(len(set(pool.tolist())) == len(pool) and set(pool.tolist()) == expected, "pool_never_shrinks")
        after = queries[j + 1][0] if j + 1 < len(queries) else fit_events[-1]
        grown = Counter(row_ids(after["X"], X_all).tolist())
        new = grown - trained
        expect(not (trained - grown) and len(new) == sum(new.values()), "wrong_rows")
        new = sorted(new)
        if after is fit or not new:
            continue  # nothing taught after this query (the run ended)
        expect(set(new) <= set(pool.tolist()), "pool_never_shrinks")
        expect(len(new) == min(n_queries, len(pool)), "wrong_count")
        model = _logreg(fit["X"], fit["y"])
        rest = np.array(sorted(set(pool.tolist()) - set(new)), dtype=int)
        uncertainty = 1 - model.predict_proba(X_all[np.array(new)]).max(axis=1)
        if len(rest):
            others = 1 - model.predict_proba(X_all[rest]).max(axis=1)
            expect(uncertainty.min() >= others.max() - 1e-9, "teaches_other_rows")
    return fit_events


@check("modal_learning_loop", core=True)
def modal_teaches_the_queried_rows(call):
    """every round: the pool loses exactly the rows taught, and they are the queried rows with their labels"""
    data = _data(seed=0)
    out = call("modal_learning_loop", *data, 5, 6, estimator=Probe.spy("model"), verbose=False)
    accuracies, n_labeled = _result(out)
    for before, after in zip(data, out.args_after[:len(data)], strict=True):
        expect(np.shape(after) == np.shape(before) and np.array_equal(np.asarray(after), before), "modifies_input")
    _replay(out, data, 6)
    expect(n_labeled == [12, 18, 24, 30, 36] and len(accuracies) == 5, "wrong_count")


@check("modal_learning_loop")
def modal_three_classes_and_accuracies(call):
    """three classes: the accuracies are the test accuracy of the model trained in each round"""
    data = _data(seed=1, n_lab=9, n_pool=45, n_test=60, n_classes=3)
    out = call("modal_learning_loop", *data, 4, 8, estimator=Probe.spy("model"), verbose=False)
    accuracies, n_labeled = _result(out)
    trained_fits = _replay(out, data, 8)
    expect(n_labeled == [9, 17, 25, 33] and len(accuracies) == 4, "wrong_count")
    X_test, y_test = data[4], data[5]
    for acc, n in zip(accuracies, n_labeled, strict=False):
        trained = [f for f in trained_fits if len(f["X"]) == n]
        expect(trained, "wrong_count")
        expected = float(np.mean(_logreg(trained[-1]["X"], trained[-1]["y"]).predict(X_test) == y_test))
        expect(abs(acc - expected) < 1e-9, "wrong_accuracy")


@check("modal_learning_loop")
def modal_pool_runs_out(call):
    """pools smaller than a batch, or used up exactly: query what is left, then stop"""
    X_lab, y_lab, X_pool, y_pool, X_test, y_test = _data(seed=2)
    cases = [(4, 10, 5, [12, 16]), (12, 4, 10, [12, 16, 20, 24]), (1, 3, 3, [12, 13]), (9, 5, 2, [12, 17])]
    for n_pool, n_queries, n_iterations, expected in cases:
        # Only the counts matter here: naive Bayes fits five times faster than the logistic regression.
        out = call("modal_learning_loop", X_lab, y_lab, X_pool[:n_pool], y_pool[:n_pool], X_test, y_test,
                   n_iterations, n_queries, estimator=Probe.estimator("nb"), verbose=False)
        accuracies, n_labeled = _result(out)
        expect(n_labeled == expected and len(accuracies) == len(expected), "batch_too_large")


@check("modal_learning_loop", core=True)
def modal_uses_its_query_strategy(call):
    """the query_strategy argument picks the rows (modAL calls it with n_instances), from a shrinking pool"""
    data = _data(seed=4)
    out = call("modal_learning_loop", *data, 3, 4, estimator=Probe.estimator("logreg"),
               query_strategy=Probe.strategy("strategy", pick="last", modal=True), verbose=False)
    accuracies, n_labeled = _result(out)
    queries = out.logs.get("strategy", [])
    expect(queries and all(q["n_samples"] == 4 for q in queries), "modal_ignores_strategy")
    expect([len(q["X"]) for q in queries] == [60, 56], "pool_never_shrinks")
    expect(n_labeled == [12, 16, 20] and len(accuracies) == 3, "wrong_count")


@check("modal_learning_loop")
def modal_default_estimator(call):
    """the defaults (estimator=None, query_strategy=None) run: a random forest with modAL's uncertainty sampling"""
    data = _data(seed=3, n_pool=30)
    # Each default on its own: a 100-tree forest costs 0.1 s a fit, so it gets one round (fit and score),
    # and the default strategy gets two rounds (query and teach) with a logistic regression.
    for kwargs, expected in (({}, [12]), ({"estimator": Probe.estimator("logreg")}, [12, 17])):
        out = call("modal_learning_loop", *data, len(expected), 5, verbose=False, **kwargs)
        accuracies, n_labeled = _result(out)
        expect(n_labeled == expected, "wrong_count")
        expect(all(0.0 <= a <= 1.0 for a in accuracies), "wrong_accuracy")


# --- entropy_query_strategy -----------------------------------------------------------------------

def _pair(out, X):
    """The indices of a strategy's ``(query_idx, X_pool[query_idx])``; fails with its likely mistake otherwise."""
    value = out.value
    expect(isinstance(value, (tuple, list)) and len(value) == 2 and np.ndim(value[0]) >= 1, "modal_pair")
    idx = as_indices(value[0], len(X))
    rows = np.asarray(value[1], dtype=float) if np.size(value[1]) == idx.size * X.shape[1] else None
    expect(rows is not None and np.array_equal(rows.reshape(len(idx), -1), X[idx]), "modal_pair")
    return idx


def _entropy_case(call, probas, n, want=None, X=None):
    """``(indices, probas, n, want, again, mirrored)`` of the student's strategy on ``probas`` (see
    check_selections)."""
    X = fixed_pool(len(probas)) if X is None else X

    def pick(table=probas):
        return _pair(call("entropy_query_strategy", Probe.fixed_proba(table), X, n_instances=n), X)

    return pick(), probas, n, want, pick, lambda: pick(np.asarray(probas)[::-1])


@check("entropy_query_strategy")
def entropy_strategy_returns_the_pair(call):
    """(indices, X_pool[indices]) for every batch size, two included"""
    probas = next(random_tables(seed=4))[:15]
    X = fixed_pool(len(probas), n_features=3)
    check_selections([_entropy_case(call, probas, n, X=X) for n in (1, 2, 3, 5)], "entropy")


@check("entropy_query_strategy", core=True)
def entropy_strategy_matches_reference(call, reference):
    """highest entropy on random probability tables (2, 3 and 10 classes)"""
    cases = []
    for probas in random_tables(seed=5):
        X = fixed_pool(len(probas))
        for n in (2, 7):
            want = reference("entropy_query_strategy", Probe.fixed_proba(probas), X, n_instances=n).value[0]
            cases.append(_entropy_case(call, probas, n, want))
    check_selections(cases, "entropy")


@check("entropy_query_strategy")
def entropy_strategy_exact_zeros(call):
    """probability tables with exact zeros"""
    check_selections([_entropy_case(call, probas, n) for probas in zero_tables() for n in (2, 1)], "entropy",
                     default="entropy_nan")


@check("entropy_query_strategy")
def entropy_strategy_scores_rows(call):
    """one entropy per pool row, whatever the pool size"""
    tables = [([[0.9, 0.1], [0.99, 0.01], [0.5, 0.5]], 1),   # row 2
              ([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8], [0.05, 0.9, 0.05], [0.4, 0.35, 0.25], [0.7, 0.2, 0.1]], 2)]
    check_selections([_entropy_case(call, probas, n) for probas, n in tables], "entropy", default="entropy_axis")


@check("entropy_query_strategy")
def entropy_strategy_small_pool(call):
    """a pool smaller than n_instances: every row, once"""
    probas = [[0.6, 0.4], [0.5, 0.5], [0.9, 0.1]]
    X = fixed_pool(3)
    got = _pair(call("entropy_query_strategy", Probe.fixed_proba(probas), X, n_instances=5), X)
    expect(sorted(got.tolist()) == [0, 1, 2], "batch_too_large")
    got = _pair(call("entropy_query_strategy", Probe.fixed_proba(probas[:1]), fixed_pool(1), n_instances=4),
                fixed_pool(1))
    expect(sorted(got.tolist()) == [0], "batch_too_large")
