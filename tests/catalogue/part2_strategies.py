"""Part 2: wrong implementations (MUTANTS) and correct alternatives (VARIANTS)."""
from . import Edit

P2 = "part2_strategies"

MUTANTS = [
    Edit(P2, "random_sampling_loop", "one query only (the handout's indentation)",
         source='''
def random_sampling_loop(X_labeled, y_labeled, X_pool, y_pool, X_test, y_test,
                         n_iterations=20, n_queries=10, *, model=None, random_state=None, verbose=True):
    rng = np.random.default_rng(random_state)
    model = LogisticRegression(random_state=42, max_iter=1000)
    accuracies, n_labeled = [], []
    for iteration in range(n_iterations):
        model.fit(X_labeled, y_labeled)
        accuracies.append(model.score(X_test, y_test))
        n_labeled.append(len(X_labeled))
        if len(X_pool) == 0:
            break
    query_idx = rng.choice(len(X_pool), size=min(n_queries, len(X_pool)), replace=False)
    X_labeled = np.vstack([X_labeled, X_pool[query_idx]])
    y_labeled = np.hstack([y_labeled, y_pool[query_idx]])
    return accuracies, n_labeled
''', mistake="wrong_count"),
    Edit(P2, "random_sampling_loop", "labels instead of indices",
         replace=[("return rng.choice(len(X_pool), size=n_samples, replace=False)",
                   "return rng.choice(y_pool, size=n_samples, replace=False)")], mistake="labels_as_indices"),
    Edit(P2, "random_sampling_loop", "draws with replacement",
         replace=[("replace=False", "replace=True")], mistake="duplicates"),
    Edit(P2, "random_sampling_loop", "unseeded",
         replace=[("rng = np.random.default_rng(random_state)", "rng = np.random.default_rng()")],
         mistake="not_seeded"),
    Edit(P2, "random_sampling_loop", "uncertainty instead of random",
         replace=[("query_strategy=random_choice", "query_strategy=uncertainty_sampling")], mistake="not_random"),
    Edit(P2, "margin_sampling", "largest margins",
         replace=[("np.argsort(margins, kind=\"stable\")", "np.argsort(-margins, kind=\"stable\")")],
         mistake="largest_margin"),
    Edit(P2, "margin_sampling", "max minus min",
         replace=[("margins = probas[:, -1] - probas[:, -2]", "margins = probas[:, -1] - probas[:, 0]")],
         mistake="margin_top_two"),
    Edit(P2, "entropy_sampling", "lowest entropy",
         replace=[("np.argsort(-entropies", "np.argsort(entropies")], mistake="lowest_entropy"),
    Edit(P2, "entropy_sampling", "NaN at exact zeros",
         replace=[("entropies = entropy(model.predict_proba(X_pool), axis=1)",
                   "probas = model.predict_proba(X_pool)\n"
                   "    with np.errstate(all='ignore'):\n"
                   "        entropies = -np.sum(probas * np.log(probas), axis=1)")], mistake="entropy_nan"),
    Edit(P2, "entropy_sampling", "entropy over the wrong axis",
         replace=[("entropy(model.predict_proba(X_pool), axis=1)", "entropy(model.predict_proba(X_pool))")],
         mistake="entropy_axis"),
    Edit(P2, "strategy_overlap", "union instead of intersection",
         replace=[("len(chosen[a] & chosen[b])", "len(chosen[a] | chosen[b])")], mistake="overlap_count"),
    # --- issue 13: mistakes told apart (the diagnosis names exactly this key)
    Edit(P2, "margin_sampling", "returns the margins",
         replace=[("return np.argsort(margins, kind=\"stable\")[:min(n_samples, len(margins))]",
                   "return np.sort(margins)[:min(n_samples, len(margins))]")], mistake="returns_scores", main_job=True),
    Edit(P2, "margin_sampling", "margin between classes 0 and 1", source='''
def margin_sampling(model, X_pool, n_samples=10):
    probas = model.predict_proba(X_pool)
    margins = np.abs(probas[:, 0] - probas[:, 1])
    return np.argsort(margins)[:n_samples]
''', mistake="margin_top_two", main_job=True),
    Edit(P2, "margin_sampling", "least confidence instead of the margin", source='''
def margin_sampling(model, X_pool, n_samples=10):
    probas = model.predict_proba(X_pool)
    return np.argsort(probas.max(axis=1))[:n_samples]
''', mistake="other_strategy", main_job=True),
    Edit(P2, "entropy_sampling", "returns the entropies",
         replace=[("return np.argsort(-entropies, kind=\"stable\")[:min(n_samples, len(entropies))]",
                   "return entropies")], mistake="returns_scores", main_job=True),
    Edit(P2, "entropy_sampling", "random rows", source='''
def entropy_sampling(model, X_pool, n_samples=10):
    rng = np.random.default_rng()
    return rng.permutation(len(X_pool))[:n_samples]
''', mistake="random_rows", main_job=True),
    Edit(P2, "entropy_sampling", "lowest entropy, by an ascending sort",
         replace=[("return np.argsort(-entropies, kind=\"stable\")[:min(n_samples, len(entropies))]",
                   "return np.argsort(entropies)[:n_samples]")], mistake="lowest_entropy", main_job=True),
    Edit(P2, "random_sampling_loop", "the handout's signature: no random_state", source='''
def random_sampling_loop(X_labeled, y_labeled, X_pool, y_pool, X_test, y_test,
                         n_iterations=20, n_queries=10, *, model=None, verbose=True):
    def random_choice(model, X_pool, n_samples):
        return np.random.choice(len(X_pool), size=n_samples, replace=False)

    return active_learning_loop(X_labeled, y_labeled, X_pool, y_pool, X_test, y_test,
                                n_iterations, n_queries, query_strategy=random_choice,
                                model=model, verbose=verbose)
''', mistake="signature", feedback="`random_state` is missing"),
    Edit(P2, "random_sampling_loop", "ignores its model",
         replace=[("model=model, verbose=verbose)", "verbose=verbose)")], mistake="ignores_model"),
    Edit(P2, "strategy_overlap", "the sets, not their sizes",
         replace=[("len(chosen[a] & chosen[b])", "chosen[a] & chosen[b]")], mistake="overlap_count"),
    Edit(P2, "margin_sampling", "p0 - p1 without the absolute value", source='''
def margin_sampling(model, X_pool, n_samples=10):
    probas = model.predict_proba(X_pool)
    return np.argsort(probas[:, 0] - probas[:, 1])[:n_samples]
''', mistake="margin_top_two", main_job=True),
]

VARIANTS = [
    Edit(P2, "random_sampling_loop", "its own loop with a permutation", source='''
def random_sampling_loop(X_labeled, y_labeled, X_pool, y_pool, X_test, y_test,
                         n_iterations=20, n_queries=10, *, model=None, random_state=None, verbose=True):
    from sklearn.base import clone
    rng = np.random.default_rng(random_state)
    model = LogisticRegression(random_state=42, max_iter=1000) if model is None else clone(model)
    X_l, y_l = np.array(X_labeled), np.array(y_labeled)
    order = rng.permutation(len(X_pool))
    accuracies, n_labeled = [], []
    used = 0
    for it in range(n_iterations):
        model.fit(X_l, y_l)
        accuracies.append(model.score(X_test, y_test))
        n_labeled.append(len(y_l))
        if used == len(order):
            break
        batch = order[used:used + n_queries]
        used += len(batch)
        X_l = np.vstack([X_l, X_pool[batch]])
        y_l = np.concatenate([y_l, y_pool[batch]])
    return accuracies, n_labeled
'''),
    Edit(P2, "margin_sampling", "np.partition", source='''
def margin_sampling(model, X_pool, n_samples=10):
    p = model.predict_proba(X_pool)
    top2 = -np.partition(-p, 1, axis=1)[:, :2]
    return list(np.argsort(top2[:, 0] - top2[:, 1])[:n_samples])
'''),
    Edit(P2, "entropy_sampling", "hand-written, base 2, zeros masked", source='''
def entropy_sampling(model, X_pool, n_samples=10):
    p = model.predict_proba(X_pool)
    logs = np.log2(p, out=np.zeros_like(p), where=p > 0)
    h = -(p * logs).sum(axis=1)
    return np.argsort(h)[::-1][:n_samples]
'''),
    Edit(P2, "entropy_sampling", "scipy on the transpose (the handout's way)", source='''
def entropy_sampling(model, X_pool, n_samples=10):
    from scipy.stats import entropy as H
    entropies = H(model.predict_proba(X_pool).T, base=10)
    return np.argsort(entropies)[-n_samples:]
'''),
    Edit(P2, "strategy_overlap", "np.intersect1d", source='''
def strategy_overlap(model, X_pool, n_samples=10):
    u = uncertainty_sampling(model, X_pool, n_samples)
    m = margin_sampling(model, X_pool, n_samples)
    e = entropy_sampling(model, X_pool, n_samples)
    return {"uncertainty-margin": len(np.intersect1d(u, m)),
            "uncertainty-entropy": len(np.intersect1d(u, e)),
            "margin-entropy": len(np.intersect1d(m, e))}
'''),
]
