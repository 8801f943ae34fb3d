"""Working versions of earlier parts' functions (TEMPORARY hand copy; to be generated)."""
import numpy as np
import matplotlib.pyplot as plt
from scipy.stats import entropy, wilcoxon
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression


def create_initial_split(X_train, y_train, n_initial=20, *, random_state=None):
    """Split the training data into a small labelled set and an unlabelled pool.

    Every class appears at least once in the labelled set, so the first model can be fitted
    (a one-class draw makes ``LogisticRegression.fit`` fail).

    Parameters
    ----------
    X_train : array of shape (n_samples, n_features)
    y_train : array of shape (n_samples,)
    n_initial : int, default=20
        Size of the labelled set; at least the number of classes, less than ``n_samples``.
    random_state : int or None, default=None
        Seed: the same seed gives the same split.

    Returns
    -------
    X_labeled, y_labeled, X_pool, y_pool, pool_idx
        ``pool_idx`` are the rows of ``X_train`` that went to the pool.
    """
    X_train, y_train = np.asarray(X_train), np.asarray(y_train)
    n_samples = len(y_train)
    classes = np.unique(y_train)
    if not len(classes) <= n_initial < n_samples:
        raise ValueError(f"n_initial must be at least the number of classes ({len(classes)}) and "
                         f"less than the number of samples ({n_samples}); got {n_initial}")
    rng = np.random.default_rng(random_state)
    # One random sample of each class first, then the rest at random.
    first = np.array([rng.choice(np.flatnonzero(y_train == c)) for c in classes])
    rest = rng.permutation(np.setdiff1d(np.arange(n_samples), first))
    labeled_idx = np.concatenate([first, rest[: n_initial - len(first)]])
    pool_idx = np.sort(rest[n_initial - len(first):])
    return X_train[labeled_idx], y_train[labeled_idx], X_train[pool_idx], y_train[pool_idx], pool_idx


def uncertainty_sampling(model, X_pool, n_samples=10):
    """Least-confidence sampling: the pool rows whose most likely class is least likely.

    Parameters
    ----------
    model : fitted classifier with ``predict_proba``
    X_pool : array of shape (n_pool, n_features)
    n_samples : int, default=10
        How many rows to select; all of them if the pool is smaller.

    Returns
    -------
    query_idx : array of int, shape (min(n_samples, n_pool),)
        Row indices into ``X_pool``, most uncertain first.
    """
    probas = model.predict_proba(X_pool)
    uncertainty = 1 - np.max(probas, axis=1)
    n_samples = min(n_samples, len(uncertainty))
    return np.argsort(-uncertainty, kind="stable")[:n_samples]


def oracle(X_query, y_pool, query_idx):
    """A perfect labeller: the true labels of the queried pool rows.

    Parameters
    ----------
    X_query : array
        The queried samples (a human would look at these; the simulation does not need them).
    y_pool : array of shape (n_pool,)
        True labels of the pool.
    query_idx : array of int
        Indices into the pool.

    Returns
    -------
    labels : array of shape (len(query_idx),)
        A new array; ``y_pool`` is not modified.
    """
    return np.array(np.asarray(y_pool)[np.asarray(query_idx, dtype=int)], copy=True)


def noisy_oracle(X_query, y_pool, query_idx, error_rate=0.1, *, random_state=None):
    """A labeller who gets ``error_rate`` of the labels wrong.

    ``int(len(query_idx) * error_rate)`` labels, chosen at random, are replaced by a different
    class drawn at random from the classes in ``y_pool``: this works for any number of classes
    (the handout's ``1 - label`` only works for labels 0 and 1).

    Returns
    -------
    labels : array of shape (len(query_idx),)
        A new array; ``y_pool`` is not modified.
    """
    if not 0 <= error_rate <= 1:
        raise ValueError(f"error_rate must be between 0 and 1; got {error_rate}")
    rng = np.random.default_rng(random_state)
    labels = np.array(np.asarray(y_pool)[np.asarray(query_idx, dtype=int)], copy=True)
    classes = np.unique(y_pool)
    n_errors = int(len(labels) * error_rate)
    if n_errors > 0 and len(classes) > 1:
        for i in rng.choice(len(labels), size=n_errors, replace=False):
            labels[i] = rng.choice(classes[classes != labels[i]])
    return labels


def active_learning_loop(X_labeled, y_labeled, X_pool, y_pool, X_test, y_test,
                         n_iterations=20, n_queries=10, *, query_strategy=uncertainty_sampling,
                         model=None, verbose=True):
    """Train, evaluate, query, label, repeat.

    Parameters
    ----------
    X_labeled, y_labeled : arrays
        The initial labelled set.
    X_pool, y_pool : arrays
        The unlabelled pool and its true labels (the oracle's answers).
    X_test, y_test : arrays
        Held-out data for measuring accuracy; never used for training.
    n_iterations : int, default=20
        Number of train-and-evaluate rounds (the loop stops early if the pool runs out).
    n_queries : int, default=10
        Samples labelled per round (fewer in the last round if the pool is smaller).
    query_strategy : callable, default=uncertainty_sampling
        ``query_strategy(model, X_pool, n_samples)`` returns indices into ``X_pool``.
    model : scikit-learn classifier or None, default=None
        Cloned before training (the caller's object is not changed);
        ``LogisticRegression(random_state=42, max_iter=1000)`` if None.
    verbose : bool, default=True
        Print one line per round.

    Returns
    -------
    accuracies : list of float
        Test accuracy after each round.
    n_labeled : list of int
        Size of the labelled set in each round.

    The caller's arrays are not modified.
    """
    model = LogisticRegression(random_state=42, max_iter=1000) if model is None else clone(model)
    X_labeled, y_labeled = np.asarray(X_labeled), np.asarray(y_labeled)
    X_pool, y_pool = np.asarray(X_pool), np.asarray(y_pool)
    accuracies, n_labeled = [], []
    for iteration in range(n_iterations):
        model.fit(X_labeled, y_labeled)
        accuracies.append(float(model.score(X_test, y_test)))
        n_labeled.append(len(y_labeled))
        if verbose:
            print(f"Iteration {iteration + 1}: {len(y_labeled)} labels, accuracy = {accuracies[-1]:.3f}")
        if len(X_pool) == 0 or iteration == n_iterations - 1:
            break  # nothing left to label, or no round left to use new labels in
        query_idx = np.asarray(query_strategy(model, X_pool, min(n_queries, len(X_pool))), dtype=int)
        new_labels = oracle(X_pool[query_idx], y_pool, query_idx)
        # np.vstack / np.delete make new arrays: the caller's arrays stay as they were.
        X_labeled = np.vstack([X_labeled, X_pool[query_idx]])
        y_labeled = np.concatenate([y_labeled, new_labels])
        X_pool = np.delete(X_pool, query_idx, axis=0)
        y_pool = np.delete(y_pool, query_idx, axis=0)
    return accuracies, n_labeled
