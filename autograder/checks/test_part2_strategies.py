"""Checks of Part 2. Public checks come from allab.checks.part2; the hidden ones are below."""
import numpy as np

from allab.checks import part2
from allab.checks.part1 import _loop_data
from allab.harness import Probe, fixed_pool
from allab.probes import row_ids

from autograder.checks import item, mistake, public_tests
from autograder.checks.test_part1_basics import check_on_random_tables, check_strategy, random_tables, strategy_case
from autograder.checks.verdicts import check_selections

PART = "part2_strategies"
test_public = public_tests(part2)


# --- random_sampling_loop -------------------------------------------------------------------------

# The random loop's picks do not depend on the model, so its spy wraps a naive Bayes model: five times
# faster to fit than the logistic regression, and grading fits it some forty times per student.
_SPY = Probe.spy("spy", estimator="nb")


def _trained_rows(out, X_all):
    fits = [e for e in out.logs.get("spy", []) if e["method"] == "fit"]
    return [row_ids(f["X"], X_all) for f in fits]


@item("random_sampling_loop")
def test_random_loop_queries_every_round(call):
    """labels a fresh random batch in every round"""
    X_lab, y_lab, X_pool, y_pool, X_test, y_test = _loop_data()
    out = call("random_sampling_loop", X_lab, y_lab, X_pool, y_pool, X_test, y_test, 6, 5,
               model=_SPY, random_state=1, verbose=False)
    assert [int(n) for n in out.value[1]] == [20, 25, 30, 35, 40, 45], mistake("wrong_count")
    rows = _trained_rows(out, np.vstack([X_lab, X_pool, X_test]))
    assert rows, mistake("ignores_model")
    assert len(rows) >= 6, mistake("never_retrains")
    assert not np.any(rows[-1] >= 120), mistake("trains_on_test")
    assert len(set(rows[-1].tolist())) == len(rows[-1]), mistake("duplicates")


@item("random_sampling_loop")
def test_random_loop_is_not_uncertainty_sampling(call, reference):
    """the queried samples are random, not the most uncertain"""
    data = _loop_data()
    X_all = np.vstack([data[0], data[2], data[4]])
    active = reference("active_learning_loop", *data, 2, 10, model=_SPY, verbose=False)
    uncertain = set(_trained_rows(active, X_all)[-1].tolist())
    overlaps = []
    for seed in range(3):
        out = call("random_sampling_loop", *data, 2, 10, model=_SPY, random_state=seed, verbose=False)
        overlaps.append(len(set(_trained_rows(out, X_all)[-1].tolist()) & uncertain) - 20)
    assert min(overlaps) < 10, mistake("not_random")


@item("random_sampling_loop")
def test_random_loop_is_seeded(call):
    """the same seed gives the same run, another seed another"""
    data = _loop_data()
    runs = [call("random_sampling_loop", *data, 3, 8, model=_SPY, random_state=s, verbose=False)
            for s in (7, 7, 8)]
    X_all = np.vstack([data[0], data[2], data[4]])
    last = [sorted(_trained_rows(r, X_all)[-1].tolist()) for r in runs]
    assert last[0] == last[1] and last[0] != last[2], mistake("not_seeded")


@item("random_sampling_loop")
def test_random_loop_large_batches_are_distinct(call):
    """large batches from a small pool: every sample labelled once"""
    X_lab, y_lab, X_pool, y_pool, X_test, y_test = _loop_data()
    out = call("random_sampling_loop", X_lab, y_lab, X_pool[:30], y_pool[:30], X_test, y_test, 3, 20,
               model=_SPY, random_state=2, verbose=False)
    rows = _trained_rows(out, np.vstack([X_lab, X_pool[:30]]))
    assert rows and len(set(rows[-1].tolist())) == len(rows[-1]), mistake("duplicates")
    assert [int(n) for n in out.value[1]] == [20, 40, 50], mistake("wrong_count")


@item("random_sampling_loop")
def test_random_loop_runs_out_of_pool(call):
    """a batch larger than the pool"""
    X_lab, y_lab, X_pool, y_pool, X_test, y_test = _loop_data()
    out = call("random_sampling_loop", X_lab, y_lab, X_pool[:7], y_pool[:7], X_test, y_test, 5, 5,
               random_state=0, verbose=False)
    assert [int(n) for n in out.value[1]] == [20, 25, 27], mistake("batch_too_large")


# --- margin and entropy ---------------------------------------------------------------------------

@item("margin_sampling")
def test_margin_matches_reference_on_random_tables(call, reference):
    """margin sampling on random probability tables (2, 3 and 10 classes)"""
    check_on_random_tables(call, reference, "margin_sampling", "margin", 6, seed=1)


@item("margin_sampling")
def test_margin_uses_the_top_two_classes(call):
    """the margin is between the two LARGEST probabilities"""
    probas = [[0.45, 0.45, 0.10], [0.40, 0.20, 0.40], [0.34, 0.33, 0.33], [0.7, 0.2, 0.1]]
    # top-two margins: 0, 0, 0.01, 0.5; max-minus-min: 0.35, 0.2, 0.01, 0.6
    check_strategy(call, "margin_sampling", probas, 2, "margin", default="margin_top_two")


@item("entropy_sampling")
def test_entropy_matches_reference_on_random_tables(call, reference):
    """entropy sampling on random probability tables (2, 3 and 10 classes)"""
    check_on_random_tables(call, reference, "entropy_sampling", "entropy", 6, seed=1)


def zero_tables():
    """Tables with exact zeros where ``-sum(p * log p)`` is NaN: in the first, code that puts NaN last picks
    other rows than the lowest entropies; in the second, code that puts NaN first does. The two largest
    entropies: rows 5 and 6, then rows 0 and 3."""
    yield np.array([[0.98, 0.02, 0, 0], [0.99, 0.01, 0, 0], [0.97, 0.01, 0.01, 0.01], [0.9, 0.05, 0.03, 0.02],
                    [0.85, 0.05, 0.05, 0.05], [0.5, 0.5, 0, 0], [0.34, 0.33, 0.33, 0], [0.96, 0.02, 0.01, 0.01]])
    yield np.array([[0.5, 0.5, 0, 0], [0.97, 0.01, 0.01, 0.01], [0.96, 0.02, 0.01, 0.01], [0.3, 0.3, 0.2, 0.2],
                    [0.9, 0.05, 0.03, 0.02], [0.85, 0.05, 0.05, 0.05], [0.7, 0.3, 0, 0], [0.8, 0.2, 0, 0]])


@item("entropy_sampling")
def test_entropy_with_many_exact_zeros(call):
    """probability tables with exact zeros"""
    check_selections([strategy_case(call, "entropy_sampling", probas, 2) for probas in zero_tables()], "entropy",
                     default="entropy_nan")


@item("entropy_sampling")
def test_entropy_scores_rows_not_columns(call):
    """entropy is computed per sample (row), whatever the pool size"""
    probas = [[0.9, 0.1], [0.99, 0.01], [0.5, 0.5]]
    check_selections([strategy_case(call, "entropy_sampling", probas, n) for n in (1, 3)], "entropy",
                     default="entropy_axis")


# --- strategy_overlap -----------------------------------------------------------------------------

@item("strategy_overlap")
def test_overlap_matches_reference(call, reference):
    """overlap counts on random ten-class tables"""
    for probas in list(random_tables(seed=2))[1:]:
        args = (Probe.fixed_proba(probas), fixed_pool(len(probas)), 8)
        got, want = call("strategy_overlap", *args).value, reference("strategy_overlap", *args).value
        assert isinstance(got, dict) and set(got) == set(want), mistake("overlap_keys")
        counts = {k: v for k, v in got.items() if isinstance(v, (int, np.integer, float, np.floating))}
        assert counts == want, mistake("overlap_count")
