"""What a worker process may do: limits on time, memory, CPU, processes and files, and what it may see.

Every worker gets resource limits, a scrubbed environment, its own process group, stdin/stdout/stderr on
/dev/null, an empty working folder, and ``no_new_privs`` (no setuid program gives it rights back). How
much more it gets depends on what the grading process may do; :func:`isolation_mode` probes it once:

``namespaces``
    root with CAP_SYS_ADMIN (a VM, CI, a privileged container): a private view of the machine (mount and
    network namespaces) in which everything is read-only, the course checkout (and the checkout a venv
    lives in) is covered except the public support package and the venv, the other submissions and the
    output folder are covered, /tmp, /dev/shm, /var/tmp and /run/lock are private; then the worker
    becomes an unprivileged uid of its own.
``uid``
    root without CAP_SYS_ADMIN (Docker's default capabilities, Gradescope): the worker becomes an
    unprivileged uid of its own; the grading process takes the "others" permissions off the course
    files, the submissions and the output folder for the batch (:func:`locked`), and removes whatever
    that uid left in world-writable folders.
``user-namespace``
    an ordinary user where the kernel allows unprivileged user namespaces: the same private view as
    ``namespaces``, plus a PID namespace (the worker cannot see or signal the grader, and all its
    processes die with it); it keeps no capabilities.
``none``
    no isolation: limits only. The grader says so loudly; ``grade --require-isolation`` refuses.
"""
import contextlib
import ctypes
import os
import resource
import shutil
import signal
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path

from autograder import NOTEBOOKS_DIR, ROOT, SOLUTIONS_DIR

UNPRIVILEGED_BASE = 61000   # workers run as uid/gid 61000 + n: no such user exists, nothing belongs to it
MODES = ("namespaces", "uid", "user-namespace", "none")
DESCRIPTIONS = {
    "namespaces": "isolated: private mount and network namespaces, an unprivileged uid per grading process",
    "uid": "isolated by permissions: an unprivileged uid per grading process (no CAP_SYS_ADMIN for namespaces); "
           "course files, submissions and outputs are closed to it for the batch",
    "user-namespace": "isolated: unprivileged user, mount, network and PID namespaces",
    "none": "NOT ISOLATED: student code runs with the grading user's rights and could read the solutions, "
            "change files and signal the grader (only time, memory and file-size limits apply). "
            "Grade untrusted submissions as root in a container, or where user namespaces are allowed",
}
# World-writable places a student could leave files in (and another student read) when the worker
# shares the machine's folders (mode "uid"); in the namespace modes they are private.
SHARED_WRITABLE = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/var/lock", "/dev/mqueue", "/var/crash")


@dataclass(frozen=True)
class Limits:
    """What one student's code may use (seconds, bytes, processes) and may not see (paths)."""
    call_seconds: float = 10.0   # the slowest check of a correct function takes about 2 s
    load_seconds: float = 30.0
    submission_seconds: float = 300.0
    memory_bytes: int = 3 * 1024**3  # the whole submission: each of its processes gets this / processes
    cpu_seconds: int = 300
    file_bytes: int = 16 * 1024**2
    processes: int = 3           # processes and threads of a submission (a worker needs one)
    hidden: tuple = field(default=())  # folders and files the worker must not see
    mode: str = ""               # one of MODES; "" = probe in the worker (isolation_mode())
    cgroup: str = ""             # the cgroup v2 folder workers get a cgroup under (cgroup_parent()), if any

    @property
    def process_memory_bytes(self):
        """The address-space limit of each process: with at most ``processes`` of them, the total holds."""
        return self.memory_bytes // self.processes


def course_limits(extra_hidden=()):
    """The default :class:`Limits`, hiding the course's own files (and ``extra_hidden``) from workers."""
    course = (SOLUTIONS_DIR, ROOT / "autograder", ROOT / "tests", ROOT / "data", ROOT / ".git", ROOT / "build")
    mode = isolation_mode()
    return Limits(hidden=tuple(str(Path(p).resolve()) for p in (*course, *extra_hidden) if Path(p).exists()),
                  mode=mode, cgroup=_cgroup_parent() if mode in ("namespaces", "uid") else "")


def worker_uid():
    """The unprivileged uid of this grading process's workers (one per grading process)."""
    return UNPRIVILEGED_BASE + os.getpid() % 30000


# --- which mode ------------------------------------------------------------------------------

_MODE = None


def isolation_mode():
    """The strongest of :data:`MODES` this process can give its workers (probed once, in a child)."""
    global _MODE
    if _MODE is None:
        if not sys.platform.startswith("linux"):
            _MODE = "none"
        elif os.geteuid() == 0:
            _MODE = "namespaces" if _probe(_try_root_namespaces) else "uid" if _probe(_try_setuid) else "none"
        else:
            _MODE = "user-namespace" if _probe(_try_user_namespace) else "none"
    return _MODE


def can_isolate():
    """Whether workers are isolated (any mode but ``none``)."""
    return isolation_mode() != "none"


def _probe(attempt):
    """Whether ``attempt()`` succeeds in a forked child (what it changes dies with the child)."""
    pid = os.fork()
    if pid == 0:
        try:
            code = 0 if attempt() else 1
        except BaseException:  # noqa: BLE001 - any failure means "no"
            code = 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def _try_root_namespaces():
    _private_view(Limits(), f"/tmp/allab-probe-{os.getpid()}", user_namespace=False)
    return True


def _try_setuid():
    uid = worker_uid()
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    return os.getuid() == uid


def _try_user_namespace():
    _private_view(Limits(), f"/tmp/allab-probe-{os.getpid()}", user_namespace=True)
    _pid_namespace_init()  # the probe's child goes on as PID 1 (and exits 0); this process exits as it did
    _drop_capabilities()
    return True


# --- in the worker ---------------------------------------------------------------------------

def confine(limits, workdir, uid):
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
    # RLIMIT_NPROC counts the processes of the real uid (in its user namespace): only the submission's
    # where the uid or the namespace is its own (plus the PID namespace's waiting parent), else the
    # grading user's too, to which the submission's are added.
    tasks = _tasks_of(os.getuid()) if mode == "none" else 1 if mode == "user-namespace" else 0
    try:
        if mode in ("namespaces", "uid"):
            join_cgroup(limits.cgroup, uid, limits)  # as root, before anything can be hidden or dropped
        if mode == "namespaces":
            _private_view(limits, workdir, user_namespace=False)
            _become(uid, workdir)
        elif mode == "uid":
            _become(uid, workdir)
        elif mode == "user-namespace":
            _private_view(limits, workdir, user_namespace=True)
            os.makedirs(workdir, exist_ok=True)
        else:
            os.makedirs(workdir, exist_ok=True)
        _no_new_privileges()
        _set_limits(limits, tasks + limits.processes)
        if mode == "user-namespace":
            _pid_namespace_init()  # the worker continues as PID 1 of its own PID namespace
            _drop_capabilities()
    except OSError:
        os._exit(70)
    _scrub_environment(workdir)
    os.chdir(workdir)
    return mode != "none"


def _set_limits(limits, processes):
    for name, value in [(resource.RLIMIT_AS, limits.process_memory_bytes), (resource.RLIMIT_CPU, limits.cpu_seconds),
                        (resource.RLIMIT_FSIZE, limits.file_bytes), (resource.RLIMIT_CORE, 0),
                        (resource.RLIMIT_NPROC, processes)]:
        resource.setrlimit(name, (value, value))


def _become(uid, workdir):
    """Make ``workdir`` the uid's own, then become ``uid`` (and gid ``uid``, no groups) for good."""
    os.makedirs(workdir, exist_ok=True)
    os.chown(workdir, uid, uid)
    os.chmod(workdir, 0o700)
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def _tasks_of(uid):
    """How many processes and threads ``uid`` runs now (RLIMIT_NPROC counts them)."""
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if entry.stat().st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry.name}/task"))
    return count


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


# --- in the grading process --------------------------------------------------------------------

def reap(uid, shared=True):
    """Kill every process of ``uid`` (a worker and whatever it forked, daemons included), then remove
    what it left in world-writable folders if it ``shared`` them (mode ``uid``; in the namespace modes
    they were its own, and scanning a busy /tmp cost 30-50 ms a submission). Only possible as root;
    elsewhere the namespaces do it."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
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
    leave_cgroup(_cgroup_parent(), uid)
    if shared:
        sweep(uid)


def sweep(uid, places=SHARED_WRITABLE):
    """Remove what ``uid`` owns at the top of the world-writable ``places``; return what was removed."""
    removed = []
    for place in places:
        with contextlib.suppress(OSError):
            for entry in os.scandir(place):
                with contextlib.suppress(OSError):
                    if entry.stat(follow_symlinks=False).st_uid == uid:
                        if entry.is_dir(follow_symlinks=False):
                            shutil.rmtree(entry.path, ignore_errors=True)
                        else:
                            os.unlink(entry.path)
                        removed.append(entry.path)
    return removed


def visible():
    """What a worker must see: Python (installation, venv, site-packages) and the support package
    (``notebooks/allab``; not the rest of ``notebooks/``, where an executed notebook may lie)."""
    paths = (sys.base_prefix, sys.prefix, *import_path(sys.path, ()))
    python = {Path(p).resolve() for p in paths if Path(p).exists()} - {NOTEBOOKS_DIR.resolve()}
    return python | {(NOTEBOOKS_DIR / "allab").resolve()}


def checkouts():
    """The folders to cover but for what :func:`visible` needs: the course checkout and its
    ``notebooks/``, and the folder a venv lives in (a venv inside another checkout); not a folder that
    Python itself is or lies in."""
    tops = {ROOT.resolve(), NOTEBOOKS_DIR.resolve()}
    if sys.prefix != sys.base_prefix and Path(sys.prefix).resolve().parent != Path("/"):
        tops.add(Path(sys.prefix).resolve().parent)
    keep = visible()
    return sorted((t for t in tops if not any(k == t or k in t.parents for k in keep)), key=lambda p: len(p.parts))


@contextlib.contextmanager
def locked(limits):
    """For the block (mode ``uid``), take the "others" permissions off what a worker must not see.

    The checkout folders keep only "others may pass" (a worker finds the venv and ``notebooks/`` by
    name); their other entries, the ``hidden`` paths (submissions, outputs) and their contents become
    closed to the unprivileged uid. The permissions are restored afterwards.
    """
    saved = {}
    if limits.mode == "uid":
        keep, tops = visible(), checkouts()
        closing = [(Path(h), 0) for h in limits.hidden]
        for top in tops:  # a checkout: others may pass (to the venv, notebooks/), not list or read
            # notebooks/ is on the import path: Python lists it to find allab's modules
            closing.append((top, 0o005 if top == NOTEBOOKS_DIR.resolve() else 0o001))
            closing += [(child, 0) for child in _children(top)
                        if not any(child == k or child in k.parents for k in keep)]
        for path, others in closing:
            with contextlib.suppress(OSError):
                mode = path.lstat().st_mode
                if stat.S_ISLNK(mode) or path in saved:
                    continue
                saved[path] = stat.S_IMODE(mode)
                path.chmod(stat.S_IMODE(mode) & ~0o007 | others)
    try:
        yield sorted(saved)
    finally:
        for path, mode in saved.items():
            with contextlib.suppress(OSError):
                path.chmod(mode)


def _children(folder):
    try:
        return [Path(entry.path) for entry in os.scandir(folder)]
    except OSError:
        return []


def protect_grader():
    """Make this process non-dumpable: a worker of the same uid cannot read its memory (/proc/PID/mem)."""
    if sys.platform.startswith("linux"):
        _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


# --- a cgroup v2 for the whole submission, where the grader may make one ---------------------------

CGROUP_MOUNTS = ("/sys/fs/cgroup", "/sys/fs/cgroup/unified")


_CGROUP = None


def _cgroup_parent():
    """:func:`cgroup_parent`, probed once per process (only as root on Linux)."""
    global _CGROUP
    if _CGROUP is None:
        _CGROUP = cgroup_parent() if sys.platform.startswith("linux") and os.geteuid() == 0 else ""
    return _CGROUP


def cgroup_parent(mounts=CGROUP_MOUNTS, own="/proc/self/cgroup"):
    """The cgroup v2 folder under which workers get a cgroup each (memory and processes counted over
    the whole submission), or "" where there is none to use: the controllers "memory" and "pids" must
    be enabled for the children of this process's cgroup, and the folder writable (root, a delegated
    cgroup). Probed once in the grading process; elsewhere the per-process limits hold the total."""
    try:
        path = next(line.split("::", 1)[1].strip() for line in Path(own).read_text().splitlines()
                    if line.startswith("0::"))
    except (OSError, StopIteration):
        return ""
    for mount in map(Path, mounts):
        folder = mount / path.lstrip("/")
        try:
            enabled = (folder / "cgroup.subtree_control").read_text().split()
        except OSError:
            continue
        if {"memory", "pids"} <= set(enabled) and os.access(folder, os.W_OK):
            probe = folder / f"allab-probe-{os.getpid()}"
            with contextlib.suppress(OSError):
                probe.mkdir()
                probe.rmdir()
                return str(folder)
    return ""


def join_cgroup(parent, uid, limits):
    """Put this process (a worker, still root) into the cgroup of ``uid`` under ``parent``, with the
    submission's memory and process limits; True if it is in. Any failure leaves the rlimits alone."""
    if not parent:
        return False
    group = Path(parent) / f"allab-{uid}"
    try:
        group.mkdir(exist_ok=True)
        for name, value in (("memory.max", limits.memory_bytes), ("memory.swap.max", 0),
                            ("pids.max", limits.processes)):
            with contextlib.suppress(FileNotFoundError):  # memory.swap.max: only with swap accounting
                (group / name).write_text(f"{value}\n")
        (group / "cgroup.procs").write_text(f"{os.getpid()}\n")
        return True
    except OSError:
        return False


def leave_cgroup(parent, uid):
    """Kill whatever is left in the cgroup of ``uid`` (Linux >= 5.14) and remove it."""
    if not parent:
        return
    group = Path(parent) / f"allab-{uid}"
    with contextlib.suppress(OSError):
        (group / "cgroup.kill").write_text("1\n")
    with contextlib.suppress(OSError):
        group.rmdir()


# --- the private view -------------------------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNS, CLONE_NEWNET, CLONE_NEWUSER, CLONE_NEWPID = 0x00020000, 0x40000000, 0x10000000, 0x20000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_MOVE, MS_REC, MS_PRIVATE = 1, 2, 4, 32, 4096, 8192, 16384, 1 << 18
PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS, PR_CAPBSET_DROP = 4, 38, 24
SYS_MOUNT_SETATTR, AT_FDCWD, AT_RECURSIVE, MOUNT_ATTR_RDONLY = 442, -100, 0x8000, 0x1
SYS_CAPSET, LINUX_CAPABILITY_VERSION_3 = 126, 0x20080522


def _mount(source, target, fstype, flags, data=None):
    if _libc.mount(source.encode(), str(target).encode(), fstype.encode() if fstype else None, flags,
                   data.encode() if data else None) != 0:
        raise OSError(ctypes.get_errno(), f"mount {target}")


def _enter_user_namespace():
    """Become root of new user, mount, network and PID namespaces, mapped to this process's own ids."""
    uid, gid = os.getuid(), os.getgid()
    _libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)  # else /proc/self/uid_map is root's, not ours to write
    if _libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID) != 0:
        raise OSError(ctypes.get_errno(), "unshare")
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as f:
            f.write(text)


def _private_view(limits, workdir, user_namespace):
    """Namespaces in which the machine is read-only and only :func:`visible` remains of the checkouts."""
    if user_namespace:
        _enter_user_namespace()
    elif _libc.unshare(CLONE_NEWNS | CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "unshare")
    _mount("none", "/", None, MS_REC | MS_PRIVATE)  # nothing below propagates back to the machine
    _read_only("/")
    keep = visible()
    # Python under a private home (/root/.pyenv) must stay importable for the unprivileged user.
    for top in sorted({_closed_ancestor(f) for f in keep} - {None}):
        _cover(top, keep, "0755")
    # Private world-writable places, keeping what Python needs there (a checkout or a venv under /tmp).
    for place in SHARED_WRITABLE:
        if Path(place).is_dir() and not Path(place).is_symlink():
            _cover(Path(place), keep, "1777", size=4 * limits.file_bytes, writable=True)
    for top in checkouts():
        if top.is_dir():
            _cover(top, keep, "0755")
    for path in map(Path, limits.hidden):
        if path.is_dir():
            _mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4k,mode=0555")
        elif path.is_file():
            _mount(os.devnull, path, None, MS_BIND)
    os.makedirs(workdir, exist_ok=True)


class _MountAttr(ctypes.Structure):
    _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64),
                ("propagation", ctypes.c_uint64), ("userns_fd", ctypes.c_uint64)]


def _read_only(path):
    """Make every mount at and below ``path`` read-only (Linux >= 5.12; older kernels: left as it is)."""
    attr = _MountAttr(MOUNT_ATTR_RDONLY, 0, 0, 0)
    if _libc.syscall(SYS_MOUNT_SETATTR, AT_FDCWD, str(path).encode(), AT_RECURSIVE, ctypes.byref(attr),
                     ctypes.sizeof(attr)) != 0 and ctypes.get_errno() not in (38,):  # 38: ENOSYS
        raise OSError(ctypes.get_errno(), f"read-only {path}")


def _pid_namespace_init():
    """Fork into the PID namespace: the child returns (as its PID 1, with /proc of its own); this
    process only waits and dies the way its child died. When PID 1 dies, every process of the
    namespace dies: nothing the student started outlives the worker."""
    pid = os.fork()
    if pid == 0:
        with contextlib.suppress(OSError):  # a container may refuse a new /proc: then the old one stays
            _mount("proc", "/proc", "proc", MS_RDONLY | MS_NOSUID | MS_NODEV | 8)  # 8: MS_NOEXEC
        return
    _drop_capabilities()
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except InterruptedError:
            continue
    if os.WIFSIGNALED(status):
        signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
        os.kill(os.getpid(), os.WTERMSIG(status))
    os._exit(os.waitstatus_to_exitcode(status))


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


def _drop_capabilities():
    """Give up every capability (held in the user namespace): the mounts cannot be undone."""
    for cap in range(64):
        _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)
    data = (ctypes.c_uint32 * 6)()
    if _libc.syscall(SYS_CAPSET, ctypes.byref(_CapHeader(LINUX_CAPABILITY_VERSION_3, 0)), data) != 0:
        raise OSError(ctypes.get_errno(), "capset")


def _no_new_privileges():
    if sys.platform.startswith("linux") and _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "no_new_privs")


def _python_folders():
    """The folders Python imports from (its installation, the venv, sys.path)."""
    return {Path(p).resolve() for p in (sys.base_prefix, sys.prefix, *sys.path) if p and Path(p).exists()}


def _cover(top, keep, mode, size=4096, writable=False):
    """Mount an empty tmpfs on ``top``; the children of ``top`` that hold any of ``keep`` stay as they were.

    Each such child is bind-mounted aside (a tmpfs on /mnt), then moved back into the new tmpfs, which
    is then made read-only unless ``writable`` (in a user namespace its owner is the worker's uid).
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
    if not writable:
        _mount("none", top, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)


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
