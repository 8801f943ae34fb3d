"""The grading process's end of a worker: start it, send it the student's code, call its functions, stop it.

:class:`StudentProcess` is what the checks call through; it restarts a worker that died, keeps the
submission's time budget, and turns what went wrong into incidents for the feedback. The worker's
side is :mod:`autograder.worker.server`.
"""
from __future__ import annotations

import contextlib
import multiprocessing
import os
import re
import shutil
import signal
import tempfile
import threading
import time
from typing import Any

from autograder.grading.runner import check_parts
from autograder.worker.calls import Peer, Remote
from autograder.worker.cleanup import needs_locking, reap
from autograder.worker.confinement import isolation_mode
from autograder.worker.framing import MAX_MESSAGE_BYTES, MAX_TEXT_BYTES, Channel, Closed, ProtocolError, TimedOut
from autograder.worker.limits import Limits, worker_uid
from autograder.worker.server import PRELOAD, worker_main

MESSAGE_CHARS = 300   # of a student's exception message in the feedback
# What each request's reply may hold: a load report is a little JSON, a call's outcome may carry arrays.
REPLY_BYTES = {"load": MAX_TEXT_BYTES, "call": MAX_MESSAGE_BYTES}


def plain(text: Any, limit: int = MESSAGE_CHARS) -> str:
    """Text from the worker as the feedback may show it: one line, no control characters or backticks,
    at most ``limit`` characters (student code chooses it: it must not carry a file into the feedback)."""
    text = re.sub(r"[\x00-\x1f\x7f-\x9f`]+", " ", str(text)).strip()
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"


class WorkerError(Exception):
    """The worker did not answer: it crashed, was killed, timed out or sent garbage."""


_CONTEXT = None


def context() -> multiprocessing.context.BaseContext:
    """The multiprocessing context whose fork server has the heavy libraries imported."""
    global _CONTEXT
    if _CONTEXT is None:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(var, "1")  # one thread per worker: --jobs sets the parallelism
        _CONTEXT = multiprocessing.get_context("forkserver")
        _CONTEXT.set_forkserver_preload(preload())
    return _CONTEXT


def preload() -> list[str]:
    """The modules a worker imports before it is confined: the worker's own (:data:`~autograder.worker.server.PRELOAD`)
    and the public checks of every part that has checks (``allab.checks.<part>``, which ``release`` links)."""
    return [*PRELOAD, *(f"allab.checks.{part}" for part in check_parts())]


class WorkerTimeout(WorkerError):
    """The worker did not answer a request in time (an endless loop?): the function is not called again."""


class ChannelViolation(WorkerError):
    """What came from the worker broke the protocol: the student's code wrote to the grader's channel."""


class CallTimeout(BaseException):
    """The grading process's own time limit for one request (a BaseException: no ``except Exception``
    in the reference code may swallow it)."""


@contextlib.contextmanager
def time_limit(seconds: float):
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
    versions : autograder.worker.working_versions.WorkingVersions
        Answers the worker's requests for working versions during a call.
    """

    def __init__(self, limits: Limits, workdir: str, versions: Any) -> None:
        self.limits = limits
        self.uid = worker_uid()
        self._conn, child = context().Pipe()
        self.process = context().Process(  # type: ignore[attr-defined]  # a fork server's context
            target=worker_main, args=(child, limits, str(workdir), self.uid, preload()), daemon=True)
        self.process.start()
        child.close()
        self.peer = Peer(Channel(self._conn.fileno(), checked=True))
        self.peer.lend(lendable=versions.lendable, special=versions.special, by_name=versions.working_function,
                       twin=versions.twin)
        self.peer.handlers["callback"] = lambda message: versions.callback(self.peer, message)

    def request(self, op: str, timeout: float, **fields: Any) -> Any:
        """Send request ``op`` and return its reply's value; raise :class:`WorkerError` if the worker
        does not answer in ``timeout`` seconds, dies, or breaks the protocol (then it is killed)."""
        deadline = time.monotonic() + timeout
        self.peer.deadline = deadline
        self.peer.max_bytes = REPLY_BYTES.get(op, MAX_MESSAGE_BYTES)
        try:
            with time_limit(timeout):
                value = self.peer.request(op, deadline, **fields)
            if self.peer.channel.pending():
                raise ProtocolError("the worker sent more than was asked for")
            return value
        except (TimedOut, CallTimeout) as exc:
            self.kill()
            raise WorkerTimeout(f"no answer within {timeout:.0f} s (an endless loop?)") from exc
        except Closed as exc:
            self.kill()
            raise WorkerError(self._death_reason()) from exc
        except ProtocolError as exc:
            self.kill()
            raise ChannelViolation(f"the grader's channel to the worker was tampered with ({exc})") from exc
        except Remote as exc:
            self.kill()
            raise WorkerError(f"the worker failed: {plain(exc.kind, 100)}: {plain(exc)}") from exc
        finally:
            self.peer.lender.clear()  # type: ignore[union-attr]  # lent in __init__

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

    def kill(self) -> None:
        """Kill the worker and everything it started (its process group; as root, its whole uid)."""
        with contextlib.suppress(ProcessLookupError, PermissionError, TypeError):
            os.killpg(self.process.pid, signal.SIGKILL)
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        reap(self.uid, shared=needs_locking(self.limits.mode or isolation_mode()))

    def close(self) -> None:
        """Close the connection and kill the worker."""
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

    def __init__(self, cells: dict, limits: Limits, graded: dict | None = None) -> None:
        from autograder.markscheme import uses
        from autograder.worker.working_versions import WorkingVersions
        self.cells = cells
        self.graded = {part: sorted(names) for part, names in (graded or {}).items()}
        self.earlier = {part: sorted(uses(part)) for part in cells}
        self.versions = WorkingVersions(list(self.graded))
        self.limits = limits
        self.spent = 0.0      # seconds in requests to the worker (the checks' own work does not count)
        self.worker = None
        self.load_report: dict[str, Any] = {}
        self.incidents: list[str] = []   # what went wrong, for the feedback
        self.hung: dict[str, str] = {}        # function name -> why it is not called again
        self.broken: str | None = None    # why no more calls are made (the student's code tampered with the channel)
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
            self.worker = Worker(self.limits, self.workdir, self.versions)
            self.versions.begin(None)
            self.load_report = _checked_load_report(self._request(
                self.worker, "load", self.limits.load_seconds, parts=self.cells, graded=self.graded,
                earlier=self.earlier), self.cells)
        return self.worker

    def call(self, part: str, name: str, args: list, kwargs: dict) -> Any:
        """Call the student's ``name`` of ``part``; return its :class:`~allab.harness.Outcome`.

        The graded functions of the part that the reference ``name`` uses are working versions for
        the call (see :mod:`autograder.worker.working_versions`).
        """
        from allab.codec import to_plain
        from allab.harness import Outcome
        from autograder.worker.working_versions import dependencies
        if name in self.hung:
            # It did not return before: do not spend the time limit on it again.
            return self._failed(name, f"{name} did not return last time ({self.hung[name]}); not called again")
        try:
            worker = self._ensure_worker()
            self.versions.begin(part, name)
            reply = self._request(worker, "call", self.limits.call_seconds, part=part, name=name,
                                   args=to_plain(list(args), raw=True), kwargs=to_plain(dict(kwargs), raw=True),
                                   isolate=sorted(dependencies(part, name)) if part in self.graded else [])
            try:
                return _plain_error(Outcome.from_plain(reply))
            except Exception as exc:  # noqa: BLE001 - whatever the reply is, it is not an outcome
                worker.kill()
                raise ChannelViolation(f"the worker's answer is not an outcome ({type(exc).__name__})") from exc
        except WorkerError as exc:
            self.worker = None
            self.incidents.append(f"{name}: {exc}")
            if isinstance(exc, ChannelViolation):
                self.broken = f"not called: {exc}"
            elif isinstance(exc, WorkerTimeout):
                self.hung[name] = str(exc)
            return self._failed(name, str(exc))

    @staticmethod
    def _failed(name, message):
        from allab.harness import Outcome, failed_call
        return Outcome(name, error=failed_call("WorkerError", message))

    def load(self) -> dict:
        """Start the worker and load the code; return ``{part: {"problems", "defined"}}``."""
        try:
            self._ensure_worker()
        except WorkerError as exc:
            self.worker = None
            self.incidents.append(f"loading the notebooks: {exc}")
            if isinstance(exc, ChannelViolation):
                self.broken = f"not called: {exc}"
        return self.load_report

    def close(self) -> None:
        """Stop the worker and remove its working folder."""
        if self.worker is not None:
            self.worker.close()
            self.worker = None
        shutil.rmtree(self.workdir, ignore_errors=True)


def _plain_error(outcome):
    """``outcome`` with the error the student's code chose (type, message) made :func:`plain`."""
    if outcome.error is not None:
        error = outcome.error
        outcome.error = {"type": plain(error["type"], 100), "message": plain(error["message"]),
                         "traceback": str(error.get("traceback", ""))[-4000:]}
    return outcome


def _checked_load_report(reply, cells):
    """The worker's load report, if it has the shape it must have; else :class:`ChannelViolation`."""
    def strings(x):
        return isinstance(x, list) and all(isinstance(s, str) for s in x)
    if not (isinstance(reply, dict) and set(reply) == set(cells) and all(
            isinstance(r, dict) and strings(r.get("problems")) and strings(r.get("defined")) for r in reply.values())):
        raise ChannelViolation("the worker's load report is not what was asked for")
    return {part: {**r, "problems": [plain(p) for p in r["problems"]]} for part, r in reply.items()}
