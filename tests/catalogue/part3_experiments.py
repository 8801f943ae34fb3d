"""Part 3: wrong implementations (MUTANTS) and correct alternatives (VARIANTS)."""
from . import Edit

P3 = "part3_experiments"

MUTANTS = [
    # --- plot_learning_curves
    Edit(P3, "plot_learning_curves", "random curve against the active sizes (the handout)",
         replace=[('ax.plot(random_n, random_acc, "s-"', 'ax.plot(active_n, random_acc, "s-"')],
         mistake="curve_own_x"),
    Edit(P3, "plot_learning_curves", "no legend",
         replace=[("    ax.legend()\n", "")], mistake="plot_labels"),
    Edit(P3, "plot_learning_curves", "no axis labels",
         replace=[('    ax.set_xlabel("Number of labelled samples")\n    ax.set_ylabel("Test accuracy")\n', "")],
         mistake="plot_labels"),
    Edit(P3, "plot_learning_curves", "target ignored",
         replace=[('        ax.axhline(target, color="gray", linestyle="--", linewidth=1, label=f"Target ({target:.0%})")',
                   "        pass")], mistake="target_line"),
    Edit(P3, "plot_learning_curves", "labels swapped",
         replace=[('label="Active learning"', 'label="@@"'), ('label="Random sampling"', 'label="Active learning"'),
                  ('label="@@"', 'label="Random sampling"')], mistake="curve_data"),
    Edit(P3, "plot_learning_curves", "fixed title",
         replace=[("ax.set_title(title)", 'ax.set_title("Learning Curves")')], mistake="plot_labels"),
    # --- labels_to_target
    Edit(P3, "labels_to_target", "np.argmax without checking (the handout)", source='''
def labels_to_target(accuracies, n_labeled, target):
    idx = np.argmax(np.asarray(accuracies) >= target)
    return int(n_labeled[idx])
''', mistake="never_reached_none"),
    Edit(P3, "labels_to_target", "strictly above the target",
         replace=[("if accuracy >= target:", "if accuracy > target:")], mistake="target_inclusive"),
    Edit(P3, "labels_to_target", "returns the round index", source='''
def labels_to_target(accuracies, n_labeled, target):
    for i, accuracy in enumerate(accuracies):
        if accuracy >= target:
            return i
    return None
''', mistake="first_round"),
    Edit(P3, "labels_to_target", "last round at or above the target", source='''
def labels_to_target(accuracies, n_labeled, target):
    found = None
    for accuracy, n in zip(accuracies, n_labeled):
        if accuracy >= target:
            found = int(n)
    return found
''', mistake="first_round"),
    # --- analyze_selected_samples
    Edit(P3, "analyze_selected_samples", "random rows instead of the selected ones",
         replace=[("query_idx = np.asarray(query_strategy(model, X_pool, n_samples), dtype=int)",
                   "query_idx = np.random.default_rng(0).choice(len(X_pool), n_samples, replace=False)")],
         mistake="selected_rows"),
    Edit(P3, "analyze_selected_samples", "ignores query_strategy",
         replace=[("query_idx = np.asarray(query_strategy(model, X_pool, n_samples), dtype=int)",
                   "query_idx = np.asarray(uncertainty_sampling(model, X_pool, n_samples), dtype=int)")],
         mistake="selected_rows"),
    Edit(P3, "analyze_selected_samples", "statistics of the whole pool",
         replace=[("max_probas = np.max(model.predict_proba(X_pool[query_idx]), axis=1)",
                   "max_probas = np.max(model.predict_proba(X_pool), axis=1)")], mistake="selected_rows"),
    Edit(P3, "analyze_selected_samples", "only one histogram on the right",
         replace=[('    right.hist(max_probas, bins=bins, alpha=0.7, edgecolor="black", label="Selected")\n', "")],
         mistake="histograms"),
    Edit(P3, "analyze_selected_samples", "counts the predicted classes",
         replace=[("int(np.sum(true_labels == c))", "int(np.sum(predicted == c))")], mistake="class_counts"),
    Edit(P3, "analyze_selected_samples", "accuracy against the first labels of the pool",
         replace=[('"accuracy": float(np.mean(predicted == true_labels))',
                   '"accuracy": float(np.mean(predicted == y_pool[:len(predicted)]))')],
         mistake="selected_accuracy"),
    # --- cost_analysis
    Edit(P3, "cost_analysis", "savings the wrong way round",
         replace=[('result["labels_saved"] = random_labels - active_labels',
                   'result["labels_saved"] = active_labels - random_labels'),
                  ('result["cost_saved"] = random_cost - active_cost', 'result["cost_saved"] = active_cost - random_cost')],
         mistake="savings_sign"),
    Edit(P3, "cost_analysis", "cost_per_label ignored",
         replace=[("else active_labels * cost_per_label", "else active_labels"),
                  ("else random_labels * cost_per_label", "else random_labels")], mistake="cost_per_label"),
    Edit(P3, "cost_analysis", "savings_pct as a fraction",
         replace=[('100 * result["cost_saved"] / random_cost', 'result["cost_saved"] / random_cost')],
         mistake="savings_pct"),
    Edit(P3, "cost_analysis", "savings_pct of the active cost",
         replace=[('100 * result["cost_saved"] / random_cost if random_cost',
                   '100 * result["cost_saved"] / active_cost if active_cost')], mistake="savings_pct"),
    Edit(P3, "cost_analysis", "random_n ignored",
         replace=[("random_labels = labels_to_target(random_acc, random_n, target_acc)",
                   "random_labels = labels_to_target(random_acc, n_labeled, target_acc)")], mistake="curve_own_x"),
    Edit(P3, "cost_analysis", "returns nothing when a curve misses the target (the handout)",
         replace=[("    active_cost = None if active_labels is None",
                   "    if active_labels is None or random_labels is None:\n"
                   "        print('Target not reached')\n"
                   "        return None\n"
                   "    active_cost = None if active_labels is None")], mistake="missed_target"),
    # --- area_under_curve
    Edit(P3, "area_under_curve", "not normalised",
         replace=[("return float(area / (n_labeled[-1] - n_labeled[0]))", "return float(area)")],
         mistake="aulc_normalise"),
    Edit(P3, "area_under_curve", "divided by the last size",
         replace=[("return float(area / (n_labeled[-1] - n_labeled[0]))", "return float(area / n_labeled[-1])")],
         mistake="aulc_normalise"),
    Edit(P3, "area_under_curve", "plain mean", source='''
def area_under_curve(accuracies, n_labeled):
    return float(np.mean(accuracies))
''', mistake="aulc_trapezoid"),
    Edit(P3, "area_under_curve", "left Riemann sum",
         replace=[("(accuracies[1:] + accuracies[:-1]) / 2", "accuracies[:-1]")], mistake="aulc_trapezoid"),
    Edit(P3, "area_under_curve", "no single-point case",
         replace=[("    if len(accuracies) == 1:\n        return float(accuracies[0])\n", "")],
         mistake="aulc_single_point"),
    # --- run_multiple_experiments
    Edit(P3, "run_multiple_experiments", "unpaired: the random run draws its own split",
         replace=[("random_acc, _ = random_sampling_loop(\n            X_labeled, y_labeled, X_pool, y_pool,",
                   "X_l2, y_l2, X_p2, y_p2, _ = create_initial_split(X_train, y_train, n_initial, random_state=seed + 1000)\n"
                   "        random_acc, _ = random_sampling_loop(\n            X_l2, y_l2, X_p2, y_p2,")],
         mistake="unpaired"),
    Edit(P3, "run_multiple_experiments", "the same seed for every run",
         replace=[("seed = random_state + run", "seed = random_state")], mistake="same_seed"),
    Edit(P3, "run_multiple_experiments", "a new data set for every run (the handout)",
         replace=[("seed = random_state + run\n",
                   "seed = random_state + run\n        X_train, X_test, y_train, y_test = load_data(random_state=seed)\n")],
         mistake="one_data_set"),
    Edit(P3, "run_multiple_experiments", "model not passed on",
         replace=[("query_strategy=query_strategy, model=model, verbose=False)", "query_strategy=query_strategy, verbose=False)"),
                  ("model=model, random_state=seed, verbose=False)", "random_state=seed, verbose=False)")],
         mistake="passes_model"),
    Edit(P3, "run_multiple_experiments", "query_strategy not passed on",
         replace=[("query_strategy=query_strategy, model=model,", "model=model,")], mistake="passes_strategy"),
    Edit(P3, "run_multiple_experiments", "unseeded random loop",
         replace=[("model=model, random_state=seed, verbose=False)", "model=model, verbose=False)")],
         mistake="run_seeds"),
    Edit(P3, "run_multiple_experiments", "mean and std over rounds",
         replace=[('"active_mean": all_active.mean(axis=0)', '"active_mean": all_active.mean(axis=1)'),
                  ('"random_std": all_random.std(axis=0)', '"random_std": all_random.std(axis=1)')],
         mistake="summary_stats"),
    # --- plot_multiple_runs
    Edit(P3, "plot_multiple_runs", "no band",
         replace=[("        ax.fill_between(n_labeled, mean - std, mean + std, color=line.get_color(), alpha=0.2)\n", "")],
         mistake="spread_band"),
    Edit(P3, "plot_multiple_runs", "band around the active curve only",
         replace=[("        ax.fill_between(", "        if key == \"active\":\n            ax.fill_between(")],
         mistake="spread_band"),
    Edit(P3, "plot_multiple_runs", "the active std for both bands",
         replace=[('std = np.asarray(results[f"{key}_std"], dtype=float)',
                   'std = np.asarray(results["active_std"], dtype=float)')], mistake="spread_band"),
    Edit(P3, "plot_multiple_runs", "first run instead of the mean",
         replace=[('mean = np.asarray(results[f"{key}_mean"], dtype=float)',
                   'mean = np.asarray(results[key][0], dtype=float)')], mistake="mean_curves"),
    Edit(P3, "plot_multiple_runs", "title ignored",
         replace=[("ax.set_title(title)", 'ax.set_title("Active learning vs random sampling")')],
         mistake="plot_labels"),
    # --- issue 13: mistakes told apart (the diagnosis names exactly this key)
    Edit(P3, "plot_learning_curves", "the handout's signature: no random_n, no target",
         replace=[("def plot_learning_curves(active_acc, random_acc, active_n, title=\"Learning Curves\", *, random_n=None,\n"
                   "                         target=None):",
                   "def plot_learning_curves(active_acc, random_acc, active_n, title=\"Learning Curves\"):\n"
                   "    random_n = target = None")],
         mistake="signature", feedback="`random_n` is missing"),
]

VARIANTS = [
    Edit(P3, "plot_learning_curves", "plt.figure, other capitals, target drawn as a line", source='''
def plot_learning_curves(active_acc, random_acc, active_n, title="Learning Curves", *, random_n=None,
                         target=None):
    if random_n is None:
        random_n = active_n
    fig = plt.figure()
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(list(random_n), list(random_acc), marker="s", label="Random Sampling")
    ax.plot(list(active_n), list(active_acc), marker="o", label="Active Learning")
    if target is not None:
        lo, hi = min(min(active_n), min(random_n)), max(max(active_n), max(random_n))
        ax.plot([lo, hi], [target, target], "k:")
    ax.set(xlabel="Labels", ylabel="Accuracy", title=title)
    ax.legend(loc="lower right")
    return fig
'''),
    Edit(P3, "labels_to_target", "np.flatnonzero", source='''
def labels_to_target(accuracies, n_labeled, target):
    hits = np.flatnonzero(np.asarray(accuracies, dtype=float) >= target)
    return int(np.asarray(n_labeled)[hits[0]]) if hits.size else None
'''),
    Edit(P3, "analyze_selected_samples", "one hist call for both, np.unique counts", source='''
def analyze_selected_samples(model, X_labeled, X_pool, y_pool, n_samples=20, *,
                             query_strategy=uncertainty_sampling):
    from sklearn.metrics import accuracy_score
    X_pool = np.asarray(X_pool)
    y_pool = np.asarray(y_pool)
    conf = model.predict_proba(X_pool).max(axis=1)
    idx = list(query_strategy(model, X_pool, n_samples))
    sel = conf[idx]
    classes, counts = np.unique(y_pool[idx], return_counts=True)
    class_counts = {int(c): 0 for c in np.unique(y_pool)}
    class_counts.update({int(c): int(k) for c, k in zip(classes, counts)})
    stats = {"mean_max_proba": sel.mean(), "min_max_proba": sel.min(), "max_max_proba": sel.max(),
             "accuracy": accuracy_score(y_pool[idx], model.predict(X_pool[idx])), "class_counts": class_counts}
    fig, axes = plt.subplots(1, 2)
    axes[0].hist(sel, bins=np.linspace(0.0, 1.0, 21))
    axes[0].set(xlabel="max probability", ylabel="count", title="Selected")
    axes[1].hist([conf, sel], bins=15, label=["All pool", "Selected"])
    axes[1].set(xlabel="max probability", ylabel="count", title="Pool vs selected")
    axes[1].legend()
    return stats, fig
'''),
    Edit(P3, "analyze_selected_samples", "model.score and a Counter", source='''
def analyze_selected_samples(model, X_labeled, X_pool, y_pool, n_samples=20, *,
                             query_strategy=uncertainty_sampling):
    from collections import Counter
    idx = query_strategy(model, X_pool, n_samples)
    X_sel, y_sel = X_pool[idx], y_pool[idx]
    top = model.predict_proba(X_sel).max(axis=1)
    found = Counter(y_sel.tolist())
    stats = {"mean_max_proba": float(top.mean()), "min_max_proba": float(top.min()),
             "max_max_proba": float(top.max()), "accuracy": model.score(X_sel, y_sel),
             "class_counts": {c: found.get(c, 0) for c in sorted(set(y_pool.tolist()))}}
    everything = model.predict_proba(X_pool).max(axis=1)
    fig, (a, b) = plt.subplots(ncols=2, figsize=(10, 4), sharex=True)
    a.hist(top, bins=8, color="tab:orange")
    a.set_title("Selected")
    a.set_xlabel("Largest class probability")
    b.hist(everything, bins=20, alpha=0.4, label="All pool", density=False)
    b.hist(top, bins=20, alpha=0.8, label="Selected")
    b.set_title("Pool and selected")
    b.set_xlabel("Largest class probability")
    b.legend()
    return stats, fig
'''),
    Edit(P3, "cost_analysis", "inline search, percent from the ratio", source='''
def cost_analysis(active_acc, random_acc, n_labeled, target_acc=0.85, cost_per_label=1.0, *,
                  random_n=None):
    def first(acc, sizes):
        for a, n in zip(acc, sizes):
            if a >= target_acc:
                return n
        return None

    a = first(active_acc, n_labeled)
    r = first(random_acc, n_labeled if random_n is None else random_n)
    out = dict(target_acc=target_acc, active_labels=a, random_labels=r,
               active_cost=None if a is None else cost_per_label * a,
               random_cost=None if r is None else cost_per_label * r,
               labels_saved=None, cost_saved=None, savings_pct=None)
    if a is None:
        print("Active learning never reached the target")
    if r is None:
        print("Random sampling never reached the target")
    if a is not None and r is not None:
        out["labels_saved"] = r - a
        out["cost_saved"] = out["random_cost"] - out["active_cost"]
        out["savings_pct"] = (1 - a / r) * 100
    return out
'''),
    Edit(P3, "area_under_curve", "np.trapezoid", source='''
def area_under_curve(accuracies, n_labeled):
    if len(n_labeled) < 2:
        return accuracies[0]
    return np.trapezoid(accuracies, n_labeled) / (n_labeled[-1] - n_labeled[0])
'''),
    Edit(P3, "area_under_curve", "sklearn.metrics.auc", source='''
def area_under_curve(accuracies, n_labeled):
    from sklearn.metrics import auc
    if len(accuracies) == 1:
        return float(accuracies[0])
    return auc(n_labeled, accuracies) / (max(n_labeled) - min(n_labeled))
'''),
    Edit(P3, "area_under_curve", "a loop of trapezoids", source='''
def area_under_curve(accuracies, n_labeled):
    acc, n = list(accuracies), list(n_labeled)
    if len(acc) == 1:
        return acc[0]
    total = 0.0
    for i in range(len(acc) - 1):
        total += (n[i + 1] - n[i]) * (acc[i] + acc[i + 1]) / 2
    return total / (n[-1] - n[0])
'''),
    Edit(P3, "run_multiple_experiments", "random loop first, preallocated, ddof=1", source='''
def run_multiple_experiments(n_runs=5, *, load_data=load_lab_data, n_initial=20, n_iterations=20,
                             n_queries=10, query_strategy=uncertainty_sampling, model=None,
                             random_state=0):
    data = load_data()
    X_train, X_test, y_train, y_test = data
    active = random = None
    sizes = []
    for r in range(n_runs):
        split = create_initial_split(X_train, y_train, n_initial=n_initial, random_state=random_state + r)
        start = split[:4]
        rand, _ = random_sampling_loop(*start, X_test, y_test, n_iterations=n_iterations, n_queries=n_queries,
                                       model=model, random_state=random_state + r, verbose=False)
        act, sizes = active_learning_loop(*start, X_test, y_test, n_iterations=n_iterations, n_queries=n_queries,
                                          query_strategy=query_strategy, model=model, verbose=False)
        if active is None:
            active, random = np.zeros((n_runs, len(act))), np.zeros((n_runs, len(rand)))
        active[r], random[r] = act, rand
    return {"n_labeled": list(sizes), "active": active, "random": random,
            "active_mean": np.mean(active, axis=0), "active_std": np.std(active, axis=0, ddof=1),
            "random_mean": np.mean(random, axis=0), "random_std": np.std(random, axis=0, ddof=1)}
'''),
    Edit(P3, "plot_multiple_runs", "error bars with caps", source='''
def plot_multiple_runs(results, title="Active learning vs random sampling over several runs"):
    fig, ax = plt.subplots()
    n = results["n_labeled"]
    ax.errorbar(n, results["active_mean"], yerr=results["active_std"], capsize=3, marker="o",
                label="Active learning")
    ax.errorbar(n, results["random_mean"], yerr=results["random_std"], capsize=3, marker="s",
                label="Random sampling")
    ax.set_xlabel("labelled samples")
    ax.set_ylabel("accuracy")
    ax.set_title(title)
    ax.legend()
    return fig
'''),
    Edit(P3, "plot_multiple_runs", "bands recomputed from the runs", source='''
def plot_multiple_runs(results, title="Active learning vs random sampling over several runs"):
    fig = plt.figure(figsize=(7, 4))
    ax = fig.gca()
    x = np.array(results["n_labeled"])
    for name, runs in (("Random sampling", results["random"]), ("Active learning", results["active"])):
        runs = np.asarray(runs)
        m, s = runs.mean(axis=0), runs.std(axis=0)
        ax.plot(x, m, label=name)
        ax.fill_between(x, m - s, m + s, alpha=0.25, label=f"{name} +/- 1 std")
    ax.set_xlabel("Number of labels")
    ax.set_ylabel("Test accuracy")
    ax.set_title(title)
    ax.legend()
    return fig
'''),
]
