"""The Linux system calls confinement needs and Python does not wrap (through ctypes).

Mounts and namespaces (``unshare``, ``mount``, ``mount_setattr``, ``pivot_root``), capabilities, Landlock
(the file-system allowlist an unprivileged process may give itself, Linux 5.13+), and a seccomp filter
refusing System V IPC and POSIX message queues. Each raises :class:`OSError` naming its step.
"""
from __future__ import annotations

import ctypes
import os
import platform
import struct
import sys

LINUX = sys.platform.startswith("linux")
_libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNS, CLONE_NEWNET, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWIPC = (0x00020000, 0x40000000, 0x10000000,
                                                                       0x20000000, 0x08000000)
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = (1, 2, 4, 8, 32, 4096, 16384,
                                                                                      1 << 18)
MNT_DETACH = 2
PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS, PR_CAPBSET_DROP, PR_SET_SECCOMP = 4, 38, 24, 22
SYS_MOUNT_SETATTR, AT_FDCWD, AT_RECURSIVE, MOUNT_ATTR_RDONLY = 442, -100, 0x8000, 0x1
SYS_LANDLOCK_CREATE_RULESET, SYS_LANDLOCK_ADD_RULE, SYS_LANDLOCK_RESTRICT_SELF = 444, 445, 446
# The calls whose numbers differ by architecture: pivot_root, capset, and the IPC ones seccomp refuses.
_ARCH = {"x86_64": {"pivot_root": 155, "capset": 126, "ipc": (29, 64, 68, 240), "audit": 0xC000003E},
         "aarch64": {"pivot_root": 41, "capset": 91, "ipc": (194, 190, 186, 180), "audit": 0xC00000B7}}
ARCH = _ARCH.get(platform.machine(), {})
LINUX_CAPABILITY_VERSION_3 = 0x20080522


def _check(result, step):
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{step}: {os.strerror(errno)}")


def unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


def mount(source: str | None, target, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(_libc.mount(source.encode() if source else None, str(target).encode(),
                       fstype.encode() if fstype else None, flags, data.encode() if data else None),
           f"mount {target}")


def bind(source, target, read_only: bool = True) -> None:
    """Bind ``source`` (and every mount below it) on ``target``, read-only unless told otherwise."""
    mount(str(source), target, None, MS_BIND | MS_REC)
    if read_only:
        read_only_tree(target)


class _MountAttr(ctypes.Structure):
    _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64),
                ("propagation", ctypes.c_uint64), ("userns_fd", ctypes.c_uint64)]


def read_only_tree(path) -> None:
    """Make every mount at and below ``path`` read-only (Linux >= 5.12)."""
    attr = _MountAttr(MOUNT_ATTR_RDONLY, 0, 0, 0)
    _check(_libc.syscall(SYS_MOUNT_SETATTR, AT_FDCWD, str(path).encode(), AT_RECURSIVE, ctypes.byref(attr),
                         ctypes.sizeof(attr)), f"read-only {path}")


def pivot_root_here() -> None:
    """Make the current folder (a mount point) the root, and detach the old root entirely."""
    _check(_libc.syscall(ARCH["pivot_root"], b".", b"."), "pivot_root")
    _check(_libc.umount2(b".", MNT_DETACH), "umount the old root")
    os.chdir("/")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


def drop_capabilities() -> None:
    """Give up every capability, bounding set included (in a user namespace: the mounts stay as they are)."""
    for cap in range(64):
        _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)
    data = (ctypes.c_uint32 * 6)()
    _check(_libc.syscall(ARCH["capset"], ctypes.byref(_CapHeader(LINUX_CAPABILITY_VERSION_3, 0)), data), "capset")


def no_new_privileges() -> None:
    if LINUX:
        _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


def set_dumpable(dumpable: bool) -> None:
    """Whether processes of the same uid may read this one's memory (/proc/PID/mem, ptrace)."""
    if LINUX:
        _libc.prctl(PR_SET_DUMPABLE, int(dumpable), 0, 0, 0)


# --- Landlock -------------------------------------------------------------------------------------

FS_EXECUTE, FS_WRITE_FILE, FS_READ_FILE, FS_READ_DIR = 1, 2, 4, 8
FS_TRUNCATE, FS_IOCTL_DEV = 1 << 14, 1 << 15
FS_READ = FS_EXECUTE | FS_READ_FILE | FS_READ_DIR
FILE_RIGHTS = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV  # all a file rule may have


def landlock_abi() -> int:
    """The Landlock ABI version the kernel offers (0: none, or not Linux)."""
    if not LINUX:
        return 0
    version = _libc.syscall(SYS_LANDLOCK_CREATE_RULESET, None, 0, 1)  # 1: LANDLOCK_CREATE_RULESET_VERSION
    return max(version, 0)


def _handled_fs(abi):
    rights = (1 << 13) - 1          # ABI 1: execute .. make_sym
    if abi >= 2:
        rights |= 1 << 13           # refer
    if abi >= 3:
        rights |= FS_TRUNCATE
    if abi >= 5:
        rights |= FS_IOCTL_DEV
    return rights


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def landlock(read: list, write: list, devices: list) -> None:
    """Restrict this thread (and what it forks) to reading ``read`` and reading and writing ``write``
    (folders or files), the ``devices`` read and written; no TCP (ABI 4+), and no signals or abstract
    Unix sockets outside its own domain (ABI 6+). Needs ``no_new_privs``."""
    abi = landlock_abi()
    if abi < 1:
        raise OSError(38, "landlock: not offered by this kernel")
    handled = _handled_fs(abi)
    # struct landlock_ruleset_attr grew: fs rights; then TCP rights (ABI 4); then scopes (ABI 6)
    fields = [handled] + ([3] if abi >= 4 else []) + ([3] if abi >= 6 else [])
    attr = struct.pack(f"{len(fields)}Q", *fields)
    buffer = ctypes.create_string_buffer(attr, len(attr))
    ruleset = _libc.syscall(SYS_LANDLOCK_CREATE_RULESET, buffer, len(attr), 0)
    if ruleset < 0:
        _check(-1, "landlock_create_ruleset")
    try:
        for paths, rights in ((read, FS_READ), (write, handled), (devices, FS_READ_FILE | FS_WRITE_FILE)):
            for path in paths:
                _allow(ruleset, path, rights & handled)
        _check(_libc.syscall(SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0), "landlock_restrict_self")
    finally:
        os.close(ruleset)


def _allow(ruleset, path, rights):
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # not there: nothing to allow
    try:
        if not os.path.isdir(path):
            rights &= FILE_RIGHTS
        rule = _PathBeneath(rights, fd)
        _check(_libc.syscall(SYS_LANDLOCK_ADD_RULE, ruleset, 1, ctypes.byref(rule), 0), f"landlock rule {path}")
    finally:
        os.close(fd)


# --- seccomp: no System V IPC objects, no POSIX message queues ---------------------------------------

_BPF_LD_W_ABS, _BPF_JEQ_K, _BPF_JGE_K, _BPF_RET_K = 0x20, 0x15, 0x35, 0x06
_RET_ALLOW, _RET_ERRNO_EPERM = 0x7FFF0000, 0x00050000 | 1


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def refuse_ipc() -> None:
    """Make ``shmget``, ``semget``, ``msgget`` and ``mq_open`` fail (EPERM) for this thread and its
    children: where the worker shares the machine's IPC namespace, nothing it could make would die with
    it, and another submission's worker could read it. Needs ``no_new_privs``."""
    if not ARCH:
        raise OSError(38, f"seccomp: no filter for {platform.machine()}")
    calls = ARCH["ipc"]
    code = [(_BPF_LD_W_ABS, 0, 0, 4),                                 # the architecture
            (_BPF_JEQ_K, 1, 0, ARCH["audit"]),
            (_BPF_RET_K, 0, 0, _RET_ERRNO_EPERM),                     # another ABI (x32, i386): refused
            (_BPF_LD_W_ABS, 0, 0, 0),                                 # the call's number
            (_BPF_JGE_K, len(calls) + 1, 0, 0x40000000)]              # x32 numbers: refused
    code += [(_BPF_JEQ_K, len(calls) - i, 0, nr) for i, nr in enumerate(calls)]
    code += [(_BPF_RET_K, 0, 0, _RET_ALLOW), (_BPF_RET_K, 0, 0, _RET_ERRNO_EPERM)]
    program = b"".join(struct.pack("HBBI", *instruction) for instruction in code)
    buffer = ctypes.create_string_buffer(program, len(program))
    prog = _SockFprog(len(code), ctypes.cast(buffer, ctypes.c_void_p))
    _check(_libc.prctl(PR_SET_SECCOMP, 2, ctypes.byref(prog), 0, 0), "seccomp")  # 2: SECCOMP_MODE_FILTER


def remove_ipc_of(uid: int, sysvipc: str = "/proc/sysvipc") -> list:
    """Remove every System V shared memory segment, queue and semaphore set ``uid`` owns or created
    (call it as that uid, or as root with CAP_IPC_OWNER); return ``(kind, id)`` of each removed."""
    removed = []
    for kind, call, column in (("shm", _libc.shmctl, 7), ("msg", _libc.msgctl, 7), ("sem", _libc.semctl, 4)):
        try:
            lines = open(f"{sysvipc}/{kind}").read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            ident, owners = int(fields[1]), {int(fields[column]), int(fields[column + 2])}
            if uid in owners and (call(ident, 0, 0, None) if kind == "sem" else call(ident, 0, None)) == 0:
                removed.append((kind, ident))     # 0: IPC_RMID
    return removed
