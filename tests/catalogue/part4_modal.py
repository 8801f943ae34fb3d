"""Part 4 (modAL): wrong implementations (MUTANTS) and correct alternatives (VARIANTS)."""
from . import Edit

P4 = "part4_modal"

_DELETE = ("X_pool = np.delete(X_pool, query_idx, axis=0)\n        y_pool = np.delete(y_pool, query_idx, axis=0)")
_TEACH = "learner.teach(X_pool[query_idx], y_pool[query_idx])"
_RANK = "query_idx = np.argsort(-entropies, kind=\"stable\")[:n_instances]"

MUTANTS = [
    Edit(P4, "modal_learning_loop", "never removes queried rows (the handout's Ex. 4.2)", main_job=True,
         replace=[(_DELETE, "pass")], mistake="pool_never_shrinks"),
    Edit(P4, "modal_learning_loop", "labels of the first pool rows",
         replace=[(_TEACH, "learner.teach(X_pool[query_idx], y_pool[:len(query_idx)])")], mistake="wrong_rows"),
    Edit(P4, "modal_learning_loop", "ignores the estimator",
         replace=[("estimator = RandomForestClassifier(random_state=42) if estimator is None else clone(estimator)",
                   "estimator = RandomForestClassifier(random_state=42)")], mistake="ignores_estimator"),
    Edit(P4, "modal_learning_loop", "ignores the query_strategy",
         replace=[("query_strategy = modal_uncertainty_sampling if query_strategy is None else query_strategy",
                   "query_strategy = modal_uncertainty_sampling")], mistake="modal_ignores_strategy"),
    Edit(P4, "modal_learning_loop", "compacts the caller's pool in place",
         replace=[(_DELETE, "keep = np.setdiff1d(np.arange(len(X_pool)), query_idx)\n"
                            "        X_pool[:len(keep)] = X_pool[keep]\n"
                            "        y_pool[:len(keep)] = y_pool[keep]\n"
                            "        X_pool, y_pool = X_pool[:len(keep)], y_pool[:len(keep)]")],
         mistake="modifies_input"),
    Edit(P4, "modal_learning_loop", "teaches the first pool rows instead of the queried ones",
         replace=[(_TEACH, "query_idx = np.arange(len(query_idx))\n        " + _TEACH)],
         mistake="teaches_other_rows"),
    Edit(P4, "modal_learning_loop", "teaches the test set",
         replace=[(_TEACH, "learner.teach(np.vstack([X_pool[query_idx], X_test[:1]]), "
                           "np.concatenate([y_pool[query_idx], y_test[:1]]))")],
         mistake="trains_on_test"),
    Edit(P4, "modal_learning_loop", "scores on the pool instead of the test set",
         replace=[("accuracies.append(float(learner.score(X_test, y_test)))",
                   "accuracies.append(float(learner.score(X_pool, y_pool)) if len(X_pool) else 1.0)")],
         mistake="wrong_accuracy"),
    Edit(P4, "modal_learning_loop", "asks for a full batch from a small pool",
         replace=[("n_instances=min(n_queries, len(X_pool))", "n_instances=n_queries")],
         feedback="n_instances must be less or equal"),
    Edit(P4, "entropy_query_strategy", "bare index array (the length-2 trap)",
         replace=[("return query_idx, X_pool[query_idx]", "return query_idx")], mistake="modal_pair"),
    Edit(P4, "entropy_query_strategy", "lowest entropy",
         replace=[(_RANK, "query_idx = np.argsort(entropies, kind=\"stable\")[:n_instances]")],
         mistake="lowest_entropy"),
    Edit(P4, "entropy_query_strategy", "NaN at exact zeros",
         replace=[("entropies = entropy(classifier.predict_proba(X_pool), axis=1)",
                   "probas = classifier.predict_proba(X_pool)\n"
                   "    with np.errstate(all='ignore'):\n"
                   "        entropies = -np.sum(probas * np.log(probas), axis=1)")], mistake="entropy_nan"),
    Edit(P4, "entropy_query_strategy", "entropy over the wrong axis",
         replace=[("entropy(classifier.predict_proba(X_pool), axis=1)", "entropy(classifier.predict_proba(X_pool))")],
         mistake="entropy_axis"),
    Edit(P4, "entropy_query_strategy", "least confidence instead of entropy",
         replace=[("entropies = entropy(classifier.predict_proba(X_pool), axis=1)",
                   "entropies = 1 - classifier.predict_proba(X_pool).max(axis=1)")], mistake="other_strategy"),
    Edit(P4, "entropy_query_strategy", "first rows instead of the selected rows",
         replace=[("return query_idx, X_pool[query_idx]", "return query_idx, X_pool[:n_instances]")],
         mistake="modal_pair"),
    # --- issue 13: mistakes told apart (the diagnosis names exactly this key)
    Edit(P4, "entropy_query_strategy", "n_instances renamed n_samples",
         replace=[("def entropy_query_strategy(classifier, X_pool, n_instances=1):",
                   "def entropy_query_strategy(classifier, X_pool, n_samples=1):\n    n_instances = n_samples")],
         mistake="signature", feedback="`n_instances` is renamed `n_samples`"),
    Edit(P4, "entropy_query_strategy", "returns the entropies of the chosen rows",
         replace=[("return query_idx, X_pool[query_idx]", "return entropies[query_idx], X_pool[query_idx]")],
         mistake="returns_scores", main_job=True),
    Edit(P4, "entropy_query_strategy", "random rows",
         replace=[(_RANK, "query_idx = np.random.permutation(len(X_pool))[:n_instances]")],
         mistake="random_rows", main_job=True),
    Edit(P4, "modal_learning_loop", "the handout's signature: no estimator, no query_strategy",
         replace=[("n_iterations=20, n_queries=10, *, estimator=None, query_strategy=None,\n                        verbose=True):",
                   "n_iterations=20, n_queries=10, *, verbose=True):\n    estimator = query_strategy = None")],
         mistake="signature", feedback="`estimator` is missing"),
    Edit(P4, "entropy_query_strategy", "the first rows of the pool",
         replace=[(_RANK, "query_idx = np.arange(n_instances)")], mistake="random_rows", main_job=True),
]

VARIANTS = [
    Edit(P4, "modal_learning_loop", "boolean mask over the original pool", source='''
def modal_learning_loop(X_labeled, y_labeled, X_pool, y_pool, X_test, y_test,
                        n_iterations=20, n_queries=10, *, estimator=None, query_strategy=None,
                        verbose=True):
    model = clone(estimator) if estimator is not None else RandomForestClassifier(random_state=42)
    kwargs = {} if query_strategy is None else {"query_strategy": query_strategy}
    learner = ActiveLearner(estimator=model, X_training=X_labeled, y_training=y_labeled, **kwargs)
    available = np.ones(len(X_pool), dtype=bool)
    accuracies, n_labeled = [], []
    for it in range(n_iterations):
        accuracies.append(learner.score(X_test, y_test))
        n_labeled.append(learner.X_training.shape[0])
        rows = np.flatnonzero(available)
        if rows.size == 0 or it + 1 == n_iterations:
            break
        picked, _ = learner.query(X_pool[rows], n_instances=min(n_queries, rows.size))
        picked = rows[picked]
        learner.teach(X_pool[picked], y_pool[picked])
        available[picked] = False
    return accuracies, n_labeled
'''),
    Edit(P4, "modal_learning_loop", "teaches row by row, accuracy_score", source='''
from sklearn.metrics import accuracy_score


def modal_learning_loop(X_labeled, y_labeled, X_pool, y_pool, X_test, y_test,
                        n_iterations=20, n_queries=10, *, estimator=None, query_strategy=None,
                        verbose=True):
    if estimator is None:
        estimator = RandomForestClassifier(random_state=42)
    learner = ActiveLearner(estimator=clone(estimator),
                            query_strategy=query_strategy or modal_uncertainty_sampling,
                            X_training=X_labeled.copy(), y_training=y_labeled.copy())
    X_rest, y_rest = X_pool.copy(), y_pool.copy()
    accuracies, n_labeled = [], []
    iteration = 0
    while iteration < n_iterations:
        accuracies.append(accuracy_score(y_test, learner.predict(X_test)))
        n_labeled.append(len(learner.y_training))
        if verbose:
            print(iteration, n_labeled[-1], accuracies[-1])
        iteration += 1
        if len(X_rest) == 0 or iteration == n_iterations:
            break
        query_idx, query_rows = learner.query(X_rest, n_instances=min(n_queries, len(X_rest)))
        for i in np.atleast_1d(query_idx):
            learner.teach(X_rest[i].reshape(1, -1), y_rest[i].reshape(1, ))
        X_rest = np.delete(X_rest, query_idx, axis=0)
        y_rest = np.delete(y_rest, query_idx)
    return accuracies, n_labeled
'''),
    Edit(P4, "entropy_query_strategy", "log2, argpartition, a list", source='''
def entropy_query_strategy(classifier, X_pool, n_instances=1):
    p = classifier.predict_proba(X_pool)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -np.sum(np.where(p > 0, p * np.log2(p), 0.0), axis=1)
    k = min(n_instances, len(h))
    idx = np.argpartition(-h, k - 1)[:k]
    return [idx, X_pool[idx]]
'''),
    Edit(P4, "entropy_query_strategy", "modAL's classifier_entropy and multi_argmax", source='''
from modAL.uncertainty import classifier_entropy
from modAL.utils.selection import multi_argmax


def entropy_query_strategy(classifier, X_pool, n_instances=1):
    scores = classifier_entropy(classifier, X_pool)
    query_idx, _ = multi_argmax(scores, n_instances=min(n_instances, X_pool.shape[0]))
    return query_idx, X_pool[query_idx]
'''),
    Edit(P4, "entropy_query_strategy", "epsilon inside the log", source='''
def entropy_query_strategy(classifier, X_pool, n_instances=1):
    probas = classifier.predict_proba(X_pool)
    entropies = -(probas * np.log(probas + 1e-12)).sum(axis=1)
    query_idx = np.argsort(entropies)[::-1][:n_instances]
    return query_idx, X_pool[query_idx]
'''),
]
