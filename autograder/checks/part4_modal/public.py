"""Public checks of Part 4 (modAL): ``modal_learning_loop`` and ``entropy_query_strategy``."""
import numpy as np

from allab.checks import fits, public_check, row_indices
from allab.probes import Probe, fixed_pool


def _blobs(n, seed):
    """``n`` rows of two well separated 2-D Gaussian blobs (half of each class, interleaved)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.normal(size=(n, 2)) + 3.0 * y[:, None]
    return X, y


@public_check("modal_learning_loop")
def modal_learning_loop(call):
    """One evaluation per round, n_queries new labels per round, queried rows leave the pool,
    the caller's arrays are not modified, a small pool is used up and the loop stops."""
    X_lab, y_lab = _blobs(6, seed=1)
    X_pool, y_pool = _blobs(40, seed=2)
    X_test, y_test = _blobs(30, seed=3)
    args = (X_lab, y_lab, X_pool, y_pool, X_test, y_test)

    out = call("modal_learning_loop", *args, n_iterations=4, n_queries=5,
               estimator=Probe.spy("model"), verbose=False)
    value = out.value
    assert isinstance(value, (tuple, list)) and len(value) == 2, \
        f"should return a tuple (accuracies, n_labeled); got {type(value).__name__}"
    accuracies, n_labeled = (list(np.asarray(v, dtype=float).ravel()) for v in value)
    assert len(accuracies) == 4, \
        f"n_iterations=4 should give 4 accuracies (one per round); got {len(accuracies)}"
    assert all(0.0 <= a <= 1.0 for a in accuracies), f"accuracies should be between 0 and 1; got {accuracies}"
    assert n_labeled == [6, 11, 16, 21], \
        f"with 6 initial labels and n_queries=5, n_labeled should be [6, 11, 16, 21]; got {n_labeled}"

    trained = fits(out, "model")
    assert trained, "the estimator passed as estimator= was never trained: use it (a clone of it) in the ActiveLearner"
    X_fit = np.asarray(max((e["X"] for e in trained), key=len))
    assert len(X_fit) >= 21, f"the model should be trained on 21 rows by the last round; at most it saw {len(X_fit)}"
    n_distinct = len({row.tobytes() for row in X_fit})
    assert n_distinct == len(X_fit), (
        f"the model was trained on {len(X_fit)} rows but only {n_distinct} of them are different: a pool row "
        "was queried twice. Remove the queried rows from X_pool and y_pool (np.delete) after teaching")

    after = out.args_after
    for name, before, now in zip(["X_labeled", "y_labeled", "X_pool", "y_pool"], args, after, strict=False):
        assert np.shape(now) == np.shape(before) and np.array_equal(np.asarray(now), before), \
            f"the caller's {name} was modified; work on copies (np.delete and np.vstack make new arrays)"

    # A strategy that picks the last 3 rows of the pool: pool rows 37-39, then 34-36.
    out = call("modal_learning_loop", *args, n_iterations=3, n_queries=3, estimator=Probe.spy("last"),
               query_strategy=Probe.strategy("picks", pick="last", modal=True), verbose=False)
    assert out.logs.get("picks"), "the loop must give its query_strategy to the ActiveLearner"
    trained = fits(out, "last")
    X_fit, y_fit = (np.asarray(trained[-1]["X"]), np.asarray(trained[-1]["y"])) if trained else ([], [])
    X_want, y_want = np.vstack([X_lab, X_pool[34:]]), np.concatenate([y_lab, y_pool[34:]])
    taught = {row.tobytes(): label for row, label in zip(X_fit, y_fit, strict=False)}
    assert sorted(taught) == sorted(row.tobytes() for row in X_want), (
        "with a query_strategy that picks the last 3 pool rows, the last round must train on the 6 initial rows "
        "and pool rows 34-39: teach the rows learner.query returned (X_pool[query_idx])")
    assert all(taught[row.tobytes()] == label for row, label in zip(X_want, y_want, strict=False)), \
        "the rows were taught with wrong labels: teach y_pool[query_idx] with X_pool[query_idx]"

    # A pool smaller than what the rounds ask for: 7 rows, batches of 5.
    out = call("modal_learning_loop", X_lab, y_lab, X_pool[:7], y_pool[:7], X_test, y_test,
               n_iterations=5, n_queries=5, estimator=Probe.estimator("logreg"), verbose=False)
    accuracies, n_labeled = (list(np.asarray(v, dtype=float).ravel()) for v in out.value)
    assert n_labeled == [6, 11, 13], (
        "with 6 initial labels, a pool of 7 rows and n_queries=5, the rounds should have [6, 11, 13] labels "
        f"(5, then the 2 rows left, then stop because the pool is empty); got {n_labeled}")
    assert len(accuracies) == 3, f"expected 3 accuracies (one per round); got {len(accuracies)}"


@public_check("entropy_query_strategy")
def entropy_query_strategy(call):
    """Returns (indices, X_pool[indices]) with the highest-entropy rows; copes with probabilities of 0."""
    probas = np.array([[1.0, 0.0], [0.55, 0.45], [0.9, 0.1], [0.3, 0.7], [0.0, 1.0], [0.8, 0.2]])
    X = fixed_pool(len(probas))

    out = call("entropy_query_strategy", Probe.fixed_proba(probas), X)
    value = out.value
    assert isinstance(value, (tuple, list)) and len(value) == 2, (
        "should return a tuple (indices, X_pool[indices]), like modAL's own strategies; "
        f"got {type(value).__name__}")
    idx = row_indices(value[0])
    assert idx.tolist() == [1], (
        f"with the default n_instances=1 it should select row 1 (probabilities 0.55/0.45, the highest "
        f"entropy); got indices {idx.tolist()}")
    assert np.array_equal(np.asarray(value[1], dtype=float).reshape(len(idx), -1), X[idx]), \
        "the second element should be the selected rows, X_pool[indices]"

    out = call("entropy_query_strategy", Probe.fixed_proba(probas), X, n_instances=2)
    idx = row_indices(out.value[0])
    assert sorted(idx.tolist()) == [1, 3], (
        "n_instances=2 should select rows 1 and 3 (the two highest entropies; rows 0 and 4 have a probability "
        f"of exactly 0 and entropy 0, not nan); got {idx.tolist()}")

    spread = [[0.45, 0.275, 0.275], [0.4, 0.4, 0.2], [0.9, 0.05, 0.05]]
    idx = row_indices(call("entropy_query_strategy", Probe.fixed_proba(spread), fixed_pool(3)).value[0])
    assert idx.tolist() == [0], (
        f"expected row 0 (probabilities 0.45/0.275/0.275, the highest entropy); got {idx.tolist()}"
        + (" - row 1 has the smallest largest probability (least confidence), not the highest entropy"
           if idx.tolist() == [1] else ""))

    three = np.array([[0.34, 0.33, 0.33], [0.98, 0.01, 0.01], [0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])
    out = call("entropy_query_strategy", Probe.fixed_proba(three), fixed_pool(4), n_instances=2)
    idx = row_indices(out.value[0])
    assert sorted(idx.tolist()) == [0, 2], \
        f"three classes: rows 0 and 2 have the highest entropy; got {idx.tolist()}"
