"""A cgroup per fork server: memory (memfds and page cache included) and process counts, where the machine allows.

Rlimits miss memory that is not mapped (a memfd written to, tmpfs pages) and
count processes per user; a cgroup counts all of it for exactly the fork
server and its workers.  Both cgroup v2 (a delegated subtree with the memory
and pids controllers) and v1 (the memory and pids hierarchies) are used when
the grader may create a group next to its own; otherwise :func:`create_cgroup`
returns ``None`` and the rlimits alone apply (results say which).
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import shutil
from pathlib import Path

__all__ = ["Cgroup", "create_cgroup"]

_counter = itertools.count()


@dataclasses.dataclass
class Cgroup:
    """Folders of one group (one for v2, one per controller for v1)."""

    folders: tuple[Path, ...]
    version: int

    @property
    def procs_files(self) -> list[str]:
        return [str(folder / "cgroup.procs") for folder in self.folders]

    def set_limits(self, memory_bytes: int, processes: int) -> bool:
        """Change the limits (for the next worker); ``False`` if the system refused (e.g. usage above the new limit)."""
        wanted = {"memory.max": memory_bytes, "memory.limit_in_bytes": memory_bytes, "pids.max": processes}
        done = True
        for folder in self.folders:
            for name, value in wanted.items():
                path = folder / name
                if path.exists():
                    try:
                        path.write_text(str(value))
                    except OSError:
                        done = False
        return done

    def remove(self) -> None:
        for folder in self.folders:
            try:
                folder.rmdir()
            except OSError:
                pass


def _mounts() -> list[tuple[str, str, set[str]]]:
    """(mount point, filesystem type, super options) of the cgroup filesystems."""
    found = []
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return []
    for line in lines:
        left, _, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if len(tail) >= 3 and tail[0] in ("cgroup", "cgroup2"):
            found.append((fields[4], tail[0], set(tail[2].split(","))))
    return found


def _own_groups() -> dict[str, str]:
    """Controller (``""`` for v2) -> this process's group path."""
    groups = {}
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return {}
    for line in lines:
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            groups[controller] = path
    return groups


def _prune_stale(parent: Path) -> None:
    for old in parent.glob("gradecheck-*"):
        try:
            owner = int(old.name.split("-")[1])
        except (IndexError, ValueError):
            continue
        if not Path(f"/proc/{owner}").exists():
            try:
                old.rmdir()
            except OSError:
                pass


def _group_folder(point: str, path: str) -> Path:
    """The folder of group ``path`` under a mount of its hierarchy (the mount itself inside a cgroup namespace)."""
    folder = Path(point) / path.lstrip("/")
    return folder if folder.is_dir() else Path(point)


def _make(parent: Path, limits: dict[str, int | str]) -> Path | None:
    if not os.access(parent, os.W_OK):
        return None
    _prune_stale(parent)
    folder = parent / f"gradecheck-{os.getpid()}-{next(_counter)}"
    try:
        folder.mkdir()
        for name, value in limits.items():
            if (folder / name).exists():
                (folder / name).write_text(str(value))
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        try:
            folder.rmdir()
        except OSError:
            pass
        return None
    return folder


def create_cgroup(memory_bytes: int, processes: int) -> Cgroup | None:
    """A new group limited to ``memory_bytes`` and ``processes``, or ``None`` where none can be made."""
    mounts, own = _mounts(), _own_groups()
    for point, kind, options in mounts:
        if kind == "cgroup2" and "" in own:
            parent = _group_folder(point, own[""])
            controllers = (parent / "cgroup.controllers")
            try:
                available = set(controllers.read_text().split())
                if not {"memory", "pids"} <= available:
                    continue
                enabled = set((parent / "cgroup.subtree_control").read_text().split())
                if not {"memory", "pids"} <= enabled:
                    (parent / "cgroup.subtree_control").write_text("+memory +pids")
            except OSError:
                continue
            folder = _make(parent, {"memory.max": memory_bytes, "memory.swap.max": 0, "pids.max": processes})
            if folder is not None:
                return Cgroup((folder,), 2)
    folders = []
    for controller, limits in (("memory", {"memory.limit_in_bytes": memory_bytes}), ("pids", {"pids.max": processes})):
        point = next((p for p, kind, options in mounts if kind == "cgroup" and controller in options), None)
        if point is None or controller not in own:
            break
        folder = _make(_group_folder(point, own[controller]), limits)
        if folder is None:
            break
        folders.append(folder)
    if len(folders) == 2:
        return Cgroup(tuple(folders), 1)
    for folder in folders:
        folder.rmdir()
    return None
