"""Unit tests of the Part 1 reference functions, edge cases included."""
import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression


@pytest.fixture(scope="module")
def p1(ref):
    return ref("part1_basics")


class FixedProba:
    """A fitted stand-in whose predict_proba returns a fixed table (row i for pool row i)."""
    def __init__(self, probas):
        self.probas = np.asarray(probas, dtype=float)

    def predict_proba(self, X):
        return self.probas[np.asarray(X)[:, 0].astype(int)]


def pool(n):
    return np.c_[np.arange(n), np.zeros(n)]


def test_initial_split_is_a_seeded_partition(p1):
    X = np.c_[np.arange(100), np.arange(100) % 3]
    y = np.arange(100) % 2
    X0, y0 = X.copy(), y.copy()
    a = p1["create_initial_split"](X, y, 10, random_state=7)
    b = p1["create_initial_split"](X, y, 10, random_state=7)
    c = p1["create_initial_split"](X, y, 10, random_state=8)
    for left, right in zip(a, b, strict=True):
        np.testing.assert_array_equal(left, right)
    assert not np.array_equal(a[0], c[0])
    X_lab, y_lab, X_pool, y_pool, pool_idx = a
    assert sorted(X_lab[:, 0].tolist() + X_pool[:, 0].tolist()) == list(range(100))
    np.testing.assert_array_equal(X_pool, X[pool_idx])
    np.testing.assert_array_equal(y_lab, y[X_lab[:, 0].astype(int)])
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


def test_initial_split_never_draws_a_single_class(p1):
    # 90/10 imbalance, 20 labels: an unstratified draw is one-class about 11% of the time (REFERENCE.md).
    y = np.array([0] * 630 + [1] * 70)
    X = np.c_[np.arange(700)]
    for seed in range(300):
        assert set(p1["create_initial_split"](X, y, 20, random_state=seed)[1].tolist()) == {0, 1}
    # the smallest possible labelled set holds each of three classes once
    y3 = np.array([0] * 50 + [1] * 2 + [2] * 1)
    assert sorted(p1["create_initial_split"](np.c_[np.arange(53)], y3, 3, random_state=0)[1].tolist()) == [0, 1, 2]


@pytest.mark.parametrize("n_initial", [1, 100, 150])
def test_initial_split_rejects_impossible_sizes(p1, n_initial):
    with pytest.raises(ValueError, match="n_initial"):
        p1["create_initial_split"](np.c_[np.arange(100)], np.arange(100) % 2, n_initial)


def test_uncertainty_sampling_orders_by_least_confidence(p1):
    model = FixedProba([[0.9, 0.1], [0.5, 0.5], [0.7, 0.3], [0.55, 0.45]])
    assert p1["uncertainty_sampling"](model, pool(4), 3).tolist() == [1, 3, 2]


def test_uncertainty_sampling_batch_larger_than_pool(p1):
    model = FixedProba([[0.9, 0.1], [0.5, 0.5]])
    assert sorted(p1["uncertainty_sampling"](model, pool(2), 10).tolist()) == [0, 1]
    assert p1["uncertainty_sampling"](FixedProba([[0.6, 0.4]]), pool(1), 5).tolist() == [0]


def test_oracle_returns_a_copy(p1):
    y_pool = np.array([5, 6, 7])
    labels = p1["oracle"](None, y_pool, [2, 0])
    labels[:] = -1
    np.testing.assert_array_equal(y_pool, [5, 6, 7])


def test_noisy_oracle_multiclass(p1):
    y_pool = np.arange(300) % 5
    idx = np.arange(0, 300, 2)
    truth = y_pool[idx].copy()
    labels = p1["noisy_oracle"](None, y_pool, idx, 0.2, random_state=1)
    assert np.sum(labels != truth) == int(len(idx) * 0.2)
    assert set(labels.tolist()) <= set(range(5))
    np.testing.assert_array_equal(y_pool, np.arange(300) % 5)
    np.testing.assert_array_equal(labels, p1["noisy_oracle"](None, y_pool, idx, 0.2, random_state=1))
    with pytest.raises(ValueError, match="error_rate"):
        p1["noisy_oracle"](None, y_pool, idx, 1.5)


def loop_data():
    X, y = make_classification(n_samples=300, n_features=5, n_informative=3, random_state=0)
    return X[:10], y[:10], X[10:60], y[10:60], X[200:], y[200:]


def test_loop_grows_the_labelled_set_and_empties_the_pool(p1):
    data = loop_data()
    copies = [a.copy() for a in data]
    accuracies, n_labeled = p1["active_learning_loop"](*data, n_iterations=10, n_queries=20, verbose=False)
    # 50 pool rows: 10 -> 30 -> 50 -> 60 (the last batch is smaller), then the pool is empty
    assert n_labeled == [10, 30, 50, 60]
    assert len(accuracies) == 4 and all(0 <= a <= 1 for a in accuracies)
    for before, after in zip(copies, data, strict=True):
        np.testing.assert_array_equal(before, after)


def test_loop_uses_the_given_strategy_and_model(p1):
    data = loop_data()
    calls = []

    def first_rows(model, X_pool, n_samples):
        calls.append((type(model).__name__, len(X_pool), n_samples))
        return np.arange(n_samples)

    model = LogisticRegression(C=0.5, max_iter=500)
    p1["active_learning_loop"](*data, n_iterations=3, n_queries=5, query_strategy=first_rows, model=model,
                               verbose=False)
    assert calls == [("LogisticRegression", 50, 5), ("LogisticRegression", 45, 5)]
    assert not hasattr(model, "coef_"), "the caller's model must not be fitted (the loop clones it)"


def test_loop_is_deterministic(p1):
    data = loop_data()
    first = p1["active_learning_loop"](*data, n_iterations=5, n_queries=5, verbose=False)
    assert first == p1["active_learning_loop"](*data, n_iterations=5, n_queries=5, verbose=False)
