"""Public checks of Part 3: learning curves, label counts and costs, selected samples, multiple runs."""
import functools

import numpy as np

from allab.checks import close, fits, legend, lines_with, public_check
from allab.figures import FigureDescription
from allab.probes import Probe

ACTIVE, RANDOM = "active learning", "random sampling"


def _figure(value, what="the figure"):
    assert isinstance(value, FigureDescription), \
        f"return {what} (the matplotlib Figure from plt.subplots()); got {type(value).__name__}"
    assert value["axes"], "the figure has no axes: draw with fig, ax = plt.subplots()"
    return value


def _line(ax, label):
    """The line of ``ax`` labelled ``label`` (case-insensitive), or None."""
    for line in ax["lines"]:
        if line["label"].strip().lower() == label:
            return line
    return None


# --- Exercise 3.1 -----------------------------------------------------------------------------

@public_check("plot_learning_curves")
def plot_learning_curves(call):
    """Two labelled curves, each against its own x values, with labels, title, legend and target line."""
    active_acc, active_n = [0.6, 0.7, 0.8, 0.85], [20, 30, 40, 50]
    random_acc, random_n = [0.6, 0.62, 0.7], [20, 35, 50]
    fig = _figure(call("plot_learning_curves", active_acc, random_acc, active_n, "My curves",
                       random_n=random_n).value)
    assert len(fig["axes"]) == 1, f"draw both curves in one axes; the figure has {len(fig['axes'])}"
    ax = fig["axes"][0]
    assert len(ax["lines"]) == 2, f"without a target, draw exactly two lines; found {len(ax['lines'])}"
    for label, x, y in ((ACTIVE, active_n, active_acc), (RANDOM, random_n, random_acc)):
        line = _line(ax, label)
        assert line is not None, \
            f"no line labelled {label.capitalize()!r}; the line labels are {[drawn['label'] for drawn in ax['lines']]}"
        assert np.allclose(line["y"], y), f"the {label!r} line must show its accuracies {y}; got {line['y']}"
        assert len(line["x"]) == len(x) and np.allclose(line["x"], x), \
            f"the {label!r} line must be plotted against its own labelled-set sizes {x}; got {line['x']}" + (
                " - pass random_n for the random curve" if label == RANDOM else "")
    assert ACTIVE in legend(ax) and RANDOM in legend(ax), \
        f"add a legend naming both curves (ax.legend()); legend: {ax['legend']}"
    assert ax["title"] == "My curves", f"use the title argument as the axes title; got {ax['title']!r}"
    assert ax["xlabel"].strip() and ax["ylabel"].strip(), \
        "label both axes (number of labelled samples, test accuracy)"

    fig = _figure(call("plot_learning_curves", [0.6, 0.7, 0.8], [0.6, 0.65, 0.75], [10, 20, 30],
                       target=0.7).value)
    ax = fig["axes"][0]
    line = _line(ax, RANDOM)
    assert line is not None and np.allclose(line["x"], [10, 20, 30]), \
        "without random_n, plot the random curve against active_n"
    assert ax["title"] == "Learning Curves", f"the default title is 'Learning Curves'; got {ax['title']!r}"
    flat = [drawn for drawn in ax["lines"] if len(drawn["y"]) >= 1 and np.allclose(drawn["y"], 0.7)]
    assert len(ax["lines"]) == 3 and flat, \
        "with target=0.7, add one horizontal line at accuracy 0.7 (e.g. ax.axhline(target))"


@public_check("labels_to_target")
def labels_to_target(call):
    """The labelled-set size of the first round at or above the target; None if never reached."""
    acc, n = [0.70, 0.80, 0.85, 0.84, 0.90], [10, 20, 30, 40, 50]
    got = call("labels_to_target", acc, n, 0.85).value
    assert got == 30, f"accuracy first reaches 0.85 (>= counts) at 30 labels; got {got!r}"
    got = call("labels_to_target", acc, n, 0.82).value
    assert got == 30, f"the first round with accuracy >= 0.82 has 30 labels; got {got!r}"
    got = call("labels_to_target", np.array(acc), np.array(n), 0.6).value
    assert got == 10, f"a curve that starts above the target reaches it at the first size, 10; got {got!r}"
    got = call("labels_to_target", acc, n, 0.95).value
    assert got is None, f"a curve that never reaches the target must give None; got {got!r}" + (
        " - np.argmax of an all-False array is 0: check that the target was really reached"
        if got == 10 else "")


@public_check("cost_analysis")
def cost_analysis(call):
    """Labels and costs at the target, savings in percent, None where a curve misses the target."""
    n = [10, 20, 30, 40]
    out = call("cost_analysis", [0.70, 0.80, 0.86, 0.90], [0.70, 0.75, 0.80, 0.86], n,
               target_acc=0.85, cost_per_label=2.0)
    got = out.value
    assert isinstance(got, dict), f"return a dict; got {type(got).__name__}"
    expected = {"target_acc": 0.85, "active_labels": 30, "random_labels": 40, "active_cost": 60.0,
                "random_cost": 80.0, "labels_saved": 10, "cost_saved": 20.0, "savings_pct": 25.0}
    missing = sorted(set(expected) - set(got))
    assert not missing, f"the dict is missing the keys {missing}"
    for key, value in expected.items():
        fraction = key == "savings_pct" and close(got[key], 0.25)
        assert close(got[key], value), \
            f"{key}: expected {value} (active reaches 85% at 30 labels, random at 40; 2.0 per label); " \
            f"got {got[key]!r}" + (" - savings_pct is a percentage: 25.0 means 25%" if fraction else "")

    got = call("cost_analysis", [0.70, 0.80, 0.86, 0.90], [0.70, 0.75, 0.80, 0.90], n, target_acc=0.85,
               random_n=[10, 25, 40, 55]).value
    assert close(got["random_labels"], 55) and close(got["labels_saved"], 25), \
        f"with random_n=[10, 25, 40, 55] random sampling reaches 85% at 55 labels (25 saved); " \
        f"got random_labels={got['random_labels']!r}, labels_saved={got['labels_saved']!r}"

    out = call("cost_analysis", [0.70, 0.80, 0.86, 0.90], [0.70, 0.75, 0.80, 0.84], n)
    got = out.value
    assert isinstance(got, dict), "return the dict also when a curve never reaches the target"
    assert close(got["active_labels"], 30) and close(got["active_cost"], 30.0), \
        f"active learning reaches the default target 0.85 at 30 labels (cost 30.0 at the default 1.0 per label); " \
        f"got active_labels={got['active_labels']!r}, active_cost={got['active_cost']!r}"
    for key in ("random_labels", "random_cost", "labels_saved", "cost_saved", "savings_pct"):
        assert got[key] is None, f"random sampling never reaches 0.85, so {key} must be None; got {got[key]!r}"
    assert out.stdout.strip(), "print a message saying that random sampling did not reach the target"


# --- Exercise 3.2 -----------------------------------------------------------------------------

def _selection_data():
    rng = np.random.default_rng(3)
    X_lab = rng.normal(size=(20, 2))
    y_lab = (X_lab[:, 0] + 0.5 * X_lab[:, 1] > 0).astype(int)
    X_pool = rng.normal(size=(60, 2))
    y_pool = (X_pool[:, 0] + 0.5 * X_pool[:, 1] + 0.5 * rng.normal(size=60) > 0).astype(int)
    return X_lab, y_lab, X_pool, y_pool


@public_check("analyze_selected_samples")
def analyze_selected_samples(call):
    """Statistics of the least-confident pool samples, and the two histograms its docstring asks for."""
    from sklearn.linear_model import LogisticRegression
    X_lab, y_lab, X_pool, y_pool = _selection_data()
    n = 8
    model = LogisticRegression(max_iter=1000, random_state=42).fit(X_lab, y_lab)  # = Probe.estimator("logreg")
    max_probas = model.predict_proba(X_pool).max(axis=1)
    chosen = np.argsort(max_probas, kind="stable")[:n]
    expected = {"mean_max_proba": max_probas[chosen].mean(), "min_max_proba": max_probas[chosen].min(),
                "max_max_proba": max_probas[chosen].max(),
                "accuracy": np.mean(model.predict(X_pool[chosen]) == y_pool[chosen])}
    counts = {0: int(np.sum(y_pool[chosen] == 0)), 1: int(np.sum(y_pool[chosen] == 1))}

    out = call("analyze_selected_samples", Probe.estimator("logreg", fit=(X_lab, y_lab)), X_lab, X_pool, y_pool, n)
    value = out.value
    assert isinstance(value, tuple) and len(value) == 2, "return a tuple (stats, fig)"
    stats, fig = value
    assert isinstance(stats, dict), f"stats must be a dict; got {type(stats).__name__}"
    missing = sorted((set(expected) | {"class_counts"}) - set(stats))
    assert not missing, f"stats is missing the keys {missing}"
    for key, want in expected.items():
        assert close(stats[key], want), \
            f"{key}: expected {want:.4f} for the {n} least-confident pool samples; got {stats[key]!r}"
    got = stats["class_counts"]
    if isinstance(got, dict):
        got = {int(k): int(v) for k, v in got.items() if v}
    else:
        got = {i: int(v) for i, v in enumerate(np.asarray(got).ravel()) if v}
    assert got == {k: v for k, v in counts.items() if v}, \
        f"class_counts: the selected samples' true classes are {counts}; got {stats['class_counts']!r}"

    stats = call("analyze_selected_samples", Probe.estimator("logreg", fit=(X_lab, y_lab)), X_lab, X_pool, y_pool, n,
                 query_strategy=Probe.strategy("last", pick="last")).value[0]
    last = max_probas[-n:]
    assert isinstance(stats, dict) and close(stats.get("mean_max_proba"), last.mean()), (
        "with a query_strategy that picks the last 8 pool rows, mean_max_proba must be theirs "
        f"({last.mean():.4f}): describe the rows query_strategy(model, X_pool, n_samples) returns")

    fig = _figure(fig, "the figure as the second element")
    assert len(fig["axes"]) == 2, \
        f"draw two histograms side by side (plt.subplots(1, 2)); found {len(fig['axes'])} axes"
    left, right = fig["axes"]
    bars = [c for c in left["containers"] if c["type"] == "BarContainer"]
    assert bars, "the left axes must hold a histogram (ax.hist) of the selected samples' max probabilities"
    assert np.isclose(sum(sum(c["heights"]) for c in bars), n), \
        f"the left histogram must count the {n} selected samples (counts, not density)"
    assert len([c for c in right["containers"] if c["type"] == "BarContainer"]) >= 2, \
        "the right axes must hold two histograms: the whole pool and the selected samples"
    assert right["legend"] and len(right["legend"]) >= 2, "add a legend to the right axes (All pool, Selected)"
    assert all(ax["xlabel"].strip() for ax in (left, right)), "label the x axes (max probability)"


# --- Exercise 3.4 -----------------------------------------------------------------------------

@public_check("area_under_curve")
def area_under_curve(call):
    """Trapezoid area divided by the x range; a single point gives its accuracy."""
    got = call("area_under_curve", [0.5, 0.7, 0.9], [10, 20, 30]).value
    assert close(got, 0.7), f"for [0.5, 0.7, 0.9] at [10, 20, 30] expected 0.7; got {got!r}" + (
        " - divide the area by n_labeled[-1] - n_labeled[0]" if close(got, 14.0) else "")
    got = call("area_under_curve", np.array([0.6, 0.8, 0.8]), np.array([10, 20, 40])).value
    assert close(got, 23 / 30), \
        f"with uneven steps, [0.6, 0.8, 0.8] at [10, 20, 40] gives (10 * 0.7 + 20 * 0.8) / 30 = 0.7667; got {got!r}" + (
            " - weight each segment by its width (the trapezoid rule), not the plain mean"
            if close(got, np.mean([0.6, 0.8, 0.8])) else "")
    got = call("area_under_curve", [0.83, 0.83, 0.83, 0.83], [20, 30, 40, 50]).value
    assert close(got, 0.83), f"a flat curve at 0.83 must give 0.83; got {got!r}"
    got = call("area_under_curve", [0.8], [20]).value
    assert close(got, 0.8), f"a single point must give its accuracy, 0.8; got {got!r}"


@functools.lru_cache(maxsize=None)  # the grader checks every student against the same runs
def _paired_runs(n_runs, n_iterations, random_state):
    """[(active accuracies, random accuracies)] of each run, from Parts 1 and 2 (allab.mine) on the lab data."""
    from allab.data import load_lab_data
    from allab.mine import active_learning_loop, create_initial_split, random_sampling_loop
    X_train, X_test, y_train, y_test = load_lab_data()
    runs = []
    for r in range(n_runs):
        X_lab, y_lab, X_pool, y_pool, _ = create_initial_split(X_train, y_train, 20, random_state=random_state + r)
        runs.append((active_learning_loop(X_lab, y_lab, X_pool, y_pool, X_test, y_test, n_iterations, 10,
                                          verbose=False)[0],
                     random_sampling_loop(X_lab, y_lab, X_pool, y_pool, X_test, y_test, n_iterations, 10,
                                          random_state=random_state + r, verbose=False)[0]))
    return runs


@public_check("run_multiple_experiments")
def run_multiple_experiments(call):
    """Paired, seeded runs on one data set: run r starts from create_initial_split(..., random_state + r)."""
    out = call("run_multiple_experiments", 2, n_iterations=3, random_state=7)
    res = out.value
    assert isinstance(res, dict), f"return a dict; got {type(res).__name__}"
    keys = ["n_labeled", "active", "random", "active_mean", "active_std", "random_mean", "random_std"]
    missing = [k for k in keys if k not in res]
    assert not missing, f"the dict is missing the keys {missing}"
    n_labeled = np.asarray(res["n_labeled"]).tolist()
    assert n_labeled == [20, 30, 40], \
        f"n_labeled for 3 rounds of 10 queries from 20 labels must be [20, 30, 40]; got {n_labeled}"
    active, random = np.asarray(res["active"], dtype=float), np.asarray(res["random"], dtype=float)
    assert active.shape == (2, 3) and random.shape == (2, 3), \
        f"'active' and 'random' must have shape (n_runs, n_rounds) = (2, 3); got {active.shape} and {random.shape}"
    assert np.allclose(active[:, 0], random[:, 0]), \
        "run r of active learning and of random sampling must start from the same labelled set " \
        "(their first accuracies differ): split once per run and use the split for both loops"
    for key, rows in (("active", active), ("random", random)):
        assert np.allclose(res[f"{key}_mean"], rows.mean(axis=0)), f"{key}_mean must be the mean over runs (axis=0)"
        std = np.asarray(res[f"{key}_std"], dtype=float)
        spread = np.allclose(std, rows.std(axis=0)) or np.allclose(std, rows.std(axis=0, ddof=1))
        assert std.shape == (3,) and spread, \
            f"{key}_std must be the standard deviation over runs (np.std(..., axis=0))"

    for r, (want_active, want_random) in enumerate(_paired_runs(2, 3, 7)):
        assert np.allclose(active[r], want_active), \
            f"with random_state=7, run {r} must use load_data() (the same data set for every run) and " \
            f"create_initial_split(X_train, y_train, 20, random_state={7 + r}): expected active accuracies " \
            f"{np.round(want_active, 3).tolist()}, got {np.round(active[r], 3).tolist()}"
        assert np.allclose(random[r], want_random), \
            f"run {r}'s random sampling loop must start from the same split and be seeded with " \
            f"random_state={7 + r}: expected {np.round(want_random, 3).tolist()}, got {np.round(random[r], 3).tolist()}"

    out = call("run_multiple_experiments", 1, n_iterations=2, model=Probe.spy("model"),
               query_strategy=Probe.strategy("strategy"))
    assert out.logs.get("strategy"), "pass query_strategy on to active_learning_loop (query_strategy=query_strategy)"
    trained = fits(out, "model")
    assert out.value is not None and len(trained) >= 4, \
        f"pass model= on to both loops: with n_runs=1 and n_iterations=2 the given model was fitted {len(trained)} " \
        "times, expected 4"


@public_check("plot_multiple_runs")
def plot_multiple_runs(call):
    """Mean curves of both methods with a mean +/- std band or error bars, labels and a legend."""
    active = np.array([[0.70, 0.80, 0.90], [0.74, 0.86, 0.88]])
    random = np.array([[0.70, 0.72, 0.80], [0.74, 0.78, 0.84]])
    results = {"n_labeled": [20, 30, 40], "active": active, "random": random,
               "active_mean": active.mean(axis=0), "active_std": active.std(axis=0),
               "random_mean": random.mean(axis=0), "random_std": random.std(axis=0)}
    fig = _figure(call("plot_multiple_runs", results).value)
    assert len(fig["axes"]) == 1, f"draw in one axes; the figure has {len(fig['axes'])}"
    ax = fig["axes"][0]
    for key in ("active", "random"):
        assert lines_with(ax, [20, 30, 40], results[f"{key}_mean"]), \
            f"no line shows {key}_mean {np.round(results[f'{key}_mean'], 3).tolist()} against n_labeled [20, 30, 40]"
    assert ACTIVE in legend(ax) and RANDOM in legend(ax), \
        f"add a legend with 'Active learning' and 'Random sampling'; legend: {ax['legend']}"
    bands = [c for c in ax["collections"] if c["type"].endswith("PolyCollection")]
    errorbars = [c for c in ax["containers"] if c["type"] == "ErrorbarContainer"]
    assert len(bands) >= 2 or len(errorbars) >= 2, \
        "show the spread over runs: a band ax.fill_between(n, mean - std, mean + std) or ax.errorbar for each curve"
    assert ax["xlabel"].strip() and ax["ylabel"].strip(), "label both axes"
    assert ax["title"].strip(), "give the plot a title"
