"""Correct implementations that differ from the reference: each must get full marks (see ``Edit``)."""
from . import Edit

P1, P2 = "part1_basics", "part2_strategies"

VARIANTS = [
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
