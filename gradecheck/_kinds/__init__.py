"""Exercise kinds: trusted code that knows how to grade one family of exercises.

An exercise spec (TOML) names its kind; :func:`get_kind` finds the kind's
``KIND`` object (an :class:`~gradecheck._kinds._base.ExerciseKind`), in this
order:

1. ``kind = "local"``: the file ``kind.py`` in the exercise's own folder
   (trusted instructor code, like the spec itself);
2. a kind that ships with gradecheck: the module ``gradecheck._kinds.<kind>``;
3. an installed plugin: an entry point named ``<kind>`` in the group
   ``gradecheck.kinds`` (``importlib.metadata``), whose object is an
   ``ExerciseKind`` instance or subclass.

:func:`kind_of` returns the kind bound to one exercise (``ExerciseKind.bind``),
which is what grading uses: a generic kind reads its configuration (an
architecture, a reference solution) from the exercise it is bound to.  Both
work in any process, grading pools included: a local kind is found from the
exercise's folder, which every process loads the exercise from.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import re
import sys
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

from gradecheck._errors import GradecheckError
from gradecheck._kinds._base import EntryPoint, ExerciseKind

__all__ = ["ENTRY_POINT_GROUP", "LOCAL", "LOCAL_FILE", "EntryPoint", "ExerciseKind", "get_kind", "kind_names", "kind_of"]

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
#: The spec's ``kind`` that means "the ``kind.py`` beside this ``exercise.toml``".
LOCAL = "local"
LOCAL_FILE = "kind.py"
#: The entry-point group of installed kinds.
ENTRY_POINT_GROUP = "gradecheck.kinds"

_LOCAL_MODULES: dict[tuple[str, int, int], ModuleType] = {}
_LOCK = threading.Lock()


def _as_kind(value: Any, origin: str) -> ExerciseKind:
    """``value`` (an ExerciseKind instance, or a subclass to instantiate without arguments) as a kind."""
    if inspect.isclass(value) and issubclass(value, ExerciseKind):
        try:
            value = value()
        except TypeError as error:
            raise GradecheckError(f"{origin}: the class {value.__name__} cannot be created without arguments: {error}") from None
    if not isinstance(value, ExerciseKind):
        raise GradecheckError(
            f"{origin} is {type(value).__name__}, not an exercise kind: expected an instance (or subclass) of "
            f"gradecheck.kinds.ExerciseKind."
        )
    return value


def _local_module(path: Path) -> ModuleType:
    """Import ``path`` (an exercise folder's ``kind.py``) once per process and version of the file."""
    resolved = path.resolve()
    stat = resolved.stat()
    key = (str(resolved), stat.st_mtime_ns, stat.st_size)
    with _LOCK:
        module = _LOCAL_MODULES.get(key)
        if module is not None:
            return module
        digest = hashlib.sha256(str(resolved).encode()).hexdigest()[:16]
        name = f"_gradecheck_local_kind_{digest}"
        spec = importlib.util.spec_from_file_location(name, resolved)
        if spec is None or spec.loader is None:  # pragma: no cover - a .py path always has a loader
            raise GradecheckError(f"{resolved}: cannot be imported as a Python module.")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses and pickling look classes up by module name
        try:
            spec.loader.exec_module(module)
        except Exception as error:
            sys.modules.pop(name, None)
            raise GradecheckError(
                f"{resolved}: importing the exercise's kind failed: {type(error).__name__}: {error}"
            ) from error
        _LOCAL_MODULES[key] = module
        return module


def _local_kind(directory: Path | None) -> ExerciseKind:
    if directory is None:
        raise GradecheckError(f"kind {LOCAL!r} means the {LOCAL_FILE} beside exercise.toml, but no exercise folder is known.")
    path = Path(directory) / LOCAL_FILE
    if not path.is_file():
        raise GradecheckError(
            f"kind {LOCAL!r} means the file {LOCAL_FILE} in the exercise folder, but {path} does not exist; "
            f"write it (it defines KIND, an instance of gradecheck.kinds.ExerciseKind) or name another kind."
        )
    module = _local_module(path)
    if not hasattr(module, "KIND"):
        raise GradecheckError(f"{path} defines no KIND: add KIND = YourKind(), an instance of gradecheck.kinds.ExerciseKind.")
    return _as_kind(module.KIND, f"{path}: KIND")


def _installed(name: str) -> ExerciseKind | None:
    """The kind of the entry point ``name`` in :data:`ENTRY_POINT_GROUP`, if one is installed."""
    from importlib.metadata import entry_points

    found = [point for point in entry_points(group=ENTRY_POINT_GROUP) if point.name == name]
    if not found:
        return None
    values = sorted({point.value for point in found})
    if len(values) > 1:
        raise GradecheckError(
            f"kind {name!r} is installed more than once, as {' and '.join(values)} (entry points of group "
            f"{ENTRY_POINT_GROUP!r}); uninstall one of them."
        )
    point = found[0]
    try:
        value = point.load()
    except Exception as error:
        raise GradecheckError(
            f"kind {name!r}: loading the entry point {point.value!r} (group {ENTRY_POINT_GROUP!r}) failed: "
            f"{type(error).__name__}: {error}"
        ) from error
    return _as_kind(value, f"kind {name!r} (entry point {point.value!r})")


def kind_names() -> list[str]:
    """The names of the kinds that ship with gradecheck and of the installed ones, sorted."""
    from importlib.metadata import entry_points

    folder = Path(__file__).parent
    shipped = {p.stem for p in folder.glob("*.py") if _NAME.match(p.stem)}
    installed = {point.name for point in entry_points(group=ENTRY_POINT_GROUP)}
    return sorted(shipped | installed)


def get_kind(name: str, directory: Path | None = None) -> ExerciseKind:
    """The exercise kind called ``name`` (e.g. ``"twelve_weights"``), unbound.

    ``directory`` is the exercise's folder: where ``kind = "local"`` finds its ``kind.py``.
    """
    if name == LOCAL:
        return _local_kind(directory)
    if not _NAME.match(name):
        raise GradecheckError(f"kind {name!r} is not a valid kind name (lowercase letters, digits, underscores).")
    try:
        module = importlib.import_module(f"gradecheck._kinds.{name}")
    except ModuleNotFoundError as error:
        if error.name != f"gradecheck._kinds.{name}":
            raise
        installed = _installed(name)
        if installed is not None:
            return installed
        import difflib

        close = difflib.get_close_matches(name, kind_names(), n=1)
        raise GradecheckError(
            f"unknown exercise kind {name!r}"
            + (f" (did you mean {close[0]!r}?)" if close else "")
            + f": expected a kind that ships with gradecheck ({', '.join(kind_names())}), one installed under the "
            f"entry-point group {ENTRY_POINT_GROUP!r}, or {LOCAL!r} for the {LOCAL_FILE} in the exercise folder."
        ) from None
    kind = getattr(module, "KIND", None)
    if not isinstance(kind, ExerciseKind):
        raise GradecheckError(f"gradecheck._kinds.{name} defines no KIND (an ExerciseKind instance).")
    return kind


def kind_of(exercise: Any) -> ExerciseKind:
    """The kind of ``exercise`` (an :class:`~gradecheck._exercises.Exercise`), bound to it."""
    return get_kind(exercise.kind, exercise.directory).bind(exercise)
