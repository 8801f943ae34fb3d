"""Where a submission gets executed: a worker process that runs one student's code.

The grading process holds the checks, the reference solutions and the mark scheme; it sends the
worker the student's code cells and then asks it to call functions. The two talk through
:mod:`autograder.grading.channel`: JSON messages, never pickles, checked on arrival, so nothing the
student's code does in the worker can reach into the grading process.

Only the *definitions* of the student's cells run (see :mod:`allab.definitions`). No reference
code is ever in the worker: the graded functions a checked function calls (and the earlier parts'
functions ``allab.mine`` gives) are :class:`WorkingVersion` proxies, answered by the grading
process's :class:`~autograder.grading.judge.Judge`.
"""
import contextlib
import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
import time
import types

os.environ.setdefault("MPLBACKEND", "Agg")

from autograder.grading.channel import Channel, Closed, Peer, ProtocolError, Remote, TimedOut  # noqa: E402
from autograder.grading.sandbox import reap, worker_uid  # noqa: E402



def public_check_modules():
    """Every module of public checks (``allab.checks.<module>``), from the folder: each part's comes with it."""
    import importlib.util
    import pkgutil
    folders = importlib.util.find_spec("allab.checks").submodule_search_locations  # found, not imported
    return [f"allab.checks.{m.name}" for m in pkgutil.iter_modules(folders) if not m.name.startswith("_")]


# Imported once in the fork server, so that each worker starts warm.
PRELOAD = ["autograder.grading.worker", "numpy", "scipy.stats", "sklearn.linear_model", "sklearn.ensemble", "sklearn.svm",
           "sklearn.tree", "sklearn.naive_bayes", "matplotlib.pyplot", "matplotlib.backends.backend_agg",
           "modAL.models", "modAL.uncertainty", "allab.harness", "allab.probes", "allab.data", "allab.definitions", "allab.mine",
           "allab.figures", *public_check_modules(), "IPython.core.inputtransformer2"]


# --- inside the worker ------------------------------------------------------------------------

_PEER = None  # the worker's end of the channel


class WorkingVersion:
    """Stands in for a graded function whose working version lives in the grading process.

    Calling it sends the arguments there; the grading process decides whether this call may use
    it (never the function being graded) and sends back the result.
    """

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __call__(self, *args, **kwargs):
        from allab.probes import spy_log
        answer = _PEER.borrowed_request("callback", name=self.name, args=list(args), kwargs=kwargs)
        for key, events in answer["logs"].items():  # what the twins of the check's probes recorded there
            spy_log(key).extend(events)
        return answer["result"]

    def __repr__(self):
        return f"<working version of {self.name}>"


def load_part(cells, part, graded):
    """Execute the definitions of ``cells`` (``[(index, source)]``); return (namespace, problems).

    The ``graded`` functions start as working versions, so that a definition that refers to one the
    student did not manage to define (``query_strategy=uncertainty_sampling`` after a syntax error in
    that cell) still works; afterwards, the graded names the student did not define are removed, so
    they are graded as missing.
    """
    from allab.definitions import run_definitions
    preset = {name: WorkingVersion(name) for name in graded}
    namespace = {"__name__": f"student_{part}", **preset}
    problems = run_definitions(cells, namespace, part)
    for name, ours in preset.items():
        if namespace.get(name) is ours:
            del namespace[name]
    return namespace, problems


@contextlib.contextmanager
def working_versions(namespace, names):
    """Within the block, ``names`` in ``namespace`` are :class:`WorkingVersion` s.

    A check of one function then calls working versions of the other graded functions it uses (a
    loop calls the strategy and the oracle), so one wrong function costs only its own item.
    """
    saved = {name: namespace.get(name) for name in names}
    proxies = {name: WorkingVersion(name) for name in names}
    namespace.update(proxies)
    # Defaults were bound when the student's functions were defined (query_strategy=uncertainty_sampling):
    # point them at the working versions too.
    swapped = {id(f): proxies[name] for name, f in saved.items() if f is not None}
    changed = []
    for f in list(namespace.values()):
        if not isinstance(f, types.FunctionType):
            continue
        kwdefaults, defaults = f.__kwdefaults__ or {}, f.__defaults__ or ()
        if any(id(v) in swapped for v in (*kwdefaults.values(), *defaults)):
            changed.append((f, f.__kwdefaults__, f.__defaults__))
            f.__kwdefaults__ = {k: swapped.get(id(v), v) for k, v in kwdefaults.items()} or None
            f.__defaults__ = tuple(swapped.get(id(v), v) for v in defaults) or None
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                namespace.pop(name, None)  # the student did not define it
            else:
                namespace[name] = value
        for f, kwdefaults, defaults in changed:
            f.__kwdefaults__, f.__defaults__ = kwdefaults, defaults


@contextlib.contextmanager
def earlier_parts(names):
    """Within the block, ``allab.mine`` gives working versions of ``names`` (the earlier parts' functions)."""
    import allab.mine

    def source(name):
        if name not in names:
            raise ImportError(f"{name} is not from an earlier part: define it in this notebook")
        return WorkingVersion(name)
    allab.mine.use(source)
    try:
        yield
    finally:
        allab.mine.use(_no_notebooks)


def _no_notebooks(name):
    raise ImportError("allab.mine reads no notebooks while grading")


def _by_spec(obj):
    """A working version crosses by name, a check's probe by its spec (the grading process builds a
    twin and sends back what it recorded); anything else is lent by handle."""
    from allab.harness import PROBE_TAG, to_plain
    if isinstance(obj, WorkingVersion):
        return {"__handle__": "ref", "name": obj.name}
    spec = getattr(obj, PROBE_TAG, None) if not isinstance(obj, type) else None
    if isinstance(spec, dict):
        return {"__handle__": "probe", "kind": spec["kind"], "params": to_plain(spec["params"]), "key": spec["key"]}
    return None


def serve(fd, isolated=False):
    """The worker's loop: answer the grading process's requests until the connection closes."""
    global _PEER
    from allab.harness import from_plain, run_call
    me = os.getpid()

    def only_me(f):
        try:
            return f()
        finally:
            if os.getpid() != me:
                os._exit(0)  # a process the student's code forked returned here: only the worker answers

    peer = _PEER = Peer(Channel(fd, checked=False), catch_all=True)
    peer.lend(lendable=lambda obj: True, by_name=WorkingVersion, run=only_me, special=_by_spec)
    namespaces, earlier = {}, {}

    def load(message):
        reply = {}
        for part, cells in message["parts"].items():
            earlier[part] = set(message["earlier"].get(part, ()))
            with earlier_parts(earlier[part]):
                namespaces[part], problems = only_me(lambda: load_part(cells, part, message["graded"].get(part, ())))
            reply[part] = {"problems": problems, "isolated": isolated,
                           "defined": sorted(k for k, v in namespaces[part].items() if callable(v))}
        return reply

    def call(message):
        part = message["part"]
        namespace = namespaces.get(part, {})
        args = from_plain(message["args"], peer.lender.resolve)
        kwargs = from_plain(message["kwargs"], peer.lender.resolve)
        with earlier_parts(earlier.get(part, set())), working_versions(namespace, message.get("isolate", ())):
            return only_me(lambda: run_call(namespace, message["name"], args, kwargs))

    peer.handlers.update(load=load, call=call)
    import allab.mine
    allab.mine.use(_no_notebooks)  # outside load and call: nothing
    while True:
        try:
            message = peer.channel.receive()
        except Closed:
            return
        peer.answer(message)
        peer.lender.clear()


def skip_layout():
    """Make ``tight_layout`` free in the worker: it only moves axes, which no check looks at, and it
    cost about 85 ms a call, a third of a complete submission's grading time."""
    import matplotlib.figure
    import matplotlib.pyplot as plt
    matplotlib.figure.Figure.tight_layout = lambda self, *args, **kwargs: None
    plt.tight_layout = lambda *args, **kwargs: None


def worker_main(conn, limits, workdir, uid):
    """Entry point of a worker process (forked from the fork server)."""
    import gc
    import importlib
    import sys
    from autograder.grading.sandbox import confine, import_path
    # The fork server's objects are never garbage: a collection passing over them would copy every
    # page they sit on into this process (0.2 s a submission).
    gc.freeze()
    for module in PRELOAD:  # after confine() the course files are out of sight: import everything now
        importlib.import_module(module)
    # On every platform, not only where the course files are hidden: nothing more of the grader (its
    # checks, the reference) can be imported. What it has loaded stays in use.
    sys.path[:] = import_path(sys.path, limits.hidden)
    sys.modules[__package__].__path__[:] = []
    skip_layout()
    isolated = confine(limits, workdir, uid)
    serve(conn.fileno(), isolated)  # conn stays referenced here, so its descriptor stays open


# --- in the grading process -------------------------------------------------------------------

class WorkerError(Exception):
    """The worker did not answer: it crashed, was killed, timed out or sent garbage."""


_CONTEXT = None


def context():
    """The multiprocessing context whose fork server has the heavy libraries imported."""
    global _CONTEXT
    if _CONTEXT is None:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(var, "1")  # one thread per worker: --jobs sets the parallelism
        _CONTEXT = multiprocessing.get_context("forkserver")
        _CONTEXT.set_forkserver_preload(PRELOAD)
    return _CONTEXT


class ChannelViolation(WorkerError):
    """What came from the worker broke the protocol: the student's code wrote to the grader's channel."""


class CallTimeout(BaseException):
    """The grading process's own time limit for one request (a BaseException: no ``except Exception``
    in the reference code may swallow it)."""


@contextlib.contextmanager
def time_limit(seconds):
    """Raise :class:`CallTimeout` in this (main) thread after ``seconds``: the working versions run
    here on the student's arguments, and must not hold the grading process longer than the call may."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum, frame):
        raise CallTimeout()
    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class Worker:
    """A handle on one worker process. ``request`` sends a message and waits for the reply.

    Parameters
    ----------
    limits : sandbox.Limits
    workdir : path
    judge : autograder.grading.judge.Judge
        Answers the worker's requests for working versions during a call.
    """

    def __init__(self, limits, workdir, judge):
        self.limits = limits
        self.uid = worker_uid()
        self._conn, child = context().Pipe()
        self.process = context().Process(target=worker_main, args=(child, limits, str(workdir), self.uid),
                                         daemon=True)
        self.process.start()
        child.close()
        self.peer = Peer(Channel(self._conn.fileno(), checked=True))
        self.peer.lend(lendable=judge.lendable, special=judge.special, by_name=judge.working_function,
                       twin=judge.twin)
        self.peer.handlers["callback"] = lambda message: judge.callback(self.peer, message)

    def request(self, op, timeout, **fields):
        """Send request ``op`` and return its reply's value; raise :class:`WorkerError` if the worker
        does not answer in ``timeout`` seconds, dies, or breaks the protocol (then it is killed)."""
        deadline = time.monotonic() + timeout
        self.peer.deadline = deadline
        try:
            with time_limit(timeout):
                value = self.peer.request(op, deadline, **fields)
            if self.peer.channel.pending():
                raise ProtocolError("the worker sent more than was asked for")
            return value
        except (TimedOut, CallTimeout) as exc:
            self.kill()
            raise WorkerError(f"no answer within {timeout:.0f} s (an endless loop?)") from exc
        except Closed as exc:
            self.kill()
            raise WorkerError(self._death_reason()) from exc
        except ProtocolError as exc:
            self.kill()
            raise ChannelViolation(f"the grader's channel to the worker was tampered with ({exc})") from exc
        except Remote as exc:
            self.kill()
            raise WorkerError(f"the worker failed: {exc.kind}: {exc}") from exc
        finally:
            self.peer.lender.clear()

    def _death_reason(self):
        self.process.join(1)
        code = self.process.exitcode
        if code is None:
            return "the worker stopped answering"
        if code < 0:
            name = signal.Signals(-code).name
            hint = {"SIGKILL": " (memory or time limit?)", "SIGXCPU": " (CPU time limit)",
                    "SIGXFSZ": " (file size limit)", "SIGSEGV": " (crash)"}.get(name, "")
            return f"the worker was killed by {name}{hint}"
        return f"the worker exited with code {code} (sys.exit or os._exit in student code?)"

    def kill(self):
        """Kill the worker and everything it started (its process group; as root, its whole uid)."""
        with contextlib.suppress(ProcessLookupError, PermissionError, TypeError):
            os.killpg(self.process.pid, signal.SIGKILL)
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        reap(self.uid)

    def close(self):
        self._conn.close()
        self.kill()


class StudentProcess:
    """A student's code in a worker, restarted (and reloaded) if the worker dies.

    Parameters
    ----------
    cells : dict
        ``{part: [(cell_index, source), ...]}`` the student's code cells.
    limits : sandbox.Limits
        Per-call and per-submission time, memory and file limits.
    graded : dict
        ``{part: names of the graded functions}``, in lab order.
    """

    def __init__(self, cells, limits, graded=None):
        from autograder.grading.judge import Judge
        from autograder.markscheme import uses
        self.cells = cells
        self.graded = {part: sorted(names) for part, names in (graded or {}).items()}
        self.earlier = {part: sorted(uses(part)) for part in cells}
        self.judge = Judge(list(self.graded))
        self.limits = limits
        self.spent = 0.0      # seconds in requests to the worker (the checks' own work does not count)
        self.worker = None
        self.load_report = {}
        self.incidents = []   # what went wrong, for the feedback
        self.hung = {}        # function name -> why it is not called again
        self.broken = None    # why no more calls are made (the student's code tampered with the channel)
        self.workdir = tempfile.mkdtemp(prefix="allab-worker-")

    def _remaining(self, per_call):
        left = self.limits.submission_seconds - self.spent
        if left <= 0:
            raise WorkerError(f"the submission used up its {self.limits.submission_seconds:.0f} s of grading time")
        return min(per_call, left)

    def _request(self, worker, op, per_call, **fields):
        start = time.monotonic()
        try:
            return worker.request(op, self._remaining(per_call), **fields)
        finally:
            self.spent += time.monotonic() - start

    def _ensure_worker(self):
        if self.broken:
            raise WorkerError(self.broken)
        if self.worker is None or not self.worker.process.is_alive():
            self.worker = Worker(self.limits, self.workdir, self.judge)
            self.judge.begin(None)
            self.load_report = _checked_load_report(self._request(
                self.worker, "load", self.limits.load_seconds, parts=self.cells, graded=self.graded,
                earlier=self.earlier), self.cells)
        return self.worker

    def call(self, part, name, args, kwargs):
        """Call the student's ``name`` of ``part``; return its :class:`~allab.harness.Outcome`.

        The graded functions of the part that the reference ``name`` uses are working versions for
        the call (see :mod:`autograder.grading.judge`).
        """
        from allab.harness import Outcome, to_plain

        from autograder.grading.judge import dependencies
        if name in self.hung:
            # It did not return before: do not spend the time limit on it again.
            return self._failed(name, f"{name} did not return last time ({self.hung[name]}); not called again")
        try:
            worker = self._ensure_worker()
            self.judge.begin(part, name)
            reply = self._request(worker, "call", self.limits.call_seconds, part=part, name=name,
                                   args=to_plain(list(args)), kwargs=to_plain(dict(kwargs)),
                                   isolate=sorted(dependencies(part, name)) if part in self.graded else [])
            try:
                return Outcome.from_plain(reply)
            except Exception as exc:  # noqa: BLE001 - whatever the reply is, it is not an outcome
                worker.kill()
                raise ChannelViolation(f"the worker's answer is not an outcome ({type(exc).__name__})") from exc
        except WorkerError as exc:
            self.worker = None
            self.incidents.append(f"{name}: {exc}")
            if isinstance(exc, ChannelViolation):
                self.broken = f"not called: {exc}"
            elif "no answer within" in str(exc):
                self.hung[name] = str(exc)
            return self._failed(name, str(exc))

    @staticmethod
    def _failed(name, message):
        from allab.harness import Outcome
        return Outcome(name, error={"type": "WorkerError", "message": message, "traceback": ""})

    def load(self):
        """Start the worker and load the code; return ``{part: {"problems", "defined"}}``."""
        try:
            self._ensure_worker()
        except WorkerError as exc:
            self.worker = None
            self.incidents.append(f"loading the notebooks: {exc}")
            if isinstance(exc, ChannelViolation):
                self.broken = f"not called: {exc}"
        return self.load_report

    def close(self):
        if self.worker is not None:
            self.worker.close()
            self.worker = None
        shutil.rmtree(self.workdir, ignore_errors=True)


def _checked_load_report(reply, cells):
    """The worker's load report, if it has the shape it must have; else :class:`ChannelViolation`."""
    def strings(x):
        return isinstance(x, list) and all(isinstance(s, str) for s in x)
    if not (isinstance(reply, dict) and set(reply) == set(cells) and all(
            isinstance(r, dict) and strings(r.get("problems")) and strings(r.get("defined")) for r in reply.values())):
        raise ChannelViolation("the worker's load report is not what was asked for")
    return reply
