"""Answers are numbers: find what, in a returned value, is not a number.

``np.array(value, dtype=float64)`` converts far more than numbers: the text
``"0.0517"`` becomes 0.0517, ``True`` becomes 1.0, ``None`` becomes NaN.  A
submission that returns text or booleans has not computed numbers, so it is
refused before any conversion.

Accepted (the convention everywhere a submission's value becomes an array):
Python ``int`` and ``float``; numpy integer and floating scalars; numpy arrays
of an integer or floating dtype; lists, tuples and object arrays of these, at
any nesting up to :data:`MAX_DEPTH`.  Refused: ``str``, ``bytes``, ``bool``
(Python or numpy), ``None``, ``dict``, complex numbers, and any other object.
NaN and infinities are numbers here: they are graded as wrong answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from typing import Any

import numpy as np

__all__ = ["MAX_DEPTH", "non_number", "not_numbers_message"]

#: Deepest nesting of lists looked into; deeper values are refused.
MAX_DEPTH = 32
_PREVIEW = 40


def non_number(value: Any, *, array_likes: bool = False) -> tuple[str, Any] | None:
    """The first part of ``value`` that is not a number, as ``(index, part)``; ``None`` if all are numbers.

    ``index`` is where the part is, as written in Python (``"[0][2]"``; ``""``
    for ``value`` itself).  With ``array_likes`` (values computed in this
    process, e.g. a layer checked by ``gradecheck verify``), an object that
    numpy converts itself (it has ``__array__``, like a JAX array) is accepted
    when its dtype is an integer or floating one.
    """
    if _plain_numbers(value) or _walk(value, array_likes, labelled=False) is None:
        return None
    return _walk(value, array_likes, labelled=True)  # again, naming where: only for refused values


_PLAIN = {float, int}
_LISTS = {list, tuple}


def _plain_numbers(value: Any) -> bool:
    """Whether ``value`` is nested lists/tuples of plain ``int``/``float`` (what JSON gives): fast, level by level."""
    level = [value]
    for _ in range(MAX_DEPTH + 1):
        types = set(map(type, level))
        if types <= _PLAIN:
            return True
        if not types <= _PLAIN | _LISTS:
            return False
        level = list(chain.from_iterable(part for part in level if type(part) is list or type(part) is tuple))
    return False


def _walk(value: Any, array_likes: bool, *, labelled: bool) -> tuple[str, Any] | None:
    """Depth-first, in order; ``index`` strings are built only when ``labelled`` (they cost time)."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        part, index, depth = stack.pop()
        if isinstance(part, (bool, np.bool_)):
            return index, part
        if isinstance(part, (int, float, np.integer, np.floating)):
            continue
        if array_likes and not isinstance(part, np.ndarray) and hasattr(part, "__array__"):
            part = np.asarray(part)
        if isinstance(part, np.ndarray):
            if part.dtype.kind in "iuf":
                continue
            if part.dtype.kind != "O" or depth >= MAX_DEPTH:
                return index, part
            children = list(part.flat)
            labels = [_label(k, part.shape) for k in range(len(children))] if labelled else None
        elif isinstance(part, (list, tuple)):
            if all(type(item) is float or type(item) is int for item in part):
                continue  # the common case, decided without looking at each element again
            if depth >= MAX_DEPTH:
                return index, part
            children = list(part)
            labels = [f"[{k}]" for k in range(len(children))] if labelled else None
        else:
            return index, part
        if labels is None:
            stack.extend((child, "", depth + 1) for child in reversed(children))
        else:
            stack.extend((child, index + label, depth + 1) for child, label in zip(reversed(children), reversed(labels)))
    return None


def not_numbers_message(label: str, shape: Sequence[int], value: Any, problem: tuple[str, Any]) -> str:
    """Why ``value``, returned for ``label`` (expected numbers of ``shape``), is refused, and what to do."""
    index, part = problem
    shape = tuple(shape)
    if index:
        found = f"a {type(value).__name__} that is not an array of numbers: {label}{index} is {_describe(part)}"
    else:
        found = f"{_describe(part)}, which is not an array of numbers"
    return f"{label} should be numbers of shape {shape}, got {found}. {_advice(part)}"


def _label(flat_index: int, shape: tuple[int, ...]) -> str:
    if len(shape) <= 1:
        return f"[{flat_index}]"
    return "[" + ",".join(str(int(i)) for i in np.unravel_index(flat_index, shape)) + "]"


def _describe(part: Any) -> str:
    if part is None:
        return "None"
    if isinstance(part, (bool, np.bool_)):
        return f"a boolean ({bool(part)})"
    if isinstance(part, (str, bytes)):
        text = repr(part)
        text = text if len(text) <= _PREVIEW else text[: _PREVIEW - 4] + "...'"
        return f"a {type(part).__name__} ({text})"
    if isinstance(part, np.ndarray):
        what = {"b": "booleans", "c": "complex numbers", "U": "text", "S": "bytes"}.get(part.dtype.kind)
        return f"a numpy array of {what or f'dtype {part.dtype}'}"
    if isinstance(part, (list, tuple)):
        return f"a {type(part).__name__} nested more than {MAX_DEPTH} levels deep"
    if isinstance(part, complex):
        return f"a complex number ({part!r})"
    return f"a {type(part).__name__}"


def _advice(part: Any) -> str:
    if isinstance(part, (str, bytes)) or (isinstance(part, np.ndarray) and part.dtype.kind in "US"):
        return "Text is not a number: return floats or a numpy array (convert with float() if you built strings)."
    if isinstance(part, (bool, np.bool_)) or (isinstance(part, np.ndarray) and part.dtype.kind == "b"):
        return "True and False are not numbers here: return 1.0 or 0.0 if that is what you mean."
    if part is None:
        return "None usually means a function is missing its return statement."
    if isinstance(part, dict):
        return "Return the values themselves (a number, a list or a numpy array, in the documented order), not a dict."
    return "Return ints, floats, numpy arrays of them, or lists of these."
