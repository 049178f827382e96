"""What a learner's self-check leaves out: the grade's hidden points, and what their instances vary.

``gradecheck check`` (and ``gradecheck.notebook.check``) run the items marked
``self_check`` (the statement's given values, by default).  The others count
in the grade, so the self-check says how many points they hold and what kind
of input they use.  The words come from the exercise, never from a list kept
per exercise: the instances a hidden item draws (the same seeded search the
grader runs, without computing any expected value) are compared key by key,
with the statement's given values and with each other, and the spec's
``[settings]`` are named with the kind's own description of them.

The summary is a JSON-ready dict stored under ``result["gradecheck"]["not_checked"]``
(see :func:`unchecked`); the reports render it (:mod:`gradecheck._report_model`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from gradecheck import _points
from gradecheck._exercises import Exercise, ItemSpec
from gradecheck._kinds import ExerciseKind, kind_of

__all__ = ["unchecked"]

# Instances drawn to see what varies: enough to see every key move, few enough to be instant.
_DRAWN = 12


def unchecked(exercise: Exercise) -> dict[str, Any] | None:
    """The items a self-check does not run, described for the learner; ``None`` when it runs them all.

    Returns ``{"points": P, "max_score": M, "items": [{"name", "points", "instances", "varies",
    "settings"}], "run_with": None}``: ``P`` the points left out, ``M`` the grade's maximum;
    per item, how many random instances it tries (0 for an item on the given values),
    ``varies`` what changes from one instance to the next (e.g. ``"weights (12 numbers),
    upstream (3 numbers; 1, 1, 1 in the statement)"``), ``settings`` the spec's settings in
    words.  A front end sets ``run_with`` to the way to run them (a command, a call).
    """
    left_out = [item for item in exercise.items if not item.self_check]
    if not left_out:
        return None
    kind = kind_of(exercise)
    items = []
    for item in left_out:
        if item.instance == "hidden":
            varies, instances = _varies(exercise, kind, item), item.examples
        else:
            varies, instances = "the statement's given values", 0
        items.append(
            {
                "name": item.name,
                "points": _points.total([item.points]),
                "instances": instances,
                "varies": varies,
                "settings": _settings_words(exercise, kind) if item.instance == "hidden" else "",
            }
        )
    return {
        "points": _points.total(item.points for item in left_out),
        "max_score": _points.total(item.points for item in exercise.items),
        "items": items,
        "run_with": None,
    }


def _drawn(exercise: Exercise, kind: ExerciseKind, item: ItemSpec) -> list[Mapping[str, Any]]:
    """The first instances the grader's seeded search of ``item`` draws (inputs only: no expected values)."""
    from gradecheck._grading import _hidden_search

    drawn: list[Mapping[str, Any]] = []

    class _Enough(Exception):
        pass

    def record(instance: Mapping[str, Any]) -> None:
        drawn.append(instance)
        if len(drawn) >= _DRAWN:
            raise _Enough

    try:  # no shrinking: stopping the search here is not a failure to minimize
        _hidden_search(exercise, kind, item, record, shrink=False)()
    except _Enough:
        pass
    return drawn


def _varies(exercise: Exercise, kind: ExerciseKind, item: ItemSpec) -> str:
    drawn = _drawn(exercise, kind, item)
    if not drawn:
        return "random instances"
    try:
        given: Mapping[str, Any] | None = kind.given_instance(exercise.given)
    except Exception:  # an exercise without given values (or a kind that reads them differently)
        given = None
    parts, fixed = [], []
    for key in drawn[0]:
        values = [instance[key] for instance in drawn if key in instance]
        if all(_same(values[0], value) for value in values[1:]):
            fixed.append(key)
            continue
        words = _shape_words(values)
        example = _uniform(given.get(key)) if isinstance(given, Mapping) else None
        if example is not None:
            words += f"; all {example} in the statement"
        parts.append(f"{key} ({words})")
    text = ", ".join(parts) if parts else "random instances"
    if fixed:
        text += f"; fixed: {', '.join(fixed)}"
    return text


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(np.array_equal(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)))
    except (TypeError, ValueError):
        return a == b


def _shape_words(values: Sequence[Any]) -> str:
    """``"12 numbers"``, ``"3x4 numbers"``, ``"a number"``, ``"lists of 1 to 3 arrays"``, ``"shapes vary"``."""
    if all(isinstance(v, (list, tuple)) for v in values):
        lengths = sorted({len(v) for v in values})
        span = str(lengths[0]) if len(lengths) == 1 else f"{lengths[0]} to {lengths[-1]}"
        return f"lists of {span} arrays, shapes vary" if len(lengths) > 1 else f"lists of {span} arrays"
    try:
        shapes = {np.shape(v) for v in values}
    except (TypeError, ValueError):
        return "values vary"
    if len(shapes) > 1:
        return "shapes vary"
    (shape,) = shapes
    if shape == ():
        return "a number"
    if len(shape) == 1:
        return "1 number" if shape[0] == 1 else f"{shape[0]} numbers"
    return f"{'x'.join(map(str, shape))} numbers"


def _uniform(value: Any) -> str | None:
    """``"1"`` when the given value is several copies of one number (upstream = ones), else ``None``."""
    if value is None:
        return None
    try:
        array = np.asarray(value, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        return None
    if array.size < 2 or not np.all(array == array[0]):
        return None
    return f"{float(array[0]):g}"


def _settings_words(exercise: Exercise, kind: ExerciseKind) -> str:
    """The spec's ``[settings]`` and the defaults the kind declares, as ``name = value (description)``."""
    declared = kind.settings_keys or {}
    names = list(dict.fromkeys([*declared, *exercise.settings]))
    words = []
    for name in names:
        spec = declared.get(name)
        description = spec if isinstance(spec, str) else getattr(spec, "description", "")
        if name in exercise.settings:
            value = exercise.settings[name]
        elif getattr(spec, "default", None) is not None:
            value = spec.default
        else:
            continue
        shown = f"{value:g}" if isinstance(value, float) else str(value)
        words.append(f"{name} = {shown}" + (f" ({description})" if description else ""))
    return "; ".join(words)
