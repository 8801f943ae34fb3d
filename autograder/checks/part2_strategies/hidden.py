"""Hidden checks of Part 2 (the public ones are in public.py)."""
import numpy as np

from allab.checks import fits, loop_data
from allab.probes import Probe, fixed_pool, row_ids
from autograder.checks.verdicts import (
    check_on_random_tables,
    check_selections,
    check_strategy,
    random_tables,
    strategy_case,
    zero_tables,
)
from autograder.grading.runner import Mistake, check, expect

# --- random_sampling_loop -------------------------------------------------------------------------

# The random loop's picks do not depend on the model, so its spy wraps a naive Bayes model: five times
# faster to fit than the logistic regression, and grading fits it some forty times per student.
_SPY = Probe.spy("spy", estimator="nb")


def _trained_rows(out, X_all):
    return [row_ids(f["X"], X_all) for f in fits(out, "spy")]


@check("random_sampling_loop", core=True)
def random_loop_queries_every_round(call):
    """labels a fresh random batch in every round"""
    X_lab, y_lab, X_pool, y_pool, X_test, y_test = loop_data()
    out = call("random_sampling_loop", X_lab, y_lab, X_pool, y_pool, X_test, y_test, 6, 5,
               model=_SPY, random_state=1, verbose=False)
    expect([int(n) for n in out.value[1]] == [20, 25, 30, 35, 40, 45], "wrong_count")
    rows = _trained_rows(out, np.vstack([X_lab, X_pool, X_test]))
    expect(rows, "ignores_model")
    expect(len(rows) >= 6, "never_retrains")
    expect(not np.any(rows[-1] >= 120), "trains_on_test")
    if len(set(rows[-1].tolist())) != len(rows[-1]):
        # Labels (0 and 1 here) used as row indices query the first rows of the pool, again and again.
        queried = rows[-1][rows[-1] >= 20] - 20
        raise Mistake("labels_as_indices" if queried.size and queried.max() < 2 * 6 else "duplicates")


@check("random_sampling_loop")
def random_loop_is_not_uncertainty_sampling(call, reference):
    """the queried samples are random, not the most uncertain"""
    data = loop_data()
    X_all = np.vstack([data[0], data[2], data[4]])
    active = reference("active_learning_loop", *data, 2, 10, model=_SPY, verbose=False)
    uncertain = set(_trained_rows(active, X_all)[-1].tolist())
    overlaps = []
    for seed in range(3):
        out = call("random_sampling_loop", *data, 2, 10, model=_SPY, random_state=seed, verbose=False)
        overlaps.append(len(set(_trained_rows(out, X_all)[-1].tolist()) & uncertain) - 20)
    expect(min(overlaps) < 10, "not_random")


@check("random_sampling_loop")
def random_loop_is_seeded(call):
    """the same seed gives the same run, another seed another"""
    data = loop_data()
    runs = [call("random_sampling_loop", *data, 3, 8, model=_SPY, random_state=s, verbose=False)
            for s in (7, 7, 8)]
    X_all = np.vstack([data[0], data[2], data[4]])
    last = [sorted(_trained_rows(r, X_all)[-1].tolist()) for r in runs]
    expect(last[0] == last[1] and last[0] != last[2], "not_seeded")


@check("random_sampling_loop")
def random_loop_large_batches_are_distinct(call):
    """large batches from a small pool: every sample labelled once"""
    X_lab, y_lab, X_pool, y_pool, X_test, y_test = loop_data()
    out = call("random_sampling_loop", X_lab, y_lab, X_pool[:30], y_pool[:30], X_test, y_test, 3, 20,
               model=_SPY, random_state=2, verbose=False)
    rows = _trained_rows(out, np.vstack([X_lab, X_pool[:30]]))
    expect(rows and len(set(rows[-1].tolist())) == len(rows[-1]), "duplicates")
    expect([int(n) for n in out.value[1]] == [20, 40, 50], "wrong_count")


@check("random_sampling_loop")
def random_loop_runs_out_of_pool(call):
    """a batch larger than the pool"""
    X_lab, y_lab, X_pool, y_pool, X_test, y_test = loop_data()
    out = call("random_sampling_loop", X_lab, y_lab, X_pool[:7], y_pool[:7], X_test, y_test, 5, 5,
               random_state=0, verbose=False)
    expect([int(n) for n in out.value[1]] == [20, 25, 27], "batch_too_large")


# --- margin and entropy ---------------------------------------------------------------------------

@check("margin_sampling", core=True)
def margin_matches_reference_on_random_tables(call, reference):
    """margin sampling on random probability tables (2, 3 and 10 classes)"""
    check_on_random_tables(call, reference, "margin_sampling", "margin", 6, seed=1)


@check("margin_sampling")
def margin_uses_the_top_two_classes(call):
    """the margin is between the two LARGEST probabilities"""
    probas = [[0.45, 0.45, 0.10], [0.40, 0.20, 0.40], [0.34, 0.33, 0.33], [0.7, 0.2, 0.1]]
    # top-two margins: 0, 0, 0.01, 0.5; max-minus-min: 0.35, 0.2, 0.01, 0.6
    check_strategy(call, "margin_sampling", probas, 2, "margin", default="margin_top_two")


@check("entropy_sampling", core=True)
def entropy_matches_reference_on_random_tables(call, reference):
    """entropy sampling on random probability tables (2, 3 and 10 classes)"""
    check_on_random_tables(call, reference, "entropy_sampling", "entropy", 6, seed=1)


@check("entropy_sampling")
def entropy_with_many_exact_zeros(call):
    """probability tables with exact zeros"""
    check_selections([strategy_case(call, "entropy_sampling", probas, 2) for probas in zero_tables()], "entropy",
                     default="entropy_nan")


@check("entropy_sampling")
def entropy_scores_rows_not_columns(call):
    """entropy is computed per sample (row), whatever the pool size"""
    probas = [[0.9, 0.1], [0.99, 0.01], [0.5, 0.5]]
    check_selections([strategy_case(call, "entropy_sampling", probas, n) for n in (1, 3)], "entropy",
                     default="entropy_axis")


# --- strategy_overlap -----------------------------------------------------------------------------

@check("strategy_overlap", core=True)
def overlap_matches_reference(call, reference):
    """overlap counts on random ten-class tables"""
    for probas in list(random_tables(seed=2))[1:]:
        args = (Probe.fixed_proba(probas), fixed_pool(len(probas)), 8)
        got, want = call("strategy_overlap", *args).value, reference("strategy_overlap", *args).value
        expect(isinstance(got, dict) and set(got) == set(want), "overlap_keys")
        counts = {k: v for k, v in got.items() if isinstance(v, (int, np.integer, float, np.floating))}
        expect(counts == want, "overlap_count")
