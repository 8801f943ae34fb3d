"""Bonus notebook: wrong implementations (MUTANTS) and correct alternatives (VARIANTS)."""
from . import Edit

B = "bonus"

_BALANCED_ORDER = "by_uncertainty = np.argsort(-uncertainty, kind=\"stable\")"

MUTANTS = [
    # --- query_by_committee
    Edit(B, "query_by_committee", "scores committee[0] only (the handout)",
         replace=[("for member in committee]", "for member in committee[:1]]")], mistake="one_member"),
    Edit(B, "query_by_committee", "the last member a loop left behind", source='''
def query_by_committee(committee, X_pool, n_samples=10):
    for model in committee:
        probas = model.predict_proba(X_pool)
    disagreement = entropy(probas, axis=1)
    return np.argsort(-disagreement)[:n_samples]
''', mistake="one_member"),
    Edit(B, "query_by_committee", "lowest disagreement",
         replace=[("np.lexsort((-consensus_entropy, -vote_entropy))", "np.lexsort((consensus_entropy, vote_entropy))")],
         mistake="lowest_disagreement", main_job=True),
    Edit(B, "query_by_committee", "consensus entropy over the wrong axis", source='''
def query_by_committee(committee, X_pool, n_samples=10):
    avg_probas = np.mean([model.predict_proba(X_pool) for model in committee], axis=0)
    disagreements = entropy(avg_probas)
    return np.argsort(disagreements)[-n_samples:]
''', mistake="entropy_axis"),
    Edit(B, "query_by_committee", "most agreement by sorting ascending", source='''
def query_by_committee(committee, X_pool, n_samples=10):
    avg_probas = np.mean([model.predict_proba(X_pool) for model in committee], axis=0)
    disagreements = entropy(avg_probas.T)
    return np.argsort(disagreements)[:n_samples]
''', mistake="lowest_disagreement"),
    # --- make_digits_task
    Edit(B, "make_digits_task", "swapped labels",
         replace=[("(y[mask] == positive).astype(int)", "(y[mask] == negative).astype(int)")],
         mistake="digits_swapped"),
    Edit(B, "make_digits_task", "other digits not masked out",
         replace=[("return X[mask], (y[mask] == positive).astype(int)", "return X, (y == positive).astype(int)")],
         mistake="digits_mask"),
    Edit(B, "make_digits_task", "labels are the digits",
         replace=[("return X[mask], (y[mask] == positive).astype(int)", "return X[mask], y[mask]")],
         mistake="digits_binary"),
    Edit(B, "make_digits_task", "3 and 8 written into the code",
         replace=[("mask = (y == negative) | (y == positive)\n    return X[mask], (y[mask] == positive).astype(int)",
                   "mask = (y == 3) | (y == 8)\n    return X[mask], (y[mask] == 8).astype(int)")],
         mistake="digits_params"),
    Edit(B, "make_digits_task", "relabels the caller's y",
         replace=[("return X[mask], (y[mask] == positive).astype(int)",
                   "y[mask] = (y[mask] == positive)\n    return X[mask], y[mask]")], mistake="modifies_input"),
    Edit(B, "make_digits_task", "negatives first, then positives",
         replace=[("return X[mask], (y[mask] == positive).astype(int)",
                   "neg, pos = X[y == negative], X[y == positive]\n"
                   "    return np.vstack([neg, pos]), np.r_[np.zeros(len(neg), int), np.ones(len(pos), int)]")],
         mistake="digits_mask"),
    # --- class_balanced_uncertainty_sampling
    Edit(B, "class_balanced_uncertainty_sampling", "n_samples div n_classes per class (the handout)", source='''
def class_balanced_uncertainty_sampling(model, X_pool, n_samples=10):
    probas = model.predict_proba(X_pool)
    uncertainties = 1 - np.max(probas, axis=1)
    pred_classes = np.argmax(probas, axis=1)
    selected = []
    n_classes = len(np.unique(pred_classes))
    samples_per_class = n_samples // n_classes
    for cls in np.unique(pred_classes):
        cls_mask = pred_classes == cls
        cls_uncertainties = uncertainties[cls_mask]
        cls_indices = np.where(cls_mask)[0]
        if len(cls_indices) == 0:
            continue
        top_k = min(samples_per_class, len(cls_indices))
        selected_idx = np.argsort(cls_uncertainties)[-top_k:]
        selected.extend(cls_indices[selected_idx])
    return np.array(selected)
''', mistake="balanced_count"),
    Edit(B, "class_balanced_uncertainty_sampling", "first rows of each class, not the most uncertain",
         replace=[(_BALANCED_ORDER, "by_uncertainty = np.arange(len(uncertainty))")],
         mistake="balanced_uncertainty"),
    Edit(B, "class_balanced_uncertainty_sampling", "most confident rows of each class",
         replace=[(_BALANCED_ORDER, "by_uncertainty = np.argsort(uncertainty, kind=\"stable\")")],
         mistake="balanced_uncertainty"),
    Edit(B, "class_balanced_uncertainty_sampling", "plain least confidence, no balancing",
         replace=[("order = np.lexsort((-uncertainty, rank))", "order = np.argsort(-uncertainty)")],
         mistake="class_coverage"),
    Edit(B, "class_balanced_uncertainty_sampling", "fill step repeats chosen rows", source='''
def class_balanced_uncertainty_sampling(model, X_pool, n_samples=10):
    probas = model.predict_proba(X_pool)
    uncertainty = 1 - probas.max(axis=1)
    predicted = probas.argmax(axis=1)
    classes = np.unique(predicted)
    per_class = max(1, n_samples // len(classes))
    chosen = []
    for c in classes:
        rows = np.flatnonzero(predicted == c)
        chosen.extend(rows[np.argsort(-uncertainty[rows])][:per_class].tolist())
    missing = n_samples - len(chosen)
    if missing > 0:
        chosen.extend(np.argsort(-uncertainty)[:missing].tolist())
    return np.array(chosen[:n_samples])
''', mistake="duplicates"),
    # --- issue 13: mistakes told apart (the diagnosis names exactly this key)
    Edit(B, "query_by_committee", "returns the disagreement scores",
         replace=[("return order[:min(n_samples, len(order))]",
                   "return consensus_entropy[order[:min(n_samples, len(order))]]")],
         mistake="returns_scores", main_job=True),
    Edit(B, "class_balanced_uncertainty_sampling", "takes turns, but each class's least uncertain rows", source='''
def class_balanced_uncertainty_sampling(model, X_pool, n_samples=10):
    probas = model.predict_proba(X_pool)
    uncertainty = 1 - probas.max(axis=1)
    predicted = probas.argmax(axis=1)
    queues = [list(np.flatnonzero(predicted == c)[np.argsort(uncertainty[predicted == c])])
              for c in np.unique(predicted)]
    chosen, turn = [], 0
    while len(chosen) < min(n_samples, len(X_pool)):
        queue = queues[turn % len(queues)]
        if queue:
            chosen.append(queue.pop(0))
        turn += 1
    return np.array(chosen)
''', mistake="balanced_uncertainty", main_job=True),
    Edit(B, "class_balanced_uncertainty_sampling", "returns the uncertainties",
         replace=[("return order[:min(n_samples, len(order))]", "return uncertainty[order[:min(n_samples, len(order))]]")],
         mistake="returns_scores", main_job=True),
]

VARIANTS = [
    Edit(B, "query_by_committee", "consensus entropy only (the handout's score, every member)", source='''
def query_by_committee(committee, X_pool, n_samples=10):
    all_probas = []
    for model in committee:
        all_probas.append(model.predict_proba(X_pool))
    avg_probas = np.array(all_probas).mean(axis=0)
    disagreements = entropy(avg_probas.T)
    return np.argsort(disagreements)[-n_samples:]
'''),
    Edit(B, "query_by_committee", "vote entropy by bincount and log2, sorted with a key", source='''
def query_by_committee(committee, X_pool, n_samples=10):
    probas = [m.predict_proba(X_pool) for m in committee]
    n_classes = probas[0].shape[1]
    votes = np.array([p.argmax(axis=1) for p in probas]).T          # rows x members
    avg = sum(probas) / len(probas)

    def h(q):
        q = q[q > 0]
        return float(-(q * np.log2(q)).sum())

    scores = []
    for i in range(len(X_pool)):
        shares = np.bincount(votes[i], minlength=n_classes) / len(committee)
        scores.append((round(h(shares), 12), h(avg[i]), -i))
    ranked = sorted(range(len(X_pool)), key=lambda i: scores[i], reverse=True)
    return ranked[:n_samples]
'''),
    Edit(B, "make_digits_task", "Python lists", source='''
def make_digits_task(X, y, negative=3, positive=8):
    X_binary = [list(row) for row, label in zip(X, y) if label in (negative, positive)]
    y_binary = [1 if label == positive else 0 for label in y if label in (negative, positive)]
    return X_binary, y_binary
'''),
    Edit(B, "make_digits_task", "np.isin and np.where", source='''
def make_digits_task(X, y, negative=3, positive=8):
    keep = np.isin(y, [negative, positive])
    return np.asarray(X)[keep].copy(), np.where(np.asarray(y)[keep] == positive, 1, 0)
'''),
    Edit(B, "class_balanced_uncertainty_sampling", "a quota per class, then fill by uncertainty", source='''
def class_balanced_uncertainty_sampling(model, X_pool, n_samples=10):
    probas = model.predict_proba(X_pool)
    uncertainty = 1 - probas.max(axis=1)
    predicted = probas.argmax(axis=1)
    classes = np.unique(predicted)
    n = min(n_samples, len(X_pool))
    quota = max(1, n // len(classes))
    chosen = []
    for c in classes:
        rows = np.flatnonzero(predicted == c)
        chosen.extend(rows[np.argsort(-uncertainty[rows])][:quota].tolist())
    if len(chosen) > n:  # more classes than rows asked for: keep the most uncertain class leaders
        chosen = sorted(chosen, key=lambda i: -uncertainty[i])[:n]
    rest = [i for i in np.argsort(-uncertainty) if i not in set(chosen)]
    chosen += rest[:n - len(chosen)]
    return np.array(chosen, dtype=int)
'''),
    Edit(B, "class_balanced_uncertainty_sampling", "round-robin in class order", source='''
def class_balanced_uncertainty_sampling(model, X_pool, n_samples=10):
    probas = model.predict_proba(X_pool)
    uncertainty = 1 - probas.max(axis=1)
    predicted = model.predict(X_pool)
    queues = []
    for c in np.unique(predicted):
        rows = np.flatnonzero(predicted == c)
        queues.append(list(rows[np.argsort(-uncertainty[rows])]))
    chosen = []
    while len(chosen) < min(n_samples, len(X_pool)):
        for queue in queues:
            if queue and len(chosen) < n_samples:
                chosen.append(queue.pop(0))
    return chosen
'''),
]
