"""Limits: what one submission's worker may use (time, memory, CPU, processes, file size).

The per-process limits hold on every platform; where the grader runs as root and may make one, a
cgroup v2 also holds the whole submission's memory and processes.
"""
from __future__ import annotations

import contextlib
import os
import resource
import sys
from dataclasses import dataclass, field
from pathlib import Path

UNPRIVILEGED_BASE = 61000   # workers run as uid/gid 61000 + n: no such user exists, nothing belongs to it
CGROUP_MOUNTS = ("/sys/fs/cgroup", "/sys/fs/cgroup/unified")


@dataclass(frozen=True)
class Limits:
    """What one student's code may use (seconds, bytes, processes) and may not import (paths)."""
    call_seconds: float = 10.0   # the slowest check of a correct function takes about 2 s
    load_seconds: float = 30.0
    submission_seconds: float = 300.0
    memory_bytes: int = 3 * 1024**3  # the whole submission: each of its processes gets this / processes
    cpu_seconds: int = 300
    file_bytes: int = 16 * 1024**2
    processes: int = 3           # processes and threads of a submission (a worker needs one)
    hidden: tuple = field(default=())  # folders the worker must not import from (submissions, outputs)
    mode: str = ""               # one of confinement.MODES; "" = probe in the worker
    cgroup: str = ""             # the cgroup v2 folder workers get a cgroup under (cgroup_parent()), if any

    @property
    def process_memory_bytes(self) -> int:
        """The address-space limit of each process: with at most ``processes`` of them, the total holds."""
        return self.memory_bytes // self.processes


def worker_uid() -> int:
    """The unprivileged uid of this grading process's workers (one per grading process)."""
    return UNPRIVILEGED_BASE + os.getpid() % 30000


def set_limits(limits: Limits, processes: int) -> None:
    """Apply ``limits`` to this process (a worker); ``processes`` is its RLIMIT_NPROC."""
    for name, value in [(resource.RLIMIT_AS, limits.process_memory_bytes), (resource.RLIMIT_CPU, limits.cpu_seconds),
                        (resource.RLIMIT_FSIZE, limits.file_bytes), (resource.RLIMIT_CORE, 0),
                        (resource.RLIMIT_NPROC, processes)]:
        resource.setrlimit(name, (value, value))


def tasks_of(uid: int) -> int:
    """How many processes and threads ``uid`` runs now (RLIMIT_NPROC counts them)."""
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if entry.stat().st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry.name}/task"))
    return count


# --- a cgroup v2 for the whole submission, where the grader may make one ---------------------------

_CGROUP = None


def grader_cgroup() -> str:
    """:func:`cgroup_parent`, probed once per process (only as root on Linux)."""
    global _CGROUP
    if _CGROUP is None:
        _CGROUP = cgroup_parent() if sys.platform.startswith("linux") and os.geteuid() == 0 else ""
    return _CGROUP


def cgroup_parent(mounts=CGROUP_MOUNTS, own="/proc/self/cgroup") -> str:
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


def join_cgroup(parent: str, uid: int, limits: Limits) -> bool:
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


def leave_cgroup(parent: str, uid: int) -> None:
    """Kill whatever is left in the cgroup of ``uid`` (Linux >= 5.14) and remove it."""
    if not parent:
        return
    group = Path(parent) / f"allab-{uid}"
    with contextlib.suppress(OSError):
        (group / "cgroup.kill").write_text("1\n")
    with contextlib.suppress(OSError):
        group.rmdir()
