"""Checks of Part 2. Public checks come from allab.checks.part2; the hidden ones are below."""
import numpy as np

from allab.checks import part2
from allab.checks.part1 import _loop_data
from allab.harness import Probe, fixed_pool
from allab.probes import row_ids

from . import item, mistake, public_tests
from .test_part1_basics import ids, random_tables

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

def _compare(call, reference, name, wrong_way_key, n=6):
    for probas in random_tables(seed=1):
        args = (Probe.fixed_proba(probas), fixed_pool(len(probas)), n)
        got, want = ids(call(name, *args).value), ids(reference(name, *args).value)
        assert len(got) == n, mistake("wrong_count")
        if got != want:
            flipped = ids(reference(name, Probe.fixed_proba(probas), fixed_pool(len(probas)), len(probas)).value[-n:])
            raise AssertionError(mistake(wrong_way_key if got == flipped else "wrong_score"))


@item("margin_sampling")
def test_margin_matches_reference_on_random_tables(call, reference):
    """margin sampling on random probability tables (2, 3 and 10 classes)"""
    _compare(call, reference, "margin_sampling", "largest_margin")


@item("margin_sampling")
def test_margin_uses_the_top_two_classes(call):
    """the margin is between the two LARGEST probabilities"""
    probas = [[0.45, 0.45, 0.10], [0.40, 0.20, 0.40], [0.34, 0.33, 0.33], [0.7, 0.2, 0.1]]
    # top-two margins: 0, 0, 0.01, 0.5; max-minus-min: 0.35, 0.2, 0.01, 0.6
    got = ids(call("margin_sampling", Probe.fixed_proba(probas), fixed_pool(4), 2).value)
    assert got == [0, 1], mistake("margin_top_two")


@item("entropy_sampling")
def test_entropy_matches_reference_on_random_tables(call, reference):
    """entropy sampling on random probability tables (2, 3 and 10 classes)"""
    _compare(call, reference, "entropy_sampling", "lowest_entropy")


def zero_heavy_table():
    """Eight rows, mostly one-hot; rows 5 and 6 (with zeros too) have the largest entropy."""
    probas = np.zeros((8, 4))
    probas[np.arange(8), np.arange(8) % 4] = 1.0
    probas[5] = [0.5, 0.5, 0, 0]
    probas[6] = [0.25, 0.25, 0.5, 0]
    return probas


@item("entropy_sampling")
def test_entropy_with_many_exact_zeros(call):
    """probability tables full of exact zeros"""
    got = ids(call("entropy_sampling", Probe.fixed_proba(zero_heavy_table()), fixed_pool(8), 2).value)
    assert got == [5, 6], mistake("entropy_nan")


@item("entropy_sampling")
def test_entropy_scores_rows_not_columns(call):
    """entropy is computed per sample (row), whatever the pool size"""
    probas = [[0.9, 0.1], [0.99, 0.01], [0.5, 0.5]]
    got = ids(call("entropy_sampling", Probe.fixed_proba(probas), fixed_pool(3), 1).value)
    assert got == [2], mistake("entropy_axis")
    got = ids(call("entropy_sampling", Probe.fixed_proba(probas), fixed_pool(3), 3).value)
    assert got == [0, 1, 2], mistake("entropy_axis")


# --- strategy_overlap -----------------------------------------------------------------------------

@item("strategy_overlap")
def test_overlap_matches_reference(call, reference):
    """overlap counts on random ten-class tables"""
    for probas in list(random_tables(seed=2))[1:]:
        args = (Probe.fixed_proba(probas), fixed_pool(len(probas)), 8)
        got, want = call("strategy_overlap", *args).value, reference("strategy_overlap", *args).value
        assert isinstance(got, dict) and set(got) == set(want), mistake("overlap_keys")
        assert {k: int(v) for k, v in got.items()} == want, mistake("overlap_count")
