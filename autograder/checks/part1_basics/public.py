"""Public checks of Part 1: the initial split, uncertainty sampling, the oracles and the loop."""
import numpy as np

from allab.checks import fits, indexed_data, indexed_ids, loop_data, public_check, sorted_indices
from allab.probes import Probe, fixed_pool, row_ids


@public_check("create_initial_split")
def create_initial_split(call):
    """A seeded split into labelled set and pool, every class labelled at least once."""
    X, y = indexed_data(50, [0] * 45 + [1] * 3 + [2] * 2)
    out = call("create_initial_split", X, y, 5, random_state=0)
    value = out.value
    assert isinstance(value, tuple) and len(value) == 5, \
        "return a tuple (X_labeled, y_labeled, X_pool, y_pool, pool_idx)"
    X_lab, y_lab, X_pool, y_pool, pool_idx = (np.asarray(v) for v in value)
    assert len(X_lab) == 5 and len(y_lab) == 5, f"the labelled set must have n_initial=5 rows; got {len(X_lab)}"
    assert len(X_pool) == 45 and len(y_pool) == 45, f"the pool must have the other 45 rows; got {len(X_pool)}"
    lab, pool = indexed_ids(X_lab), indexed_ids(X_pool)
    assert sorted(lab + pool) == list(range(50)), \
        "every training row must be in exactly one of the labelled set and the pool"
    assert np.array_equal(y_lab, y[lab]) and np.array_equal(y_pool, y[pool]), \
        "labels must stay with their rows: y_labeled[i] must be the label of X_labeled[i]"
    assert sorted_indices(pool_idx) == sorted(pool), "pool_idx must be the rows of X_train that went to the pool"
    assert set(y_lab.tolist()) == {0, 1, 2}, \
        f"the labelled set must hold every class of y_train at least once (0, 1 and 2); it holds only " \
        f"{sorted(set(y_lab.tolist()))}"
    again = call("create_initial_split", X, y, 5, random_state=0).value
    assert indexed_ids(again[0]) == lab, "the same random_state must give the same split"
    others = {tuple(sorted(indexed_ids(call("create_initial_split", X, y, 5, random_state=s).value[0])))
              for s in (1, 2, 3)}
    assert len(others | {tuple(sorted(lab))}) > 1, "different random_state values must give different splits"
    assert np.array_equal(out.args_after[0], X) and np.array_equal(out.args_after[1], y), \
        "X_train and y_train must not be modified"
    assert call("create_initial_split", X, y, 2, random_state=0).raised == "ValueError", \
        "n_initial smaller than the number of classes must raise ValueError"


@public_check("uncertainty_sampling")
def uncertainty_sampling(call):
    """Picks the rows whose largest class probability is smallest, binary and multiclass."""
    binary = [[0.9, 0.1], [0.5, 0.5], [0.6, 0.4], [0.99, 0.01], [0.2, 0.8]]
    got = sorted_indices(call("uncertainty_sampling", Probe.fixed_proba(binary), fixed_pool(5), 2).value, 5)
    assert got == [1, 2], f"expected the two most uncertain rows {{1, 2}} (any order); got {got}" + (
        " - these are the most confident rows: sort so that the LARGEST uncertainty comes first"
        if got == [0, 3] else "")
    multi = [[0.4, 0.3, 0.3], [0.8, 0.1, 0.1], [0.34, 0.33, 0.33], [0.5, 0.5, 0.0]]
    got = sorted_indices(call("uncertainty_sampling", Probe.fixed_proba(multi), fixed_pool(4), 2).value, 4)
    assert got == [0, 2], f"on three classes, expected rows {{0, 2}} (largest probability smallest); got {got}"
    spread = [[0.45, 0.275, 0.275], [0.4, 0.4, 0.2], [0.9, 0.05, 0.05]]
    got = sorted_indices(call("uncertainty_sampling", Probe.fixed_proba(spread), fixed_pool(3), 1).value, 3)
    assert got == [1], f"expected row 1 (largest probability 0.4, the smallest); got {got}" + (
        " - row 0 has the largest entropy, but least confidence looks only at the largest probability"
        if got == [0] else "")
    got = sorted_indices(call("uncertainty_sampling", Probe.fixed_proba(binary), fixed_pool(5), 10).value, 5)
    assert got == [0, 1, 2, 3, 4], f"asking for more samples than the pool holds must return the whole pool; got {got}"


@public_check("oracle")
def oracle(call):
    """Returns the true labels of the queried pool rows, leaving y_pool unchanged."""
    y_pool = np.array([3, 1, 4, 1, 5, 9, 2, 6])
    out = call("oracle", fixed_pool(3), y_pool, [7, 0, 5])
    got = np.asarray(out.value).tolist()
    assert got == [6, 3, 9], f"expected y_pool[[7, 0, 5]] = [6, 3, 9]; got {got}"
    assert np.array_equal(out.args_after[1], y_pool), "y_pool must not be modified"


@public_check("noisy_oracle")
def noisy_oracle(call):
    """Flips exactly int(n * error_rate) labels to other existing classes, seeded, any number of classes."""
    y_pool = np.array([0, 1, 2] * 10)
    idx = list(range(0, 30, 3)) + list(range(2, 30, 3))  # ten 0s and ten 2s
    truth = y_pool[idx]
    clean = np.asarray(call("noisy_oracle", fixed_pool(20), y_pool, idx, 0.0, random_state=0).value)
    assert np.array_equal(clean, truth), "error_rate=0 must return the true labels"
    out = call("noisy_oracle", fixed_pool(20), y_pool, idx, 0.25, random_state=0)
    noisy = np.asarray(out.value)
    assert len(noisy) == 20, f"return one label per query; got {len(noisy)}"
    assert int(np.sum(noisy != truth)) == 5, \
        f"error_rate=0.25 on 20 labels must change exactly 5; changed {int(np.sum(noisy != truth))}"
    assert set(noisy.tolist()) <= {0, 1, 2}, \
        f"wrong labels must be other classes of y_pool (0, 1, 2); got {sorted(set(noisy.tolist()))}" + (
            " - 1 - label only works for two classes" if -1 in noisy else "")
    assert np.array_equal(out.args_after[1], y_pool), "y_pool must not be modified"
    again = np.asarray(call("noisy_oracle", fixed_pool(20), y_pool, idx, 0.25, random_state=0).value)
    assert np.array_equal(again, noisy), "the same random_state must give the same labels"
    for seed in range(1, 8):  # exactly, whatever the seed: not about error_rate of them by chance
        changed = int(np.sum(np.asarray(call("noisy_oracle", fixed_pool(20), y_pool, idx, 0.25,
                                             random_state=seed).value) != truth))
        assert changed == 5, f"error_rate=0.25 on 20 labels must change exactly 5 for every random_state; with " \
            f"random_state={seed} it changed {changed} - choose int(n * error_rate) labels to change (e.g. " \
            "rng.choice(n, size=n_errors, replace=False)), do not flip each label with probability error_rate"


@public_check("active_learning_loop")
def active_learning_loop(call):
    """Retrains on a growing labelled set, queries the pool, never trains on test data."""
    X_lab, y_lab, X_pool, y_pool, X_test, y_test = loop_data()
    out = call("active_learning_loop", X_lab, y_lab, X_pool, y_pool, X_test, y_test, 4, 5,
               model=Probe.spy("loop"), verbose=False)
    value = out.value
    assert isinstance(value, tuple) and len(value) == 2, "return (accuracies, n_labeled)"
    accuracies, n_labeled = (np.asarray(v).tolist() for v in value)
    assert len(accuracies) == 4 and len(n_labeled) == 4, \
        f"n_iterations=4 must give 4 accuracies and 4 sizes; got {len(accuracies)} and {len(n_labeled)}"
    assert n_labeled == [20, 25, 30, 35], f"with n_queries=5 the labelled set must grow 20, 25, 30, 35; got {n_labeled}"
    assert all(0 <= a <= 1 for a in accuracies), f"accuracies must be between 0 and 1; got {accuracies}"
    trained = fits(out, "loop")
    assert len(trained) >= 4, \
        f"the model must be retrained every round: fit was called {len(trained)} times for 4 rounds"
    X_all = np.vstack([X_lab, X_pool, X_test])
    y_all = np.concatenate([y_lab, y_pool, y_test])
    for event in trained:
        ids = row_ids(event["X"], X_all)
        assert not np.any(ids >= 120), "the model was trained on test rows: X_test must only be used to score"
        assert len(set(ids.tolist())) == len(ids), \
            "the model was trained on the same pool row twice: remove queried samples from the pool"
        assert np.array_equal(np.asarray(event["y"]), y_all[ids]), \
            "the model was trained on wrong labels: take the labels of the queried rows (y_pool[query_idx])"
    assert np.array_equal(out.args_after[2], X_pool) and np.array_equal(out.args_after[3], y_pool), \
        "the caller's X_pool and y_pool must not be modified"
    sizes = [int(n) for n in call("active_learning_loop", X_lab, y_lab, X_pool[:12], y_pool[:12], X_test, y_test,
                                  6, 10, verbose=False).value[1]]
    assert sizes == [20, 30, 32], "from 20 labels, a pool of 12 rows and n_queries=10, the sizes must be " \
        "[20, 30, 32] " \
        f"(10 rows, then the 2 left, then stop after recording: the pool is empty); got {sizes}"
    out = call("active_learning_loop", X_lab, y_lab, X_pool, y_pool, X_test, y_test, 3, 4,
               query_strategy=Probe.strategy("last", pick="last"), model=Probe.spy("mine"), verbose=False)
    assert out.logs.get("last"), "the loop must query with the query_strategy it is given, not a fixed strategy"
    # A strategy that always picks the last 4 rows of the pool: pool rows 96-99, then 92-95.
    seen = sorted(row_ids(fits(out, "mine")[-1]["X"], X_all).tolist())
    assert seen == list(range(20)) + list(range(20 + 92, 20 + 100)), \
        "with a query_strategy that picks the last 4 pool rows, the last round must train on the 20 initial " \
        "rows and pool rows 92-99: label the rows the strategy returned"
