"""Every data set the lab uses, generated in code or loaded from scikit-learn's bundled files.

Each loader returns ``(X_train, X_test, y_train, y_test)`` and is deterministic for a given
``random_state``; nothing is downloaded.
"""
import numpy as np
from sklearn.datasets import load_digits, make_classification, make_moons
from sklearn.model_selection import train_test_split

__all__ = [
    "load_lab_data",
    "load_hard_data",
    "load_imbalanced_data",
    "load_digits_3v8",
    "load_digits_multiclass",
    "load_moons",
]


def _split(X, y, test_size, random_state):
    # Stratified, so that the test set has the class balance of the data set.
    return train_test_split(X, y, test_size=test_size, random_state=random_state, stratify=y)


def load_lab_data(random_state=42, test_size=0.3):
    """The lab's main task: 1000 samples, 20 features, two clean classes.

    Two informative and two redundant features, one cluster per class and no label noise: a task
    on which uncertainty sampling usually beats random sampling (Part 3 counts how often) and a
    model trained on the whole pool is accurate enough for 85% test accuracy to be reachable.
    """
    X, y = make_classification(
        n_samples=1000, n_features=20, n_informative=2, n_redundant=2,
        n_clusters_per_class=1, flip_y=0.0, random_state=random_state,
    )
    return _split(X, y, test_size, random_state)


def load_hard_data(random_state=42, test_size=0.3):
    """Part 3's hard case: a task on which active learning does not reliably help.

    15 informative features spread over two clusters per class, and ``flip_y=0.01``, which reassigns
    1% of the labels at random (2 of the 1000 labels change). A model trained on the whole pool
    reaches only about 0.81.
    """
    X, y = make_classification(
        n_samples=1000, n_features=20, n_informative=15, n_redundant=5,
        n_classes=2, random_state=random_state,
    )
    return _split(X, y, test_size, random_state)


def load_imbalanced_data(random_state=42, test_size=0.3, minority_fraction=0.1):
    """Bonus 3: a task built like the lab's, with a 90/10 class imbalance and ``flip_y=0.01`` (a few labels
    reassigned at random)."""
    X, y = make_classification(
        n_samples=1000, n_features=20, n_informative=2, n_redundant=2,
        n_clusters_per_class=1, weights=[1 - minority_fraction, minority_fraction],
        random_state=random_state,
    )
    return _split(X, y, test_size, random_state)


def load_digits_3v8(random_state=42, test_size=0.3):
    """Bonus 2: 8x8 handwritten digits, 3 (label 0) against 8 (label 1); 357 samples."""
    digits = load_digits()
    mask = (digits.target == 3) | (digits.target == 8)
    X = digits.data[mask]
    y = (digits.target[mask] == 8).astype(int)
    return _split(X, y, test_size, random_state)


def load_digits_multiclass(random_state=42, test_size=0.3):
    """All ten digit classes (1797 samples): the multiclass task on which strategies differ."""
    digits = load_digits()
    return _split(digits.data, digits.target, test_size, random_state)


def load_moons(n_samples=600, noise=0.25, random_state=42):
    """Part 0's two-moons picture data: returns ``(X, y)`` (no split)."""
    X, y = make_moons(n_samples=n_samples, noise=noise, random_state=random_state)
    return X, np.asarray(y)
