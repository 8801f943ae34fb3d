"""The fresh root of a worker in the namespace modes: only the allowlist, read-only (what bubblewrap builds).

A tmpfs becomes the root (``pivot_root``; the old root is detached, not hidden): read-only binds of what
:func:`~autograder.worker.confinement.allowlist` names, the devices Python uses, a new /proc, a private
/tmp and /dev/shm, and the worker's empty working folder. For an ordinary user, this happens in new user
and PID namespaces (:func:`enter_user_namespace`, :func:`pid_namespace_init`).
"""
from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

from autograder.worker import syscalls

# Devices Python and numpy open; bound read-write into the fresh root, allowed by Landlock.
DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")
SHARED_LIBRARIES = ("/lib", "/lib64", "/usr/lib", "/usr/lib64", "/etc/ld.so.cache")


def enter_user_namespace() -> None:
    """Become root of new user, mount, network, IPC and PID namespaces, mapped to this process's own ids."""
    uid, gid = os.getuid(), os.getgid()
    syscalls.set_dumpable(True)  # else /proc/self/uid_map is root's, not ours to write
    syscalls.unshare(syscalls.CLONE_NEWUSER | syscalls.CLONE_NEWNS | syscalls.CLONE_NEWNET
                     | syscalls.CLONE_NEWIPC | syscalls.CLONE_NEWPID)
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as f:
            f.write(text)


def fresh_root(keep, workdir: str, tmp_bytes: int, proc_options: str) -> None:
    """Make a tmpfs holding only read-only binds of ``keep`` the root (``pivot_root``; the old
    root is detached), with the devices Python uses, a new /proc, a private /tmp and /dev/shm, and
    ``workdir`` (empty, writable; it and /tmp hold at most ``tmp_bytes``). The mounts are private: nothing
    propagates back to the machine."""
    syscalls.mount(None, "/", None, syscalls.MS_REC | syscalls.MS_PRIVATE)
    new = _staging(keep)
    syscalls.mount("tmpfs", new, "tmpfs", syscalls.MS_NOSUID | syscalls.MS_NODEV, "size=1m,mode=0755")
    private = f"size={tmp_bytes},mode=1777"
    for folder in ("tmp", "dev/shm", "proc"):
        (new / folder).mkdir(parents=True)
    for folder in ("tmp", "dev/shm"):  # first: a venv under /tmp is bound into the private /tmp
        syscalls.mount("tmpfs", new / folder, "tmpfs", syscalls.MS_NOSUID | syscalls.MS_NODEV, private)
    syscalls.mount("proc", new / "proc", "proc", syscalls.MS_NOSUID | syscalls.MS_NODEV | syscalls.MS_NOEXEC,
                   proc_options or None)
    for path in sorted(keep):
        _place(path, new / path.relative_to("/"))
    _close_private_parents(keep, new)
    for device in DEVICES:
        _place(Path(device), new / device.lstrip("/"), read_only=False)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                         ("stderr", "/proc/self/fd/2")):
        os.symlink(target, new / "dev" / name)
    work = new / Path(workdir).resolve().relative_to("/")
    work.mkdir(parents=True, exist_ok=True)
    syscalls.mount("tmpfs", work, "tmpfs", syscalls.MS_NOSUID | syscalls.MS_NODEV,
                   f"size={tmp_bytes},mode=0700")
    syscalls.mount(None, new, None, syscalls.MS_REMOUNT | syscalls.MS_BIND | syscalls.MS_RDONLY
                   | syscalls.MS_NOSUID | syscalls.MS_NODEV)
    os.chdir(new)
    syscalls.pivot_root_here()


def _close_private_parents(keep, new):
    """Make read-only the folders a bind under the private /tmp or /dev/shm needed on its way (a venv in
    /tmp/<checkout>/.venv): made here, they belong to whoever made them, in a user namespace the worker itself,
    which could otherwise write beside its venv as if into the checkout."""
    private = (Path("/tmp"), Path("/dev/shm"))
    for path in keep:
        for parent in path.parents:
            if any(folder in parent.parents for folder in private):
                with contextlib.suppress(OSError):  # a parent that is itself a bind is read-only already
                    os.chmod(new / parent.relative_to("/"), 0o555)


def _staging(keep):
    """A folder to build the new root on: one that holds none of ``keep`` (the binds come from there)."""
    for folder in map(Path, ("/mnt", "/media", "/srv", "/opt", "/boot", "/run", "/var", "/home", "/tmp")):
        if folder.is_dir() and not folder.is_symlink() and not any(folder == k or folder in k.parents for k in keep):
            return folder
    raise OSError(2, "no folder to build the worker's root on")


def _place(source, target, read_only=True):
    """Recreate ``source`` at ``target`` in the new root: a symlink as a symlink, else a bind."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_symlink() and str(source) in SHARED_LIBRARIES:  # /lib -> usr/lib on merged-/usr systems
        os.symlink(os.readlink(source), target)
        return
    if source.is_dir():
        target.mkdir(exist_ok=True)
    else:
        target.touch()
    syscalls.bind(source, target, read_only=read_only)


def pid_namespace_init() -> None:
    """Fork into the PID namespace: the child returns (as its PID 1); this process only waits and dies
    the way its child died. When PID 1 dies, every process of the namespace dies: nothing the student
    started outlives the worker."""
    pid = os.fork()
    if pid == 0:
        return
    syscalls.drop_capabilities()
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
