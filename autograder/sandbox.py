"""Limits on a worker process: time, memory, CPU, file size, and a bare working folder."""
import os
import resource
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """What one student's code may use (seconds, bytes)."""
    call_seconds: float = 10.0   # the slowest check of a correct function takes about 2 s
    load_seconds: float = 30.0
    submission_seconds: float = 300.0
    memory_bytes: int = 2 * 1024**3
    cpu_seconds: int = 300
    file_bytes: int = 16 * 1024**2


def confine(limits, workdir):
    """Apply ``limits`` to the current (worker) process and make ``workdir`` its working folder."""
    for name, value in ((resource.RLIMIT_AS, limits.memory_bytes),
                        (resource.RLIMIT_CPU, limits.cpu_seconds),
                        (resource.RLIMIT_FSIZE, limits.file_bytes),
                        (resource.RLIMIT_CORE, 0)):
        resource.setrlimit(name, (value, value))
    os.chdir(workdir)
