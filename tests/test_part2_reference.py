"""Unit tests of the Part 2 reference functions, and the strategy facts the notebook teaches."""
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from test_part1_reference import FixedProba, loop_data, pool

from allab.data import load_digits_multiclass, load_lab_data


@pytest.fixture(scope="module")
def p2(ref):
    return ref("part2_strategies")


def test_random_loop_is_seeded_and_pairs_with_the_active_loop(p2):
    data = loop_data()
    copies = [a.copy() for a in data]
    a = p2["random_sampling_loop"](*data, 6, 5, random_state=3, verbose=False)
    b = p2["random_sampling_loop"](*data, 6, 5, random_state=3, verbose=False)
    assert a == b
    assert a[1] == [10, 15, 20, 25, 30, 35]
    for before, after in zip(copies, data, strict=True):
        np.testing.assert_array_equal(before, after)


def test_random_loop_runs_out_of_pool(p2):
    accuracies, n_labeled = p2["random_sampling_loop"](*loop_data(), 20, 30, random_state=0, verbose=False)
    assert n_labeled == [10, 40, 60]


@pytest.mark.parametrize("name", ["margin_sampling", "entropy_sampling"])
def test_strategies_batch_larger_than_pool_and_one_sample_pool(p2, name):
    model = FixedProba([[0.6, 0.4], [0.5, 0.5], [0.9, 0.1]])
    assert sorted(p2[name](model, pool(3), 10).tolist()) == [0, 1, 2]
    assert p2[name](FixedProba([[0.6, 0.4]]), pool(1), 3).tolist() == [0]


def test_entropy_handles_exact_zeros(p2):
    model = FixedProba([[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.2, 0.4, 0.4]])
    assert p2["entropy_sampling"](model, pool(3), 3).tolist() == [2, 1, 0]


def test_margin_and_entropy_differ_on_three_classes(p2):
    model = FixedProba([[0.5, 0.5, 0.0], [0.4, 0.3, 0.3]])
    assert p2["margin_sampling"](model, pool(2), 1).tolist() == [0]
    assert p2["entropy_sampling"](model, pool(2), 1).tolist() == [1]


def test_strategies_coincide_on_binary_tasks(p1_split, p2):
    """What the notebook teaches: on two classes the three strategies pick the same samples."""
    X_lab, y_lab, X_pool = p1_split
    for seed in range(5):
        model = LogisticRegression(max_iter=1000, random_state=seed, C=0.1 + seed).fit(X_lab, y_lab)
        overlap = p2["strategy_overlap"](model, X_pool, 20)
        assert overlap == {"uncertainty-margin": 20, "uncertainty-entropy": 20, "margin-entropy": 20}


def test_strategies_differ_on_ten_classes(ref, p2):
    X_train, _, y_train, _ = load_digits_multiclass(random_state=42)
    split = ref("part1_basics")["create_initial_split"]
    differ = 0
    for seed in range(5):
        X_lab, y_lab, X_pool, _, _ = split(X_train, y_train, 30, random_state=seed)
        model = LogisticRegression(max_iter=1000, random_state=42).fit(X_lab, y_lab)
        overlap = p2["strategy_overlap"](model, X_pool, 10)
        differ += overlap["uncertainty-margin"] < 10 and overlap["margin-entropy"] < 10
    assert differ == 5


@pytest.fixture(scope="module")
def p1_split(ref):
    X_train, _, y_train, _ = load_lab_data(random_state=42)
    X_lab, y_lab, X_pool, _, _ = ref("part1_basics")["create_initial_split"](X_train, y_train, 20, random_state=0)
    return X_lab, y_lab, X_pool
