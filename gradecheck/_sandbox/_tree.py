"""The runtime tree: the only files a sandboxed worker can see.

A folder that mirrors, at their host paths, exactly what the worker needs:
the Python interpreter and its standard library (without ``site-packages``,
tests, IDLE, tkinter), the shared libraries they and the allowed packages
load, the allowed packages themselves (numpy by default) under
:data:`PACKAGES`, and the worker runtime (``_runtime/*.py``) under
:data:`RUNTIME`.  Nothing else: no gradecheck, no JAX, no exercise, reference
solution, results folder or other submission, because none of them is copied.
The same tree is the root of both OS isolation modes: bubblewrap binds it
read-only as ``/``, the container mode ``chroot``s into it.

Trees are built once per machine and cached (see :func:`cache_dir`), keyed by
everything they are made of; files are hard-linked where the filesystem
allows, otherwise copied.  A tree is built under a temporary name and renamed
into place, so a half-built tree is never used.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path

__all__ = ["DEFAULT_PACKAGES", "PACKAGES", "missing_packages", "RUNTIME", "RuntimeTree", "TreeError", "base_interpreter", "cache_dir", "runtime_tree"]

#: Where the worker runtime lives inside the tree.
RUNTIME = "/opt/gradecheck/runtime"
#: Where the allowed packages live inside the tree (added to the worker's ``sys.path``).
PACKAGES = "/opt/gradecheck/packages"
#: What every tree holds besides the standard library: numpy (exercises may allow more).
DEFAULT_PACKAGES = ("numpy",)
_RUNTIME_SOURCES = Path(__file__).with_name("_runtime")
_RUNTIME_FILES = ("worker.py", "confine.py", "seccomp.py", "forkserver.py", "notebook_stubs.py")
_FORMAT = 1
#: Parts of the standard library a worker never needs (and that may hold installed packages).
_STDLIB_EXCLUDED = re.compile(
    r"^(site-packages|dist-packages|test|tests|idlelib|tkinter|turtledemo|ensurepip|lib2to3|config-.*|"
    r"sitecustomize\.py|usercustomize\.py|_tkinter\..*\.so)$"
)
_LDD_LINE = re.compile(r"^\s*(?:\S+\s+=>\s+)?(/\S+)\s+\(0x[0-9a-f]+\)\s*$")
#: Trees not used for this long are deleted when another is built.
_STALE_SECONDS = 14 * 24 * 3600
#: How many trees are kept at most (each Python environment and gradecheck version has its own).
_KEEP_TREES = 8


class TreeError(RuntimeError):
    """The runtime tree could not be built; the message says what was missing."""


@dataclasses.dataclass(frozen=True)
class RuntimeTree:
    """A built tree.  Paths other than ``root`` are as seen from inside it (the host's paths)."""

    root: Path
    python: str
    sys_path: tuple[str, ...]
    packages: tuple[str, ...]

    @property
    def runtime(self) -> str:
        return RUNTIME

    @property
    def package_dir(self) -> str:
        return PACKAGES


def base_interpreter() -> str:
    """The real interpreter behind ``sys.executable`` (a virtual environment's base Python)."""
    executable = getattr(sys, "_base_executable", None) or sys.executable
    return os.path.realpath(executable)


def cache_dir() -> Path:
    """Where trees are kept: ``$GRADECHECK_CACHE_DIR``, else /var/cache/gradecheck for root, else the user's cache."""
    configured = os.environ.get("GRADECHECK_CACHE_DIR")
    if configured:
        return Path(configured)
    if os.geteuid() == 0 and os.access("/var/cache", os.W_OK):
        return Path("/var/cache/gradecheck")
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base, "gradecheck")


def _interpreter_path(python: str) -> list[str]:
    """The interpreter's own ``sys.path`` without site (``-I -S``): the zip, the stdlib, lib-dynload."""
    try:
        output = subprocess.run(
            [python, "-I", "-S", "-c", "import sys, json; print(json.dumps(sys.path))"],
            capture_output=True, text=True, timeout=60, check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError) as error:
        raise TreeError(f"could not ask {python} for its standard library path: {error}") from None
    return [entry for entry in json.loads(output) if entry]


def _top_level_entries(distribution: metadata.Distribution) -> tuple[Path, set[str]]:
    """The site folder of ``distribution`` and the top-level names its RECORD lists there."""
    base = Path(str(distribution.locate_file("")))
    record = distribution.read_text("RECORD")
    if record is not None:  # the first column of each CSV row: faster than ``files`` (a PackagePath per row)
        rows = (row[0] for row in csv.reader(record.splitlines()) if row)
    else:  # an older install without RECORD (installed-files.txt, SOURCES.txt)
        rows = (str(entry) for entry in distribution.files or ())
    names = set()
    for row in rows:
        parts = Path(row).parts if "\\" in row else tuple(part for part in row.split("/") if part and part != ".")
        if parts and parts[0] != "..":
            names.add(parts[0])
    return base, names


def _provides(distribution: metadata.Distribution, name: str) -> bool:
    """Whether ``distribution``'s RECORD lists the top-level module or package ``name``."""
    _, entries = _top_level_entries(distribution)
    return name in entries or f"{name}.py" in entries


def _distribution_for(name: str) -> metadata.Distribution | None:
    """The installed distribution that provides the top-level import name ``name``, or ``None``."""
    try:  # the usual case, numpy from numpy: found without reading every installed distribution's RECORD
        named = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        named = None
    if named is not None and _provides(named, name):
        return named
    for distribution_name in metadata.packages_distributions().get(name, ()):
        try:
            return metadata.distribution(distribution_name)
        except metadata.PackageNotFoundError:
            continue
    try:
        return metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None


def missing_packages(packages: Sequence[str]) -> list[str]:
    """Those of ``packages`` (top-level import names) that are not installed for this Python: no tree can hold them."""
    return [name for name in packages if _distribution_for(name) is None]


def _requirements(distribution: metadata.Distribution) -> list[str]:
    names = []
    for requirement in distribution.requires or ():
        if "extra ==" in requirement.replace(" ", "").replace("extra==", "extra =="):
            continue
        match = re.match(r"[A-Za-z0-9._-]+", requirement)
        if match:
            names.append(match.group(0))
    return names


def _package_sources(packages: Sequence[str]) -> list[tuple[Path, str, str]]:
    """``(site folder, top-level entry, version)`` for each allowed package and what it requires."""
    sources: list[tuple[Path, str, str]] = []
    seen: set[str] = set()
    todo = list(packages)
    while todo:
        name = todo.pop()
        key = name.lower().replace("-", "_")
        if key in seen:
            continue
        seen.add(key)
        distribution = _distribution_for(name)
        if distribution is None:
            raise TreeError(
                f"the allowed package {name!r} is not installed for {sys.executable}; install it, "
                f"or remove it from the exercise's allowed packages."
            )
        base, entries = _top_level_entries(distribution)
        version = distribution.version
        sources.extend((base, entry, version) for entry in sorted(entries))
        todo.extend(_requirements(distribution))
    return sources


def _shared_libraries(files: Iterable[str]) -> list[str]:
    """Every shared library (and the dynamic loader) that ``files`` load, as ldd resolves them here."""
    files = list(files)
    libraries: set[str] = set()
    for start in range(0, len(files), 200):
        try:
            output = subprocess.run(
                ["ldd", *files[start:start + 200]], capture_output=True, text=True, timeout=120
            ).stdout
        except (OSError, subprocess.SubprocessError) as error:
            raise TreeError(f"could not list shared libraries with ldd: {error}") from None
        for line in output.splitlines():
            match = _LDD_LINE.match(line)
            if match:
                libraries.add(match.group(1))
    return sorted(libraries)


def _is_shared_object(path: Path) -> bool:
    return path.suffix == ".so" or ".so." in path.name


class _Builder:
    """Places host files at their host paths under ``root``, symlinked path components included."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.placed: set[str] = set()

    def inside(self, host: str) -> Path:
        return self.root / host.lstrip("/")

    def mirror(self, host: str) -> str:
        """Re-create, under the root, every symlink on the way to ``host``; return ``host``'s real path."""
        path = os.path.normpath(host)
        current = "/"
        parts = [part for part in path.split("/") if part]
        for index, part in enumerate(parts):
            candidate = os.path.join(current, part)
            if os.path.islink(candidate):
                target = os.readlink(candidate)
                link = self.inside(candidate)
                if not os.path.lexists(link):
                    link.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
                    os.symlink(target, link)
                resolved = os.path.normpath(os.path.join(current, target))
                return self.mirror(os.path.join(resolved, *parts[index + 1:]))
            current = candidate
        return current

    def file(self, host: str) -> None:
        real = self.mirror(host)
        if real in self.placed:
            return
        self.placed.add(real)
        target = self.inside(real)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
        _link_or_copy(real, target)

    def tree(self, host: str, excluded: re.Pattern[str] | None = None, top_only: Sequence[str] = ()) -> None:
        """Place the folder ``host`` (or only its entries named in ``top_only``), skipping ``excluded`` names."""
        real = self.mirror(host)
        if not os.path.isdir(real):
            if os.path.isfile(real):
                self.file(real)
            return
        names = list(top_only) if top_only else sorted(os.listdir(real))
        for name in names:
            if excluded is not None and excluded.match(name):
                continue
            source = os.path.join(real, name)
            if os.path.isdir(source) and not os.path.islink(source):
                self._copy_folder(source, self.inside(source), excluded)
            elif os.path.lexists(source):
                self.file(source)

    def _copy_folder(self, source: str, target: Path, excluded: re.Pattern[str] | None = None) -> None:
        for folder, subfolders, files in os.walk(source):
            if excluded is not None:
                subfolders[:] = [name for name in subfolders if not excluded.match(name)]
                files = [name for name in files if not excluded.match(name)]
            destination = target / os.path.relpath(folder, source)
            destination.mkdir(parents=True, exist_ok=True, mode=0o755)
            for name in files:
                path = os.path.join(folder, name)
                if os.path.islink(path):
                    if not os.path.lexists(destination / name):
                        os.symlink(os.readlink(path), destination / name)
                elif os.path.isfile(path):
                    _link_or_copy(path, destination / name)
            for name in subfolders:
                path = os.path.join(folder, name)
                if os.path.islink(path) and not os.path.lexists(destination / name):
                    os.symlink(os.readlink(path), destination / name)


def _link_or_copy(source: str, target: Path) -> None:
    if os.path.lexists(target):
        return  # placed already (a folder listed twice, as lib-dynload inside the stdlib)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
        target.chmod(stat.S_IMODE(os.stat(source).st_mode) | 0o444)


def _fingerprint(python: str, sys_path: Sequence[str], sources: Sequence[tuple[Path, str, str]]) -> str:
    described = {
        "format": _FORMAT,
        "python": python,
        "python_stat": [os.stat(python).st_size, os.stat(python).st_mtime_ns],
        "sys_path": list(sys_path),
        "packages": [[str(base), entry, version] for base, entry, version in sources],
        "runtime": {name: hashlib.sha256((_RUNTIME_SOURCES / name).read_bytes()).hexdigest() for name in _RUNTIME_FILES},
        "root": os.geteuid() == 0,
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()[:20]


def _build(root: Path, python: str, sys_path: Sequence[str], sources: Sequence[tuple[Path, str, str]]) -> None:
    builder = _Builder(root)
    builder.file(python)
    for entry in sys_path:
        builder.tree(entry, _STDLIB_EXCLUDED)
    packages = root / PACKAGES.lstrip("/")
    packages.mkdir(parents=True, exist_ok=True, mode=0o755)
    for base, entry, _ in sources:
        source = base / entry
        if source.is_dir():
            builder._copy_folder(str(source), packages / entry)
        elif source.is_file():
            _link_or_copy(str(source), packages / entry)
    runtime = root / RUNTIME.lstrip("/")
    runtime.mkdir(parents=True, exist_ok=True, mode=0o755)
    for name in _RUNTIME_FILES:
        shutil.copyfile(_RUNTIME_SOURCES / name, runtime / name)
        (runtime / name).chmod(0o644)
    objects = [python] + [
        os.path.join(folder, name)
        for folder, _, names in os.walk(root)
        for name in names
        if _is_shared_object(Path(name)) and not os.path.islink(os.path.join(folder, name))
    ]
    for library in _shared_libraries(objects):
        if not library.startswith(str(root) + os.sep):
            builder.file(library)
    if os.path.exists("/etc/ld.so.cache"):
        builder.file("/etc/ld.so.cache")
    for folder, mode in (("tmp", 0o755), ("proc", 0o555), ("dev", 0o755), ("work", 0o711)):
        (root / folder).mkdir(exist_ok=True)
        (root / folder).chmod(mode)
    if os.geteuid() == 0:
        for name, major, minor in (("null", 1, 3), ("zero", 1, 5), ("urandom", 1, 9), ("random", 1, 8)):
            try:
                os.mknod(root / "dev" / name, 0o666 | stat.S_IFCHR, os.makedev(major, minor))
                (root / "dev" / name).chmod(0o666)
            except OSError:
                pass  # no CAP_MKNOD: the worker does without these device files
    root.chmod(0o755)


def _prune(cache: Path, keep: Path) -> None:
    """Delete trees unused for two weeks, the least recently used beyond :data:`_KEEP_TREES` (if unused for an
    hour: a grader may be using one), and partial builds older than an hour."""
    now = time.time()

    def last_used(tree: Path) -> float:
        marker = tree / ".used" if (tree / ".used").exists() else tree
        try:
            return marker.stat().st_mtime
        except OSError:
            return now

    trees = sorted((p for p in cache.glob("tree-*") if p != keep), key=last_used, reverse=True)
    for rank, old in enumerate(trees, start=1):
        age = now - last_used(old)
        if age > _STALE_SECONDS or (rank >= _KEEP_TREES and age > 3600):
            shutil.rmtree(old, ignore_errors=True)
    for partial in cache.glob(".tree-*"):
        if now - last_used(partial) > 3600:
            shutil.rmtree(partial, ignore_errors=True)


_BUILT: dict[tuple[str, ...], RuntimeTree] = {}


def runtime_tree(packages: Sequence[str] = DEFAULT_PACKAGES) -> RuntimeTree:
    """The runtime tree for ``packages`` (top-level import names), built on first use and cached."""
    key = tuple(sorted(set(packages)))
    if key in _BUILT and _BUILT[key].root.is_dir():
        (_BUILT[key].root / ".used").touch()
        return _BUILT[key]
    python = base_interpreter()
    sys_path = _interpreter_path(python)
    sources = _package_sources(key)
    cache = cache_dir()
    try:
        cache.mkdir(parents=True, exist_ok=True, mode=0o755)
    except OSError as error:
        raise TreeError(f"cannot create the sandbox cache folder {cache}: {error.strerror}; "
                        f"set GRADECHECK_CACHE_DIR to a writable folder.") from None
    final = cache / f"tree-{_fingerprint(python, sys_path, sources)}"
    if not (final / ".complete").exists():
        partial = Path(tempfile.mkdtemp(prefix=f".{final.name}-", dir=cache))
        try:
            _build(partial, python, sys_path, sources)
            (partial / ".complete").write_text("")
            try:
                partial.rename(final)
            except OSError:  # another process built it first
                shutil.rmtree(partial, ignore_errors=True)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        _prune(cache, final)
    (final / ".used").touch()
    tree = RuntimeTree(final, python, tuple(sys_path), key)
    _BUILT[key] = tree
    return tree
