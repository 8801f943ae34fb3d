"""Calling a student's function and getting its results back as plain data.

A check is written once against ``call(name, *args, **kwargs)``, which returns an
:class:`Outcome`. In the student's notebook :class:`LocalCaller` runs the function in the same
process; the grader runs it in a separate worker process and sends back the same plain data, so
the same check code decides the score without trusting anything the student's process says.

Arguments may contain :class:`Probe` specs: instrumented models (see :mod:`allab.probes`) that are
built where the student's code runs, and whose records come back in ``Outcome.logs``.
"""
import base64
import contextlib
import io
import math
import time
import traceback
import warnings

import numpy as np

__all__ = ["Probe", "Outcome", "StudentError", "LocalCaller", "failed_call", "to_plain", "from_plain",
           "materialize", "build_probe", "describe_figure", "fixed_pool", "close_figures"]

MAX_TEXT = 20_000  # characters of captured stdout kept per call


# --- probes -----------------------------------------------------------------------------------

ESTIMATORS = {
    # Named estimators a check may ask for; built fresh wherever the student code runs.
    "logreg": lambda: _sk("sklearn.linear_model", "LogisticRegression")(max_iter=1000, random_state=42),
    "nb": lambda: _sk("sklearn.naive_bayes", "GaussianNB")(),
}


def _sk(module, name):
    import importlib
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
        """A :class:`~allab.probes.SpyEstimator` whose events come back as ``Outcome.logs[label]``."""
        return cls("spy", label=label, estimator=estimator)

    @classmethod
    def strategy(cls, label, pick="first", modal=False):
        """A query strategy that records each call (``Outcome.logs[label]``) and picks the ``pick``
        rows of the pool ("first" or "last"), so a check can tell whether a loop used it. With
        ``modal``, it is a strategy for modAL (see :class:`~allab.probes.ModalRecordingStrategy`)."""
        return cls("strategy", label=label, pick=pick, modal=modal)

    @classmethod
    def estimator(cls, name="logreg", fit=None):
        """A fresh named estimator (see ``ESTIMATORS``), fitted on ``fit=(X, y)`` if given."""
        return cls("estimator", name=name, fit=fit)

    def to_plain(self):
        return {"__probe__": self.kind, "params": to_plain(self.params)}

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


from .probes import PROBE_TAG  # noqa: E402 - on a built probe: its spec, so that another process can build its twin


def build_probe(kind, params, key=None, fresh=False):
    """The object a probe spec stands for; spies and recording strategies record under ``key`` (emptied
    first if ``fresh``). The object carries its spec (``PROBE_TAG``): the grader's working versions use
    a twin of it, built from the spec, instead of reaching back into the worker for every call. A spy drops
    its spec when it is fitted (a loop that does not clone its model): its state is then no longer the spec's."""
    from . import probes
    if key is not None and fresh:
        probes.spy_log(key).clear()
    if kind == "fixed_proba":
        built = probes.FixedProbaModel(params["probas"], params.get("classes"))
    elif kind == "spy":
        built = probes.SpyEstimator(ESTIMATORS[params["estimator"]](), log_key=key)
    elif kind == "strategy":
        strategy = probes.ModalRecordingStrategy if params.get("modal") else probes.RecordingStrategy
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


def fixed_pool(n_samples, n_features=2):
    """The pool a ``Probe.fixed_proba`` model scores: row ``i`` is ``[i, 0, ...]``."""
    from .probes import id_pool
    return id_pool(n_samples, n_features)


# --- plain data -------------------------------------------------------------------------------

def describe_figure(fig):
    """A plain description of a matplotlib figure: what a check inspects instead of pixels."""
    axes = []
    for ax in fig.get_axes():
        legend = ax.get_legend()
        axes.append({
            "title": ax.get_title(),
            "xlabel": ax.get_xlabel(),
            "ylabel": ax.get_ylabel(),
            "legend": None if legend is None else [t.get_text() for t in legend.get_texts()],
            "lines": [{"x": np.asarray(line.get_xdata(), dtype=float).tolist(),
                       "y": np.asarray(line.get_ydata(), dtype=float).tolist(),
                       "label": str(line.get_label())}
                      for line in ax.get_lines()],
            "collections": [{"type": type(c).__name__, "label": str(c.get_label()),
                             "n_paths": len(c.get_paths()),
                             "offsets": np.asarray(c.get_offsets(), dtype=float).tolist()}
                            for c in ax.collections],
            "containers": [{"type": type(c).__name__, "label": str(c.get_label()),
                            "heights": [float(p.get_height()) for p in c.patches]
                            if hasattr(c, "patches") else []}
                           for c in ax.containers],
            "n_patches": len(ax.patches),
            "n_images": len(ax.images),
        })
    suptitle = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) else ""
    return {"axes": axes, "suptitle": suptitle}


def to_plain(obj, depth=0, export=None, raw=False):
    """Encode ``obj`` as JSON-compatible data: numbers, strings, lists and tagged dicts only.

    An object that is none of these becomes ``export(obj)`` if ``export`` is given (the grader's
    handles on live objects), else an opaque description (its type name and a short repr). With
    ``raw``, numeric arrays stay arrays: the grader's channel sends their bytes as they are.
    """
    if depth > 20:
        return {"__object__": "too deeply nested", "repr": ""}
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        value = float(obj)
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind in "biuf":  # numbers travel as their raw bytes: fast, and still no pickle
            if raw:
                return obj
            return {"__ndarray__": obj.dtype.str, "shape": list(obj.shape),
                    "b64": base64.b64encode(np.ascontiguousarray(obj).tobytes()).decode("ascii")}
        return {"__objarray__": [to_plain(x, depth + 1, export, raw) for x in obj.ravel().tolist()],
                "shape": list(obj.shape)}
    if isinstance(obj, Probe):
        return obj.to_plain()
    if isinstance(obj, tuple):
        return {"__tuple__": [to_plain(x, depth + 1, export, raw) for x in obj]}
    if isinstance(obj, list):
        return [to_plain(x, depth + 1, export, raw) for x in obj]
    if isinstance(obj, (set, frozenset)):
        return {"__set__": [to_plain(x, depth + 1, export, raw) for x in obj]}
    if isinstance(obj, dict):
        return {"__dict__": [[to_plain(item, depth + 1, export, raw) for item in pair] for pair in obj.items()]}
    if _is_figure(obj):
        return {"__figure__": describe_figure(obj if hasattr(obj, "get_axes") else obj.figure)}
    if export is not None:
        return export(obj)
    return {"__object__": type(obj).__name__, "repr": _short_repr(obj)}


def from_plain(data, resolve=None):
    """Decode what :func:`to_plain` made (tagged dicts become arrays, tuples, dicts, ...).

    A dict tagged ``__handle__`` (what an ``export`` of :func:`to_plain` made) becomes ``resolve(data)``.
    """
    if isinstance(data, list):
        return [from_plain(x, resolve) for x in data]
    if not isinstance(data, dict):
        return data
    if "__handle__" in data and resolve is not None:
        return resolve(data)
    if "__ndarray__" in data:
        dtype = np.dtype(str(data["__ndarray__"]))
        if dtype.kind not in "biuf":
            raise ValueError(f"not a numeric array type: {dtype}")
        return np.frombuffer(base64.b64decode(data["b64"]), dtype=dtype).reshape(data["shape"]).copy()
    if "__objarray__" in data:
        arr = np.empty(len(data["__objarray__"]), dtype=object)
        arr[:] = [from_plain(x, resolve) for x in data["__objarray__"]]
        return arr.reshape(data["shape"])
    if "__float__" in data:
        return float(data["__float__"])
    if "__tuple__" in data:
        return tuple(from_plain(x, resolve) for x in data["__tuple__"])
    if "__set__" in data:
        return {from_plain(x, resolve) for x in data["__set__"]}
    if "__dict__" in data:
        return {_hashable(from_plain(k, resolve)): from_plain(v, resolve) for k, v in data["__dict__"]}
    if "__figure__" in data:
        return FigureDescription(data["__figure__"])
    if "__probe__" in data:
        return Probe(data["__probe__"], **from_plain(data["params"]))
    if "__object__" in data:
        return Opaque(data["__object__"], data.get("repr", ""))
    return data


class FigureDescription(dict):
    """What :func:`describe_figure` says of a figure the student's function returned."""


class Opaque:
    """A returned value that is not plain data: only its type name and a short repr survive."""

    def __init__(self, type_name, text):
        self.type_name, self.text = type_name, text

    def __repr__(self):
        return f"<{self.type_name}: {self.text}>"


def _hashable(key):
    return tuple(key) if isinstance(key, list) else key


def _short_repr(obj):
    try:
        return repr(obj)[:200]
    except Exception:
        return "<unprintable>"


def _is_figure(obj):
    try:
        from matplotlib.axes import Axes
        from matplotlib.figure import Figure
    except ImportError:
        return False
    return isinstance(obj, (Figure, Axes))


def close_figures():
    """Close the figures a checked call made, so that checks do not draw in the notebook."""
    import sys
    if "matplotlib.pyplot" not in sys.modules:
        return
    import matplotlib.pyplot as plt
    plt.close("all")


# --- calling ----------------------------------------------------------------------------------

class StudentError(AssertionError):
    """The student's function raised where a value was expected."""


class Outcome:
    """What happened when a student's function was called, as plain data.

    Attributes
    ----------
    name : str
        The function's name.
    value : object
        The returned value, decoded (arrays, tuples, dicts, :class:`FigureDescription`, ...).
        Reading it after the call raised re-raises as :class:`StudentError`.
    error : dict or None
        Why the call gave no value (it raised, or it never returned), as :func:`failed_call` makes it.
    stdout : str
        What the call printed (truncated).
    logs : dict
        ``{label: [event, ...]}`` for every ``Probe.spy`` among the arguments.
    args_after : list
        The positional arguments as they were after the call (to see whether it modified them).
    seconds : float
        Wall time of the call.
    """

    def __init__(self, name, value=None, error=None, stdout="", logs=None, args_after=None, seconds=0.0):
        self.name = name
        self._value = value
        self.error = error
        self.stdout = stdout
        self.logs = logs or {}
        self.args_after = args_after or []
        self.seconds = seconds

    @property
    def value(self):
        if self.error is not None:
            raise StudentError(f"{self.name} raised {self.error['type']}: {self.error['message']}")
        return self._value

    @property
    def raised(self):
        """The exception type name if the call raised, else None."""
        return None if self.error is None else self.error["type"]

    @classmethod
    def from_plain(cls, data):
        return cls(data["name"], from_plain(data["value"]), data["error"], data["stdout"],
                   from_plain(data["logs"]), from_plain(data["args_after"]), data["seconds"])


def run_call(namespace, name, args, kwargs, raw=False):
    """Call ``namespace[name](*args, **kwargs)`` with probes built, output captured, warnings off.

    Returns the :class:`Outcome` as plain data (see :meth:`Outcome.to_plain`; numeric arrays left as
    they are with ``raw``, see :func:`to_plain`): the grader's worker sends exactly this back, and
    :class:`LocalCaller` decodes it the same way, so a check sees the same thing in the notebook and
    in the grader.
    """
    from . import probes
    spies = {}
    args = materialize(list(args), spies)
    kwargs = materialize(dict(kwargs), spies)
    out = io.StringIO()
    error, value = None, None
    start = time.perf_counter()
    fn = namespace.get(name)
    try:
        if fn is None or not callable(fn):
            import difflib
            near = difflib.get_close_matches(name, [k for k, v in namespace.items() if callable(v)], n=1)
            raise NameError(f"no function named {name!r} is defined"
                            + (f" (is {near[0]!r} it, renamed? keep the name the notebook gives)" if near else ""))
        with warnings.catch_warnings(), contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            value = to_plain(fn(*args, **kwargs), raw=raw)
    except BaseException as exc:  # noqa: BLE001 - student code failing, exiting or interrupting is reported
        error = failed_call(exc, with_traceback=True)
    finally:
        close_figures()
    logs = {label: probes.spy_log(key) for label, key in spies.items()}
    return {"name": name, "value": value, "error": error, "stdout": out.getvalue()[:MAX_TEXT],
            "logs": to_plain(logs, raw=raw), "args_after": to_plain(args, raw=raw),
            "seconds": time.perf_counter() - start}


def failed_call(error, message="", with_traceback=False):
    """Why a call gave no value, as plain data: ``{"type", "message", "traceback"}``.

    The one shape of :attr:`Outcome.error` and of an error reply on the grader's channel.

    Parameters
    ----------
    error : BaseException or str
        The exception the call raised, or the name of what went wrong (``"WorkerError"`` when the worker
        did not answer).
    message : str
        What went wrong, when ``error`` is a name (an exception's message is its own, cut).
    with_traceback : bool
        Keep the exception's traceback (cut). Only for the student's own code: a traceback through the
        reference solution would show its source to the student's worker.

    Returns
    -------
    dict
        ``{"type": str, "message": str, "traceback": str}`` (an empty traceback when there is none).
    """
    if isinstance(error, str):
        return {"type": error, "message": message, "traceback": ""}
    try:
        text = str(error)[:1000]
    except Exception:  # noqa: BLE001 - a student's exception whose __str__ fails
        text = "<message could not be printed>"
    trace = "".join(traceback.format_exception(error))[-4000:] if with_traceback else ""
    return {"type": type(error).__name__, "message": text, "traceback": trace}


class LocalCaller:
    """``call(name, *args, **kwargs)`` that runs functions from ``namespace`` in this process."""

    def __init__(self, namespace):
        self.namespace = namespace

    def __call__(self, name, *args, **kwargs):
        return Outcome.from_plain(run_call(self.namespace, name, args, kwargs))
