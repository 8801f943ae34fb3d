"""What a worker process may do: limits on time, memory, CPU, processes and files, and what it may see.

Every worker gets resource limits, a scrubbed environment, its own process group, stdin/stdout/stderr on
/dev/null and an empty working folder. When the grader runs as root (as in a container), the worker also
gets a private view of the machine (Linux mount and network namespaces): the course files, the other
submissions and the output folder are covered by empty read-only folders, /tmp is its own, there is no
network, and it then drops to an unprivileged user of its own, so it cannot undo any of this.
"""
import ctypes
import os
import resource
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import ROOT, SOLUTIONS_DIR

UNPRIVILEGED_BASE = 61000   # workers run as uid/gid 61000 + n: no such user exists, nothing belongs to it


@dataclass(frozen=True)
class Limits:
    """What one student's code may use (seconds, bytes, processes) and may not see (paths)."""
    call_seconds: float = 10.0   # the slowest check of a correct function takes about 2 s
    load_seconds: float = 30.0
    submission_seconds: float = 300.0
    memory_bytes: int = 2 * 1024**3
    cpu_seconds: int = 300
    file_bytes: int = 16 * 1024**2
    processes: int = 64          # threads count too; only enforced for an unprivileged worker
    hidden: tuple = field(default=())  # folders and files the worker must not see (when it can be isolated)


def course_limits(extra_hidden=()):
    """The default :class:`Limits`, hiding the course's own files (and ``extra_hidden``) from workers."""
    course = (SOLUTIONS_DIR, ROOT / "autograder", ROOT / "tests", ROOT / "data", ROOT / ".git")
    return Limits(hidden=tuple(str(Path(p).resolve()) for p in (*course, *extra_hidden) if Path(p).exists()))


def can_isolate():
    """Whether workers get a private view and an unprivileged user (root on Linux)."""
    return sys.platform.startswith("linux") and os.geteuid() == 0


def worker_uid():
    """The unprivileged uid of this grading process's workers (one per grading process)."""
    return UNPRIVILEGED_BASE + os.getpid() % 30000


def confine(limits, workdir, uid):
    """Confine the current (worker) process; return True if it is isolated, not only limited.

    Called in the worker before any student code runs. ``workdir`` becomes its empty working folder.
    """
    os.setpgrp()  # its own process group: killing the group takes its children too
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):  # output written past sys.stdout must not reach the grader's terminal
        os.dup2(null, fd)
    isolated = can_isolate() and _private_view(limits, workdir, uid)
    if not isolated:
        os.makedirs(workdir, exist_ok=True)
    limits_to_set = [(resource.RLIMIT_AS, limits.memory_bytes), (resource.RLIMIT_CPU, limits.cpu_seconds),
                     (resource.RLIMIT_FSIZE, limits.file_bytes), (resource.RLIMIT_CORE, 0)]
    if isolated:
        limits_to_set.append((resource.RLIMIT_NPROC, limits.processes))
    for name, value in limits_to_set:
        resource.setrlimit(name, (value, value))
    _scrub_environment(workdir)
    os.chdir(workdir)
    return isolated


def import_path(paths, hidden):
    """``paths`` (``sys.path``) without what would let a worker import the course's code: the checkout
    and the folders above it (``import autograder.checks``), the working folder (``''``), and the
    ``hidden`` folders. ``notebooks/`` stays: students import ``allab`` from it."""
    root = ROOT.resolve()
    hidden = [Path(h).resolve() for h in hidden]

    def course(path):
        path = Path(path).resolve()
        return path == root or path in root.parents or any(path == h or h in path.parents for h in hidden)

    return [p for p in paths if p and not course(p)]


def reap(uid):
    """Kill every process of ``uid`` (a worker and whatever it forked); only possible as root."""
    if not can_isolate():
        return
    pid = os.fork()
    if pid == 0:  # a child that becomes the uid can signal exactly that uid's processes
        try:
            os.setgid(uid)
            os.setuid(uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


# --- the private view -------------------------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNS, CLONE_NEWNET = 0x00020000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_BIND, MS_MOVE, MS_REC, MS_PRIVATE = 1, 2, 4, 4096, 8192, 16384, 1 << 18


def _mount(source, target, fstype, flags, data=None):
    if _libc.mount(source.encode(), str(target).encode(), fstype.encode() if fstype else None, flags,
                   data.encode() if data else None) != 0:
        raise OSError(ctypes.get_errno(), f"mount {target}")


def _private_view(limits, workdir, uid):
    """Namespaces, covered folders, a private /tmp, then drop to ``uid``. False if the kernel refuses."""
    if _libc.unshare(CLONE_NEWNS | CLONE_NEWNET) != 0:
        return False
    try:
        _mount("none", "/", None, MS_REC | MS_PRIVATE)  # nothing below propagates back to the machine
        python = _python_folders()
        # Python under a private home (/root/.pyenv) must stay importable for the unprivileged user.
        for top in sorted({_closed_ancestor(f) for f in python} - {None}):
            _cover(top, python, "0755")
        # A private /tmp, keeping what Python needs there (a checkout or a venv under /tmp).
        _cover(Path("/tmp"), python, "1777", size=4 * limits.file_bytes)
        for path in map(Path, limits.hidden):
            if path.is_dir():
                _mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4k,mode=0555")
            elif path.is_file():
                _mount(os.devnull, path, None, MS_BIND)
        os.makedirs(workdir, exist_ok=True)
        os.chown(workdir, uid, uid)
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    except OSError:
        os._exit(70)  # half-confined is not confined: die, the grader reports the worker's exit
    return True


def _python_folders():
    """The folders Python imports from (its installation, the venv, sys.path)."""
    return {Path(p).resolve() for p in (sys.base_prefix, sys.prefix, *sys.path) if p and Path(p).exists()}


def _cover(top, keep, mode, size=4096):
    """Mount an empty tmpfs on ``top``; the children of ``top`` that hold any of ``keep`` stay as they were.

    Each such child is bind-mounted aside (a tmpfs on /mnt), then moved back into the new tmpfs.
    """
    children = sorted({top / f.relative_to(top).parts[0] for f in keep if top in f.parents})
    staging = Path("/mnt")
    if children:
        _mount("tmpfs", staging, "tmpfs", 0, "size=4k,mode=0755")
        for i, child in enumerate(children):
            (staging / str(i)).mkdir()
            _mount(str(child), staging / str(i), None, MS_BIND | MS_REC)
    _mount("tmpfs", top, "tmpfs", MS_NOSUID | MS_NODEV, f"size={size},mode={mode}")
    for i, child in enumerate(children):
        child.mkdir()
        _mount(str(staging / str(i)), child, None, MS_MOVE)


def _closed_ancestor(folder):
    """The outermost ancestor of ``folder`` that others may not enter, or None."""
    for parent in reversed(folder.parents):
        if not parent.stat().st_mode & 0o001:
            return parent
    return None


def _scrub_environment(workdir):
    keep = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL") if k in os.environ}
    os.environ.clear()
    os.environ.update(keep, HOME=str(workdir), TMPDIR=str(workdir), MPLBACKEND="Agg",
                      MPLCONFIGDIR=str(workdir), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
                      MKL_NUM_THREADS="1")
