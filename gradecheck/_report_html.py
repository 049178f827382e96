"""The HTML report of one grading result, with element grids as coloured tables."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from gradecheck._report_model import (
    ElementCell,
    ElementGrid,
    _DIAGNOSIS_HEADING,
    _FAIL_MARK,
    _GRIDS_HEADING,
    _HIDDEN,
    _HINT,
    _LEGEND,
    _MORE_FAILURES,
    _NotChecked,
    _PASS_MARK,
    _Report,
    _Row,
    _TESTS_HEADING,
    _clean,
    _points,
    _read,
    _rows,
    _summary,
    _test_points,
)

__all__ = ["render_html"]


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
.not-checked { border-left: 4px solid #0969da; padding-left: 1rem; }
"""

#: The class of the element that holds a report shown inside another page (a notebook's output).
FRAGMENT_CLASS = "gradecheck-report"


def _scoped_css(css: str) -> str:
    """``css`` with every selector under ``.gradecheck-report`` (``body`` becomes the report itself), so
    that a report shown in a notebook styles nothing else on the page."""

    def scope_with(match: re.Match[str]) -> str:
        selectors = []
        for selector in match.group(2).split(","):
            selector = selector.strip()
            selectors.append(f".{FRAGMENT_CLASS}" if selector == "body" else f".{FRAGMENT_CLASS} {selector}")
        return match.group(1) + ", ".join(selectors) + " {"

    return re.sub(r"(\s*)([^{}\s][^{}]*?)\s*\{", scope_with, css)


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
    note = f" ({_h(report.not_checked.score_note())})" if report.not_checked else ""
    lines += [f'<p class="score">Score: <strong>{score}</strong>{note}</p>', "</header>"]
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
        lines += ['<section class="error">', f"<h2>{_h(report.error_heading)}</h2>", f"<pre>{_h(report.error)}</pre>"]
        lines.append("</section>")
    if report.not_checked is not None:
        lines += _html_not_checked(report.not_checked)
    return lines


def _html_not_checked(note: _NotChecked) -> list[str]:
    lines = ['<section class="not-checked">', f"<h2>{_h(note.heading())}</h2>", "<ul>"]
    lines += [f"<li>{_h(item.line())}</li>" for item in note.items]
    lines.append("</ul>")
    if note.how():
        lines.append(f"<p>{_h(note.how())}</p>")
    lines.append("</section>")
    return lines


def render_html(result: Mapping[str, Any], *, fragment: bool = False) -> str:
    """The result as a self-contained HTML5 page for the learner (or, with ``fragment``, a ``<div>`` for a notebook).

    Inline CSS only: no scripts, no external resources.  Every string from the
    result is escaped with :func:`html.escape`.  The page shows the header, the
    :class:`ElementGrid` s side by side (one table each; a cell per index,
    green passed, red failed, amber partial credit, grey untested; the output
    of a visible test in the cell's ``title`` tooltip; the failing elements
    listed under the grid), then the other tests, the diagnosis and the error.
    Hidden tests show name and status only.

    A self-check's result that left items out says so by the score and in a
    last section (what they vary, how to run them).

    Args:
        result: a results dict in the Gradescope format (DESIGN.md C2).
        fragment: return ``<div class="gradecheck-report">`` holding the report and
            its style, every CSS rule scoped to that class, to be shown inside
            another page (a notebook's output) without restyling it.

    Returns:
        The page, starting with ``<!DOCTYPE html>``; with ``fragment``, the ``<div>``.

    Raises:
        InvalidArgumentError: ``result`` is not a valid C2 results dict.
    """
    report = _read(result)
    if fragment:
        body = "\n".join(_html_body(report))
        return f'<div class="{FRAGMENT_CLASS}">\n<style>{_scoped_css(_CSS)}</style>\n{body}\n</div>\n'
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
