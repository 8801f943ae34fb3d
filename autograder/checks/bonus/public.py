"""Public checks of the bonus exercises: query-by-committee, the digits task, class-balanced sampling."""
import numpy as np

from allab.checks import public_check, row_indices
from allab.probes import Probe, fixed_pool

# Three committee members scoring a pool of five rows (two classes).
# Row 0: all vote class 0, but member 0 alone is unsure. Rows 1 and 2: the members disagree
# (one votes 0, two vote 1). Row 3: all sure of class 0. Row 4: all vote 0, member 0 a bit unsure.
COMMITTEE = [
    [[0.55, 0.45], [0.90, 0.10], [0.80, 0.20], [0.95, 0.05], [0.60, 0.40]],
    [[0.90, 0.10], [0.10, 0.90], [0.20, 0.80], [0.95, 0.05], [0.95, 0.05]],
    [[0.90, 0.10], [0.20, 0.80], [0.30, 0.70], [0.95, 0.05], [0.97, 0.03]],
]


@public_check("query_by_committee")
def query_by_committee(call):
    """Selects the rows where the members disagree, from all members (not just the first)."""
    committee = [Probe.fixed_proba(p) for p in COMMITTEE]
    X = fixed_pool(5)

    got = row_indices(call("query_by_committee", committee, X, 2).value, distinct=True)
    assert sorted(got.tolist()) == [1, 2], (
        "the members disagree on rows 1 and 2 (one votes class 0, two vote class 1), so n_samples=2 should "
        f"select {{1, 2}}; got {sorted(got.tolist())}. Use the predictions of every member, not just committee[0]")

    for shift in (1, 2):  # the members in another order: the same rows
        got = row_indices(call("query_by_committee", committee[shift:] + committee[:shift], X, 2).value,
                          distinct=True)
        assert sorted(got.tolist()) == [1, 2], (
            f"the same committee with its members in another order should select the same rows {{1, 2}}; got "
            f"{sorted(got.tolist())}. Use the predictions of every member, not just one")

    got = row_indices(call("query_by_committee", committee, X, 1).value, distinct=True)
    assert got.tolist() == [2], (
        "rows 1 and 2 have the same vote entropy; the tie goes to the higher consensus entropy (row 2: average "
        f"probabilities 0.43/0.57 against 0.40/0.60), so n_samples=1 should select [2]; got {got.tolist()}")

    got = row_indices(call("query_by_committee", committee, X, 10).value, distinct=True)
    assert sorted(got.tolist()) == [0, 1, 2, 3, 4], \
        f"a pool of 5 rows and n_samples=10 should return all 5 rows; got {sorted(got.tolist())}"


@public_check("make_digits_task")
def make_digits_task(call):
    """Keeps only the two digits, in their original order, labelled 0 (negative) and 1 (positive)."""
    X = np.arange(14, dtype=float).reshape(7, 2)
    y = np.array([3, 8, 1, 3, 8, 5, 8])

    out = call("make_digits_task", X, y)
    value = out.value
    assert isinstance(value, (tuple, list)) and len(value) == 2, \
        f"should return a tuple (X_binary, y_binary); got {type(value).__name__}"
    X_bin, y_bin = (np.asarray(v) for v in value)
    assert X_bin.shape == (5, 2), f"5 of the 7 rows are 3s or 8s: X_binary should have shape (5, 2); got {X_bin.shape}"
    assert np.array_equal(X_bin, X[[0, 1, 3, 4, 6]]), \
        "X_binary should be the rows of X whose label is 3 or 8, in their original order (rows 0, 1, 3, 4, 6)"
    assert y_bin.tolist() == [0, 1, 0, 1, 1], \
        f"y_binary should be 0 for a 3 and 1 for an 8: expected [0, 1, 0, 1, 1]; got {y_bin.tolist()}"
    assert np.array_equal(out.args_after[1], y), "y was modified; build new arrays instead"

    X_bin, y_bin = (np.asarray(v) for v in call("make_digits_task", X, y, negative=1, positive=5).value)
    assert np.array_equal(X_bin, X[[2, 5]]) and y_bin.tolist() == [0, 1], (
        "with negative=1, positive=5 it should keep row 2 (a 1, label 0) and row 5 (a 5, label 1); "
        f"got {len(X_bin)} rows with labels {y_bin.tolist()}")


# Ten pool rows, two classes: rows 0-7 are predicted class 0, rows 8-9 class 1. The four most
# uncertain rows overall (0, 1, 2, 3) are all predicted class 0.
IMBALANCED = [[0.55, 0.45], [0.60, 0.40], [0.65, 0.35], [0.70, 0.30], [0.80, 0.20], [0.90, 0.10],
              [0.95, 0.05], [0.98, 0.02], [0.25, 0.75], [0.10, 0.90]]


@public_check("class_balanced_uncertainty_sampling")
def class_balanced_uncertainty_sampling(call):
    """Takes the most uncertain rows of each predicted class in turn, always exactly n rows."""
    model = Probe.fixed_proba(IMBALANCED)
    X = fixed_pool(len(IMBALANCED))

    got = row_indices(call("class_balanced_uncertainty_sampling", model, X, 4).value, distinct=True)
    assert sorted(got.tolist()) == [0, 1, 8, 9], (
        "n_samples=4: the two most uncertain rows predicted class 0 (rows 0, 1) and the two predicted class 1 "
        f"(rows 8, 9); got {sorted(got.tolist())}")

    got = row_indices(call("class_balanced_uncertainty_sampling", model, X, 3).value, distinct=True)
    assert sorted(got.tolist()) == [0, 1, 8], (
        "n_samples=3 should return 3 rows: the most uncertain of each predicted class (rows 0 and 8), then the "
        f"most uncertain row left (row 1); got {sorted(got.tolist())}")

    got = row_indices(call("class_balanced_uncertainty_sampling", model, X, 6).value, distinct=True)
    assert sorted(got.tolist()) == [0, 1, 2, 3, 8, 9], (
        "n_samples=6: only 2 rows are predicted class 1 (8, 9); the other 4 should be the most uncertain rows "
        f"predicted class 0 (0, 1, 2, 3); got {sorted(got.tolist())}")

    got = row_indices(call("class_balanced_uncertainty_sampling", Probe.fixed_proba(IMBALANCED[::-1]), X, 4).value,
                      distinct=True)
    assert sorted(got.tolist()) == [0, 1, 8, 9], (
        "the same rows in reverse order, n_samples=4: the two most uncertain rows predicted class 0 (now rows 8, 9) "
        f"and the two predicted class 1 (now rows 0, 1); got {sorted(got.tolist())}. Rank each class's rows by "
        "uncertainty, not by their position in the pool")

    got = row_indices(call("class_balanced_uncertainty_sampling", model, X[:3], 10).value, distinct=True)
    assert sorted(got.tolist()) == [0, 1, 2], \
        f"a pool of 3 rows and n_samples=10 should return all 3 rows; got {sorted(got.tolist())}"

    three = np.array([[0.5, 0.3, 0.2], [0.8, 0.1, 0.1], [0.2, 0.5, 0.3], [0.1, 0.1, 0.8], [0.3, 0.3, 0.4]])
    got = row_indices(call("class_balanced_uncertainty_sampling", Probe.fixed_proba(three), fixed_pool(5), 2).value,
                      distinct=True)
    predicted = three[got].argmax(axis=1) if len(got) else []
    assert len(got) == 2 and len(set(predicted)) == 2, (
        "three classes and n_samples=2 should return 2 rows predicted as two different classes (n_samples // "
        f"n_classes is 0 here); got rows {got.tolist()}")
