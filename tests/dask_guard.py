"""A Dask worker plugin for tests: the worker runs in a folder of its own and may not open the batch's paths."""

from __future__ import annotations

import os
import sys
from typing import Any

from distributed import WorkerPlugin


class NoSharedDisk(WorkerPlugin):
    """Moves the worker into ``home`` and refuses (PermissionError) every open or listing under ``hidden``.

    A worker on another machine sees none of the grading machine's files; this
    makes a local worker behave so, and fails loudly if it tries.
    """

    name = "gradecheck-no-shared-disk"

    def __init__(self, home: str, hidden: list[str]) -> None:
        self.home = home
        self.hidden = [os.path.join(os.path.realpath(path), "") for path in hidden]

    def setup(self, worker: Any) -> None:
        os.makedirs(self.home, exist_ok=True)
        os.chdir(self.home)
        hidden = tuple(self.hidden)

        def refuse(event: str, args: tuple[Any, ...]) -> None:
            if event in ("open", "os.listdir", "os.scandir") and args and isinstance(args[0], (str, bytes, os.PathLike)):
                path = os.path.join(os.path.realpath(os.fsdecode(args[0])), "")
                if path.startswith(hidden):
                    raise PermissionError(f"a Dask worker opened {path!r}, on the grading machine's disk")

        sys.addaudithook(refuse)
