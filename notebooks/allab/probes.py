"""Instrumented stand-ins for models, used by the public checks and by the grader.

A return value cannot show every mistake: a loop that never retrains, or trains on the wrong
rows, can still return a plausible list of accuracies. These stand-ins record what the
student's code did to them.

A check names one by a :class:`Probe` spec among a call's arguments; :func:`materialize` builds it
where the student's code runs, and its records come back in ``Outcome.logs`` (:mod:`allab.harness`).
"""
import importlib
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression

__all__ = ["Probe", "ESTIMATORS", "materialize", "build_probe", "fixed_pool", "FixedProbaModel", "SpyEstimator",
           "RecordingStrategy", "spy_log", "row_ids", "pool_ids"]

ESTIMATORS = {
    # Named estimators a check may ask for; built fresh wherever the student code runs.
    "logreg": lambda: _sk("sklearn.linear_model", "LogisticRegression")(max_iter=1000, random_state=42),
    "nb": lambda: _sk("sklearn.naive_bayes", "GaussianNB")(),
}


def _sk(module, name):
    return getattr(importlib.import_module(module), name)


class Probe:
    """A spec for an object that is built where the student's code runs.

    Use the constructors: ``Probe.fixed_proba(probas)``, ``Probe.spy(name)``,
    ``Probe.estimator(name, fit=(X, y))``.
    """

    def __init__(self, kind, **params):
        self.kind = kind
        self.params = params

    @classmethod
    def fixed_proba(cls, probas, classes=None):
        """A fitted model whose ``predict_proba`` returns ``probas`` (pool from :func:`fixed_pool`)."""
        return cls("fixed_proba", probas=np.asarray(probas, dtype=float),
                   classes=None if classes is None else np.asarray(classes))

    @classmethod
    def spy(cls, label, estimator="logreg"):
        """A :class:`SpyEstimator` whose events come back as ``Outcome.logs[label]``."""
        return cls("spy", label=label, estimator=estimator)

    @classmethod
    def strategy(cls, label, pick="first", modal=False):
        """A query strategy that records each call (``Outcome.logs[label]``) and picks the ``pick``
        rows of the pool ("first" or "last"), so a check can tell whether a loop used it. With
        ``modal``, it is a strategy for modAL (see :class:`ModalRecordingStrategy`)."""
        return cls("strategy", label=label, pick=pick, modal=modal)

    @classmethod
    def estimator(cls, name="logreg", fit=None):
        """A fresh named estimator (see ``ESTIMATORS``), fitted on ``fit=(X, y)`` if given."""
        return cls("estimator", name=name, fit=fit)

    def __repr__(self):
        return f"Probe({self.kind!r})"


def materialize(obj, spies):
    """Build the real objects for every :class:`Probe` in ``obj`` (spy labels go to ``spies``)."""
    if isinstance(obj, Probe):
        key = None
        if obj.kind in ("spy", "strategy"):
            key = f"{obj.kind}-{obj.params['label']}-{id(spies)}"
            spies[obj.params["label"]] = key
        return build_probe(obj.kind, obj.params, key, fresh=True)
    if isinstance(obj, list):
        return [materialize(x, spies) for x in obj]
    if isinstance(obj, tuple):
        return tuple(materialize(x, spies) for x in obj)
    if isinstance(obj, dict):
        return {k: materialize(v, spies) for k, v in obj.items()}
    if isinstance(obj, np.ndarray):
        return obj.copy()  # the student gets its own copy; the check keeps the original
    return obj


def build_probe(kind, params, key=None, fresh=False):
    """The object a probe spec stands for; spies and recording strategies record under ``key`` (emptied
    first if ``fresh``). The object carries its spec (``PROBE_TAG``): the grader's working versions use
    a twin of it, built from the spec, instead of reaching back into the worker for every call. A spy drops
    its spec when it is fitted (a loop that does not clone its model): its state is then no longer the spec's."""
    if key is not None and fresh:
        spy_log(key).clear()
    if kind == "fixed_proba":
        built = FixedProbaModel(params["probas"], params.get("classes"))
    elif kind == "spy":
        built = SpyEstimator(ESTIMATORS[params["estimator"]](), log_key=key)
    elif kind == "strategy":
        strategy = ModalRecordingStrategy if params.get("modal") else RecordingStrategy
        built = strategy(params["pick"], log_key=key)
    elif kind == "estimator":
        built = ESTIMATORS[params["name"]]()
        if params.get("fit") is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                built.fit(*params["fit"])
    else:
        raise ValueError(f"unknown probe kind {kind!r}")
    setattr(built, PROBE_TAG, {"kind": kind, "params": params, "key": key})
    return built


class FixedProbaModel:
    """A fitted "model" whose ``predict_proba`` returns a fixed table.

    The pool it scores must be made by :meth:`pool`: each row carries its own index in the first
    column, so the model returns the right probabilities even for a subset or a reordered pool.

    Parameters
    ----------
    probas : array-like of shape (n_samples, n_classes)
        Row ``i`` is what ``predict_proba`` returns for pool row ``i``.
    classes : array-like of shape (n_classes,), default=None
        The class labels; ``0 .. n_classes - 1`` by default.
    """

    def __init__(self, probas, classes=None):
        self.probas = np.asarray(probas, dtype=float)
        if self.probas.ndim != 2:
            raise ValueError(f"probas must be 2-D (n_samples, n_classes); got shape {self.probas.shape}")
        n_classes = self.probas.shape[1]
        self.classes_ = np.arange(n_classes) if classes is None else np.asarray(classes)
        self.calls = []

    def pool(self, n_features=2):
        """The pool this model scores: row ``i`` is ``[i, 0, 0, ...]``."""
        return fixed_pool(len(self.probas), n_features)

    def predict_proba(self, X):
        self.calls.append(("predict_proba", len(X)))
        return self.probas[pool_ids(X)].copy()

    def predict(self, X):
        self.calls.append(("predict", len(X)))
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def fit(self, X, y):
        raise AssertionError("FixedProbaModel is already fitted: a query strategy must not call fit().")


_LOGS = {}
PROBE_TAG = "_allab_probe"  # on a built probe: its spec, so that another process can build its twin


def spy_log(key):
    """The list of events recorded by every :class:`SpyEstimator` (and clone) made with ``key``."""
    return _LOGS.setdefault(key, [])


class SpyEstimator(ClassifierMixin, BaseEstimator):
    """A classifier that records every ``fit``, ``score``, ``predict`` and ``predict_proba`` call.

    It behaves like ``estimator`` (a logistic regression by default). Clones share the log named
    by ``log_key`` (see :func:`spy_log`), so a loop that clones its model is still observed.

    Each event is a dict: ``{"method": "fit", "X": array, "y": array}`` for ``fit``,
    ``{"method": "predict_proba", "X": array}``, and ``{"method": name, "n_rows": n}`` for ``predict`` and
    ``score``, whose rows (mostly the test set) no check needs and every event would carry back.
    """

    def __init__(self, estimator=None, log_key="default"):
        self.estimator = estimator
        self.log_key = log_key

    def _record(self, method, X, y=None):
        if method in ("predict", "score"):
            event = {"method": method, "n_rows": len(X)}
        else:
            event = {"method": method, "X": np.array(X, dtype=float, copy=True)}
        if y is not None:
            event["y"] = np.array(y, copy=True)
        spy_log(self.log_key).append(event)

    def fit(self, X, y):
        vars(self).pop(PROBE_TAG, None)  # fitted: a twin built from the spec would not be this model any more
        self._record("fit", X, y)
        base = LogisticRegression(max_iter=1000, random_state=42) if self.estimator is None else self.estimator
        self.estimator_ = clone(base).fit(X, y)
        self.classes_ = self.estimator_.classes_
        return self

    def predict_proba(self, X):
        self._record("predict_proba", X)
        return self.estimator_.predict_proba(X)

    def predict(self, X):
        self._record("predict", X)
        return self.estimator_.predict(X)

    def score(self, X, y, sample_weight=None):
        self._record("score", X)
        return float(np.mean(self.estimator_.predict(X) == np.asarray(y)))


class RecordingStrategy:
    """A query strategy ``(model, X_pool, n_samples)`` that records each call and picks fixed rows.

    ``pick="first"`` returns ``[0, 1, ..., n - 1]``, ``"last"`` the last ``n`` rows of the pool. Each
    call is logged as ``{"method": "query", "X": X_pool, "n_samples": n, "model": type name}``.
    """

    def __init__(self, pick="first", log_key="default"):
        self.pick, self.log_key = pick, log_key

    def __call__(self, model, X_pool, n_samples=10):
        return self._query(model, X_pool, n_samples)

    def _query(self, model, X_pool, n):
        n_pool = len(X_pool)
        spy_log(self.log_key).append({"method": "query", "X": np.array(X_pool, dtype=float, copy=True),
                                      "n_samples": int(n), "model": type(model).__name__})
        n = min(int(n), n_pool)
        return np.arange(n) if self.pick == "first" else np.arange(n_pool - n, n_pool)


class ModalRecordingStrategy(RecordingStrategy):
    """The same, called as modAL calls a strategy: ``(classifier, X_pool, n_instances=1)``, returning
    ``(indices, X_pool[indices])``."""

    def __call__(self, classifier, X_pool, n_instances=1):
        idx = self._query(classifier, X_pool, n_instances)
        return idx, np.asarray(X_pool)[idx]


def row_ids(X_seen, X_all):
    """The index in ``X_all`` of each row of ``X_seen`` (-1 where a row is not in ``X_all``)."""
    X_seen = np.atleast_2d(np.asarray(X_seen, dtype=float))
    lookup = {row.tobytes(): i for i, row in enumerate(np.asarray(X_all, dtype=float))}
    return np.array([lookup.get(row.tobytes(), -1) for row in X_seen], dtype=int)


def fixed_pool(n_samples, n_features=2):
    """The pool a ``Probe.fixed_proba`` model scores: ``n_samples`` rows whose row ``i`` is ``[i, 0, ...]``,
    so each row carries its own id (see :func:`pool_ids`)."""
    X = np.zeros((n_samples, n_features))
    X[:, 0] = np.arange(n_samples)
    return X


def pool_ids(X):
    """The ids the rows of ``X`` carry in column 0 (rows of :func:`fixed_pool`), as an int array."""
    return np.asarray(X)[:, 0].astype(int)
