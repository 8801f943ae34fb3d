"""Part 1: wrong implementations (MUTANTS) and correct alternatives (VARIANTS)."""
from . import Edit

P1 = "part1_basics"

MUTANTS = [
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
         replace=[("1 - np.max(probas, axis=1)", "1 - np.min(probas, axis=1)")], mistake="wrong_score"),
    Edit(P1, "oracle", "first labels instead of queried ones",
         replace=[("np.asarray(y_pool)[np.asarray(query_idx, dtype=int)]", "np.asarray(y_pool)[:len(query_idx)]")],
         mistake="wrong_rows"),
    Edit(P1, "noisy_oracle", "binary flip",
         replace=[("labels[i] = rng.choice(classes[classes != labels[i]])", "labels[i] = 1 - labels[i]")],
         mistake="binary_flip"),
    Edit(P1, "noisy_oracle", "coin flip per label",
         replace=[("for i in rng.choice(len(labels), size=n_errors, replace=False):",
                   "for i in np.flatnonzero(rng.random(len(labels)) < error_rate):")], mistake="error_count"),
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
                   "pass")], mistake="pool_never_shrinks", main_job=True),
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
         mistake="ignores_strategy", main_job=True),
    Edit(P1, "active_learning_loop", "ignores model",
         replace=[("model = LogisticRegression(random_state=42, max_iter=1000) if model is None else clone(model)",
                   "model = LogisticRegression(random_state=42, max_iter=1000)")], mistake="ignores_model"),
    Edit(P1, "active_learning_loop", "records the size after querying",
         replace=[("        n_labeled.append(len(y_labeled))\n", ""),
                  ("y_pool = np.delete(y_pool, query_idx, axis=0)\n",
                   "y_pool = np.delete(y_pool, query_idx, axis=0)\n        n_labeled.append(len(y_labeled))\n")],
         mistake="wrong_count"),
    # --- issue 13: mistakes told apart (the diagnosis names exactly this key)
    Edit(P1, "uncertainty_sampling", "returns the uncertainty scores",
         replace=[("return np.argsort(-uncertainty, kind=\"stable\")[:n_samples]",
                   "return np.sort(uncertainty)[::-1][:n_samples]")], mistake="returns_scores", main_job=True),
    Edit(P1, "uncertainty_sampling", "ranked by P(class 1)",
         replace=[("uncertainty = 1 - np.max(probas, axis=1)", "uncertainty = probas[:, 1]")],
         mistake="one_class_probability", main_job=True),
    Edit(P1, "uncertainty_sampling", "the binary formula |p - 0.5| on every task",
         replace=[("uncertainty = 1 - np.max(probas, axis=1)", "uncertainty = -np.abs(probas[:, 1] - 0.5)")],
         mistake="one_class_probability", main_job=True),
    Edit(P1, "uncertainty_sampling", "random rows", source='''
def uncertainty_sampling(model, X_pool, n_samples=10):
    n_samples = min(n_samples, len(X_pool))
    return np.random.choice(len(X_pool), size=n_samples, replace=False)
''', mistake="random_rows", main_job=True),
    Edit(P1, "uncertainty_sampling", "ranks the hard labels", source='''
def uncertainty_sampling(model, X_pool, n_samples=10):
    predictions = model.predict(X_pool)
    return np.argsort(predictions, kind="stable")[:min(n_samples, len(X_pool))]
''', mistake="hard_labels", main_job=True),
    Edit(P1, "uncertainty_sampling", "entropy instead of least confidence", source='''
def uncertainty_sampling(model, X_pool, n_samples=10):
    from scipy.stats import entropy
    scores = entropy(model.predict_proba(X_pool), axis=1)
    return np.argsort(-scores)[:min(n_samples, len(X_pool))]
''', mistake="other_strategy", main_job=True),
    Edit(P1, "uncertainty_sampling", "returns the pool rows, not their indices",
         replace=[("return np.argsort(-uncertainty, kind=\"stable\")[:n_samples]",
                   "return X_pool[np.argsort(-uncertainty, kind=\"stable\")[:n_samples]]")],
         mistake="returns_rows", main_job=True),
    Edit(P1, "noisy_oracle", "never flips a label",
         replace=[("labels[i] = rng.choice(classes[classes != labels[i]])", "labels[i] = labels[i]")],
         mistake="never_flips", main_job=True),
    Edit(P1, "noisy_oracle", "flips every label",
         replace=[("for i in rng.choice(len(labels), size=n_errors, replace=False):",
                   "for i in range(len(labels)):")], mistake="flips_all", main_job=True),
    Edit(P1, "create_initial_split", "pool_idx holds the labelled rows",
         replace=[("X_train[pool_idx], y_train[pool_idx], pool_idx", "X_train[pool_idx], y_train[pool_idx], labeled_idx")],
         mistake="pool_idx", main_job=True),
    Edit(P1, "create_initial_split", "the handout's signature: no random_state", source='''
def create_initial_split(X_train, y_train, n_initial=20):
    X_train, y_train = np.asarray(X_train), np.asarray(y_train)
    classes = np.unique(y_train)
    if n_initial < len(classes):
        raise ValueError("n_initial must be at least the number of classes")
    first = np.array([np.random.choice(np.flatnonzero(y_train == c)) for c in classes])
    rest = np.random.permutation(np.setdiff1d(np.arange(len(y_train)), first))
    labeled_idx = np.concatenate([first, rest[: n_initial - len(first)]])
    pool_idx = np.sort(rest[n_initial - len(first):])
    return X_train[labeled_idx], y_train[labeled_idx], X_train[pool_idx], y_train[pool_idx], pool_idx
''', mistake="signature", feedback="`random_state` is missing"),
    Edit(P1, "noisy_oracle", "random_state renamed seed",
         replace=[("error_rate=0.1, *, random_state=None):", "error_rate=0.1, *, seed=None):"),
                  ("rng = np.random.default_rng(random_state)", "rng = np.random.default_rng(seed)")],
         mistake="signature", feedback="`random_state` is renamed `seed`"),
    Edit(P1, "active_learning_loop", "the handout's signature: no query_strategy, no model",
         replace=[("n_iterations=20, n_queries=10, *, query_strategy=uncertainty_sampling,\n                         model=None, verbose=True):",
                   "n_iterations=20, n_queries=10, *, verbose=True):\n    query_strategy, model = uncertainty_sampling, None")],
         mistake="signature", feedback="`query_strategy` is missing"),
    Edit(P1, "uncertainty_sampling", "seeded random rows", source='''
def uncertainty_sampling(model, X_pool, n_samples=10):
    rng = np.random.default_rng(0)
    return rng.choice(len(X_pool), size=min(n_samples, len(X_pool)), replace=False)
''', mistake="random_rows", main_job=True),
]

VARIANTS = [
    # Fitting the caller's model is not checked; it once made the grader's probes fail (issue 18).
    Edit(P1, "active_learning_loop", "fits the caller's model instead of a clone",
         replace=[("if model is None else clone(model)", "if model is None else model")]),
    Edit(P1, "uncertainty_sampling", "correct but noisy: a warning and stderr output",
         replace=[("probas = model.predict_proba(X_pool)",
                   "import sys, warnings\n"
                   "    warnings.warn('lbfgs failed to converge', RuntimeWarning)\n"
                   "    print('debug: scoring the pool', file=sys.stderr)\n"
                   "    probas = model.predict_proba(X_pool)")]),
    Edit(P1, "create_initial_split", "rejection sampling until every class is present", source='''
def create_initial_split(X_train, y_train, n_initial=20, *, random_state=None):
    X_train, y_train = np.asarray(X_train), np.asarray(y_train)
    n_classes = len(np.unique(y_train))
    if n_initial < n_classes or n_initial >= len(y_train):
        raise ValueError("bad n_initial")
    rng = np.random.default_rng(random_state)
    while True:
        order = rng.permutation(len(y_train))
        if len(np.unique(y_train[order[:n_initial]])) == n_classes:
            break
    lab, pool = order[:n_initial], order[n_initial:]
    return X_train[lab], y_train[lab], X_train[pool], y_train[pool], pool
'''),
    Edit(P1, "uncertainty_sampling", "argpartition, most uncertain last", source='''
def uncertainty_sampling(model, X_pool, n_samples=10):
    uncertainty = 1 - model.predict_proba(X_pool).max(axis=1)
    k = min(n_samples, len(uncertainty))
    if k == len(uncertainty):
        return np.arange(k)
    return np.argpartition(uncertainty, len(uncertainty) - k)[-k:]
'''),
    Edit(P1, "uncertainty_sampling", "a list from sorted()", source='''
def uncertainty_sampling(model, X_pool, n_samples=10):
    probas = model.predict_proba(X_pool)
    order = sorted(range(len(probas)), key=lambda i: max(probas[i]))
    return order[:n_samples]
'''),
    Edit(P1, "oracle", "a Python list", source='''
def oracle(X_query, y_pool, query_idx):
    return [y_pool[i] for i in query_idx]
'''),
    Edit(P1, "noisy_oracle", "permutation and offset", source='''
def noisy_oracle(X_query, y_pool, query_idx, error_rate=0.1, *, random_state=None):
    if error_rate < 0 or error_rate > 1:
        raise ValueError("error_rate must be in [0, 1]")
    rng = np.random.default_rng(random_state)
    labels = np.asarray(y_pool)[list(query_idx)].copy()
    classes = list(np.unique(y_pool))
    n_errors = int(len(labels) * error_rate)
    for i in rng.permutation(len(labels))[:n_errors]:
        k = classes.index(labels[i])
        labels[i] = classes[(k + rng.integers(1, len(classes))) % len(classes)]
    return labels
'''),
    Edit(P1, "active_learning_loop", "boolean mask over the original pool", source='''
def active_learning_loop(X_labeled, y_labeled, X_pool, y_pool, X_test, y_test,
                         n_iterations=20, n_queries=10, *, query_strategy=uncertainty_sampling,
                         model=None, verbose=True):
    from sklearn.base import clone
    model = clone(model) if model is not None else LogisticRegression(random_state=42, max_iter=1000)
    available = np.ones(len(X_pool), dtype=bool)
    chosen = []
    accuracies, n_labeled = [], []
    for it in range(n_iterations):
        X_train = np.vstack([X_labeled] + [X_pool[chosen]] if chosen else [X_labeled])
        y_train = np.concatenate([y_labeled, y_pool[chosen]]) if chosen else np.asarray(y_labeled)
        model.fit(X_train, y_train)
        accuracies.append(model.score(X_test, y_test))
        n_labeled.append(len(y_train))
        rows = np.flatnonzero(available)
        if len(rows) == 0 or it == n_iterations - 1:
            break
        picked = rows[np.asarray(query_strategy(model, X_pool[rows], min(n_queries, len(rows))), dtype=int)]
        available[picked] = False
        chosen.extend(picked.tolist())
    return accuracies, n_labeled
'''),
]
