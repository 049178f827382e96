"""Confine a freshly forked worker before it runs submission code (Linux system calls via ctypes).

Loaded by the fork server inside the sandbox; imports nothing from gradecheck.
Each function does one step and raises :class:`ConfinementError` naming the
step and the system's error when it fails, so a worker that cannot be
confined never runs the submission: the grader reports the failure instead.
"""

import ctypes
import errno
import os
import resource
import signal
import sys

#: prctl, namespaces and mounts are Linux's; elsewhere (the "none" mode on macOS) those steps do nothing.
LINUX = sys.platform.startswith("linux")

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWNET = 0x40000000
CLONE_NEWPID = 0x20000000

_MS_RDONLY = 0x1
_MS_NOSUID = 0x2
_MS_NODEV = 0x4
_MS_NOEXEC = 0x8
_MS_REC = 0x4000
_MS_PRIVATE = 1 << 18

_PR_SET_PDEATHSIG = 1
_PR_CAPBSET_DROP = 24
_PR_SET_NO_NEW_PRIVS = 38
_PR_CAP_AMBIENT = 47
_PR_CAP_AMBIENT_CLEAR_ALL = 4
_PR_SET_CHILD_SUBREAPER = 36
_LINUX_CAPABILITY_VERSION_3 = 0x20080522
_LAST_CAPABILITY = 63

_libc = None


class ConfinementError(OSError):
    """A confinement step failed; the message names the step."""


def libc():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


def _check(result, step):
    if result != 0:
        code = ctypes.get_errno()
        raise ConfinementError(code, f"{step}: {os.strerror(code)}")


def unshare(flags, step="unshare"):
    if not LINUX:
        raise ConfinementError(errno.ENOSYS, f"{step}: namespaces need Linux")
    _check(libc().unshare(ctypes.c_int(flags)), step)


def mount(source, target, fstype, flags, data, step):
    def encode(text):
        return None if text is None else os.fsencode(text)

    _check(
        libc().mount(encode(source), encode(target), encode(fstype), ctypes.c_ulong(flags), encode(data)),
        step,
    )


def make_mounts_private():
    """Nothing mounted from now on propagates to the fork server's view, nor the other way."""
    mount(None, "/", None, _MS_REC | _MS_PRIVATE, None, "making mounts private")


def mount_private_folder(target, size_bytes, inodes, uid, gid):
    """A fresh tmpfs at ``target`` of at most ``size_bytes`` and ``inodes`` files, owned by uid:gid, mode 0700."""
    options = f"size={int(size_bytes)},nr_inodes={int(inodes)},mode=0700,uid={int(uid)},gid={int(gid)}"
    mount("tmpfs", target, "tmpfs", _MS_NOSUID | _MS_NODEV, options, f"mounting a private folder on {target}")


def mount_own_proc(target="/proc"):
    """A /proc that shows only this worker's PID namespace; an empty read-only one where that is refused."""
    try:
        mount("proc", target, "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC, None, "mounting /proc")
        return "own"
    except ConfinementError:
        mount("tmpfs", target, "tmpfs", _MS_RDONLY | _MS_NOSUID | _MS_NODEV | _MS_NOEXEC, "size=4k",
              "hiding /proc")
        return "hidden"


def set_rlimits(limits):
    """``limits``: resource name (``"RLIMIT_AS"``) -> value or [soft, hard]; a limit the system refuses is an error."""
    for name, value in limits.items():
        number = getattr(resource, name, None)
        if number is None:
            continue
        soft, hard = value if isinstance(value, (list, tuple)) else (value, value)
        try:
            resource.setrlimit(number, (soft, hard))
        except (ValueError, OSError) as error:
            raise ConfinementError(errno.EPERM, f"setting {name} to {value}: {error}") from None


def prefer_for_oom_kill():
    """Out of memory, the kernel kills this worker before anything else (the fork server above all)."""
    try:
        with open("/proc/self/oom_score_adj", "w") as handle:
            handle.write("1000")
    except OSError:
        pass


def become(uid, gid):
    """Drop to ``uid``/``gid`` with no supplementary groups (from root: all capabilities go too)."""
    try:
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
    except OSError as error:
        raise ConfinementError(error.errno, f"switching to uid {uid}: {error.strerror}") from None
    if os.getresuid() != (uid, uid, uid) or os.getresgid() != (gid, gid, gid):
        raise ConfinementError(errno.EPERM, f"switching to uid {uid}: still {os.getresuid()}")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def drop_capabilities():
    """Empty the bounding, ambient, effective, permitted and inheritable capability sets."""
    c = libc()
    for capability in range(_LAST_CAPABILITY + 1):
        if c.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0 and ctypes.get_errno() == errno.EINVAL:
            break  # past the last capability this kernel knows
    c.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    _check(c.capset(ctypes.byref(header), data), "dropping capabilities")
    left = (_CapData * 2)()
    _check(c.capget(ctypes.byref(_CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)), left), "reading capabilities")
    if any(part.effective or part.permitted or part.inheritable for part in left):
        raise ConfinementError(errno.EPERM, "dropping capabilities: some remain")


def no_new_privileges():
    """execve can never grant privileges again (set-uid programs, file capabilities); Linux only."""
    if not LINUX:
        return
    _check(libc().prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "setting no_new_privs")


def die_with_parent():
    """SIGKILL when the fork server dies (set after the last credential change, which clears it)."""
    if LINUX:
        libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def become_subreaper():
    """Orphaned descendants are re-parented to this process, which can then find and reap them."""
    return LINUX and libc().prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def close_other_descriptors(keep):
    """Close every descriptor above 2 except ``keep``."""
    keep = sorted(fd for fd in set(keep) if fd > 2)
    start = 3
    for fd in keep:
        os.closerange(start, fd)
        start = fd + 1
    os.closerange(start, 1 << 16)
