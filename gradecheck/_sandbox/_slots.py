"""Dedicated uids for workers, one per worker running at a time (when the grader is root).

A slot is a uid (and the gid of the same number) that no account uses,
reserved by an exclusive ``flock`` on its lock file for as long as one worker
runs as it, across every grading process of the machine.  Two workers never
share a uid, so they can neither signal nor read each other, and when one
ends every process of its uid can be killed.  The range starts at
``$GRADECHECK_SANDBOX_UID_BASE`` (default 64100: Debian leaves 60000-64999 to
packages, and the default stays below the 65536 ids a container maps).
"""

from __future__ import annotations

import dataclasses
import fcntl
import os
import pwd
import tempfile
from collections.abc import Callable
from pathlib import Path

from gradecheck._sandbox._limits import SandboxError

__all__ = ["Slot", "acquire_slot", "sweep_unreserved", "uid_base"]

SLOT_COUNT = 256


@dataclasses.dataclass
class Slot:
    """A reserved uid; :meth:`release` gives it back."""

    uid: int
    gid: int
    _lock: int | None

    @property
    def lock_fd(self) -> int | None:
        """The descriptor holding the reservation (shared with a fork server that must hold it too)."""
        return self._lock

    def release(self) -> None:
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None


def uid_base() -> int:
    text = os.environ.get("GRADECHECK_SANDBOX_UID_BASE", "64100")
    try:
        base = int(text)
    except ValueError:
        raise SandboxError(f"GRADECHECK_SANDBOX_UID_BASE must be a whole number, found {text!r}.") from None
    if not 1000 <= base <= 2**31 - SLOT_COUNT:
        raise SandboxError(f"GRADECHECK_SANDBOX_UID_BASE must be between 1000 and {2**31 - SLOT_COUNT}, found {base}.")
    return base


def _lock_dir() -> Path:
    for candidate in (Path("/run/gradecheck"), Path(tempfile.gettempdir(), f"gradecheck-slots-{os.geteuid()}")):
        try:
            candidate.mkdir(mode=0o700, exist_ok=True)
            info = candidate.lstat()
            if candidate.is_dir() and not candidate.is_symlink() and info.st_uid == os.geteuid():
                return candidate
        except OSError:
            continue
    raise SandboxError("no folder for the sandbox's uid locks: /run/gradecheck and the temporary folder are not writable.")


def _unused(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return True
    return False


def _reserve(folder: Path, uid: int) -> int | None:
    """The descriptor of an exclusive lock on ``uid``'s lock file, or ``None`` if someone holds it."""
    fd = os.open(folder / f"uid-{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def sweep_unreserved(uids: set[int], kill: Callable[[list[int]], None]) -> None:
    """``kill(uids)`` for those of ``uids`` that nobody has reserved (a reserved uid is another worker's now)."""
    folder, free, locks = _lock_dir(), [], []
    try:
        for uid in sorted(uids):
            fd = _reserve(folder, uid)
            if fd is not None:
                free.append(uid)
                locks.append(fd)
        if free:
            kill(free)
    finally:
        for fd in locks:
            os.close(fd)


def acquire_slot() -> Slot:
    """Reserve a free uid for one worker; raises :class:`SandboxError` when all are taken."""
    base, folder = uid_base(), _lock_dir()
    for number in range(SLOT_COUNT):
        uid = base + number
        fd = _reserve(folder, uid) if _unused(uid) else None
        if fd is not None:
            return Slot(uid, uid, fd)
    raise SandboxError(
        f"all {SLOT_COUNT} sandbox uids from {base} are in use or taken by accounts; "
        f"grade fewer submissions at once, or set GRADECHECK_SANDBOX_UID_BASE to a free range."
    )
