"""Public checks: what students run in the notebook's check cells, and what the grader runs too.

Each part's checks are in ``allab.checks.<part>`` (e.g. ``allab.checks.part1_basics``), generated from
the grader's ``autograder/checks/<part>/public.py``. Each check is a function of ``call`` (see
:mod:`allab.harness`) decorated with :func:`public_check`. In a notebook,
``check.uncertainty_sampling(uncertainty_sampling)`` runs it on the student's function in the kernel; the
grader runs the same function with a ``call`` that executes the student's code in an isolated worker.

This module also holds what the checks of several parts share (the grader's hidden checks use it too).
"""
import functools

import numpy as np

from ..harness import LocalCaller
from ..probes import pool_ids

__all__ = ["public_check", "PublicCheck", "loop_data", "indexed_data", "indexed_ids", "sorted_indices", "preview",
           "row_indices", "fits", "close", "legend", "lines_with"]


class PublicCheck:
    """A check of one graded function; call it with the student's function."""

    def __init__(self, func, function_name):
        functools.update_wrapper(self, func)
        self.func = func
        self.function_name = function_name

    def run(self, call):
        """Run the check with ``call``; raises ``AssertionError`` saying what is wrong."""
        self.func(call)

    def __call__(self, student_function):
        if not callable(student_function):
            raise TypeError(f"pass your function itself, e.g. check.{self.function_name}"
                            f"({self.function_name}); got {type(student_function).__name__}")
        try:
            self.run(LocalCaller({self.function_name: student_function}))
        except AssertionError as exc:
            text = str(exc)
            if not text.startswith(self.function_name):
                text = f"{self.function_name}: {text}"
            raise AssertionError(text) from None
        print(f"\u2714 {self.function_name} passes the public checks.")


def public_check(function_name):
    """Decorator: turn ``check(call)`` into a :class:`PublicCheck` of ``function_name``."""
    return lambda func: PublicCheck(func, function_name)


# --- data -----------------------------------------------------------------------------------------

def loop_data():
    """``(X_labeled, y_labeled, X_pool, y_pool, X_test, y_test)``: a small task for the loops (20, 100 and 40
    rows)."""
    from sklearn.datasets import make_classification
    X, y = make_classification(n_samples=160, n_features=4, n_informative=2, n_redundant=0,
                               n_clusters_per_class=1, random_state=3)
    return X[:20], y[:20], X[20:120], y[20:120], X[120:], y[120:]


def indexed_data(n_samples, labels):
    """``(X, y)`` of ``n_samples`` rows whose column 0 holds each row's id (see :func:`indexed_ids`)."""
    X = np.zeros((n_samples, 3))
    X[:, 0] = np.arange(n_samples)
    X[:, 1] = np.arange(n_samples) % 7
    return X, np.asarray(labels)


def indexed_ids(X):
    """The row ids of rows of :func:`indexed_data`, as a list."""
    return pool_ids(np.asarray(X, dtype=float)).tolist()


# --- what a function returned ---------------------------------------------------------------------

def preview(value, n=6):
    """A short text of ``value``: its first ``n`` entries (rounded numbers when it is numeric)."""
    try:
        arr = np.asarray(value, dtype=float).ravel()
        items = [f"{v:.3g}" for v in arr[:n]]
        size = arr.size
    except (TypeError, ValueError):
        return repr(value)[:80]
    return "[" + ", ".join(items) + (", ..." if size > n else "") + "]"


def row_indices(value, n_rows=None, distinct=False):
    """``value`` as an int array of row indices; fails saying so when they are scores, not indices, out of
    range (with ``n_rows``) or, with ``distinct``, when a row is there twice.

    (Casting scores to int would show [0, 0] for the scores [0.1, 0.4] and hide what was returned.)
    """
    try:
        arr = np.asarray(value, dtype=float).ravel()
    except (TypeError, ValueError):
        raise AssertionError(f"expected row indices (whole numbers); got {preview(value)}") from None
    if arr.size and (not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr))):
        raise AssertionError(f"expected row indices (whole numbers); got {preview(arr)}: these are scores, not "
                             "indices - return the indices of the chosen rows (e.g. from np.argsort), not their scores")
    if n_rows is not None and np.any((arr < 0) | (arr >= n_rows)):
        raise AssertionError(f"expected row indices from 0 to {n_rows - 1}; got {preview(arr)}")
    idx = arr.astype(int)
    assert not distinct or len(set(idx.tolist())) == len(idx), f"the same row is there twice: {idx.tolist()}"
    return idx


def sorted_indices(value, n_rows=None):
    """:func:`row_indices` sorted, as a list."""
    return sorted(row_indices(value, n_rows).tolist())


def fits(out, key):
    """The ``fit`` events that spy ``key`` (``Probe.spy(key)``) logged during the call ``out``."""
    return [e for e in out.logs.get(key, []) if e["method"] == "fit"]


def close(a, b, rtol=1e-5, atol=1e-8):
    """Whether ``a`` and ``b`` are both None, or both numbers and equal within the tolerances."""
    if a is None or b is None:
        return a is None and b is None
    try:
        return bool(np.isclose(float(a), float(b), rtol=rtol, atol=atol))
    except (TypeError, ValueError):
        return False


def legend(ax):
    """The legend entries of a described axes, lower case."""
    return [t.strip().lower() for t in (ax["legend"] or [])]


def lines_with(ax, x, y):
    """The lines of a described axes with these x and y data (NaN where the data has NaN)."""
    def same(a, b):
        a, b = np.asarray(a, dtype=float).ravel(), np.asarray(b, dtype=float).ravel()
        return a.shape == b.shape and bool(np.allclose(a, b, equal_nan=True))
    return [line for line in ax["lines"] if same(line["x"], x) and same(line["y"], y)]
