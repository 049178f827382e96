"""Learner-facing reports of one grading result: plain text and Markdown (HTML: :mod:`gradecheck._report_html`).

See :mod:`gradecheck._report_model` for what is read from the result and how
strings written by student code are made safe.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from gradecheck._report_html import render_html
from gradecheck._report_model import (
    ElementCell,
    ElementGrid,
    element_grids,
    _DIAGNOSIS_HEADING,
    _FAIL_MARK,
    _HIDDEN,
    _HINT,
    _MORE_FAILURES,
    _NotChecked,
    _PASS_MARK,
    _Report,
    _Row,
    _TESTS_HEADING,
    _clean,
    _grid_points,
    _one_line,
    _points,
    _read,
    _rows,
    _summary,
    _test_points,
)

__all__ = ["ElementCell", "ElementGrid", "element_grids", "render_html", "render_text"]


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
    note = f" ({report.not_checked.score_note()})" if report.not_checked else ""
    lines.append(f"Score: {_points(report.score, report.max_score)}{note}")
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
        lines += ["", report.error_heading, *_indent(_clean(report.error), "    ")]
    if report.not_checked is not None:
        lines += ["", *_not_checked_lines(report.not_checked)]
    return lines


def _not_checked_lines(note: _NotChecked) -> list[str]:
    lines = [_one_line(note.heading())]
    for item in note.items:
        lines.append(f"- {_clean(item.line())}")
    if note.how():
        lines.append(_one_line(note.how()))
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
    note = f" ({_md(report.not_checked.score_note())})" if report.not_checked else ""
    lines.append(f"**Score: {_md(_points(report.score, report.max_score))}**{note}")
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
        lines += ["", f"### {report.error_heading}", "", *_md_fence(report.error)]
    if report.not_checked is not None:
        note = report.not_checked
        lines += ["", f"### {_md(note.heading())}", ""]
        lines += [f"- {_md(item.line())}" for item in note.items]
        if note.how():
            lines += ["", _md(note.how())]
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
    A self-check's result that left items out (``gradecheck.not_checked``) says
    so on the score line and ends with what they are and how to run them.
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

