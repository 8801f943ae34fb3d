"""Confinement: what a worker sees of the machine. An allowlist, in every mode that can have one.

A worker may read the Python installation (its standard library and the shared libraries it links),
the venv with its site-packages, and the support package ``allab``, wherever they live; it may write
only its own empty working folder (and, in the namespace modes, a private empty ``/tmp``). Nothing else
of the machine: no home folders, no other checkouts, no other system folders. Every worker also gets
resource limits (:mod:`autograder.worker.limits`), a scrubbed environment, its own process group,
stdin/stdout/stderr on /dev/null and ``no_new_privs``. :func:`isolation_mode` probes once what the
grading process can give:

``namespaces``
    root with CAP_SYS_ADMIN (a VM, CI, a privileged container): new mount, network and IPC namespaces;
    a fresh root (a tmpfs, ``pivot_root``) holding only read-only binds of the allowlist, a private
    /tmp and /dev/shm, the few devices Python uses, and a /proc showing only the worker's own
    processes; then an unprivileged uid of its own.
``uid``
    root without CAP_SYS_ADMIN (Docker's default capabilities, Gradescope): an unprivileged uid of its
    own, and Landlock restricting reads and writes to the same allowlist (no TCP, no signals outside
    itself), a seccomp filter refusing System V IPC and POSIX queues (its IPC namespace is the
    machine's). Without Landlock (Linux < 5.13), the grading process closes the course's own folders to
    that uid for the batch (:func:`~autograder.worker.cleanup.locked`) and the rest of the machine
    stays readable: the notes say so.
``user-namespace``
    an ordinary user where the kernel allows unprivileged user namespaces: the fresh root of
    ``namespaces`` in user, mount, network, IPC and PID namespaces (the worker is PID 1 of its own:
    all its processes die with it); it keeps no capabilities.
``landlock``
    an ordinary user without user namespaces, on Linux 5.13+: Landlock and the seccomp filter of ``uid``,
    as the grading user's uid.
``none``
    no isolation: limits only. The grader says so loudly; ``grade --require-isolation`` refuses.

Why a fresh root built here rather than bubblewrap: a worker is forked warm from a fork server that
has the heavy libraries imported (about 2 s a worker saved); bubblewrap can only confine a program it
starts itself, so every worker would start cold. The view is the one bubblewrap builds (a tmpfs root,
read-only binds, ``pivot_root``, the old root detached) in :mod:`autograder.worker.freshroot`.
"""
from __future__ import annotations

import functools
import os
import sys
import sysconfig
from pathlib import Path

from autograder import NOTEBOOKS_DIR, ROOT, SOLUTIONS_DIR
from autograder.worker import syscalls
from autograder.worker.freshroot import DEVICES, SHARED_LIBRARIES, enter_user_namespace, fresh_root, pid_namespace_init
from autograder.worker.limits import Limits, grader_cgroup, join_cgroup, set_limits, tasks_of, worker_uid

MODES = ("namespaces", "uid", "user-namespace", "landlock", "none")
FULL = {"namespaces", "user-namespace"}  # the modes with the fresh root; the others are weaker, and say why
DESCRIPTIONS = {
    "namespaces": "isolated: a fresh read-only root holding only Python, the venv and allab; private mount, "
                  "network and IPC namespaces; an unprivileged uid per grading process",
    "uid": "isolated by Landlock: an unprivileged uid per grading process, reading only Python, the venv and "
           "allab, writing only its own folder; no System V IPC or POSIX queues",
    "user-namespace": "isolated: a fresh read-only root holding only Python, the venv and allab; unprivileged "
                      "user, mount, network, IPC and PID namespaces",
    "landlock": "isolated by Landlock: the grading user's uid, reading only Python, the venv and allab, writing "
                "only its own folder; no System V IPC or POSIX queues, no signals to the grader",
    "none": "NOT ISOLATED: student code runs with the grading user's rights and could read the solutions, "
            "change files and signal the grader (only time, memory and file-size limits apply). "
            "Grade untrusted submissions as root in a container, or where user namespaces are allowed",
}


# --- which mode, and why not a better one --------------------------------------------------------

_MODE = None
_WHY = {}   # mode -> why the better modes failed (the probes' errors)


def isolation_mode() -> str:
    """The strongest of :data:`MODES` this process can give its workers (probed once, in children)."""
    global _MODE
    if _MODE is None:
        if not sys.platform.startswith("linux"):
            _MODE, _WHY["none"] = "none", f"not Linux ({sys.platform})"
            return _MODE
        attempts = ([("namespaces", _try_root_namespaces), ("uid", _try_setuid)] if os.geteuid() == 0
                    else [("user-namespace", _try_user_namespace), ("landlock", _try_landlock)])
        failures = []
        for mode, attempt in attempts:
            failure = _probe(attempt)
            if not failure:
                _MODE = mode
                break
            failures.append(f"{mode}: {failure}")
        else:
            _MODE = "none"
        _WHY[_MODE] = "; ".join(failures)
    return _MODE


def weaker_because(mode: str) -> str:
    """Why workers get ``mode`` and not a fresh root of their own ("" when they do): the probes' errors,
    and what ``mode`` leaves open."""
    if mode in FULL:
        return ""
    why = _WHY.get(mode, "")
    if mode == "uid" and syscalls.landlock_abi() < 1:
        why += "; no Landlock (Linux 5.13+): other world-readable files on this machine stay readable"
    return why.strip("; ")


def describe(mode: str) -> str:
    """What the notes and the terminal say about ``mode``: its guarantees and, if it is weaker, why."""
    why = weaker_because(mode)
    return f"{DESCRIPTIONS[mode]}" + (f" (not a fresh root of its own: {why})" if why else "")


def can_isolate() -> bool:
    """Whether workers are isolated (any mode but ``none``)."""
    return isolation_mode() != "none"


def _probe(attempt):
    """"" if ``attempt()`` succeeds in a forked child (what it changes dies with the child), else why not."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            attempt()
            code = 0
        except BaseException as exc:  # noqa: BLE001 - any failure means "no", and says why
            os.write(write, (exc.strerror if isinstance(exc, OSError) and exc.strerror else repr(exc)).encode()[:500])
            code = 1
        os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as f:
        why = f.read().decode(errors="replace")
    _, status = os.waitpid(pid, 0)
    return "" if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 else why or "failed"


def _try_root_namespaces():
    probe = f"/tmp/allab-probe-{os.getpid()}"
    syscalls.unshare(syscalls.CLONE_NEWNS | syscalls.CLONE_NEWNET | syscalls.CLONE_NEWIPC)
    fresh_root(allowlist(), probe, 1 << 20, "hidepid=invisible")


def _try_setuid():
    uid = worker_uid()
    allowlist()  # while Python's own files are readable (a Python under /root)
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    _try_landlock_or_permissions()


def _try_landlock_or_permissions():
    """Landlock where the kernel has it; the uid mode without it still works (course folders closed)."""
    if syscalls.landlock_abi() >= 1:
        _try_landlock()


def _try_user_namespace():
    enter_user_namespace()
    pid_namespace_init()  # the probe's child goes on as PID 1 (and exits 0); this process exits as it did
    fresh_root(allowlist(), f"/tmp/allab-probe-{os.getpid()}", 1 << 20, "")
    syscalls.drop_capabilities()


def _try_landlock():
    syscalls.no_new_privileges()
    syscalls.refuse_ipc()
    syscalls.landlock(read=sorted(map(str, allowlist())), write=[], devices=list(DEVICES))


# --- what a worker may see -------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def allowlist() -> frozenset:
    """What a worker may read: the Python installation (standard library, interpreter, the shared
    libraries it links), the venv (its site-packages included), the site-packages folders, and
    ``allab`` (not the rest of ``notebooks/``, where an executed notebook may lie). Nothing else on the
    import path: a folder there (the script's own, ``PYTHONPATH``) may be anything."""
    import site
    python = [sysconfig.get_path(name) for name in ("stdlib", "platstdlib", "purelib", "platlib")]
    paths = {*python, *site.getsitepackages(), sys.prefix, sys.executable, os.path.realpath(sys.executable),
             *SHARED_LIBRARIES}
    keep = {Path(os.path.abspath(p)) for p in paths if p and os.path.lexists(p)} | {(NOTEBOOKS_DIR / "allab").resolve()}
    return frozenset(p for p in keep if not any(q in p.parents for q in keep))  # the outermost of nested ones


def import_path(paths: list, hidden: tuple) -> list:
    """``paths`` (``sys.path``) without what would let a worker import the course's code: the checkout
    and the folders above it (``import autograder.checks``), the working folder (``''``), and the
    ``hidden`` folders. ``notebooks/`` stays: students import ``allab`` from it."""
    root = ROOT.resolve()
    hidden = [Path(h).resolve() for h in hidden]

    def course(path):
        path = Path(path).resolve()
        return path == root or path in root.parents or any(path == h or h in path.parents for h in hidden)

    return [p for p in paths if p and not course(p)]


def course_limits(extra_hidden=()) -> Limits:
    """The default :class:`Limits`: the course's own folders (and ``extra_hidden``) named as hidden
    (off the import path; closed by permissions in mode ``uid`` without Landlock)."""
    course = (SOLUTIONS_DIR, ROOT / "autograder", ROOT / "tests", ROOT / "data", ROOT / ".git", ROOT / "build")
    mode = isolation_mode()
    return Limits(hidden=tuple(str(Path(p).resolve()) for p in (*course, *extra_hidden) if Path(p).exists()),
                  mode=mode, cgroup=grader_cgroup() if mode in ("namespaces", "uid") else "")


# --- in the worker -----------------------------------------------------------------------------------

def confine(limits: Limits, workdir: str, uid: int) -> bool:
    """Confine the current (worker) process; return True if it is isolated, not only limited.

    Called in the worker before any student code runs. ``workdir`` becomes its empty working folder.
    A worker that cannot get the mode the grading process probed exits (code 70): half-confined is not
    confined.
    """
    os.setpgrp()  # its own process group: killing the group takes its children too
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):  # output written past sys.stdout must not reach the grader's terminal
        os.dup2(null, fd)
    mode = limits.mode or isolation_mode()
    allowlist()  # computed while Python's own files are readable (a Python under /root)
    # RLIMIT_NPROC counts the processes of the real uid (in its user namespace): only the submission's
    # where the uid or the namespace is its own (plus the PID namespace's waiting parent), else the
    # grading user's too, to which the submission's are added.
    tasks = tasks_of(os.getuid()) if mode in ("none", "landlock") else 1 if mode == "user-namespace" else 0
    try:
        if mode in ("namespaces", "uid"):
            join_cgroup(limits.cgroup, uid, limits)  # as root, before anything can be dropped
        if mode == "namespaces":
            syscalls.unshare(syscalls.CLONE_NEWNS | syscalls.CLONE_NEWNET | syscalls.CLONE_NEWIPC)
            fresh_root(allowlist(), workdir, 4 * limits.file_bytes, "hidepid=invisible")
            _become(uid, workdir)
        elif mode == "user-namespace":
            enter_user_namespace()
            pid_namespace_init()  # the worker continues as PID 1 of its own PID namespace
            fresh_root(allowlist(), workdir, 4 * limits.file_bytes, "")
        elif mode == "uid":
            _become(uid, workdir)
        else:
            os.makedirs(workdir, exist_ok=True)
        syscalls.no_new_privileges()
        if mode in ("uid", "landlock"):
            syscalls.refuse_ipc()
            if syscalls.landlock_abi() >= 1 or mode == "landlock":
                syscalls.landlock(read=sorted(map(str, allowlist())), write=[workdir], devices=list(DEVICES))
        set_limits(limits, tasks + limits.processes)
        if mode == "user-namespace":
            syscalls.drop_capabilities()
    except OSError:
        os._exit(70)
    _scrub_environment(workdir)
    os.chdir(workdir)
    return mode != "none"


def _become(uid, workdir):
    """Make ``workdir`` the uid's own, then become ``uid`` (and gid ``uid``, no groups) for good."""
    os.makedirs(workdir, exist_ok=True)
    os.chown(workdir, uid, uid)
    os.chmod(workdir, 0o700)
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def _scrub_environment(workdir):
    keep = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL") if k in os.environ}
    os.environ.clear()
    os.environ.update(keep, HOME=str(workdir), TMPDIR=str(workdir), MPLBACKEND="Agg",
                      MPLCONFIGDIR=str(workdir), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
                      MKL_NUM_THREADS="1")

