"""A grading result read for reporting: checked outcomes, element grids, table rows, escaped strings.

Shared by the text/Markdown (:mod:`gradecheck._reports`) and HTML
(:mod:`gradecheck._report_html`) renderers.

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
import math
import numbers
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from gradecheck._errors import InvalidArgumentError
from gradecheck._points import total
from gradecheck._text import ELLIPSIS, shorten
from gradecheck._exercises import VISIBILITIES

__all__ = ["ElementCell", "ElementGrid", "element_grids"]

_MAX_CHARS = 4000
_MAX_LISTED_FAILURES = 10
_MAX_GRID_CELLS = 10_000
_VISIBILITIES = frozenset(VISIBILITIES)
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
_PARTIAL_ERROR_HEADING = "Part of the submission could not be graded"
#: Errors after which the rest of the submission was still graded (``gradecheck.error_kind``).
_PARTIAL_ERROR_KINDS = ("missing-function", "timeout")
_HINT = "Hint:"
_NOT_CHECKED_HEADING = "Not checked here: {points} more points of the grade's {max_score}"
_NOT_CHECKED_SCORE = "visible checks only: {points} hidden points not checked, see below"
_NOT_CHECKED_HOW = "Run them too: {run_with}"
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
class _Unchecked:
    """An item a self-check did not run (``gradecheck.not_checked.items[]``)."""

    name: str
    points: float
    instances: int
    varies: str
    settings: str

    def line(self) -> str:
        """``NAME (P points): N random instances; they vary: ...; settings: ...``."""
        head = f"{_one_line(self.name)} ({_num(self.points)} point{'' if self.points == 1 else 's'})"
        if self.instances:
            head += f": {self.instances} random instances; they vary {self.varies}"
        else:
            head += f": on {self.varies}"
        return head + (f"; settings: {self.settings}" if self.settings else "")


@dataclasses.dataclass(frozen=True)
class _NotChecked:
    """What a self-check left out (``gradecheck.not_checked``, see :mod:`gradecheck._unchecked`)."""

    points: float
    max_score: float
    items: tuple[_Unchecked, ...]
    run_with: str | None

    def heading(self) -> str:
        return _NOT_CHECKED_HEADING.format(points=_num(self.points), max_score=_num(self.max_score))

    def score_note(self) -> str:
        return _NOT_CHECKED_SCORE.format(points=_num(self.points))

    def how(self) -> str:
        return _NOT_CHECKED_HOW.format(run_with=self.run_with) if self.run_with else ""


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
    not_checked: _NotChecked | None = None
    error_kind: str | None = None

    @property
    def error_heading(self) -> str:
        """The error's heading: "part of" where the rest was graded (a function missing, a time-out)."""
        return _PARTIAL_ERROR_HEADING if self.error_kind in _PARTIAL_ERROR_KINDS else _ERROR_HEADING

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
        score=score if score is not None else total(t.score for t in tests),
        max_score=max_score if max_score is not None else total(t.max_score for t in tests),
        message=_message(result, gc),
        items=tuple(_group(tests)),
        diagnosis=_read_diagnosis(gc),
        error=None if error is None else _string("gradecheck['error']", error),
        not_checked=_read_not_checked(gc.get("not_checked")),
        error_kind=gc.get("error_kind") if isinstance(gc.get("error_kind"), str) else None,
    )


def _read_not_checked(block: object) -> _NotChecked | None:
    if block is None:
        return None
    where = "gradecheck['not_checked']"
    if not isinstance(block, Mapping):
        raise _fail(where, "a mapping", block)
    items = block.get("items")
    if not isinstance(items, Sequence) or isinstance(items, str):
        raise _fail(f"{where}['items']", "a list of mappings", items)
    read = []
    for k, item in enumerate(items):
        at = f"{where}['items'][{k}]"
        if not isinstance(item, Mapping):
            raise _fail(at, "a mapping", item)
        instances = item.get("instances", 0)
        if not isinstance(instances, int) or isinstance(instances, bool) or instances < 0:
            raise _fail(f"{at}['instances']", "a whole number >= 0", instances)
        read.append(
            _Unchecked(
                name=_string(f"{at}['name']", item.get("name")),
                points=_number(f"{at}['points']", item.get("points")) or 0.0,
                instances=instances,
                varies=_string(f"{at}['varies']", item.get("varies")),
                settings=_string(f"{at}['settings']", item.get("settings")),
            )
        )
    run_with = block.get("run_with")
    return _NotChecked(
        points=_number(f"{where}['points']", block.get("points")) or 0.0,
        max_score=_number(f"{where}['max_score']", block.get("max_score")) or 0.0,
        items=tuple(read),
        run_with=None if run_with is None else _string(f"{where}['run_with']", run_with),
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
        kept = shorten(text, _MAX_CHARS + 1).removesuffix(ELLIPSIS)  # at most _MAX_CHARS, ending at a word
        text = kept + "\n" + _CUT.format(count=len(text) - len(kept))
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
    return total(values) if values else None


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
