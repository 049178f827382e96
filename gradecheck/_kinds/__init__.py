"""Exercise kinds: trusted code that knows how to grade one family of exercises.

An exercise spec (TOML) names its kind; :func:`get_kind` imports
``gradecheck._kinds.<kind>`` and returns its ``KIND`` object (an
:class:`~gradecheck._kinds._base.ExerciseKind`); :func:`kind_of` returns the
kind bound to one exercise (``ExerciseKind.bind``), which is what grading
uses: a generic kind reads its configuration (an architecture, a reference
solution) from the exercise it is bound to.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

from gradecheck._errors import GradecheckError
from gradecheck._kinds._base import EntryPoint, ExerciseKind

__all__ = ["EntryPoint", "ExerciseKind", "get_kind", "kind_of"]

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def get_kind(name: str) -> ExerciseKind:
    """The exercise kind called ``name`` (e.g. ``"twelve_weights"``)."""
    if not _NAME.match(name):
        raise GradecheckError(f"kind {name!r} is not a valid kind name (lowercase letters, digits, underscores).")
    try:
        module = importlib.import_module(f"gradecheck._kinds.{name}")
    except ModuleNotFoundError as error:
        if error.name != f"gradecheck._kinds.{name}":
            raise
        raise GradecheckError(
            f"unknown exercise kind {name!r}: expected the name of a module in gradecheck/_kinds/."
        ) from None
    kind = getattr(module, "KIND", None)
    if not isinstance(kind, ExerciseKind):
        raise GradecheckError(f"gradecheck._kinds.{name} defines no KIND (an ExerciseKind instance).")
    return kind


def kind_of(exercise: Any) -> ExerciseKind:
    """The kind of ``exercise`` (an :class:`~gradecheck._exercises.Exercise`), bound to it."""
    return get_kind(exercise.kind).bind(exercise)
