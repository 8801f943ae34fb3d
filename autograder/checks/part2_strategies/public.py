"""Public checks of Part 2: the random baseline, margin and entropy sampling, and their overlap."""
import numpy as np

from allab.checks import fits, loop_data, public_check, sorted_indices
from allab.probes import Probe, fixed_pool, row_ids


def _picked(call, name, probas, n):
    return sorted_indices(call(name, Probe.fixed_proba(probas), fixed_pool(len(probas)), n).value, len(probas))


@public_check("random_sampling_loop")
def random_sampling_loop(call):
    """Queries distinct random pool rows every round, reproducibly for a seed."""
    X_lab, y_lab, X_pool, y_pool, X_test, y_test = loop_data()
    data = (X_lab, y_lab, X_pool, y_pool, X_test, y_test)

    def run(seed):
        out = call("random_sampling_loop", *data, 4, 5, model=Probe.spy("random", estimator="nb"), random_state=seed,
                   verbose=False)
        value = out.value
        assert isinstance(value, tuple) and len(value) == 2, "return (accuracies, n_labeled)"
        return out, [int(v) for v in value[1]], fits(out, "random")

    out, n_labeled, trained = run(0)
    assert n_labeled == [20, 25, 30, 35], f"with n_queries=5 the labelled set must grow 20, 25, 30, 35; got {n_labeled}"
    assert len(trained) >= 4, \
        f"the model must be retrained every round: fit was called {len(trained)} times for 4 rounds"
    X_all = np.vstack([X_lab, X_pool])
    last = row_ids(trained[-1]["X"], X_all)
    assert -1 not in last.tolist(), "the model was trained on rows that are not in the labelled set or the pool"
    queried = last[last >= 20] - 20
    assert len(set(last.tolist())) == len(last), (
        f"the same pool row was labelled twice, and every queried row is among the pool's first {2 * 4}: class "
        "labels (values of y_pool) were used as row indices; draw row numbers, e.g. rng.choice(len(X_pool), ...)"
        if queried.size and queried.max() < 2 * 4 else
        "the same pool row was labelled twice: remove queried samples from the pool")
    _, _, fits_again = run(0)
    assert np.array_equal(row_ids(fits_again[-1]["X"], X_all), last), \
        "the same random_state must select the same samples"
    picks = {tuple(sorted(row_ids(run(s)[2][-1]["X"], X_all).tolist())) for s in (1, 2)}
    assert len(picks | {tuple(sorted(last.tolist()))}) > 1, \
        "different random_state values must select different samples"
    assert np.array_equal(out.args_after[2], X_pool), "the caller's X_pool must not be modified"
    sizes = [int(n) for n in call("random_sampling_loop", X_lab, y_lab, X_pool[:7], y_pool[:7], X_test, y_test, 5, 5,
                                  random_state=0, verbose=False).value[1]]
    assert sizes == [20, 25, 27], f"from 20 labels, a pool of 7 rows and n_queries=5, the sizes must be [20, 25, 27] " \
        f"(5 rows, then the 2 left, then stop after recording: the pool is empty); got {sizes}"


@public_check("margin_sampling")
def margin_sampling(call):
    """Picks the rows with the smallest gap between the two most likely classes."""
    binary = [[0.9, 0.1], [0.52, 0.48], [0.3, 0.7], [0.45, 0.55]]
    got = _picked(call, "margin_sampling", binary, 2)
    assert got == [1, 3], f"expected rows {{1, 3}} (the smallest margins); got {got}" + (
        " - these are the LARGEST margins" if got == [0, 2] else "")
    multi = [[0.5, 0.3, 0.2], [0.9, 0.05, 0.05], [0.4, 0.35, 0.25], [0.45, 0.45, 0.1]]
    got = _picked(call, "margin_sampling", multi, 2)
    assert got == [2, 3], f"on three classes, expected rows {{2, 3}} (top-two gaps 0.05 and 0); got {got}"
    spread = [[0.3, 0.3, 0.4], [0.1, 0.45, 0.45], [0.6, 0.2, 0.2]]
    got = _picked(call, "margin_sampling", spread, 1)
    assert got == [1], f"on three classes, expected row 1 (its two largest probabilities, 0.45 and 0.45, are " \
        f"equal); got {got}" + (" - the two largest probabilities are not always columns 0 and 1: sort each row"
                                if got == [0] else "")
    got = _picked(call, "margin_sampling", binary, 9)
    assert got == [0, 1, 2, 3], f"asking for more samples than the pool holds must return the whole pool; got {got}"


@public_check("entropy_sampling")
def entropy_sampling(call):
    """Picks the rows with the largest entropy, with exact zeros in the probabilities."""
    multi = [[0.5, 0.5, 0.0], [0.4, 0.3, 0.3], [1.0, 0.0, 0.0], [0.34, 0.33, 0.33], [0.8, 0.2, 0.0]]
    got = _picked(call, "entropy_sampling", multi, 2)
    assert got == [1, 3], f"expected rows {{1, 3}} (the largest entropies); got {got} - compute one entropy " \
        "per row (sample), e.g. scipy.stats.entropy(probas, axis=1), with 0 * log 0 counted as 0"
    got = _picked(call, "entropy_sampling", [[0.9, 0.1], [0.5, 0.5], [0.7, 0.3]], 1)
    assert got == [1], f"on two classes, expected row 1 (p = 0.5); got {got}"
    got = _picked(call, "entropy_sampling", [[0.5, 0.5, 0.0], [0.8, 0.1, 0.1], [0.98, 0.01, 0.01]], 1)
    assert got == [0], f"expected row 0 ([0.5, 0.5, 0.0], entropy log 2); got {got} - a probability of exactly 0 " \
        "must add 0 to the entropy, not NaN (0 * log 0 is NaN in numpy; scipy.stats.entropy counts it as 0)"
    got = _picked(call, "entropy_sampling", multi, 7)
    assert got == [0, 1, 2, 3, 4], f"asking for more samples than the pool holds must return the whole pool; got {got}"


@public_check("strategy_overlap")
def strategy_overlap(call):
    """Counts shared selections per pair of strategies."""
    multi = [[0.5, 0.5, 0.0], [0.4, 0.3, 0.3], [0.9, 0.1, 0.0], [0.34, 0.33, 0.33], [0.8, 0.2, 0.0]]
    # least-confidence {3, 1}, margin {0, 3}, entropy {3, 1}
    got = call("strategy_overlap", Probe.fixed_proba(multi), fixed_pool(5), 2).value
    assert isinstance(got, dict), f"return a dict; got {type(got).__name__}"
    expected = {"uncertainty-margin": 1, "uncertainty-entropy": 2, "margin-entropy": 1}
    assert set(got) == set(expected), f"expected the keys {sorted(expected)}; got {sorted(map(str, got))}"
    not_counts = {k: v for k, v in got.items() if not isinstance(v, (int, np.integer, float, np.floating))}
    assert not not_counts, f"expected a count (a number) for each pair; got {not_counts}"
    got = {k: int(v) for k, v in got.items()}
    assert got == expected, f"expected {expected} for this table of probabilities; got {got}"
