"""The line of each key of a TOML document, for the spec loader's messages."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from gradecheck._exercises import EXERCISES_DIR
from gradecheck._toml_lines import key_lines, line_of

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def _leaves(value: Any, path: tuple[str | int, ...] = ()) -> list[tuple[tuple[str | int, ...], Any]]:
    """Every key path of a parsed document, down through tables and arrays of tables (not inline tables' keys)."""
    found: list[tuple[tuple[str | int, ...], Any]] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            found.append(((*path, key), inner))
            found.extend(_leaves(inner, (*path, key)))
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for k, inner in enumerate(value):
            found.extend(_leaves(inner, (*path, k)))
    return found


@pytest.mark.parametrize("spec", sorted(EXERCISES_DIR.glob("*/exercise.toml")), ids=lambda p: p.parent.name)
def test_every_key_of_the_shipped_specs_is_found_on_its_own_line(spec) -> None:
    text = spec.read_text()
    lines = key_lines(text)
    rows = text.splitlines()
    for path, _ in _leaves(tomllib.loads(text)):
        name = path[-1]
        parent = lines.get(path[:-1])
        if path not in lines and parent is not None and "{" in rows[parent - 1]:
            continue  # a key of an inline table { quantity = ..., shape = ... }: it has its table's line
        assert path in lines, path
        row = rows[lines[path] - 1]
        if isinstance(name, int):
            assert row.strip() == f"[[{path[-2]}]]", (path, row)
        else:
            dotted = ".".join(str(part) for part in path)  # a table header names its whole path: [network.arguments]
            assert row.lstrip().startswith((name, f"[{name}]", f"[[{name}]]", f"[{dotted}]", f"[[{dotted}]]")), (path, row)


TRICKY = '''# a comment with key = 1
a = [
  1, # ] not the end
  2,
]
s = """
x = 3
[not a table]
"""
t = \'\'\'
y = 4 \'\'\'
[tbl]
"quoted.key" = 1
dotted.inner = { x = 1 }
[[arr]]
x = 1
[[arr]]
y = 2
[arr.sub]
z = 3
[[arr.list]]
w = "]]"
'''


def test_multi_line_values_quoted_dotted_keys_and_arrays_of_tables() -> None:
    lines = key_lines(TRICKY)
    assert tomllib.loads(TRICKY)["arr"][1]["list"][0]["w"] == "]]"
    assert lines[("a",)] == 2 and lines[("s",)] == 6 and lines[("t",)] == 10
    assert ("x",) not in lines and ("not a table",) not in lines and ("y",) not in lines
    assert lines[("tbl",)] == 12 and lines[("tbl", "quoted.key")] == 13
    assert lines[("tbl", "dotted")] == lines[("tbl", "dotted", "inner")] == 14
    assert lines[("arr", 0)] == 15 and lines[("arr", 0, "x")] == 16
    assert lines[("arr", 1)] == 17 and lines[("arr", 1, "y")] == 18
    assert lines[("arr", 1, "sub", "z")] == 20
    assert lines[("arr", 1, "list", 0, "w")] == 22
    # Keys inside an inline table fall back to the line of the key that holds it.
    assert line_of(lines, ("tbl", "dotted", "inner", "x")) == 14
    assert line_of(lines, ("nowhere",)) is None
