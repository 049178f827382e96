"""Reading files that someone else may have made: bounded, and only regular files.

A submissions folder or a results folder may hold anything: a named pipe (a
read blocks for ever), a device such as ``/dev/zero`` (a read never ends), a
symbolic link to a file nobody meant to grade, or a file of gigabytes.
:func:`read_regular_file` opens the path itself (``O_NOFOLLOW``: a symbolic
link is refused, not followed), without blocking (``O_NONBLOCK``: opening a
named pipe returns at once), checks with ``fstat`` on the open descriptor
that it is a regular file, and reads at most ``max_bytes + 1`` bytes.  What it
refuses raises :class:`RefusedFile`, whose ``reason`` says why in words for
the messages of the callers.
"""

from __future__ import annotations

import errno
import os
import stat

__all__ = ["RefusedFile", "read_regular_file", "describe_size", "file_type"]

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
_CHUNK = 1 << 20


class RefusedFile(Exception):
    """A path that is not read: ``kind`` is ``"missing"``, ``"symlink"``, ``"not-regular"``, ``"too-large"`` or ``"unreadable"``.

    ``reason`` completes the sentence "PATH is ..." (e.g. ``"a named pipe (FIFO), not a regular file"``),
    except for ``"unreadable"``, where it is the system's error text (``"Permission denied"``);
    ``size`` is the file's size in bytes for ``"too-large"``, else ``None``.
    """

    def __init__(self, kind: str, reason: str, size: int | None = None) -> None:
        super().__init__(reason)
        self.kind, self.reason, self.size = kind, reason, size


def file_type(mode: int) -> str:
    """What a file of ``st_mode`` ``mode`` is, in words (``"a named pipe (FIFO)"``, ``"a folder"`` ...)."""
    for test, name in (
        (stat.S_ISREG, "a regular file"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "a special file"


def describe_size(size: int) -> str:
    """``size`` bytes in words: ``"37 bytes"``, ``"12.5 KiB"``, ``"4 MiB"``, ``"256 MiB"``."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} byte{'s' if size != 1 else ''}"


def read_regular_file(path: str | os.PathLike[str], max_bytes: int) -> bytes:
    """The bytes of the regular file at ``path``, at most ``max_bytes`` of them.

    ``path`` itself must not be a symbolic link (links in the folders above it
    are followed, as the operating system does).  Nothing but a regular file is
    ever read: a named pipe, device, socket or folder raises :class:`RefusedFile`
    before any read, and so does a file over ``max_bytes`` (also one that grows
    past it while it is read).
    """
    if max_bytes < 0:
        raise ValueError(f"max_bytes: expected a size in bytes >= 0, found {max_bytes}")
    try:
        before = os.lstat(path)
    except FileNotFoundError:
        raise RefusedFile("missing", "not there (no such file)") from None
    except OSError as error:
        raise RefusedFile("unreadable", error.strerror or str(error)) from None
    if stat.S_ISLNK(before.st_mode):
        raise RefusedFile("symlink", "a symbolic link")
    if not stat.S_ISREG(before.st_mode):  # refused without opening it (opening a device can have effects)
        raise RefusedFile("not-regular", f"{file_type(before.st_mode)}, not a regular file")
    try:
        handle = os.open(path, _OPEN_FLAGS)
    except OSError as error:
        if error.errno == errno.ELOOP:  # replaced by a link since lstat
            raise RefusedFile("symlink", "a symbolic link") from None
        raise RefusedFile("unreadable", error.strerror or str(error)) from None
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):  # replaced since lstat
            raise RefusedFile("not-regular", f"{file_type(info.st_mode)}, not a regular file")
        if info.st_size > max_bytes:
            raise RefusedFile("too-large", f"{describe_size(info.st_size)}", info.st_size)
        data = _read_at_most(handle, max_bytes + 1)
    except OSError as error:
        raise RefusedFile("unreadable", error.strerror or str(error)) from None
    finally:
        os.close(handle)
    if len(data) > max_bytes:
        raise RefusedFile("too-large", f"over {describe_size(max_bytes)} (it grew while it was read)", len(data))
    return data


def _read_at_most(handle: int, limit: int) -> bytes:
    parts: list[bytes] = []
    left = limit
    while left > 0:
        chunk = os.read(handle, min(_CHUNK, left))
        if not chunk:
            break
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)
