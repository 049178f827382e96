"""Caps on a worker's folder where no size-capped tmpfs can be mounted (the container mode).

Without mount rights, the worker's private folder lives on the host's disk,
and ``RLIMIT_FSIZE`` bounds only each file.  A thread of the grader measures
the folder every few tens of milliseconds (``lstat``, no link followed, at most
``max_files + 1`` entries looked at) and stops the worker once it holds more
than ``max_bytes`` or ``max_files``: it can overshoot by what the worker
writes between two looks, not more.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path

__all__ = ["FolderWatch", "folder_usage"]


def folder_usage(folder: Path, max_entries: int) -> tuple[int, int]:
    """``(bytes allocated, entries)`` under ``folder``, counting at most ``max_entries + 1`` entries."""
    allocated, entries, todo = 0, 0, [str(folder)]
    while todo and entries <= max_entries:
        try:
            with os.scandir(todo.pop()) as listing:
                for entry in listing:
                    entries += 1
                    try:
                        info = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    allocated += getattr(info, "st_blocks", 0) * 512 or info.st_size
                    if stat.S_ISDIR(info.st_mode):
                        todo.append(entry.path)
                    if entries > max_entries:
                        break
        except OSError:
            continue
    return allocated, entries


class FolderWatch:
    """Calls ``stop`` once ``folder`` holds more than ``max_bytes`` or ``max_files``; ``exceeded`` says which."""

    def __init__(self, folder: Path, max_bytes: int, max_files: int, stop: Callable[[], None], interval: float = 0.03) -> None:
        self.folder, self.max_bytes, self.max_files = folder, max_bytes, max_files
        self.exceeded: str | None = None
        self._stop, self._interval = stop, interval
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="gradecheck-folder-watch", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._done.wait(self._interval):
            allocated, entries = folder_usage(self.folder, self.max_files)
            if allocated > self.max_bytes:
                self.exceeded = f"it wrote more than {self.max_bytes // 1024**2} MiB into its folder"
            elif entries > self.max_files:
                self.exceeded = f"it created more than {self.max_files} files and folders"
            if self.exceeded:
                self._stop()
                return

    def close(self) -> None:
        self._done.set()
        if threading.current_thread() is not self._thread:
            self._thread.join()
