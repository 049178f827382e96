"""Where each key of a TOML document is written: its line number, for error messages.

``tomllib`` parses TOML into plain dicts and lists and keeps no positions, so
this module scans the text once more, just far enough to know on which line
each key is defined.  It understands what the exercise specs use: comments,
``[table]`` and ``[[array.of.tables]]`` headers (each ``[[x]]`` opens the next
element of ``x``, numbered from 0), bare, quoted and dotted keys, and values
that span lines (arrays, multi-line strings).  It runs only on text that
``tomllib`` has already accepted, so it never has to report a syntax error.

Limits: keys inside an inline table (``point = { x = 1, y = 2 }``) are not
indexed; they are reported at the line of the key that holds the inline table
(:func:`line_of` falls back to the nearest indexed parent).  Tables defined
only implicitly (``[a.b]`` defines ``a``) get the line of their first header.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["KeyPath", "key_lines", "line_of"]

#: A key's place in the document: table and key names, with the element number after an array of tables,
#: e.g. ``("items", 2, "points")`` or ``("given", "weights")``.
KeyPath = tuple[str | int, ...]

_BARE = re.compile(r"[A-Za-z0-9_-]+")


def _read_key(text: str, start: int) -> tuple[list[str], int]:
    """The dotted key that starts at ``text[start]`` and the position just after it."""
    parts: list[str] = []
    position = start
    while True:
        while position < len(text) and text[position] in " \t":
            position += 1
        if position >= len(text):
            break
        char = text[position]
        if char == '"':
            end = position + 1
            value = []
            while end < len(text) and text[end] != '"':
                if text[end] == "\\" and end + 1 < len(text):
                    escaped = text[end + 1]
                    value.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(escaped, escaped))
                    end += 2
                    continue
                value.append(text[end])
                end += 1
            parts.append("".join(value))
            position = end + 1
        elif char == "'":
            end = text.find("'", position + 1)
            end = len(text) if end < 0 else end
            parts.append(text[position + 1 : end])
            position = end + 1
        else:
            match = _BARE.match(text, position)
            if match is None:
                break
            parts.append(match.group())
            position = match.end()
        while position < len(text) and text[position] in " \t":
            position += 1
        if position < len(text) and text[position] == ".":
            position += 1
            continue
        break
    return parts, position


class _ValueScanner:
    """Follows a value across lines: open brackets and multi-line strings."""

    def __init__(self) -> None:
        self.depth = 0
        self.string: str | None = None  # the closing delimiter of an open multi-line string

    @property
    def open(self) -> bool:
        return self.depth > 0 or self.string is not None

    def feed(self, text: str) -> None:
        position = 0
        while position < len(text):
            if self.string is not None:
                end = text.find(self.string, position)
                if self.string == '"""':
                    while end > 0 and _escaped(text, end):
                        end = text.find(self.string, end + 1)
                if end < 0:
                    return
                position = end + 3
                while position < len(text) and text[position] == self.string[0]:  # up to two quotes may end it
                    position += 1
                self.string = None
                continue
            char = text[position]
            if char == "#":
                return
            if text.startswith('"""', position) or text.startswith("'''", position):
                self.string = text[position : position + 3]
                position += 3
            elif char == '"':
                position += 1
                while position < len(text) and text[position] != '"':
                    position += 2 if text[position] == "\\" else 1
                position += 1
            elif char == "'":
                end = text.find("'", position + 1)
                position = len(text) if end < 0 else end + 1
            else:
                if char in "[{":
                    self.depth += 1
                elif char in "]}":
                    self.depth -= 1
                position += 1


def _escaped(text: str, position: int) -> bool:
    """Whether ``text[position]`` is preceded by an odd number of backslashes."""
    count = 0
    while position - count - 1 >= 0 and text[position - count - 1] == "\\":
        count += 1
    return count % 2 == 1


def key_lines(text: str) -> dict[KeyPath, int]:
    """Key path -> the (1-based) line where that key or table header is written."""
    lines: dict[KeyPath, int] = {}
    arrays: dict[KeyPath, int] = {}  # array-of-tables path (without index) -> its current element
    table: KeyPath = ()
    value = _ValueScanner()

    def resolve(names: Sequence[str]) -> KeyPath:
        """A header's names with the current element number after each array of tables among them."""
        path: list[str | int] = []
        for name in names:
            path.append(name)
            if tuple(path) in arrays:
                path.append(arrays[tuple(path)])
        return tuple(path)

    for number, line in enumerate(text.splitlines(), start=1):
        if value.open:
            value.feed(line)
            continue
        stripped = line.lstrip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("[["):
            names, _ = _read_key(stripped, 2)
            parent = resolve(names[:-1])
            array = (*parent, names[-1])
            arrays[array] = arrays.get(array, -1) + 1
            table = (*array, arrays[array])
            lines.setdefault(array, number)
            lines[table] = number
            continue
        if stripped.startswith("["):
            names, _ = _read_key(stripped, 1)
            table = resolve(names)
            lines.setdefault(table, number)
            continue
        names, position = _read_key(stripped, 0)
        if not names:
            continue
        for k in range(1, len(names) + 1):
            lines.setdefault((*table, *names[:k]), number)
        rest = stripped[position:]
        if rest.startswith("="):
            value.feed(rest[1:])
    return lines


def line_of(lines: dict[KeyPath, int], path: KeyPath) -> int | None:
    """The line of ``path``, or of its nearest parent that has one; ``None`` for none (a top-level key never written)."""
    for end in range(len(path), 0, -1):
        found = lines.get(tuple(path[:end]))
        if found is not None:
            return found
    return None
