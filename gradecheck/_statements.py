"""Statement placeholders: numbers of the spec written once, in ``exercise.toml``, and filled into ``statement.md``.

A placeholder is ``{{ ROOT.PATH }}`` or ``{{ ROOT.PATH : FORMAT }}``, on one line:

- ``ROOT`` is ``given`` (the ``[given]`` table), ``settings`` (``[settings]``),
  ``expected`` (every output the kind's reference computes on the given values,
  e.g. ``expected.a`` or ``expected.d_weights``), or ``points`` (``points.total``,
  ``points.given``, ``points.hidden``: the points of all items, of the items on
  the given values, of the hidden ones; ``points.items["dL/dW"]``: one item's).
- ``PATH`` goes down tables and arrays: ``.key``, ``["key with spaces"]``,
  ``[2]`` (0-based; ``[-1]`` is the last), ``[1][0]`` for a row of a table.
- ``FORMAT`` is a Python format spec applied to each number: ``.4f``, ``.3g``,
  ``+.2e``.  Without one, integers print as written and other numbers with
  ``g`` (six significant digits, ``-2.0`` as ``-2``).

A list or array prints as its elements separated by ``", "`` (inner rows in
brackets: ``[1, 2], [3, 4]``).  ``\\{{`` writes a literal ``{{`` (the backslash
goes).  Anything else between ``{{`` and ``}}`` is an error, as is a path
that leads nowhere: the spec loader names the statement's file, the line and
the placeholder.  Placeholders on ``given``, ``settings`` and ``points`` are
resolved when the spec is loaded; ``expected`` ones are checked for their
output's name then, and computed (with the JAX reference) the first time the
statement is shown; ``gradecheck validate`` resolves them all.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["ROOTS", "Placeholder", "PlaceholderError", "check", "placeholders", "points_namespace", "render"]

ROOTS = ("given", "settings", "expected", "points")

_IDENTIFIER = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)")
_SEGMENT = re.compile(
    r"""\s*(?:\.\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)"""
    r"""|\[\s*(?:(?P<index>[+-]?\d+)|"(?P<double>[^"]*)"|'(?P<single>[^']*)')\s*\])"""
)
_FORMAT = re.compile(r"^(?:.?[<>=^])?[+\- ]?z?#?0?\d*[,_]?(?:\.\d+)?[bcdeEfFgGnosxX%]?$")


class PlaceholderError(Exception):
    """A malformed or unresolved placeholder; ``line`` is its line in the statement (1-based)."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


@dataclasses.dataclass(frozen=True)
class Placeholder:
    """One ``{{ ... }}`` of a statement: where it is and what it names."""

    text: str  # as written, braces included
    line: int
    start: int  # offsets in the statement's text
    end: int
    root: str
    path: tuple[str | int, ...]
    format: str

    @property
    def shown(self) -> str:
        return f"placeholder {self.text}"


def _parse(inner: str, text: str, line: int, start: int, end: int) -> Placeholder:
    def fail(why: str) -> PlaceholderError:
        return PlaceholderError(
            f"malformed placeholder {text}: {why}; write {{{{ ROOT.KEY }}}} or {{{{ ROOT.KEY[INDEX] : FORMAT }}}} "
            f"with ROOT one of {', '.join(ROOTS)} (a literal '{{{{' is written '\\{{{{')",
            line,
        )

    match = _IDENTIFIER.match(inner)
    if match is None:
        raise fail("it does not start with a name")
    root = match.group(1)
    if root not in ROOTS:
        close = difflib.get_close_matches(root, ROOTS, n=1)
        raise PlaceholderError(
            f"placeholder {text}: unknown root {root!r}"
            + (f" (did you mean {close[0]!r}?)" if close else "")
            + f"; a placeholder starts with one of {', '.join(ROOTS)}",
            line,
        )
    position = match.end()
    path: list[str | int] = []
    while True:
        segment = _SEGMENT.match(inner, position)
        if segment is None:
            break
        if segment.group("name") is not None:
            path.append(segment.group("name"))
        elif segment.group("index") is not None:
            path.append(int(segment.group("index")))
        else:
            path.append(segment.group("double") if segment.group("double") is not None else segment.group("single"))
        position = segment.end()
    rest = inner[position:].strip()
    spec = ""
    if rest.startswith(":"):
        spec = rest[1:].strip()
        if not _FORMAT.match(spec):
            raise fail(f"{spec!r} is not a number format such as .4f or .3g")
    elif rest:
        raise fail(f"{rest!r} is neither .key, [index] nor : format")
    if not path:
        raise fail(f"name a value under {root!r}, e.g. {root}.something")
    return Placeholder(text, line, start, end, root, tuple(path), spec)


def placeholders(text: str) -> list[Placeholder]:
    """The placeholders of a statement, in order; :class:`PlaceholderError` for a malformed one."""
    found: list[Placeholder] = []
    offset = 0
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        position = 0
        while True:
            start = line.find("{{", position)
            if start < 0:
                break
            if start > 0 and line[start - 1] == "\\":
                position = start + 2
                continue
            end = line.find("}}", start + 2)
            if end < 0:
                raise PlaceholderError(
                    f"unclosed placeholder {line[start:].rstrip()!r}: a placeholder ends with '}}}}' on the same line "
                    f"(a literal '{{{{' is written '\\{{{{')",
                    number,
                )
            whole = line[start : end + 2]
            found.append(_parse(line[start + 2 : end], whole, number, offset + start, offset + end + 2))
            position = end + 2
        offset += len(line)
    return found


def points_namespace(items: Sequence[Any]) -> dict[str, Any]:
    """What ``points.*`` names: ``total``, ``given``, ``hidden`` and ``items`` (item name -> points), exact."""
    from gradecheck._points import total

    return {
        "total": total(item.points for item in items),
        "given": total(item.points for item in items if item.instance == "given"),
        "hidden": total(item.points for item in items if item.instance == "hidden"),
        "items": {item.name: item.points for item in items},
    }


def _describe(path: Sequence[str | int]) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)


def _lookup(placeholder: Placeholder, namespace: Any) -> Any:
    """The value ``placeholder`` names in ``namespace`` (its root's value)."""
    value = namespace
    walked: list[str | int] = [placeholder.root]
    for part in placeholder.path:
        where = walked[0] + _describe(walked[1:])
        if isinstance(value, Mapping):
            if isinstance(part, int) or part not in value:
                keys = [str(k) if _IDENTIFIER.fullmatch(str(k)) else f'["{k}"]' for k in value]
                close = difflib.get_close_matches(str(part), [str(k) for k in value], n=1)
                raise PlaceholderError(
                    f"{placeholder.shown}: {where} has no key {part!r}"
                    + (f" (did you mean {close[0]!r}?)" if close else "")
                    + f"; its keys are: {', '.join(keys) or '(none)'}",
                    placeholder.line,
                )
            value = value[part]
        elif isinstance(value, (list, tuple, np.ndarray)) and np.ndim(value) > 0:
            size = len(value)
            if not isinstance(part, int):
                raise PlaceholderError(
                    f"{placeholder.shown}: {where} is a list of {size}; index it with [0] .. [{size - 1}], not .{part}",
                    placeholder.line,
                )
            if not -size <= part < size:
                raise PlaceholderError(
                    f"{placeholder.shown}: {where} has {size} element(s): index {part} is out of range "
                    f"(0 .. {size - 1}, or -1 for the last)",
                    placeholder.line,
                )
            value = value[part]
        else:
            raise PlaceholderError(
                f"{placeholder.shown}: {where} is a single value ({_format(value, '')}); it has no {_describe([part])}",
                placeholder.line,
            )
        walked.append(part)
    return value


def _format(value: Any, spec: str, depth: int = 0) -> str:
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    elif isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (list, tuple, np.ndarray)):
        text = ", ".join(_format(v, spec, depth + 1) for v in value)
        return f"[{text}]" if depth else text
    if isinstance(value, Mapping):
        raise ValueError(f"is a table (keys: {', '.join(map(str, value))}); name one of its keys")
    if isinstance(value, bool):
        return "true" if value else "false"
    if not spec:
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            return format(value, "g")
        return str(value)
    return format(value, spec)


def _fill(placeholder: Placeholder, namespace: Any) -> str:
    value = _lookup(placeholder, namespace)
    try:
        return _format(value, placeholder.format)
    except (ValueError, TypeError) as error:
        raise PlaceholderError(f"{placeholder.shown}: the value {error}", placeholder.line) from None


def check(
    text: str,
    *,
    given: Mapping[str, Any],
    settings: Mapping[str, Any],
    points: Mapping[str, Any],
    outputs: Sequence[str],
) -> list[Placeholder]:
    """Parse the statement's placeholders and resolve those that need no computation; return them all.

    ``expected`` placeholders are checked for the output's name only (``outputs``).
    """
    found = placeholders(text)
    namespaces = {"given": given, "settings": settings, "points": points}
    for placeholder in found:
        if placeholder.root == "expected":
            _lookup(dataclasses.replace(placeholder, path=placeholder.path[:1]), {name: 0.0 for name in outputs})
        else:
            _fill(placeholder, namespaces[placeholder.root])
    return found


def render(
    text: str,
    *,
    given: Mapping[str, Any],
    settings: Mapping[str, Any],
    points: Mapping[str, Any],
    expected: Callable[[], Mapping[str, Any]],
) -> str:
    """The statement with every placeholder filled and every ``\\{{`` turned into ``{{``.

    ``expected`` is called once, and only when a placeholder needs it.
    """
    found = placeholders(text)
    namespaces: dict[str, Any] = {"given": given, "settings": settings, "points": points}
    parts: list[str] = []
    position = 0
    for placeholder in found:
        if placeholder.root not in namespaces:
            namespaces["expected"] = expected()
        parts.append(_unescape(text[position : placeholder.start]))
        parts.append(_fill(placeholder, namespaces[placeholder.root]))
        position = placeholder.end
    parts.append(_unescape(text[position:]))
    return "".join(parts)


def _unescape(text: str) -> str:
    return text.replace("\\{{", "{{")
