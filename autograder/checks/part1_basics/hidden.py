"""Hidden checks of Part 1, never shown to students (feedback gives their title and the likely mistake only).
The public ones are in public.py."""
import numpy as np

from allab.checks import fits, indexed_data, loop_data
from allab.probes import Probe, fixed_pool, pool_ids, row_ids
from autograder.checks.verdicts import as_indices, check_on_random_tables
from autograder.grading.runner import Mistake, check, expect

# --- create_initial_split ------------------------------------------------------------------------

@check("create_initial_split", core=True)
def split_partition_on_other_data(call):
    """a partition into labelled set and pool on a larger data set"""
    X, y = indexed_data(300, np.arange(300) % 3)
    first = call("create_initial_split", X, y, 30, random_state=11)
    key = _split_verdict(first.value, X, y, 30)
    if key:
        modified = not (np.array_equal(first.args_after[0], X) and np.array_equal(first.args_after[1], y))
        raise Mistake("modifies_input" if modified else key)  # what explains the rest


def _split_verdict(value, X, y, n_initial):
    """The one likely mistake of a wrong split of ``(X, y)``, or "" when it is a right one."""
    if not (isinstance(value, (tuple, list)) and len(value) == 5):
        return "split_tuple"
    X_lab, y_lab, X_pool, y_pool, pool_idx = (np.asarray(v) for v in value)
    if X_lab.ndim != 2 or X_pool.ndim != 2:
        return "split_tuple"
    lab, pool = pool_ids(X_lab), pool_ids(X_pool)
    if len(lab) != n_initial or sorted(lab.tolist() + pool.tolist()) != list(range(len(X))):
        return "wrong_count"
    if not (np.array_equal(y_lab, y[lab]) and np.array_equal(y_pool, y[pool])):
        return "wrong_rows"
    if np.shape(pool_idx) != pool.shape or not np.array_equal(pool_idx.astype(int), pool):
        return "pool_idx"
    return ""


@check("create_initial_split")
def split_is_seeded_and_leaves_its_inputs(call):
    """the same seed gives the same split; X_train and y_train stay as they were"""
    X, y = indexed_data(300, np.arange(300) % 3)
    first = call("create_initial_split", X, y, 30, random_state=11)
    expect(np.array_equal(first.args_after[0], X) and np.array_equal(first.args_after[1], y), "modifies_input")
    again = np.asarray(call("create_initial_split", X, y, 30, random_state=11).value[0])
    expect(np.array_equal(again, np.asarray(first.value[0])), "not_seeded")


@check("create_initial_split")
def split_always_holds_every_class(call):
    """every class in the labelled set, on a 95/5 imbalance"""
    X, y = indexed_data(200, [0] * 190 + [1] * 10)
    for seed in range(12):
        y_lab = np.asarray(call("create_initial_split", X, y, 3, random_state=seed).value[1])
        expect(set(y_lab.tolist()) == {0, 1}, "one_class_split")


# --- uncertainty_sampling ------------------------------------------------------------------------

@check("uncertainty_sampling", core=True)
def uncertainty_matches_reference_on_random_tables(call, reference):
    """least-confidence on random probability tables (2, 3 and 10 classes)"""
    check_on_random_tables(call, reference, "uncertainty_sampling", "least_confidence", 7)


@check("uncertainty_sampling")
def uncertainty_one_sample_pool(call):
    """a one-sample pool and a batch larger than the pool"""
    got = as_indices(call("uncertainty_sampling", Probe.fixed_proba([[0.3, 0.7]]), fixed_pool(1), 5).value, 1)
    expect(got.tolist() == [0], "batch_too_large")
    got = call("uncertainty_sampling", Probe.fixed_proba([[0.5, 0.5]] * 6), fixed_pool(6), 6).value
    expect(sorted(as_indices(got, 6).tolist()) == list(range(6)), "batch_too_large")


# --- oracles --------------------------------------------------------------------------------------

@check("oracle", core=True)
def oracle_string_labels_and_order(call):
    """labels in query order, any label type"""
    y_pool = np.array([10, 20, 30, 40, 50])
    got = np.asarray(call("oracle", fixed_pool(3), y_pool, np.array([4, 1, 3])).value).tolist()
    expect(got == [50, 20, 40], "wrong_rows")


def _noisy_verdict(labels, y_pool, n_wrong):
    """The one likely mistake of a noisy oracle that did not change exactly ``n_wrong`` labels to valid ones."""
    changed = int(np.sum(labels != y_pool))
    if changed == 0 and n_wrong:
        return "never_flips"
    if changed == len(y_pool) and n_wrong < len(y_pool):
        return "flips_all"
    return "error_count"


@check("noisy_oracle", core=True)
def noisy_oracle_four_classes(call):
    """four classes: exactly the requested number of wrong labels, all valid"""
    y_pool = np.arange(80) % 4
    labels = np.asarray(call("noisy_oracle", fixed_pool(80), y_pool, list(range(80)), 0.5, random_state=3).value)
    expect(labels.shape == y_pool.shape, "wrong_count")
    expect(set(labels.tolist()) <= {0, 1, 2, 3}, "binary_flip")
    if int(np.sum(labels != y_pool)) != 40:
        raise Mistake(_noisy_verdict(labels, y_pool, 40))


@check("noisy_oracle")
def noisy_oracle_is_seeded(call):
    """the same seed gives the same labels, another seed other labels; y_pool stays as it was"""
    y_pool = np.arange(60) % 2
    outs = [call("noisy_oracle", fixed_pool(60), y_pool, list(range(60)), 0.3, random_state=s) for s in (4, 4, 5)]
    expect(all(np.array_equal(o.args_after[1], y_pool) for o in outs), "modifies_input")
    runs = [np.asarray(o.value) for o in outs]
    if np.array_equal(runs[0], y_pool) or np.all(runs[0] != y_pool):
        raise Mistake(_noisy_verdict(runs[0], y_pool, 18))
    expect(np.array_equal(runs[0], runs[1]) and not np.array_equal(runs[0], runs[2]), "not_seeded")


# --- active_learning_loop -------------------------------------------------------------------------

@check("active_learning_loop", core=True)
def loop_trains_on_exactly_the_queried_rows(call):
    """trains on the initial set plus exactly the rows the strategy chose"""
    X_lab, y_lab, X_pool, y_pool, X_test, y_test = loop_data()
    out = call("active_learning_loop", X_lab, y_lab, X_pool, y_pool, X_test, y_test, 3, 4,
               query_strategy=Probe.strategy("last", pick="last"), model=Probe.spy("model"), verbose=False)
    expect(len(out.value[0]) == 3, "wrong_count")
    queries = out.logs.get("last", [])
    expect(queries, "ignores_strategy")
    trained = fits(out, "model")
    expect(trained, "ignores_model")
    expect(len(trained) >= 3, "never_retrains")
    X_all, y_all = np.vstack([X_lab, X_pool, X_test]), np.concatenate([y_lab, y_pool, y_test])
    seen = row_ids(trained[-1]["X"], X_all)
    expect(not np.any(seen >= 120), "trains_on_test")
    # the strategy picks the last 4 pool rows each round: pool rows 96-99, then 92-95
    expect(len(set(seen.tolist())) == len(seen), "pool_never_shrinks")
    expect(sorted(seen.tolist()) == list(range(20)) + list(range(20 + 92, 20 + 100)), "wrong_rows")
    expect(np.array_equal(np.asarray(trained[-1]["y"]), y_all[seen]), "wrong_rows")
    expect([len(q["X"]) for q in queries][:2] == [100, 96], "pool_never_shrinks")
    expect(not any(np.any(row_ids(q["X"], X_all) >= 120) for q in queries), "trains_on_test")


@check("active_learning_loop")
def loop_accuracies_are_the_models_test_scores(call, reference):
    """accuracies and sizes match the reference run"""
    data = loop_data()
    got = call("active_learning_loop", *data, 5, 7, verbose=False).value
    want = reference("active_learning_loop", *data, 5, 7, verbose=False).value
    expect([int(n) for n in got[1]] == [int(n) for n in want[1]], "wrong_count")
    expect(np.allclose(np.asarray(got[0], dtype=float), np.asarray(want[0], dtype=float)), "wrong_accuracy")


@check("active_learning_loop", weight=0.5)
def loop_stops_when_the_pool_runs_out(call):
    """a batch larger than the pool"""
    X_lab, y_lab, X_pool, y_pool, X_test, y_test = loop_data()
    out = call("active_learning_loop", X_lab, y_lab, X_pool[:12], y_pool[:12], X_test, y_test, 6, 10,
               verbose=False)
    expect([int(n) for n in out.value[1]] == [20, 30, 32], "batch_too_large")
