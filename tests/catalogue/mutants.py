"""Plausible wrong implementations, each breaking one graded item (see ``Edit``)."""
from . import Edit

P1, P2 = "part1_basics", "part2_strategies"

MUTANTS = [
    # --- Part 1 ---
    Edit(P1, "create_initial_split", "global unseeded shuffle",
         replace=[("rng = np.random.default_rng(random_state)", "rng = np.random.default_rng()")],
         mistake="not_seeded"),
    Edit(P1, "create_initial_split", "no class guarantee",
         replace=[("first = np.array([rng.choice(np.flatnonzero(y_train == c)) for c in classes])",
                   "first = np.array([], dtype=int)")], mistake="one_class_split"),
    Edit(P1, "create_initial_split", "labels of the wrong rows",
         replace=[("return X_train[labeled_idx], y_train[labeled_idx]", "return X_train[labeled_idx], y_train[:n_initial]")],
         mistake="wrong_rows"),
    Edit(P1, "create_initial_split", "shuffles the caller's data",
         replace=[("X_train, y_train = np.asarray(X_train), np.asarray(y_train)",
                   "X_train, y_train = np.asarray(X_train), np.asarray(y_train)\n"
                   "    X_train[:] = X_train[::-1].copy(); y_train[:] = y_train[::-1].copy()")],
         mistake="modifies_input"),
    Edit(P1, "uncertainty_sampling", "most confident",
         replace=[("np.argsort(-uncertainty", "np.argsort(uncertainty")], mistake="most_confident"),
    Edit(P1, "uncertainty_sampling", "argpartition without a bound",
         replace=[("n_samples = min(n_samples, len(uncertainty))\n    return np.argsort(-uncertainty, kind=\"stable\")[:n_samples]",
                   "return np.argpartition(-uncertainty, n_samples)[:n_samples]")], feedback="raised ValueError: kth"),
    Edit(P1, "uncertainty_sampling", "smallest probability",
         replace=[("1 - np.max(probas, axis=1)", "1 - np.min(probas, axis=1)")], mistake="most_confident"),
    Edit(P1, "oracle", "first labels instead of queried ones",
         replace=[("np.asarray(y_pool)[np.asarray(query_idx, dtype=int)]", "np.asarray(y_pool)[:len(query_idx)]")],
         mistake="wrong_rows"),
    Edit(P1, "noisy_oracle", "binary flip",
         replace=[("labels[i] = rng.choice(classes[classes != labels[i]])", "labels[i] = 1 - labels[i]")],
         mistake="binary_flip"),
    Edit(P1, "noisy_oracle", "coin flip per label",
         replace=[("for i in rng.choice(len(labels), size=n_errors, replace=False):",
                   "for i in np.flatnonzero(rng.random(len(labels)) < error_rate):")], mistake="wrong_count"),
    Edit(P1, "noisy_oracle", "unseeded",
         replace=[("rng = np.random.default_rng(random_state)", "rng = np.random.default_rng()")],
         mistake="not_seeded"),
    Edit(P1, "noisy_oracle", "modifies y_pool",
         replace=[("labels = np.array(np.asarray(y_pool)[np.asarray(query_idx, dtype=int)], copy=True)",
                   "y_pool = np.asarray(y_pool)\n    labels = y_pool[np.asarray(query_idx, dtype=int)]"),
                  ("labels[i] = rng.choice(classes[classes != labels[i]])",
                   "labels[i] = rng.choice(classes[classes != labels[i]]); y_pool[query_idx[i]] = labels[i]")],
         mistake="modifies_input"),
    Edit(P1, "active_learning_loop", "pool never shrinks",
         replace=[("X_pool = np.delete(X_pool, query_idx, axis=0)\n        y_pool = np.delete(y_pool, query_idx, axis=0)",
                   "pass")], mistake="pool_never_shrinks"),
    Edit(P1, "active_learning_loop", "labels from the wrong rows",
         replace=[("new_labels = oracle(X_pool[query_idx], y_pool, query_idx)",
                   "new_labels = y_pool[:len(query_idx)]")], mistake="wrong_rows"),
    Edit(P1, "active_learning_loop", "trains once",
         replace=[("    for iteration in range(n_iterations):\n        model.fit(X_labeled, y_labeled)",
                   "    model.fit(X_labeled, y_labeled)\n    for iteration in range(n_iterations):")],
         mistake="never_retrains"),
    Edit(P1, "active_learning_loop", "trains on the test set",
         replace=[("model.fit(X_labeled, y_labeled)",
                   "model.fit(np.vstack([X_labeled, X_test]), np.concatenate([y_labeled, y_test]))")],
         mistake="trains_on_test"),
    Edit(P1, "active_learning_loop", "ignores query_strategy",
         replace=[("query_idx = np.asarray(query_strategy(", "query_idx = np.asarray(uncertainty_sampling(")],
         mistake="ignores_strategy"),
    Edit(P1, "active_learning_loop", "ignores model",
         replace=[("model = LogisticRegression(random_state=42, max_iter=1000) if model is None else clone(model)",
                   "model = LogisticRegression(random_state=42, max_iter=1000)")], mistake="ignores_model"),
    Edit(P1, "active_learning_loop", "records the size after querying",
         replace=[("        n_labeled.append(len(y_labeled))\n", ""),
                  ("y_pool = np.delete(y_pool, query_idx, axis=0)\n",
                   "y_pool = np.delete(y_pool, query_idx, axis=0)\n        n_labeled.append(len(y_labeled))\n")],
         mistake="wrong_count"),
    # --- Part 2 ---
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
]
