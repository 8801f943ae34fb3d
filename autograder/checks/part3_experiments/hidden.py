"""Hidden checks of Part 3; the public ones are in public.py.

Figures come back as :func:`allab.figures.describe_figure` descriptions: the checks look at the lines' data and
labels, the legend, the bands (``*PolyCollection``) or error bars (``ErrorbarContainer``) and the histograms'
bar heights (``BarContainer``), never at pixels. The run_multiple_experiments checks use a Gaussian naive Bayes
model (fast); the loops the student's code calls are working versions, run in the grading process
(autograder.worker.working_versions).
"""
import functools
from collections import Counter

import numpy as np

from allab.checks import close, fits, legend, lines_with
from allab.figures import FigureDescription
from allab.probes import Probe, row_ids
from autograder.grading.runner import Mistake, check, expect

ACTIVE, RANDOM = "active learning", "random sampling"


# --- helpers --------------------------------------------------------------------------------------

_close = functools.partial(close, rtol=1e-9, atol=1e-9)  # the reference's own numbers: no rounding allowed


def _axes(value):
    expect(isinstance(value, FigureDescription) and value["axes"], "returns_figure")
    return value["axes"]


def _label(line):
    return line["label"].strip().lower()


def _check_labelled(ax, lines_by_name):
    """Each named curve's line (if it carries a label) has that label; legend, axis labels."""
    for name, lines in lines_by_name.items():
        labels = {_label(line) for line in lines}
        other = RANDOM if name == ACTIVE else ACTIVE
        expect(name in labels or not (labels & {other}), "curve_data")
    expect(ACTIVE in legend(ax) and RANDOM in legend(ax), "plot_labels")
    expect(ax["xlabel"].strip() and ax["ylabel"].strip(), "plot_labels")


# --- plot_learning_curves -------------------------------------------------------------------------

def _curve(rng, n_points, start=0.6):
    return np.round(np.clip(start + np.cumsum(rng.uniform(-0.02, 0.08, n_points)), 0, 1), 4)


def _curve_cases():
    rng = np.random.default_rng(31)
    # (active_acc, random_acc, active_n, random_n): same length but other sizes; random_n None
    yield (_curve(rng, 5).tolist(), _curve(rng, 5).tolist(), [20, 30, 40, 50, 60], [20, 35, 50, 65, 80])
    yield (_curve(rng, 3), _curve(rng, 3), np.array([10, 25, 40]), None)


@check("plot_learning_curves", core=True)
def curves_each_against_its_own_sizes(call):
    """each curve is drawn against its own labelled-set sizes"""
    for active_acc, random_acc, active_n, random_n in _curve_cases():
        kwargs = {} if random_n is None else {"random_n": random_n}
        ax = _axes(call("plot_learning_curves", active_acc, random_acc, active_n, **kwargs).value)[0]
        random_x = active_n if random_n is None else random_n
        expect(lines_with(ax, active_n, active_acc), "curve_data")
        if not lines_with(ax, random_x, random_acc):
            wrong_x = len(active_n) == len(random_acc) and lines_with(ax, active_n, random_acc)
            raise Mistake("curve_own_x" if wrong_x else "curve_data")


@check("plot_learning_curves")
def curves_labels_legend_and_title(call):
    """curve labels, legend, axis labels and the title argument"""
    active_acc, random_acc, active_n, random_n = next(_curve_cases())
    fig = _axes(call.shared("plot_learning_curves", active_acc, random_acc, active_n, "Seed 7: one run",
                            random_n=random_n, target=0.73).value)
    expect(len(fig) == 1, "curve_data")
    ax = fig[0]
    _check_labelled(ax, {ACTIVE: lines_with(ax, active_n, active_acc),
                         RANDOM: lines_with(ax, random_n, random_acc)})
    expect(ax["title"] == "Seed 7: one run", "plot_labels")


@check("plot_learning_curves")
def curves_target_line(call):
    """one horizontal line at the target, none without a target"""
    active_acc, random_acc, active_n, random_n = next(_curve_cases())
    ax = _axes(call.shared("plot_learning_curves", active_acc, random_acc, active_n, "Seed 7: one run",
                           random_n=random_n, target=0.73).value)[0]
    flat = [line for line in ax["lines"] if line["y"] and np.allclose(line["y"], 0.73)]
    expect(len(ax["lines"]) == 3 and len(flat) == 1, "target_line")
    ax = _axes(call("plot_learning_curves", active_acc, random_acc, active_n, random_n=random_n,
                    target=None).value)[0]
    expect(len(ax["lines"]) == 2, "target_line")


# --- labels_to_target -----------------------------------------------------------------------------

@check("labels_to_target")
def target_never_reached_gives_none(call):
    """None whenever no round reaches the target"""
    cases = [([0.5, 0.6, 0.7], [20, 30, 40], 0.71), (np.array([0.9, 0.8]), np.array([5, 9]), 0.95),
             ([0.3], [100], 0.31), ([0.84, 0.8499, 0.83, 0.849], [10, 20, 30, 40], 0.85)]
    for acc, n, target in cases:
        expect(call("labels_to_target", acc, n, target).value is None, "never_reached_none")


@check("labels_to_target")
def target_reached_exactly(call):
    """a round exactly at the target reaches it"""
    cases = [([0.5, 0.75, 0.8, 0.9], [20, 30, 40, 50], 0.75, 30), ([0.625, 0.7], [12, 24], 0.625, 12),
             (np.array([0.5, 0.5, 1.0]), np.array([1, 2, 3]), 1.0, 3)]
    for acc, n, target, want in cases:
        got = call("labels_to_target", acc, n, target).value
        if not _close(got, want):
            above = [int(k) for a, k in zip(acc, n, strict=False) if a > target]
            raise Mistake("target_inclusive" if _close(got, above[0] if above else None)
                                         else "first_round")


@check("labels_to_target", core=True)
def target_first_round_on_random_curves(call, reference):
    """the first round at or above the target, on curves that go up and down"""
    rng = np.random.default_rng(5)
    for _ in range(8):
        k = int(rng.integers(3, 12))
        acc = np.round(rng.uniform(0.5, 0.95, k), 3)
        n = np.cumsum(rng.integers(3, 15, k)) + 7
        target = float(np.round(np.sort(acc)[int(rng.integers(0, k))] - 0.0005, 4))
        got = call("labels_to_target", acc.tolist(), n.tolist(), target).value
        want = reference("labels_to_target", acc.tolist(), n.tolist(), target).value
        expect(got is not None, "never_reached_none")
        expect(_close(got, want), "first_round")


# --- analyze_selected_samples ---------------------------------------------------------------------

def _counts(value):
    """class_counts as {class: count} without the zeros (a dict, or an array indexed by class)."""
    if isinstance(value, dict):
        return {int(k): int(v) for k, v in value.items() if v}
    return {i: int(v) for i, v in enumerate(np.asarray(value).ravel()) if v}


def _analysis(out):
    value = out.value
    expect(isinstance(value, tuple) and len(value) == 2, "returns_figure")
    stats, fig = value
    keys = {"mean_max_proba", "min_max_proba", "max_max_proba", "accuracy", "class_counts"}
    expect(isinstance(stats, dict) and keys <= set(stats), "stats_keys")
    return stats, fig


def _compare_stats(got, want):
    for key in ("mean_max_proba", "min_max_proba", "max_max_proba"):
        expect(_close(got[key], want[key]), "selected_rows")
    expect(_close(got["accuracy"], want["accuracy"]), "selected_accuracy")
    try:
        counts = _counts(got["class_counts"])
    except (TypeError, ValueError):
        counts = None
    expect(counts == _counts(want["class_counts"]), "class_counts")


def _selection_case(seed, n_classes, n_pool):
    """(model, X_labeled, X_pool, y_pool): a real fitted model (students may call model.score), noisy labels."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 1.5, (n_classes, 3))

    def draw(n):
        y = np.arange(n) % n_classes
        return np.round(centres[y] + rng.normal(0, 1.2, (n, 3)), 6), y

    X_lab, y_lab = draw(5 * n_classes)
    X_pool, y_pool = draw(n_pool)
    return Probe.estimator("logreg", fit=(X_lab, y_lab)), X_lab, X_pool, y_pool


# The three checks look at one call: a recording strategy that picks the pool's last rows, so the statistics
# must describe exactly the rows the query_strategy argument picks (the public check covers the default).
# 41 pool rows: the labels cycle through the classes, and the last 7 rows' labels are not the first 7 rows'.
_SELECTION = (*_selection_case(1, 3, 41), 7)
_PICK_LAST = {"query_strategy": Probe.strategy("strategy", pick="last")}


@check("analyze_selected_samples", core=True)
def selected_statistics_match_reference(call, reference):
    """statistics of the rows the query_strategy argument picks (three classes)"""
    got, _ = _analysis(call.shared("analyze_selected_samples", *_SELECTION, **_PICK_LAST))
    want, _ = _analysis(reference("analyze_selected_samples", *_SELECTION, **_PICK_LAST))
    _compare_stats(got, want)


@check("analyze_selected_samples")
def selected_rows_come_from_the_strategy(call):
    """the query_strategy argument picks the rows, asked for n_samples of them"""
    out = call.shared("analyze_selected_samples", *_SELECTION, **_PICK_LAST)
    _analysis(out)  # the student's own error, if it raised one
    queries = out.logs.get("strategy", [])
    expect(queries and all(q["n_samples"] == _SELECTION[-1] for q in queries), "selected_rows")


@check("analyze_selected_samples")
def selected_histograms(call):
    """left: the selected samples; right: the pool and the selected samples"""
    n = _SELECTION[-1]
    _, fig = _analysis(call.shared("analyze_selected_samples", *_SELECTION, **_PICK_LAST))
    axes = _axes(fig)
    expect(len(axes) == 2, "histograms")
    left, right = axes
    left_bars = [c for c in left["containers"] if c["type"] == "BarContainer"]
    expect(left_bars and np.isclose(sum(sum(c["heights"]) for c in left_bars), n), "histograms")
    expect(len([c for c in right["containers"] if c["type"] == "BarContainer"]) >= 2, "histograms")
    expect(right["legend"] and len(right["legend"]) >= 2, "histograms")
    expect(left["xlabel"].strip() and right["xlabel"].strip(), "histograms")


# --- cost_analysis --------------------------------------------------------------------------------

COST_KEYS = ("target_acc", "active_labels", "random_labels", "active_cost", "random_cost", "labels_saved",
             "cost_saved", "savings_pct")


def _cost_cases():
    """(active_acc, random_acc, n_labeled, target_acc, cost_per_label, random_n); both curves reach the target."""
    yield ([0.6, 0.7, 0.8, 0.86, 0.9], [0.6, 0.65, 0.72, 0.8, 0.84, 0.87], [20, 30, 40, 50, 60], 0.85, 2.5,
           [20, 32, 44, 56, 68, 80])
    yield ([0.55, 0.7, 0.8, 0.79, 0.9], [0.55, 0.6, 0.75, 0.8, 0.82], [10, 20, 30, 40, 50], 0.8, 0.4,
           [10, 22, 34, 46, 58])
    yield ([0.6, 0.7, 0.75, 0.82, 0.9], [0.6, 0.8, 0.85, 0.85, 0.9], [20, 30, 40, 50, 60], 0.8, 3.0, None)
    yield ([0.7, 0.9, 0.95], [0.7, 0.8, 0.96], [100, 200, 300], 0.95, 12.0, None)


def _cost(call, case):
    active_acc, random_acc, n, target, cost, random_n = case
    kwargs = {"target_acc": target, "cost_per_label": cost}
    if random_n is not None:
        kwargs["random_n"] = random_n
    return call("cost_analysis", active_acc, random_acc, n, **kwargs)


def _cost_dicts(call, reference, case):
    got = _cost(call, case).value
    expect(isinstance(got, dict) and set(COST_KEYS) <= set(got), "cost_keys")
    return got, _cost(reference, case).value


@check("cost_analysis", core=True)
def cost_labels_of_each_curve(call, reference):
    """the labels each curve needs, each with its own sizes"""
    from allab.mine import labels_to_target  # the reference here (autograder.grading.reference)
    for case in _cost_cases():
        got, want = _cost_dicts(call, reference, case)
        expect(_close(got["target_acc"], want["target_acc"]), "cost_keys")
        expect(_close(got["active_labels"], want["active_labels"]), "cost_labels")
        if not _close(got["random_labels"], want["random_labels"]):
            ignored = labels_to_target(case[1], case[2], case[3])
            raise Mistake("curve_own_x" if _close(got["random_labels"], ignored) else "cost_labels")


@check("cost_analysis")
def cost_uses_cost_per_label(call, reference):
    """costs are labels times cost_per_label"""
    for case in _cost_cases():
        got, want = _cost_dicts(call, reference, case)
        if not all(_close(got[key], want[key]) for key in ("active_labels", "random_labels")):
            continue  # a wrong label count is the other check's business
        expect(_close(got["active_cost"], want["active_cost"]) and _close(got["random_cost"], want["random_cost"]),
               "cost_per_label")


@check("cost_analysis")
def cost_savings(call, reference):
    """labels and cost saved (random minus active) and the saving in percent"""
    for case in _cost_cases():
        got, want = _cost_dicts(call, reference, case)
        if not all(_close(got[k], want[k]) for k in ("active_labels", "random_labels", "active_cost", "random_cost")):
            continue  # the other checks say what is wrong
        expect(_close(got["labels_saved"], want["labels_saved"]), "savings_sign")
        expect(_close(got["cost_saved"], want["cost_saved"]), "savings_sign")
        expect(_close(got["savings_pct"], want["savings_pct"]), "savings_pct")


@check("cost_analysis")
def cost_when_a_curve_misses_the_target(call, reference):
    """active, random or both never reach the target: None values and a message"""
    n = [20, 30, 40, 50]
    cases = [([0.6, 0.7, 0.8, 0.84], [0.6, 0.8, 0.88, 0.9], n, 0.85, 2.0, None),
             ([0.6, 0.7, 0.88, 0.9], [0.6, 0.7, 0.8, 0.8], n, 0.85, 1.5, [20, 35, 50, 65]),
             ([0.6, 0.7, 0.75, 0.8], [0.6, 0.72, 0.79, 0.8], n, 0.9, 1.0, None)]
    for case in cases:
        out = _cost(call, case)
        got, want = out.value, _cost(reference, case).value
        expect(isinstance(got, dict) and set(COST_KEYS) <= set(got), "missed_target")
        for key in COST_KEYS:
            if want[key] is None:
                expect(got[key] is None, "missed_target")
        expect(out.stdout.strip(), "missed_target")


# --- area_under_curve -----------------------------------------------------------------------------

def _expect_aulc(got, want, n):
    """Fail unless ``got`` is ``want``: not normalised (or by the wrong width), or not the trapezoid rule."""
    if _close(got, want):
        return
    area = want * (n[-1] - n[0])
    unnormalised = any(_close(got, a) for a in (area, area / n[-1], area / len(n), area / max(len(n) - 1, 1)))
    raise Mistake("aulc_normalise" if unnormalised else "aulc_trapezoid")


@check("area_under_curve", core=True)
def aulc_on_uneven_curves(call, reference):
    """the trapezoid rule over uneven steps, normalised by the x range"""
    rng = np.random.default_rng(8)
    for k in (2, 3, 5, 8, 12):
        acc = np.round(rng.uniform(0.4, 1.0, k), 3)
        n = (np.cumsum(rng.integers(1, 25, k)) + int(rng.integers(5, 40))).astype(int)
        args = (acc.tolist(), n.tolist()) if k % 2 else (acc, n)
        got = call("area_under_curve", *args).value
        want = reference("area_under_curve", *args).value
        _expect_aulc(got, want, n)


@check("area_under_curve")
def aulc_single_point(call):
    """one point: its own accuracy"""
    for acc, n in (([0.72], [20]), (np.array([0.5]), np.array([1])), ([1.0], [300])):
        got = call("area_under_curve", acc, n).value
        expect(_close(got, acc[0]), "aulc_single_point")


@check("area_under_curve")
def aulc_two_points_and_flat(call):
    """two points give their mean; a flat curve its level"""
    for acc, n, want in (([0.6, 0.9], [20, 50], 0.75), ([0.4] * 6, [7, 9, 20, 21, 40, 90], 0.4)):
        got = call("area_under_curve", acc, n).value
        _expect_aulc(got, want, n)


# --- run_multiple_experiments ---------------------------------------------------------------------

@check("run_multiple_experiments")
def runs_are_paired_seeded_and_share_one_data_set(call):
    """run r: one data set, one split with random_state + r, shared by both loops"""
    from allab.data import load_lab_data
    from allab.mine import create_initial_split  # the reference here (autograder.grading.reference)
    X_train, _, y_train, _ = load_lab_data()
    n_runs, n_initial, seed = 3, 12, 5
    # one round per loop: each loop fits the model once, on its starting set
    out = call("run_multiple_experiments", n_runs, n_initial=n_initial, n_iterations=1, n_queries=6,
               random_state=seed, model=Probe.spy("model", estimator="nb"))
    expect(isinstance(out.value, dict), "runs_shape")
    trained = fits(out, "model")
    expect(len(trained) >= 2 * n_runs, "passes_model")
    rows = [row_ids(f["X"], X_train) for f in trained]
    expect(all(np.all(r >= 0) for r in rows), "one_data_set")
    starts = Counter(frozenset(r.tolist()) for r in rows)
    expect(len(starts) > 1, "same_seed")
    expect(all(count == 2 for count in starts.values()), "unpaired")
    want = {frozenset(row_ids(create_initial_split(X_train, y_train, n_initial, random_state=seed + r)[0],
                              X_train).tolist()) for r in range(n_runs)}
    expect(set(starts) == want, "run_seeds")


def _fast_runs(call, n_runs, n_iterations, **kwargs):
    return call("run_multiple_experiments", n_runs, n_iterations=n_iterations, model=Probe.estimator("nb"), **kwargs)


def _runs(out):
    res = out.value
    expect(isinstance(res, dict) and {"n_labeled", "active", "random"} <= set(res), "runs_shape")
    return res


@check("run_multiple_experiments", core=True)
def runs_match_reference(call, reference):
    """the accuracy curves of every run, with the query_strategy and model given"""
    kwargs = {"n_initial": 10, "n_queries": 4, "random_state": 11,
              "query_strategy": Probe.strategy("strategy", pick="first")}
    out = _fast_runs(call, 2, 3, **kwargs)
    res = _runs(out)
    queries = out.logs.get("strategy", [])
    expect(len(queries) >= 2 and all(q["n_samples"] == 4 for q in queries), "passes_strategy")
    expect(all(q["model"] == "GaussianNB" for q in queries), "passes_model")
    from allab.data import load_lab_data
    X_train = load_lab_data()[0]
    expect(all(np.all(row_ids(q["X"], X_train) >= 0) for q in queries), "one_data_set")
    want = _runs(_fast_runs(reference, 2, 3, **kwargs))
    active, random = np.asarray(res["active"], dtype=float), np.asarray(res["random"], dtype=float)
    expect(active.shape == (2, 3) and random.shape == (2, 3), "runs_shape")
    expect([int(n) for n in np.asarray(res["n_labeled"]).ravel()] == [10, 14, 18], "runs_shape")
    expect(np.allclose(active[:, 0], random[:, 0]), "unpaired")
    if np.allclose(active[0], active[1]) and np.allclose(random[0], random[1]):
        raise Mistake("same_seed")  # the reference's two runs differ
    expect(np.allclose(active, want["active"]) and np.allclose(random, want["random"]), "run_seeds")


@check("run_multiple_experiments")
def runs_summary_statistics(call):
    """means and standard deviations over runs, per round"""
    res = _runs(_fast_runs(call, 3, 2, n_initial=10, n_queries=5, random_state=2))
    keys = ("active_mean", "active_std", "random_mean", "random_std")
    expect(set(keys) <= set(res), "runs_shape")
    for key in ("active", "random"):
        rows = np.asarray(res[key], dtype=float)
        expect(rows.ndim == 2, "runs_shape")
        mean, std = np.asarray(res[f"{key}_mean"], dtype=float), np.asarray(res[f"{key}_std"], dtype=float)
        expect(mean.shape == (rows.shape[1],) and np.allclose(mean, rows.mean(axis=0)), "summary_stats")
        expect(std.shape == (rows.shape[1],) and (np.allclose(std, rows.std(axis=0))
                                                  or np.allclose(std, rows.std(axis=0, ddof=1))),
               "summary_stats")


# --- plot_multiple_runs ---------------------------------------------------------------------------

def _results(seed, n_labeled=(15, 22, 29, 36, 43), n_runs=4, with_nan=False):
    rng = np.random.default_rng(seed)
    base = np.linspace(0.6, 0.88, len(n_labeled))
    active = np.clip(base + 0.04 + rng.normal(0, 0.03, (n_runs, len(n_labeled))), 0, 1)
    random = np.clip(base + rng.normal(0, 0.04, (n_runs, len(n_labeled))), 0, 1)
    if with_nan:  # a missing accuracy: the band of that curve (only) breaks there
        active[0, 1] = np.nan
        random[1, 3] = np.nan
    return {"n_labeled": list(n_labeled), "active": active, "random": random,
            "active_mean": active.mean(axis=0), "active_std": active.std(axis=0),
            "random_mean": random.mean(axis=0), "random_std": random.std(axis=0)}


_RUNS = _results(6, n_labeled=(20, 30, 40, 50, 60, 70))  # one figure for the mean, band and label checks


def _bands(ax):
    return [c for c in ax["collections"] if c["type"].endswith("PolyCollection")]


def _errorbars(ax):
    return [c for c in ax["containers"] if c["type"] == "ErrorbarContainer"]


@check("plot_multiple_runs", core=True)
def multiple_runs_mean_curves(call):
    """the two mean curves against n_labeled, labelled"""
    fig = _axes(call.shared("plot_multiple_runs", _RUNS, "Six paired runs").value)
    expect(len(fig) == 1, "mean_curves")
    ax = fig[0]
    lines = {name: lines_with(ax, _RUNS["n_labeled"], _RUNS[f"{key}_mean"])
             for name, key in ((ACTIVE, "active"), (RANDOM, "random"))}
    expect(all(lines.values()), "mean_curves")
    labelled = {name: [line for line in found if not line["label"].startswith("_")] for name, found in lines.items()}
    for name, found in labelled.items():
        expect(not found or name in {_label(line) for line in found}, "mean_curves")
    expect(ACTIVE in legend(ax) and RANDOM in legend(ax), "plot_labels")


@check("plot_multiple_runs")
def multiple_runs_spread_of_each_curve(call):
    """a band (or error bars) of mean +/- std around each curve, with its own std"""
    ax = _axes(call.shared("plot_multiple_runs", _RUNS, "Six paired runs").value)[0]
    expect(len(_bands(ax)) + len(_errorbars(ax)) >= 2, "spread_band")
    # A band ends where its mean or std is NaN, so fill_between makes one polygon per stretch: the active
    # band breaks at round 1 only and the random band at round 3 only (2 polygons each). A band built from
    # the other curve's std breaks in both places (3 polygons).
    out = call("plot_multiple_runs", _results(5, with_nan=True))
    if out.error is not None or not isinstance(out.value, FigureDescription) or not out.value["axes"]:
        return  # NaN handling is not part of the exercise
    bands = _bands(out.value["axes"][0])
    if len(bands) == 2:
        expect(sorted(b["n_paths"] for b in bands) in ([2, 2], [1, 1]), "spread_band")


@check("plot_multiple_runs")
def multiple_runs_labels_and_title(call):
    """axis labels, the title argument and a legend"""
    ax = _axes(call.shared("plot_multiple_runs", _RUNS, "Six paired runs").value)[0]
    expect(ax["title"] == "Six paired runs", "plot_labels")
    expect(ax["xlabel"].strip() and ax["ylabel"].strip(), "plot_labels")
    expect(ACTIVE in legend(ax) and RANDOM in legend(ax), "plot_labels")
