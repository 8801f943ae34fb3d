"""Where a submission gets executed: a worker process that runs one student's code.

The grading process holds the checks, the reference solutions and the mark scheme; it sends the
worker the student's code cells and then asks it to call functions. The worker answers with JSON
bytes only (see :mod:`allab.harness`), never pickles, so nothing the student's code does in the
worker can reach into the grading process.

Only the *definitions* of the student's cells run: imports, functions, classes and assignments of
literal constants. Demos and experiments in the notebook are skipped, which makes grading fast and
makes deleted, reordered or duplicated cells harmless (the last definition wins, as in a kernel
run top to bottom).
"""
import ast
import contextlib
import io
import json
import multiprocessing
import os
import shutil
import signal
import tempfile
import time
import warnings

os.environ.setdefault("MPLBACKEND", "Agg")

from .sandbox import reap, worker_uid  # noqa: E402

MAX_REPLY_BYTES = 32 * 1024 * 1024
# Imported once in the fork server, so that each worker starts warm.
PRELOAD = ["autograder.worker", "numpy", "scipy.stats", "sklearn.linear_model", "sklearn.ensemble", "sklearn.svm",
           "sklearn.tree", "sklearn.naive_bayes", "matplotlib.pyplot", "matplotlib.backends.backend_agg",
           "modAL.models", "modAL.uncertainty", "allab.harness", "allab.probes", "allab.data", "allab.given", "allab.figures",
           "allab.checks.part1", "allab.checks.part2", "allab.checks.part3", "allab.checks.part4",
           "allab.checks.bonus",
           "IPython.core.inputtransformer2"]


# --- inside the worker ------------------------------------------------------------------------

def definitions(source):
    """The statements of a cell that define things, as a list of ``ast`` statements.

    A cell that is not plain Python is translated from IPython syntax (``%magic``, ``!cmd``) and parsed
    again. Raises ``SyntaxError``.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:  # perhaps IPython syntax; translating costs more than parsing, so only then
        from IPython.core.inputtransformer2 import TransformerManager
        tree = ast.parse(TransformerManager().transform_cell(source))
    return [stmt for stmt in tree.body if _is_definition(stmt)]


def _is_definition(stmt):
    if isinstance(stmt, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return True
    if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
        try:
            ast.literal_eval(stmt.value)
            return True
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return False
    return False


def load_part(cells, part, graded, given):
    """Execute the definitions of ``cells`` (``[(index, source)]``); return (namespace, problems).

    The ``graded`` functions start as our working versions (where ``allab.given`` has them), so that a
    definition that refers to one the student did not manage to define (``query_strategy=
    uncertainty_sampling`` after a syntax error in that cell) still works; afterwards, the graded names
    the student did not define are removed, so they are graded as missing. ``given`` is the real
    ``allab.given`` module.
    """
    preset = {name: getattr(given, name) for name in graded if hasattr(given, name)}
    namespace = {"__name__": f"student_{part}", **preset}
    problems = []
    for index, source in cells:
        try:
            statements = definitions(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            line = getattr(exc, "lineno", None)
            problems.append(f"{part}, cell {index}: {type(exc).__name__}"
                            f"{f' on line {line}' if line else ''}: {getattr(exc, 'msg', exc)} "
                            "(the functions in this cell could not be graded)")
            continue
        for stmt in statements:
            module = ast.Module(body=[stmt], type_ignores=[])
            try:
                with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
                        contextlib.redirect_stderr(io.StringIO()):
                    warnings.simplefilter("ignore")
                    exec(compile(module, f"<{part} cell {index}>", "exec"), namespace)
            except BaseException as exc:  # noqa: BLE001 - an import or decorator of the student failed
                problems.append(f"{part}, cell {index}, line {stmt.lineno}: "
                                f"{type(exc).__name__}: {str(exc)[:300]}")
    for name, ours in preset.items():
        if namespace.get(name) is ours:
            del namespace[name]
    return namespace, problems


@contextlib.contextmanager
def given_versions(namespace, names, given):
    """Within the block, ``names`` in ``namespace`` are the working versions from ``allab.given``.

    A check of one function then calls our versions of the other graded functions (a loop calls the
    strategy and the oracle), so one wrong function costs only its own item.
    """
    saved = {name: namespace.get(name) for name in names if hasattr(given, name)}
    namespace.update({name: getattr(given, name) for name in saved})
    # Keyword defaults were bound when the student's functions were defined
    # (query_strategy=uncertainty_sampling): point them at our versions too.
    swapped = {id(f): getattr(given, name) for name, f in saved.items() if f is not None}
    defaults = {}
    for f in namespace.values():
        kwdefaults = getattr(f, "__kwdefaults__", None) if callable(f) else None
        if isinstance(kwdefaults, dict) and any(id(v) in swapped for v in kwdefaults.values()):
            defaults[f] = dict(kwdefaults)
            f.__kwdefaults__ = {k: swapped.get(id(v), v) for k, v in kwdefaults.items()}
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                del namespace[name]  # the student did not define it
            else:
                namespace[name] = value
        for f, kwdefaults in defaults.items():
            f.__kwdefaults__ = kwdefaults


@contextlib.contextmanager
def student_view(given, forbidden):
    """Within the block, ``import allab.given`` gives the module without the ``forbidden`` names.

    ``allab.given`` holds the answers of Parts 1-3 for later parts to use; a Part 2 submission must not
    get Part 2's answers from it.
    """
    import sys
    import types

    import allab
    view = types.ModuleType(given.__name__, given.__doc__)
    view.__dict__.update({k: v for k, v in vars(given).items() if k not in forbidden and k != "__loader__"})
    sys.modules[given.__name__], allab.given = view, view
    try:
        yield
    finally:
        sys.modules[given.__name__], allab.given = given, given


def serve(conn, isolated=False):
    """The worker's loop: answer ``load`` and ``call`` requests until the connection closes."""
    import allab.given as given
    from allab.harness import from_plain, run_call
    namespaces, forbidden = {}, {}
    me = os.getpid()
    while True:
        try:
            request = json.loads(conn.recv_bytes())
        except EOFError:
            return
        if request["op"] == "load":
            reply, order = {}, list(request["graded"])  # graded functions of every part, in part order
            for part, cells in request["parts"].items():
                later = order[order.index(part):] if part in order else []
                forbidden[part] = {name for p in later for name in request["graded"][p]}
                with student_view(given, forbidden[part]):
                    namespaces[part], problems = load_part(cells, part, request["graded"].get(part, ()), given)
                reply[part] = {"problems": problems, "isolated": isolated,
                               "defined": sorted(k for k, v in namespaces[part].items() if callable(v))}
        elif request["op"] == "call":
            part = request["part"]
            namespace = namespaces.get(part, {})
            with student_view(given, forbidden.get(part, set())), \
                    given_versions(namespace, request.get("isolate", ()), given):
                reply = run_call(namespace, request["name"], from_plain(request["args"]),
                                 from_plain(request["kwargs"]))
        else:
            reply = {"error": f"unknown request {request['op']!r}"}
        if os.getpid() != me:
            os._exit(0)  # a process the student's code forked returned here: only the worker answers
        data = json.dumps(reply).encode()
        if len(data) > MAX_REPLY_BYTES:
            data = json.dumps({"name": request.get("name"), "value": None, "stdout": "", "logs": {},
                               "args_after": [], "seconds": 0.0,
                               "error": {"type": "ResultTooLarge", "traceback": "",
                                         "message": f"the result was {len(data) // 2**20} MB of data"}}).encode()
        conn.send_bytes(data)


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
    from .sandbox import confine, import_path
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
    serve(conn, isolated)


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


class Worker:
    """A handle on one worker process. ``request`` sends a message and waits for the reply."""

    def __init__(self, limits, workdir):
        self.limits = limits
        self.uid = worker_uid()
        self._conn, child = context().Pipe()
        self.process = context().Process(target=worker_main, args=(child, limits, str(workdir), self.uid),
                                         daemon=True)
        self.process.start()
        child.close()

    def request(self, message, timeout):
        try:
            self._conn.send_bytes(json.dumps(message).encode())
            if not self._conn.poll(timeout):
                self.kill()
                raise WorkerError(f"no answer within {timeout:.0f} s (an endless loop?)")
            data = self._conn.recv_bytes(MAX_REPLY_BYTES + 1024)
        except (EOFError, OSError, BrokenPipeError) as exc:
            self.kill()
            raise WorkerError(self._death_reason()) from exc
        try:
            return json.loads(data)
        except ValueError as exc:
            self.kill()
            raise WorkerError("the worker sent an unreadable answer") from exc

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
    graded : dict
        ``{part: names of the graded functions}``.
    limits : sandbox.Limits
        Per-call and per-submission time, memory and file limits.
    """

    def __init__(self, cells, limits, graded=None):
        self.cells = cells
        self.graded = {part: sorted(names) for part, names in (graded or {}).items()}
        self.limits = limits
        self.deadline = time.monotonic() + limits.submission_seconds
        self.worker = None
        self.load_report = {}
        self.incidents = []   # what went wrong, for the feedback
        self.hung = {}        # function name -> why it is not called again
        self.workdir = tempfile.mkdtemp(prefix="allab-worker-")

    def _remaining(self, per_call):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise WorkerError(f"the submission used up its {self.limits.submission_seconds:.0f} s of grading time")
        return min(per_call, left)

    def _ensure_worker(self):
        if self.worker is None or not self.worker.process.is_alive():
            self.worker = Worker(self.limits, self.workdir)
            self.load_report = self.worker.request({"op": "load", "parts": self.cells, "graded": self.graded},
                                                   self._remaining(self.limits.load_seconds))
        return self.worker

    def call(self, part, name, args, kwargs, isolate=()):
        """Call the student's ``name`` of ``part``; return the plain Outcome dict.

        The functions named in ``isolate`` are replaced by our working versions for the call.
        """
        from allab.harness import to_plain
        message = {"op": "call", "part": part, "name": name, "args": to_plain(list(args)),
                   "kwargs": to_plain(dict(kwargs)), "isolate": [n for n in isolate if n != name]}
        if name in self.hung:
            # It did not return before: do not spend the time limit on it again.
            return self._failed(name, f"{name} did not return last time ({self.hung[name]}); not called again")
        try:
            worker = self._ensure_worker()
            return worker.request(message, self._remaining(self.limits.call_seconds))
        except WorkerError as exc:
            self.worker = None
            self.incidents.append(f"{name}: {exc}")
            if "no answer within" in str(exc):
                self.hung[name] = str(exc)
            return self._failed(name, str(exc))

    @staticmethod
    def _failed(name, message):
        return {"name": name, "value": None, "stdout": "", "logs": {}, "args_after": [],
                "seconds": 0.0, "error": {"type": "WorkerError", "message": message, "traceback": ""}}

    def load(self):
        """Start the worker and load the code; return ``{part: {"problems", "defined"}}``."""
        try:
            self._ensure_worker()
        except WorkerError as exc:
            self.worker = None
            self.incidents.append(f"loading the notebooks: {exc}")
        return self.load_report

    def close(self):
        if self.worker is not None:
            self.worker.close()
            self.worker = None
        shutil.rmtree(self.workdir, ignore_errors=True)
