"""The claims the notebooks make, checked on the reference functions with fixed seeds.

These are the numbers the lab teaches: if a change to the data, the defaults or the functions makes one of
them false, the notebooks' text is false too.
"""
import numpy as np
import pytest
from scipy.stats import wilcoxon
from sklearn.linear_model import LogisticRegression

from allab.data import load_digits_3v8, load_hard_data, load_lab_data

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def p3(ref):
    return ref("part3_experiments")


def paired(p3, n_runs, **kwargs):
    results = p3["run_multiple_experiments"](n_runs, **kwargs)
    n = results["n_labeled"]
    active = np.array([p3["area_under_curve"](curve, n) for curve in results["active"]])
    random = np.array([p3["area_under_curve"](curve, n) for curve in results["random"]])
    return results, active, random


@pytest.fixture(scope="module")
def headline(p3):
    """The headline setting: the lab data, 20 paired starting sets, 20 rounds of 10."""
    return paired(p3, 20)


def test_headline_active_wins_on_at_least_90_percent_of_paired_seeds(headline):
    results, active, random = headline
    assert np.asarray(results["active"]).shape == (20, 20)
    wins = int(np.sum(active > random))
    assert wins >= 18, f"active learning won on only {wins} of 20 seeds"
    assert wilcoxon(active, random).pvalue < 0.01


def test_headline_target_is_reachable_and_active_needs_fewer_labels(p3, headline):
    results, _, _ = headline
    n = results["n_labeled"]
    active = [p3["labels_to_target"](curve, n, 0.85) for curve in results["active"]]
    random = [p3["labels_to_target"](curve, n, 0.85) for curve in results["random"]]
    assert None not in active, "85% must be reachable by active learning on every seed"
    reached = [r for r in random if r is not None]
    assert len(reached) >= 10 and np.median(active) < np.median(reached)


def test_full_pool_ceiling_of_the_two_tasks():
    """Part 3 says a model trained on all 700 labels gets about 90% on the lab data (so 85% is reachable), and
    that the hard case's ceiling is low (the README and docs/changes-from-the-handout.md say about 0.81)."""
    for loader, low, high in ((load_lab_data, 0.87, 0.93), (load_hard_data, 0.76, 0.84)):
        X_train, X_test, y_train, y_test = loader()
        score = LogisticRegression(max_iter=1000, random_state=42).fit(X_train, y_train).score(X_test, y_test)
        assert low < score < high, (loader.__name__, score)


def test_hard_case_active_learning_does_not_reliably_win(p3):
    _, active, random = paired(p3, 20, load_data=load_hard_data)
    wins = int(np.sum(active > random))
    assert 2 <= wins <= 14, f"on the handout's data active learning won {wins} of 20: Part 3's discussion is stale"


def test_digits_3_vs_8_active_learning_needs_fewer_labels(p3):
    results, active, random = paired(p3, 20, load_data=load_digits_3v8, n_initial=10, n_iterations=15,
                                     n_queries=5)
    assert np.sum(active > random) >= 14
    n = results["n_labeled"]
    labels = {kind: [p3["labels_to_target"](c, n, 0.97) for c in results[kind]] for kind in ("active", "random")}
    median = {k: np.median([x if x is not None else np.inf for x in v]) for k, v in labels.items()}
    assert median["active"] < median["random"], median


def test_same_seed_same_numbers(p3):
    first = p3["run_multiple_experiments"](2, n_iterations=3, random_state=5)
    again = p3["run_multiple_experiments"](2, n_iterations=3, random_state=5)
    np.testing.assert_array_equal(first["active"], again["active"])
    np.testing.assert_array_equal(first["random"], again["random"])

