"""Cleanup, in the grading process: nothing a worker starts or makes outlives it.

As root, :func:`reap` kills every process of the worker's uid, removes its System V IPC objects and its
cgroup, and (mode ``uid``: it shared the machine's folders) what it left in world-writable folders. In
the namespace modes its /tmp, IPC and (for an ordinary user) processes die with its namespaces.
:func:`locked` is the one permission change the grader makes, only in mode ``uid`` without Landlock:
the course's own folders closed to the worker uid for the batch, journaled, so that a grader killed
mid-batch has them restored when the next one starts.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import stat
import sys
from pathlib import Path

from autograder import NOTEBOOKS_DIR, ROOT
from autograder.worker import syscalls
from autograder.worker.limits import Limits, grader_cgroup, leave_cgroup

# World-writable places a student could leave files in (and another student read) when the worker
# shares the machine's folders (mode "uid" without Landlock); in the other modes it cannot write there.
SHARED_WRITABLE = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/var/lock", "/dev/mqueue", "/var/crash")
JOURNAL = ROOT / ".allab-permissions.json"   # what locked() changed, until it is restored


def reap(uid: int, shared: bool = True) -> None:
    """Kill every process of ``uid`` (a worker and whatever it forked, daemons included) and remove its
    System V IPC objects, then what it left in world-writable folders if it ``shared`` them (scanning a
    busy /tmp costs 30-50 ms a submission). Only possible as root; elsewhere the namespaces do it."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        return
    pid = os.fork()
    if pid == 0:  # a child that becomes the uid can signal exactly that uid's processes, and owns its IPC
        try:
            os.setgid(uid)
            os.setuid(uid)
            os.kill(-1, signal.SIGKILL)
            syscalls.remove_ipc_of(uid)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    leave_cgroup(grader_cgroup(), uid)
    if shared:
        sweep(uid)


def sweep(uid: int, places=SHARED_WRITABLE) -> list:
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


def needs_locking(mode: str) -> bool:
    """Whether workers of ``mode`` are held only by permissions and share the machine's writable folders
    (mode ``uid`` without Landlock)."""
    return mode == "uid" and syscalls.landlock_abi() < 1


@contextlib.contextmanager
def locked(limits: Limits, journal: Path = JOURNAL):
    """For the block, take the "others" permissions off the course's own folders (only where
    :func:`needs_locking`): every entry of the checkout but ``notebooks/`` and a venv inside it, and the
    ``hidden`` paths (submissions, outputs). The checkout keeps "others may pass" (a worker finds the
    venv and ``notebooks/`` by name). Nothing outside the course's folders changes. What changes is
    written to ``journal`` first and restored afterwards, or by the next call if this process is killed.
    """
    restore(journal)
    closing = _closing(limits) if needs_locking(limits.mode) else []
    saved = {}
    for path, others in closing:
        with contextlib.suppress(OSError):
            mode = path.lstat().st_mode
            if not stat.S_ISLNK(mode) and str(path) not in saved:
                saved[str(path)] = [stat.S_IMODE(mode), stat.S_IMODE(mode) & ~0o007 | others]
    if saved:
        journal.write_text(json.dumps(saved))
        for path, (_, new) in saved.items():
            with contextlib.suppress(OSError):
                os.chmod(path, new)
    try:
        yield sorted(map(Path, saved))
    finally:
        restore(journal)


def _closing(limits):
    """``(path, others' permissions)`` for each course folder and entry to close."""
    root, notebooks = ROOT.resolve(), NOTEBOOKS_DIR.resolve()
    keep = [notebooks, Path(sys.prefix).resolve()]
    closing = [(Path(h), 0) for h in limits.hidden]
    for top in (root, notebooks):
        # notebooks/ is on the import path: Python lists it to find allab's modules
        closing.append((top, 0o005 if top == notebooks else 0o001))
        closing += [(child, 0) for child in _children(top) if not any(child == k or child in k.parents for k in keep)]
    return closing


def restore(journal: Path = JOURNAL) -> list:
    """Give back the permissions :func:`locked` journaled (if they are still its own); return the paths."""
    try:
        saved = json.loads(journal.read_text())
    except (OSError, ValueError):
        return []
    restored = []
    for path, (old, new) in saved.items():
        with contextlib.suppress(OSError):
            if stat.S_IMODE(os.lstat(path).st_mode) == new:  # not changed by anyone since
                os.chmod(path, old)
                restored.append(path)
    with contextlib.suppress(OSError):
        journal.unlink()
    return restored


def _children(folder):
    try:
        return [Path(entry.path) for entry in os.scandir(folder)]
    except OSError:
        return []


def protect_grader() -> None:
    """Make this process non-dumpable: a worker of the same uid cannot read its memory (/proc/PID/mem)."""
    syscalls.set_dumpable(False)
