"""Calling a student's function and getting its results back as plain data.

A check is written once against ``call(name, *args, **kwargs)``, which returns an
:class:`Outcome`. In the student's notebook :class:`LocalCaller` runs the function in the same
process; the grader runs it in a separate worker process and sends back the same plain data
(:mod:`allab.codec`), so the same check code decides the score without trusting anything the
student's process says.

Arguments may contain :class:`~allab.probes.Probe` specs: instrumented models that are built where
the student's code runs, and whose records come back in ``Outcome.logs``.
"""
import contextlib
import io
import time
import traceback
import warnings

from .codec import from_plain, to_plain
from .figures import close_figures
from .probes import materialize, spy_log

__all__ = ["Outcome", "StudentError", "LocalCaller", "run_call", "failed_call"]

MAX_TEXT = 20_000  # characters of captured stdout kept per call


class StudentError(AssertionError):
    """The student's function raised where a value was expected."""


class Outcome:
    """What happened when a student's function was called, as plain data.

    Attributes
    ----------
    name : str
        The function's name.
    value : object
        The returned value, decoded (arrays, tuples, dicts, :class:`~allab.figures.FigureDescription`, ...).
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

    Returns the :class:`Outcome` as plain data (decoded by :meth:`Outcome.from_plain`; numeric arrays left as
    they are with ``raw``, see :func:`~allab.codec.to_plain`): the grader's worker sends exactly this back, and
    :class:`LocalCaller` decodes it the same way, so a check sees the same thing in the notebook and
    in the grader.
    """
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
    logs = {label: spy_log(key) for label, key in spies.items()}
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
