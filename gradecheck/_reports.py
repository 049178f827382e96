"""Learner-facing reports of one grading result: plain text, Markdown and HTML.

The input is a results dict in the Gradescope format (DESIGN.md C2): ``score``,
``max_score``, ``output`` (an overall message) and ``tests`` at the top level,
gradecheck's own detail under ``"gradecheck"``: ``exercise``, ``version``,
``title``, ``mistakes``, ``diagnosis`` (a list of ``{"mistake", "title",
"explanation", "hint"}``) and ``error`` (a string when the submission could not
be graded at all, else ``None``).

*Element tests* are tests named ``BASE[i]`` or ``BASE[i,j]`` with integer
indices >= 0 (``dL/dW[2,1]``, ``d_biases[0]``).  The tests sharing a base name
form an :class:`ElementGrid`: ``BASE[j]`` is the cell (0, j) of a 1 x n grid,
``BASE[i,j]`` the cell (i, j) of a rows x cols grid.  A base name whose tests
mix 1-D and 2-D indices, repeat an index or would need more than
``_MAX_GRID_CELLS`` cells forms no grid; its tests are reported one by one.

Test outputs and error messages may contain text written by student code, so:

* a test with ``visibility == "hidden"`` shows its name and pass/fail status,
  never its output and never its points;
* every string from the result is escaped for the format (``html.escape`` in
  HTML, backslash escapes in Markdown); control characters (ANSI escape
  sequences, carriage returns, bidirectional overrides) are shown as
  ``\\x1b``-style escapes in every format;
* a text longer than ``_MAX_CHARS`` characters is cut there.

A malformed result (a test without a usable status, an unknown visibility, a
score that is not a finite number) raises
:class:`~gradecheck.InvalidArgumentError`: a report never guesses a verdict.
"""

from __future__ import annotations

import dataclasses
import html
import math
import numbers
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from gradecheck._errors import InvalidArgumentError

__all__ = ["ElementCell", "ElementGrid", "element_grids", "render_html", "render_text"]

_MAX_CHARS = 4000
_MAX_LISTED_FAILURES = 10
_MAX_GRID_CELLS = 10_000
_VISIBILITIES = frozenset({"visible", "hidden", "after_due_date", "after_published"})
_STATUSES = frozenset({"passed", "failed"})
_ELEMENT_NAME = re.compile(r"(?P<base>[^\[]+)\[\s*(?P<i>\d+)\s*(?:,\s*(?P<j>\d+)\s*)?\]")

# Learner-facing wording, kept together so it can be reviewed as a whole.
_PASS_MARK, _FAIL_MARK = "\N{CHECK MARK}", "\N{BALLOT X}"
_DEFAULT_TITLE = "Grading report"
_HIDDEN = "hidden test"
_GROUP_SUMMARY = "{name}: {passed}/{total} elements correct"
_MORE_FAILURES = "\N{HORIZONTAL ELLIPSIS} and {count} more failing elements"
_SAME_OUTPUT = "(same output as above)"
_CUT = "\N{HORIZONTAL ELLIPSIS} ({count} more characters not shown)"
_TESTS_HEADING = "Tests"
_GRIDS_HEADING = "Gradients, element by element"
_DIAGNOSIS_HEADING = "Diagnosis"
_ERROR_HEADING = "The submission could not be graded"
_HINT = "Hint:"
_LEGEND = " \N{MIDDLE DOT} ".join(["green: correct", "red: wrong", "amber: partial credit", "grey: not tested"])


# ---------------------------------------------------------------------------
# The result, read and checked
# ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Outcome:
    """One test of the result; ``output`` is ``None`` for a hidden test."""

    name: str
    score: float | None
    max_score: float | None
    status: str
    output: str | None

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def hidden(self) -> bool:
        return self.output is None

    @property
    def partial(self) -> bool:
        """Whether it earned some but not all of its points."""
        return _partial(self.score, self.max_score)


@dataclasses.dataclass(frozen=True)
class ElementCell(_Outcome):
    """One element test of an :class:`ElementGrid`.

    Attributes:
        name: the test's full name, e.g. ``"dL/dW[2,1]"``.
        score: points earned, ``None`` where the result gives none.
        max_score: points possible, ``None`` where the result gives none.
        status: ``"passed"`` or ``"failed"``.
        output: the test's output; ``None`` for a hidden test.
        index: the indices in the name: ``(2, 1)`` for ``[2,1]``, ``(0,)`` for ``[0]``.
    """

    index: tuple[int, ...] = ()


@dataclasses.dataclass(frozen=True)
class ElementGrid:
    """The element tests sharing one base name, laid out by index.

    Attributes:
        name: the base name, e.g. ``"dL/dW"``.
        ndim: 1 for tests named ``BASE[j]``, 2 for ``BASE[i,j]``.
        shape: ``(rows, cols)``; ``(1, n)`` for 1-D indices ``[0]`` .. ``[n-1]``,
            ``(max i + 1, max j + 1)`` for 2-D indices.
        cells: ``rows`` tuples of ``cols`` cells each, row-major; ``None`` where
            no test has that index.
    """

    name: str
    ndim: int
    shape: tuple[int, int]
    cells: tuple[tuple[ElementCell | None, ...], ...]

    def tested(self) -> list[ElementCell]:
        """The cells that hold a test, row-major."""
        return [cell for row in self.cells for cell in row if cell is not None]

    def failed(self) -> list[ElementCell]:
        """The cells whose test failed, row-major."""
        return [cell for cell in self.tested() if not cell.passed]


@dataclasses.dataclass(frozen=True)
class _Diagnosis:
    mistake: str
    title: str
    explanation: str
    hint: str


@dataclasses.dataclass(frozen=True)
class _Report:
    title: str
    meta: str
    score: float
    max_score: float
    message: str
    items: tuple[_Outcome | ElementGrid, ...]
    diagnosis: tuple[_Diagnosis, ...]
    error: str | None

    @property
    def grids(self) -> list[ElementGrid]:
        return [item for item in self.items if isinstance(item, ElementGrid)]

    @property
    def plain_tests(self) -> list[_Outcome]:
        return [item for item in self.items if isinstance(item, _Outcome)]


def _fail(where: str, expected: str, value: object) -> InvalidArgumentError:
    return InvalidArgumentError(
        f"{where} must be {expected}, got {value!r} ({type(value).__name__}). "
        "Pass a results dict in the Gradescope format (DESIGN.md C2)."
    )


def _number(where: str, value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise _fail(where, "a finite number or None", value)
    return float(value)


def _string(where: str, value: object, default: str = "") -> str:
    if value is None:
        return default
    if not isinstance(value, str):
        raise _fail(where, "a string or None", value)
    return value


def _partial(score: float | None, max_score: float | None) -> bool:
    return score is not None and max_score is not None and 0 < score < max_score


def _read_test(k: int, test: object) -> _Outcome:
    where = f"tests[{k}]"
    if not isinstance(test, Mapping):
        raise _fail(where, "a mapping", test)
    score = _number(f"{where}['score']", test.get("score"))
    max_score = _number(f"{where}['max_score']", test.get("max_score"))
    status = test.get("status")
    if status is None:
        if score is None or max_score is None:
            raise _fail(f"{where}['status']", "'passed' or 'failed' (or both score and max_score given)", status)
        status = "passed" if score >= max_score else "failed"
    if status not in _STATUSES:
        raise _fail(f"{where}['status']", "'passed' or 'failed'", status)
    visibility = test.get("visibility", "visible")
    if visibility not in _VISIBILITIES:
        raise _fail(f"{where}['visibility']", f"one of {sorted(_VISIBILITIES)}", visibility)
    output = _string(f"{where}['output']", test.get("output"))
    name = _string(f"{where}['name']", test.get("name"), default=f"test {k + 1}")
    return _Outcome(name, score, max_score, status, None if visibility == "hidden" else output)


def _read_diagnosis(gc: Mapping[str, Any]) -> tuple[_Diagnosis, ...]:
    entries = gc.get("diagnosis") or []
    if not isinstance(entries, Sequence) or isinstance(entries, str):
        raise _fail("gradecheck['diagnosis']", "a list of mappings", entries)
    found = []
    for k, entry in enumerate(entries):
        where = f"gradecheck['diagnosis'][{k}]"
        if not isinstance(entry, Mapping):
            raise _fail(where, "a mapping", entry)
        mistake = _string(f"{where}['mistake']", entry.get("mistake"))
        found.append(
            _Diagnosis(
                mistake=mistake,
                title=_string(f"{where}['title']", entry.get("title"), default=mistake),
                explanation=_string(f"{where}['explanation']", entry.get("explanation")),
                hint=_string(f"{where}['hint']", entry.get("hint")),
            )
        )
    # A mistake named without a diagnosis entry is still reported, by its id.
    mistakes = gc.get("mistakes") or []
    if not isinstance(mistakes, Sequence) or isinstance(mistakes, str):
        raise _fail("gradecheck['mistakes']", "a list of strings", mistakes)
    described = {d.mistake for d in found}
    for k, mistake in enumerate(mistakes):
        mistake = _string(f"gradecheck['mistakes'][{k}]", mistake)
        if mistake not in described:
            found.append(_Diagnosis(mistake, mistake, "", ""))
            described.add(mistake)
    return tuple(found)


def _read_tests(result: Mapping[str, Any]) -> list[_Outcome]:
    tests = result.get("tests") or []
    if not isinstance(tests, Sequence) or isinstance(tests, str):
        raise _fail("result['tests']", "a list of mappings", tests)
    return [_read_test(k, test) for k, test in enumerate(tests)]


def _read(result: Mapping[str, Any]) -> _Report:
    if not isinstance(result, Mapping):
        raise _fail("result", "a mapping", result)
    tests = _read_tests(result)
    gc = result.get("gradecheck") or {}
    if not isinstance(gc, Mapping):
        raise _fail("result['gradecheck']", "a mapping", gc)
    exercise = _string("gradecheck['exercise']", gc.get("exercise"))
    version = gc.get("version")
    version = "" if version is None else str(version)
    title = _string("gradecheck['title']", gc.get("title")) or exercise or _DEFAULT_TITLE
    meta = " \N{MIDDLE DOT} ".join(
        part for part in (exercise if exercise != title else "", f"version {version}" if version else "") if part
    )
    score = _number("result['score']", result.get("score"))
    max_score = _number("result['max_score']", result.get("max_score"))
    error = gc.get("error")
    return _Report(
        title=title,
        meta=meta,
        score=score if score is not None else sum(t.score or 0.0 for t in tests),
        max_score=max_score if max_score is not None else sum(t.max_score or 0.0 for t in tests),
        message=_message(result, gc),
        items=tuple(_group(tests)),
        diagnosis=_read_diagnosis(gc),
        error=None if error is None else _string("gradecheck['error']", error),
    )


def _message(result: Mapping[str, Any], gc: Mapping[str, Any]) -> str:
    """The overall message.  gradecheck's own results repeat the score, diagnosis and
    error in ``output`` (for Gradescope); the report shows those in their own
    sections, so only the notes remain."""
    if isinstance(gc.get("notes"), list):
        return "\n".join(_string("gradecheck['notes'][]", note) for note in gc.get("notes", []))
    return _string("result['output']", result.get("output"))


# ---------------------------------------------------------------------------
# Element grids
# ---------------------------------------------------------------------------


def _element_index(name: str) -> tuple[str, tuple[int, ...]] | None:
    match = _ELEMENT_NAME.fullmatch(name)
    if match is None or not match["base"].strip():
        return None
    index = (int(match["i"]),) if match["j"] is None else (int(match["i"]), int(match["j"]))
    return match["base"].strip(), index


def _make_grid(base: str, members: list[tuple[tuple[int, ...], _Outcome]]) -> ElementGrid | None:
    indices = [index for index, _ in members]
    ndims = {len(index) for index in indices}
    if len(ndims) != 1 or len(set(indices)) != len(indices):
        return None
    positions = [(0, index[0]) if len(index) == 1 else index for index in indices]
    shape = (max(i for i, _ in positions) + 1, max(j for _, j in positions) + 1)
    if shape[0] * shape[1] > _MAX_GRID_CELLS:
        return None
    cells: list[list[ElementCell | None]] = [[None] * shape[1] for _ in range(shape[0])]
    for (i, j), (index, t) in zip(positions, members):
        cells[i][j] = ElementCell(t.name, t.score, t.max_score, t.status, t.output, index=index)
    return ElementGrid(base, ndims.pop(), shape, tuple(tuple(row) for row in cells))


def _group(tests: Iterable[_Outcome]) -> Iterator[_Outcome | ElementGrid]:
    """Tests in order, each grid at the place of its first element test."""
    tests = list(tests)
    members: dict[str, list[tuple[tuple[int, ...], _Outcome]]] = {}
    for t in tests:
        parsed = _element_index(t.name)
        if parsed is not None:
            members.setdefault(parsed[0], []).append((parsed[1], t))
    grids = {base: _make_grid(base, found) for base, found in members.items()}
    emitted = set()
    for t in tests:
        parsed = _element_index(t.name)
        grid = grids.get(parsed[0]) if parsed is not None else None
        if grid is None:
            yield t
        elif grid.name not in emitted:
            emitted.add(grid.name)
            yield grid


def element_grids(result: Mapping[str, Any]) -> dict[str, ElementGrid]:
    """The element tests of ``result`` grouped by base name, in order of first appearance.

    Args:
        result: a results dict in the Gradescope format (DESIGN.md C2).

    Returns:
        base name -> :class:`ElementGrid`.  ``BASE[j]`` tests give a 1 x n grid,
        ``BASE[i,j]`` tests a rows x cols grid; cells no test names are ``None``.
        Hidden tests keep their score and status; their output is ``None``.

    Raises:
        InvalidArgumentError: ``result`` is not a valid C2 results dict.
    """
    return {grid.name: grid for grid in _read(result).grids}


# ---------------------------------------------------------------------------
# Strings from the result
# ---------------------------------------------------------------------------

_BIDI_CONTROLS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))


def _clean(text: str) -> str:
    """``text`` cut to ``_MAX_CHARS``, with control characters (but newline and tab) made visible."""
    if len(text) > _MAX_CHARS:
        text = text[:_MAX_CHARS] + "\n" + _CUT.format(count=len(text) - _MAX_CHARS)
    return "".join(
        f"\\x{ord(ch):02x}"
        if (ord(ch) < 0x20 and ch not in "\n\t") or 0x7F <= ord(ch) < 0xA0
        else f"\\u{ord(ch):04x}"
        if ch in _BIDI_CONTROLS
        else ch
        for ch in text
    )


def _one_line(text: str) -> str:
    return " ".join(_clean(text).split())


def _num(x: float) -> str:
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _points(score: float | None, max_score: float | None) -> str:
    if score is None and max_score is None:
        return ""
    return f"{'-' if score is None else _num(score)} / {'-' if max_score is None else _num(max_score)}"


def _sum(values: Iterable[float | None]) -> float | None:
    values = [v for v in values if v is not None]
    return sum(values) if values else None


def _grid_points(grid: ElementGrid) -> str:
    """The grid's total points; empty when a hidden test would contribute."""
    cells = grid.tested()
    if any(cell.hidden for cell in cells):
        return ""
    return _points(_sum(c.score for c in cells), _sum(c.max_score for c in cells))


def _test_points(t: _Outcome | ElementCell) -> str:
    return "" if t.hidden else _points(t.score, t.max_score)


def _summary(grid: ElementGrid) -> str:
    cells = grid.tested()
    return _GROUP_SUMMARY.format(name=_one_line(grid.name), passed=sum(c.passed for c in cells), total=len(cells))


@dataclasses.dataclass(frozen=True)
class _Row:
    """One row of a test listing: a grid's summary, a test, or a count of failures not listed."""

    grid: ElementGrid | None = None
    test: _Outcome | ElementCell | None = None
    output: str = ""  # the test's output as shown: "" when hidden or empty
    sub: bool = False  # a failing element listed under its grid's summary
    more: int = 0


def _rows(items: Iterable[_Outcome | ElementGrid], error: str | None) -> Iterator[_Row]:
    """The listing of ``items``: a grid is its summary and then its first failing elements.

    When the submission could not be graded (``error`` is not ``None``), grids
    are their summary only and outputs equal to ``error`` are left out: the
    error is shown once, on its own.  An output equal to the previous one shown
    is shown as ``_SAME_OUTPUT``.
    """
    previous = error
    for item in items:
        if isinstance(item, ElementGrid):
            yield _Row(grid=item)
            failed = item.failed() if error is None else []
            tests, more = failed[:_MAX_LISTED_FAILURES], len(failed) - _MAX_LISTED_FAILURES
        else:
            tests, more = [item], 0
        for t in tests:
            output = "" if t.hidden or not t.output or t.output == error else t.output
            output = _SAME_OUTPUT if output and output == previous else output
            previous = t.output if output else previous
            yield _Row(test=t, output=output, sub=isinstance(item, ElementGrid))
        if more > 0:
            yield _Row(more=more)


# ---------------------------------------------------------------------------
# Text and Markdown
# ---------------------------------------------------------------------------


def _mark(passed: bool, color: bool) -> str:
    mark = _PASS_MARK if passed else _FAIL_MARK
    if not color:
        return mark
    return f"\x1b[{32 if passed else 31}m{mark}\x1b[0m"


def _indent(text: str, prefix: str) -> list[str]:
    return [prefix + line if line else line for line in text.splitlines()]


def _text_row(row: _Row, color: bool) -> list[str]:
    if row.grid is not None:
        points = _grid_points(row.grid)
        return [f"{_mark(not row.grid.failed(), color)} {_summary(row.grid)}" + (f"  ({points})" if points else "")]
    if row.test is None:
        return ["    " + _MORE_FAILURES.format(count=row.more)]
    t, prefix = row.test, "    " if row.sub else ""
    label = f"({_HIDDEN})" if t.hidden else _test_points(t)
    line = f"{prefix}{_mark(t.passed, color)} {_one_line(t.name)}" + (f"  {label}" if label else "")
    return [line, *_indent(_clean(row.output), prefix + "    ")]


def _plain(report: _Report, color: bool) -> list[str]:
    lines = [_one_line(report.title)]
    if report.meta:
        lines.append(_one_line(report.meta))
    lines.append(f"Score: {_points(report.score, report.max_score)}")
    if report.message:
        lines += ["", *_clean(report.message).splitlines()]
    if report.items:
        lines += ["", _TESTS_HEADING]
        for row in _rows(report.items, report.error):
            lines += _text_row(row, color)
    if report.diagnosis:
        lines += ["", _DIAGNOSIS_HEADING]
        for d in report.diagnosis:
            lines.append(f"- {_one_line(d.title)}")
            lines += _indent(_clean(d.explanation), "    ")
            if d.hint:
                lines += _indent(f"{_HINT} {_clean(d.hint)}", "    ")
    if report.error is not None:
        lines += ["", _ERROR_HEADING, *_indent(_clean(report.error), "    ")]
    return lines


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#!&$])")
_MD_LINE_START = re.compile(r"^(?:([-+=])|(\d+)([.)]))")


def _md(text: str) -> str:
    """One line of Markdown showing ``text`` literally (newlines become ``<br>``)."""
    return "<br>".join(_MD_SPECIAL.sub(r"\\\1", line) for line in _clean(text).splitlines())


def _md_paragraph(text: str) -> list[str]:
    """Markdown lines showing ``text`` literally as one paragraph with hard line breaks."""
    lines = []
    for line in _clean(text).splitlines():
        line = _MD_SPECIAL.sub(r"\\\1", line.strip())
        line = _MD_LINE_START.sub(lambda m: "\\" + m[1] if m[1] else f"{m[2]}\\{m[3]}", line)
        if line:
            lines.append(line)
    return [line + "<br>" for line in lines[:-1]] + lines[-1:]


def _md_fence(text: str) -> list[str]:
    text = _clean(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + "text", *text.splitlines(), fence]


def _md_row(mark: str, name: str, points: str, output: str) -> str:
    return f"| {mark} | {name} | {points} | {output} |"


def _md_table_row(row: _Row, color: bool) -> str:
    if row.grid is not None:
        return _md_row(_mark(not row.grid.failed(), color), _md(_summary(row.grid)), _md(_grid_points(row.grid)), "")
    if row.test is None:
        return _md_row("", _md(_MORE_FAILURES.format(count=row.more)), "", "")
    t = row.test
    name = ("\N{DOWNWARDS ARROW WITH TIP RIGHTWARDS} " if row.sub else "") + _md(_one_line(t.name))
    output = f"*{_HIDDEN}*" if t.hidden else _md(row.output)
    return _md_row(_mark(t.passed, color), name, _md(_test_points(t)), output)


def _markdown(report: _Report, color: bool) -> list[str]:
    lines = [f"## {_md(_one_line(report.title))}", ""]
    if report.meta:
        lines += [_md(_one_line(report.meta)), ""]
    lines.append(f"**Score: {_md(_points(report.score, report.max_score))}**")
    if report.message:
        lines += ["", *_md_paragraph(report.message)]
    if report.items:
        lines += ["", f"### {_TESTS_HEADING}", "", "| | Test | Points | Output |", "|:-:|---|--:|---|"]
        lines += [_md_table_row(row, color) for row in _rows(report.items, report.error)]
    if report.diagnosis:
        lines += ["", f"### {_DIAGNOSIS_HEADING}"]
        for d in report.diagnosis:
            lines += ["", f"#### {_md(_one_line(d.title))}"]
            if d.explanation:
                lines += ["", *_md_paragraph(d.explanation)]
            if d.hint:
                lines += ["", f"**{_HINT}** " + "\n".join(_md_paragraph(d.hint))]
    if report.error is not None:
        lines += ["", f"### {_ERROR_HEADING}", "", *_md_fence(report.error)]
    return lines


def render_text(result: Mapping[str, Any], *, color: bool = False, markdown: bool = False) -> str:
    """The result as a report for the learner, in plain text or GitHub Markdown.

    The report has a header (exercise title and id, ``score / max_score``), a
    line per test (a check or cross mark, the name, the points, then the
    output indented), the diagnosis of named mistakes (title, explanation,
    hint) and the error if the submission could not be graded.  The element
    tests of one :class:`ElementGrid` take one line when all passed
    (``"dL/dW: 12/12 elements correct"``); otherwise that line is followed by
    the failing elements (at most 10).  Hidden tests show name and status only.
    An output equal to the one shown just before it reads "(same output as
    above)".  When the submission could not be graded, grids show their
    summary line only and the error is shown once, at the end.

    Args:
        result: a results dict in the Gradescope format (DESIGN.md C2).
        color: wrap the marks in ANSI green / red; nothing else changes.
        markdown: GitHub Markdown, the tests as a table, every string from the
            result escaped so it shows literally.

    Returns:
        The report, lines joined with ``"\\n"``, ending in a newline.

    Raises:
        InvalidArgumentError: ``result`` is not a valid C2 results dict.
    """
    report = _read(result)
    lines = _markdown(report, color) if markdown else _plain(report, color)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem;
       color: #1f2328; line-height: 1.45; }
h1 { margin-bottom: .2rem; } .meta { color: #59636e; margin-top: 0; }
.score { font-size: 1.3rem; }
pre { white-space: pre-wrap; margin: 0; font-size: .9rem; }
.message { white-space: pre-wrap; }
.grid-row { display: flex; flex-wrap: wrap; gap: 2rem; align-items: flex-start; }
figure { margin: 0; }
figcaption { font-weight: 600; margin-bottom: .4rem; }
table.cells { border-collapse: separate; border-spacing: 3px; }
table.cells td { min-width: 3rem; height: 2.2rem; text-align: center; border-radius: 4px;
                 font-family: ui-monospace, monospace; font-size: .85rem; }
td.passed { background: #b7e4c0; } td.failed { background: #f4b4b4; }
td.partial { background: #f7d79a; } td.untested { background: #eaeef2; color: #8c959f; }
table.tests { border-collapse: collapse; width: 100%; }
table.tests th, table.tests td { border-bottom: 1px solid #d1d9e0; padding: .35rem .5rem;
                                 text-align: left; vertical-align: top; }
tr.passed .mark { color: #1a7f37; } tr.failed .mark { color: #cf222e; }
.hidden-test { color: #59636e; font-style: italic; }
ul.failures { padding-left: 1.2rem; font-size: .9rem; }
.diagnosis article { border-left: 4px solid #d4a72c; padding-left: 1rem; margin-bottom: 1rem; }
.explanation { white-space: pre-wrap; }
.error pre { background: #ffebe9; padding: .8rem; border-radius: 4px; }
.legend { color: #59636e; font-size: .85rem; }
"""


def _h(text: str) -> str:
    return html.escape(_clean(text), quote=True)


def _cell_kind(cell: ElementCell) -> str:
    return "partial" if cell.partial else cell.status


def _tooltip(cell: ElementCell) -> str:
    status = _PASS_MARK if cell.passed else _FAIL_MARK
    if cell.hidden:
        return f"{cell.name}: {status} ({_HIDDEN})"
    points = _test_points(cell)
    head = f"{cell.name}: {status}" + (f" ({points})" if points else "")
    return head + (f"\n{cell.output}" if cell.output else "")


def _html_cell(grid: ElementGrid, cell: ElementCell | None, i: int, j: int) -> str:
    label = f"[{j}]" if grid.ndim == 1 else f"[{i},{j}]"
    if cell is None:
        return f'<td class="untested">{label}</td>'
    mark = "\N{CIRCLE WITH LEFT HALF BLACK}" if cell.partial else _PASS_MARK if cell.passed else _FAIL_MARK
    return f'<td class="{_cell_kind(cell)}" title="{_h(_tooltip(cell))}">{label}<br>{mark}</td>'


def _html_failure(row: _Row) -> str:
    if row.test is None:
        return f"<li>{_h(_MORE_FAILURES.format(count=row.more))}</li>"
    if row.test.hidden:
        return f'<li>{_h(row.test.name)} <span class="hidden-test">({_HIDDEN})</span></li>'
    output = f": <code>{_h(row.output)}</code>" if row.output else ""
    return f"<li>{_h(row.test.name)}{output}</li>"


def _html_grid(grid: ElementGrid, error: str | None) -> list[str]:
    lines = [f'<figure class="grid"><figcaption>{_h(_summary(grid))}</figcaption>', '<table class="cells">']
    for i, row in enumerate(grid.cells):
        lines.append("<tr>" + "".join(_html_cell(grid, cell, i, j) for j, cell in enumerate(row)) + "</tr>")
    lines.append("</table>")
    failures = [row for row in _rows([grid], error) if row.grid is None]
    if failures:
        lines += ['<ul class="failures">', *(_html_failure(row) for row in failures), "</ul>"]
    lines.append("</figure>")
    return lines


def _html_test(row: _Row) -> str:
    t = row.test
    mark = f'<td class="mark">{_PASS_MARK if t.passed else _FAIL_MARK}</td>'
    if t.hidden:
        body = f'<td></td><td class="hidden-test">{_HIDDEN}</td>'
    else:
        body = f"<td>{_h(_test_points(t))}</td><td><pre>{_h(row.output)}</pre></td>"
    return f'<tr class="{t.status}">{mark}<td>{_h(t.name)}</td>{body}</tr>'


def _html_body(report: _Report) -> list[str]:
    lines = ["<header>", f"<h1>{_h(report.title)}</h1>"]
    if report.meta:
        lines.append(f'<p class="meta">{_h(report.meta)}</p>')
    score = _h(_points(report.score, report.max_score))
    lines += [f'<p class="score">Score: <strong>{score}</strong></p>', "</header>"]
    if report.message:
        lines.append(f'<p class="message">{_h(report.message)}</p>')
    if report.grids:
        lines += ['<section class="grids">', f"<h2>{_GRIDS_HEADING}</h2>", '<div class="grid-row">']
        for grid in report.grids:
            lines += _html_grid(grid, report.error)
        lines += ["</div>", f'<p class="legend">{_h(_LEGEND)}</p>', "</section>"]
    if report.plain_tests:
        lines += ['<section class="tests">', f"<h2>{_TESTS_HEADING}</h2>", '<table class="tests">']
        lines.append("<thead><tr><th></th><th>Test</th><th>Points</th><th>Output</th></tr></thead><tbody>")
        lines += [_html_test(row) for row in _rows(report.plain_tests, report.error)]
        lines += ["</tbody></table>", "</section>"]
    if report.diagnosis:
        lines += ['<section class="diagnosis">', f"<h2>{_DIAGNOSIS_HEADING}</h2>"]
        for d in report.diagnosis:
            lines += ["<article>", f"<h3>{_h(d.title)}</h3>"]
            if d.explanation:
                lines.append(f'<p class="explanation">{_h(d.explanation)}</p>')
            if d.hint:
                lines.append(f'<p class="explanation"><strong>{_HINT}</strong> {_h(d.hint)}</p>')
            lines.append("</article>")
        lines.append("</section>")
    if report.error is not None:
        lines += ['<section class="error">', f"<h2>{_ERROR_HEADING}</h2>", f"<pre>{_h(report.error)}</pre>"]
        lines.append("</section>")
    return lines


def render_html(result: Mapping[str, Any]) -> str:
    """The result as a self-contained HTML5 page for the learner.

    Inline CSS only: no scripts, no external resources.  Every string from the
    result is escaped with :func:`html.escape`.  The page shows the header, the
    :class:`ElementGrid` s side by side (one table each; a cell per index,
    green passed, red failed, amber partial credit, grey untested; the output
    of a visible test in the cell's ``title`` tooltip; the failing elements
    listed under the grid), then the other tests, the diagnosis and the error.
    Hidden tests show name and status only.

    Args:
        result: a results dict in the Gradescope format (DESIGN.md C2).

    Returns:
        The page, starting with ``<!DOCTYPE html>``.

    Raises:
        InvalidArgumentError: ``result`` is not a valid C2 results dict.
    """
    report = _read(result)
    head = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_h(report.title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
    ]
    return "\n".join([*head, *_html_body(report), "</main>", "</body>", "</html>"]) + "\n"
