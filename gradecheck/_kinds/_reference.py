"""The instructor's reference solution and known-wrong variants, loaded as trusted code in the grader's process.

The generic kinds (``layer``, ``function``) compute expected values with
``reference/<id>/solution.py``: numpy or JAX code written in the student API,
found beside the exercise's folder by :func:`gradecheck._exercises.reference_dir`.
It is the instructor's code, so it runs here, never in the sandbox; the
submission's worker is a separate process started by the fork server (a fresh
interpreter, not a fork of this one) inside a filesystem view that holds
neither the exercise nor the reference, and it only ever receives the inputs
of the calls it must answer.

Each ``reference/<id>/mistakes/<mistake-id>.py`` is loaded the same way: a
known-wrong variant is also a model of its mistake (what a submission making
it returns), used to diagnose submissions.  Its module docstring gives the
feedback: the first line is the title, the rest the explanation, and a
paragraph starting with ``Hint:`` the hint.

Modules are loaded once per process and file contents (a changed file is
loaded again).  Calls run with JAX in float64 when JAX has been imported (a
JAX reference), and results come back as float64 numpy arrays.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
import types
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from gradecheck._errors import GradecheckError
from gradecheck._mistakes import MISTAKES, Mistake

__all__ = ["ReferenceSolutionError", "load_module", "reference_files", "trusted_call", "as_float_tree", "mistake_from_docstring"]

_MODULES: dict[tuple[str, str], types.ModuleType] = {}


class ReferenceSolutionError(GradecheckError):
    """The reference solution (or a known-wrong variant) is missing, does not import, or misbehaves."""


def reference_files(exercise: Any) -> tuple[Path, dict[str, Path]]:
    """``(solution.py, {mistake id: path})`` of ``exercise``; raises :class:`ReferenceSolutionError` if there is no solution."""
    from gradecheck._exercises import reference_dir

    folder = reference_dir(exercise.directory)
    expected = Path(exercise.directory).resolve().parent.parent / "reference" / Path(exercise.directory).name
    if folder is None or not (folder / "solution.py").is_file():
        raise ReferenceSolutionError(
            f"kind {exercise.kind!r} computes expected values with the instructor's reference solution, "
            f"but {expected / 'solution.py'} does not exist; write it (the student API, numpy or JAX) "
            f"in reference/{exercise.id}/ beside the exercises/ folder."
        )
    mistakes = {path.stem: path for path in sorted((folder / "mistakes").glob("*.py"))}
    return folder / "solution.py", mistakes


def load_module(path: Path) -> types.ModuleType:
    """Import the trusted file ``path`` as a private module (cached by path and contents)."""
    path = Path(path).resolve()
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ReferenceSolutionError(f"cannot read {path}: {error.strerror}.") from None
    key = (str(path), hashlib.sha256(data).hexdigest())
    module = _MODULES.get(key)
    if module is not None:
        return module
    name = f"_gradecheck_reference_{key[1][:16]}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:  # pragma: no cover - a .py path always has a loader
        raise ReferenceSolutionError(f"cannot import {path}: expected a Python source file.")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling-free introspection need it there
    try:
        with _float64_if_jax():
            spec.loader.exec_module(module)
    except Exception as error:
        sys.modules.pop(name, None)
        raise ReferenceSolutionError(f"importing {path} failed: {type(error).__name__}: {error}") from error
    _MODULES[key] = module
    return module


class _NullContext:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None


def _float64_if_jax() -> Any:
    if "jax" not in sys.modules:
        return _NullContext()
    from gradecheck._precision import float64

    return float64()


def as_float_tree(value: Any) -> Any:
    """JAX or numpy arrays, numbers and nested lists/tuples/dicts of them, as float64 numpy arrays (same nesting)."""
    if isinstance(value, Mapping):
        return {key: as_float_tree(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)) and not _is_number_list(value):
        return type(value)(as_float_tree(item) for item in value) if isinstance(value, tuple) else [as_float_tree(item) for item in value]
    return np.array(value, dtype=np.float64)


def _is_number_list(value: Any) -> bool:
    return all(isinstance(item, (int, float, np.number)) and not isinstance(item, bool) for item in value)


def trusted_call(function: Callable[..., Any], *args: Any) -> Any:
    """Call the instructor's ``function`` (float64 JAX where JAX is loaded); the raw result."""
    with _float64_if_jax():
        return function(*args)


def mistake_from_docstring(mistake_id: str, module: types.ModuleType) -> Mistake:
    """The feedback for a known-wrong variant: its docstring (title line, explanation, ``Hint:`` paragraph).

    Without a docstring, a catalogued mistake of the same id keeps its catalog
    text; otherwise the title is made from the id.
    """
    text = (module.__doc__ or "").strip()
    catalogued = MISTAKES.get(mistake_id)
    if not text:
        if catalogued is not None:
            return catalogued
        title = mistake_id.replace("-", " ").capitalize()
        return Mistake(mistake_id, title, f"Your answers match a known mistake: {title.lower()}.", "Compare each step with the statement.")
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    first, *rest = paragraphs
    title_line, _, more = first.partition("\n")
    hints = [p for p in rest if p.lower().startswith("hint:")]
    explanation = " ".join(part for part in [more.strip(), *[p for p in rest if p not in hints]] if part)
    explanation = " ".join(explanation.split())
    hint = " ".join(hints[0][len("hint:"):].split()) if hints else (catalogued.hint if catalogued else "Compare each step with the statement.")
    if not explanation:
        explanation = catalogued.explanation if catalogued else title_line.strip()
    return Mistake(mistake_id, title_line.strip().rstrip("."), explanation, hint)
