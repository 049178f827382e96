"""A seccomp filter for workers: system calls a submission never needs are refused by the kernel.

Loaded by the fork server inside the sandbox; imports nothing from gradecheck.
Defence in depth under the namespaces, and the network isolation of the
container mode (which has no network namespace):

- namespaces, mounts and their friends (``unshare``, ``setns``, ``clone`` with
  a namespace flag, ``mount``, ``pivot_root``, ``chroot``, the new mount API),
  tracing other processes (``ptrace``, ``process_vm_*``), kernel interfaces
  with a history of exploits (``bpf``, ``perf_event_open``, ``userfaultfd``,
  ``io_uring``, keyrings, ``open_by_handle_at``, modules, ``kexec``) -> EPERM;
- sockets of any family but ``AF_UNIX`` -> EPERM (no network);
- ``fallocate`` -> EOPNOTSUPP (it takes disk blocks faster than the container
  mode's folder watch can look; ``posix_fallocate`` then writes them instead);
- ``clone3`` -> ENOSYS (its flags cannot be inspected; the C library falls
  back to ``clone``, whose flags are).

Anything else is allowed.  Only x86-64 and AArch64 are known; elsewhere
:func:`compiled` returns ``None`` and the worker runs without the filter.
"""

import ctypes
import errno
import os
import platform
import struct

_AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
_X32_SYSCALL_BIT = 0x40000000

_DENIED = (
    "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "ptrace", "process_vm_readv",
    "process_vm_writev", "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "io_uring_setup",
    "io_uring_enter", "io_uring_register", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount",
    "open_tree", "mount_setattr", "swapon", "swapoff", "reboot", "acct", "quotactl", "syslog",
    "name_to_handle_at", "open_by_handle_at", "iopl", "ioperm",
)

#: System call numbers (Linux's asm/unistd_64.h and asm-generic/unistd.h); a test checks them against the headers.
SYSCALLS = {
    "x86_64": {
        "unshare": 272, "setns": 308, "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161,
        "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311, "bpf": 321, "perf_event_open": 298,
        "userfaultfd": 323, "keyctl": 250, "add_key": 248, "request_key": 249, "kexec_load": 246,
        "kexec_file_load": 320, "init_module": 175, "finit_module": 313, "delete_module": 176,
        "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "fsopen": 430, "fsconfig": 431,
        "fsmount": 432, "fspick": 433, "move_mount": 429, "open_tree": 428, "mount_setattr": 442, "swapon": 167,
        "swapoff": 168, "reboot": 169, "acct": 163, "quotactl": 179, "syslog": 103, "name_to_handle_at": 303,
        "open_by_handle_at": 304, "iopl": 172, "ioperm": 173, "clone": 56, "clone3": 435, "fallocate": 285,
        "socket": 41,
    },
    "aarch64": {
        "unshare": 97, "setns": 268, "mount": 40, "umount2": 39, "pivot_root": 41, "chroot": 51, "ptrace": 117,
        "process_vm_readv": 270, "process_vm_writev": 271, "bpf": 280, "perf_event_open": 241, "userfaultfd": 282,
        "keyctl": 219, "add_key": 217, "request_key": 218, "kexec_load": 104, "kexec_file_load": 294,
        "init_module": 105, "finit_module": 273, "delete_module": 106, "io_uring_setup": 425,
        "io_uring_enter": 426, "io_uring_register": 427, "fsopen": 430, "fsconfig": 431, "fsmount": 432,
        "fspick": 433, "move_mount": 429, "open_tree": 428, "mount_setattr": 442, "swapon": 224, "swapoff": 225,
        "reboot": 142, "acct": 89, "quotactl": 60, "syslog": 116, "name_to_handle_at": 264,
        "open_by_handle_at": 265, "clone": 220, "clone3": 435, "fallocate": 47, "socket": 198,
    },
}

_NAMESPACE_FLAGS = 0x10000000 | 0x00020000 | 0x20000000 | 0x40000000 | 0x08000000 | 0x04000000 | 0x02000000
_AF_UNIX = 1

# Classic BPF opcodes and seccomp return values.
_LD_ABS_W, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06
_ALLOW, _KILL = 0x7FFF0000, 0x80000000
_OFFSET_NR, _OFFSET_ARCH, _OFFSET_ARG0 = 0, 4, 16


def _errno(code):
    return 0x00050000 | code


def program(machine):
    """The filter for ``machine`` as a list of (code, jt, jf, k), or ``None`` for an unknown machine."""
    numbers = SYSCALLS.get(machine)
    if numbers is None:
        return None
    # Built with symbolic targets, then resolved: ("jump", code, k, true_label, false_label) or a plain tuple.
    code = [(_LD_ABS_W, 0, 0, _OFFSET_ARCH), ("jump", _JEQ, _AUDIT_ARCH[machine], None, "kill"),
            (_LD_ABS_W, 0, 0, _OFFSET_NR)]
    if machine == "x86_64":
        code.append(("jump", _JGE, _X32_SYSCALL_BIT, "enosys", None))
    for name in _DENIED:
        if name in numbers:
            code.append(("jump", _JEQ, numbers[name], "eperm", None))
    code += [
        ("jump", _JEQ, numbers["clone3"], "enosys", None),
        ("jump", _JEQ, numbers["fallocate"], "eopnotsupp", None),
        ("jump", _JEQ, numbers["clone"], "clone", None),
        ("jump", _JEQ, numbers["socket"], "socket", None),
        (_RET, 0, 0, _ALLOW),
        "clone", (_LD_ABS_W, 0, 0, _OFFSET_ARG0), ("jump", _JSET, _NAMESPACE_FLAGS, "eperm", None),
        (_RET, 0, 0, _ALLOW),
        "socket", (_LD_ABS_W, 0, 0, _OFFSET_ARG0), ("jump", _JEQ, _AF_UNIX, None, "eperm"),
        (_RET, 0, 0, _ALLOW),
        "eperm", (_RET, 0, 0, _errno(errno.EPERM)),
        "enosys", (_RET, 0, 0, _errno(errno.ENOSYS)),
        "eopnotsupp", (_RET, 0, 0, _errno(errno.EOPNOTSUPP)),
        "kill", (_RET, 0, 0, _KILL),
    ]
    labels, instructions = {}, []
    for item in code:
        if isinstance(item, str):
            labels[item] = len(instructions)
        else:
            instructions.append(item)
    resolved = []
    for index, item in enumerate(instructions):
        if item[0] == "jump":
            _, opcode, k, true_label, false_label = item
            jt = 0 if true_label is None else labels[true_label] - index - 1
            jf = 0 if false_label is None else labels[false_label] - index - 1
            if not (0 <= jt < 256 and 0 <= jf < 256):
                raise ValueError("seccomp program: jump out of range")
            resolved.append((opcode, jt, jf, k))
        else:
            resolved.append(item)
    return resolved


def compiled(machine=None):
    """The filter for this machine (or ``machine``) as the bytes of a BPF program, or ``None`` if unknown."""
    instructions = program(machine or platform.machine())
    if instructions is None:
        return None
    return b"".join(struct.pack("HBBI", *instruction) for instruction in instructions)


def install(data):
    """Install the filter ``data`` (from :func:`compiled`) on this process, after ``no_new_privs``;
    ``False`` (and nothing installed) for ``None``, an unknown machine."""
    if data is None:
        return False
    buffer = ctypes.create_string_buffer(data, len(data))

    class _Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = _Program(len(data) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(22, 2, ctypes.byref(fprog), 0, 0) != 0:  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
        code = ctypes.get_errno()
        raise OSError(code, f"installing the seccomp filter: {os.strerror(code)}")
    return True
