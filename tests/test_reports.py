"""Tests for gradecheck._reports: element grids, text/Markdown and HTML reports of a C2 result."""

from __future__ import annotations

import copy
import re
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradecheck._errors import InvalidArgumentError
from gradecheck._report_model import _MAX_CHARS, _MAX_LISTED_FAILURES
from gradecheck._reports import element_grids, render_html, render_text

SECRET = "SECRET-7f3a: expected 0.118 at seed 99"
SCRIPT = "<script>alert('pwned')</script>"
ANSI = re.compile(r"\x1b\[\d+m")

# ---------------------------------------------------------------------------
# Results to render
# ---------------------------------------------------------------------------


def _test(name, passed, output="", *, score=None, max_score=1.0, visibility="visible"):
    if score is None:
        score = max_score if passed else 0.0
    return {
        "name": name,
        "score": score,
        "max_score": max_score,
        "status": "passed" if passed else "failed",
        "output": output,
        "visibility": visibility,
    }


def twelve_weights(failing_w=frozenset({(2, 1), (0, 3)}), failing_b=frozenset({1}), failing_x=frozenset()):
    """A twelve-weights-like result: dL/dW 3x4, dL/db 3, dL/dx 4, a hidden and a plain test."""
    tests = [
        _test(f"dL/dW[{i},{j}]", (i, j) not in failing_w, f"W[{i},{j}]: expected {i}.{j}, got 9.{i}{j}")
        for i in range(3)
        for j in range(4)
    ]
    tests += [_test(f"dL/db[{i}]", i not in failing_b, f"b[{i}] output") for i in range(3)]
    tests += [_test(f"dL/dx[{i}]", i not in failing_x, f"x[{i}] output") for i in range(4)]
    tests.append(_test("hidden: random upstream", False, SECRET, max_score=2.0, visibility="hidden"))
    tests.append(_test("forward", True, "activations match"))
    return {
        "score": sum(t["score"] for t in tests),
        "max_score": sum(t["max_score"] for t in tests),
        "execution_time": 0.8,
        "output": "Some gradients are wrong; see the diagnosis.",
        "tests": tests,
        "gradecheck": {
            "exercise": "twelve-weights",
            "version": "1",
            "title": "Twelve weights and three biases",
            "mistakes": ["missing-activation-derivative"],
            "diagnosis": [
                {
                    "mistake": "missing-activation-derivative",
                    "title": "Activation derivative missing",
                    "explanation": "dL/da is right but dL/dz is wrong for every neuron.",
                    "hint": "Multiply by a*(1-a).",
                }
            ],
            "error": None,
        },
    }


def error_only(error="SyntaxError: invalid syntax (submission.py, line 3)"):
    return {
        "score": 0.0,
        "max_score": 15.0,
        "output": "",
        "tests": [],
        "gradecheck": {"exercise": "twelve-weights", "version": "1", "mistakes": [], "error": error},
    }


ALL_MODES = [dict(), dict(color=True), dict(markdown=True), dict(markdown=True, color=True)]


def all_renderings(result) -> list[str]:
    return [render_text(result, **mode) for mode in ALL_MODES] + [render_html(result)]


# ---------------------------------------------------------------------------
# HTML inspection
# ---------------------------------------------------------------------------

_VOID = {"meta", "br", "link", "img", "hr", "input", "wbr", "col", "area", "base", "source"}


class _PageParser(HTMLParser):
    """Checks that tags balance; records tags, td cells of each grid and the text shown."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.tags: list[str] = []
        self.grids: dict[str, list[list[tuple[str, str | None, str]]]] = {}
        self.text: list[str] = []
        self._caption: list[str] | None = None
        self._grid: list[list[tuple[str, str | None, str]]] | None = None
        self._cell: dict | None = None
        self._name = ""

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        if tag not in _VOID:
            self.stack.append(tag)
        if tag == "figcaption":
            self._caption = []
        elif tag == "table" and attrs.get("class") == "cells":
            self._grid = []
        elif tag == "tr" and self._grid is not None:
            self._grid.append([])
        elif tag == "td" and self._grid is not None:
            self._cell = {"class": attrs.get("class"), "title": attrs.get("title"), "text": ""}

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:]}")
            return
        self.stack.pop()
        if tag == "figcaption":
            self._name = "".join(self._caption).split(":")[0]
            self._caption = None
        elif tag == "td" and self._cell is not None:
            self._grid[-1].append((self._cell["class"], self._cell["title"], self._cell["text"]))
            self._cell = None
        elif tag == "table" and self._grid is not None:
            self.grids[self._name] = self._grid
            self._grid = None

    def handle_data(self, data):
        self.text.append(data)
        if self._caption is not None:
            self._caption.append(data)
        if self._cell is not None:
            self._cell["text"] += data


def parse_page(page: str) -> _PageParser:
    parser = _PageParser()
    parser.feed(page)
    parser.close()
    assert not parser.problems, parser.problems
    assert parser.stack == [], f"unclosed tags: {parser.stack}"
    return parser


# ---------------------------------------------------------------------------
# element_grids
# ---------------------------------------------------------------------------


def test_element_grids_of_twelve_weights():
    failing_w, failing_b = {(2, 1), (0, 3)}, {1}
    grids = element_grids(twelve_weights(failing_w, failing_b))
    assert list(grids) == ["dL/dW", "dL/db", "dL/dx"]
    assert [(g.shape, g.ndim) for g in grids.values()] == [((3, 4), 2), ((1, 3), 1), ((1, 4), 1)]
    w = grids["dL/dW"]
    assert {cell.index for cell in w.failed()} == failing_w
    for i in range(3):
        for j in range(4):
            cell = w.cells[i][j]
            assert cell.name == f"dL/dW[{i},{j}]" and cell.index == (i, j)
            assert cell.passed == ((i, j) not in failing_w)
            assert cell.score == (0.0 if (i, j) in failing_w else 1.0) and cell.max_score == 1.0
            assert cell.output == f"W[{i},{j}]: expected {i}.{j}, got 9.{i}{j}"
    b = grids["dL/db"]
    assert [cell.index for cell in b.tested()] == [(0,), (1,), (2,)]
    assert [cell.status for cell in b.cells[0]] == ["passed", "failed", "passed"]


def test_element_grids_mark_missing_cells_and_hide_hidden_outputs():
    result = {
        "tests": [
            _test("d_biases[2]", True, "two"),
            _test("d_biases[0]", False, SECRET, visibility="hidden"),
            _test("g[1, 2]", True, "spaces are fine"),
        ]
    }
    grids = element_grids(result)
    (b0, b1, b2), = grids["d_biases"].cells
    assert grids["d_biases"].shape == (1, 3) and b1 is None
    assert b0.hidden and b0.output is None and b0.score == 0.0 and b0.status == "failed"
    assert not b2.hidden and b2.output == "two"
    g = grids["g"]
    assert g.shape == (2, 3) and g.cells[1][2].index == (1, 2)
    assert sum(cell is not None for row in g.cells for cell in row) == 1


@pytest.mark.parametrize(
    "names",
    [
        ["dE/dw7"],
        ["hidden: random upstream"],
        ["w[a]", "w[1]x"],
        ["w[-1]", "w[0]"],  # w[0] alone is a grid; w[-1] is not an element test
        ["w[0,0,0]"],
        ["w[0]", "w[0,1]"],  # mixed 1-D and 2-D: no grid
        ["w[0]", "w[0]"],  # repeated index: no grid
        ["w[100000,100000]"],  # too large to draw
        ["[0]"],
    ],
)
def test_names_that_form_no_grid_are_reported_one_by_one(names):
    result = {"tests": [_test(name, False, f"output of {k}") for k, name in enumerate(names)]}
    grids = element_grids(result)
    in_grids = {cell.name for grid in grids.values() for cell in grid.tested()}
    text = render_text(result)
    for k, name in enumerate(names):
        if name not in in_grids:
            assert f"\N{BALLOT X} {name}" in text
            assert f"output of {k}" in text
    assert in_grids <= {"w[0]"}


@given(
    rows=st.integers(1, 4),
    cols=st.integers(1, 5),
    data=st.data(),
)
def test_element_grids_property(rows, cols, data):
    cells = [(i, j) for i in range(rows) for j in range(cols)]
    present = data.draw(st.lists(st.sampled_from(cells), min_size=1, unique=True))
    passed = {ij: data.draw(st.booleans()) for ij in present}
    one_d = rows == 1 and data.draw(st.booleans())
    name = (lambda i, j: f"v[{j}]") if one_d else (lambda i, j: f"M[{i},{j}]")
    result = {"tests": [_test(name(*ij), passed[ij], f"out {ij}") for ij in present]}

    (grid,) = element_grids(result).values()
    assert grid.shape == (max(i for i, _ in present) + 1, max(j for _, j in present) + 1)
    for i, row in enumerate(grid.cells):
        for j, cell in enumerate(row):
            assert (cell is None) == ((i, j) not in passed)
            if cell is not None:
                assert cell.passed == passed[i, j] and cell.output == f"out {(i, j)}"

    page = parse_page(render_html(result))
    html_cells = [cell for row in page.grids[grid.name] for cell in row]
    expected_classes = ["untested" if ij not in passed else "passed" if passed[ij] else "failed" for ij in
                        [(i, j) for i in range(grid.shape[0]) for j in range(grid.shape[1])]]
    assert [c[0] for c in html_cells] == expected_classes

    text = render_text(result)
    assert f"{grid.name}: {sum(passed.values())}/{len(passed)} elements correct" in text


# ---------------------------------------------------------------------------
# Text and Markdown
# ---------------------------------------------------------------------------


def test_text_report_header_tests_diagnosis():
    result = twelve_weights()
    text = render_text(result)
    assert text.splitlines()[0] == "Twelve weights and three biases"
    assert "twelve-weights" in text
    score = f"{result['score']:g} / {result['max_score']:g}"
    assert f"Score: {score}" in text
    assert "\N{CHECK MARK} forward  1 / 1" in text
    assert "    activations match" in text
    diagnosis = text[text.index("Diagnosis") :]
    for field in result["gradecheck"]["diagnosis"][0].values():
        if field != "missing-activation-derivative":
            assert field in diagnosis


def test_all_passing_element_tests_collapse_to_one_line():
    text = render_text(twelve_weights(failing_w=frozenset(), failing_b=frozenset({0})))
    assert "\N{CHECK MARK} dL/dW: 12/12 elements correct  (12 / 12)" in text
    assert "\N{CHECK MARK} dL/dx: 4/4 elements correct" in text
    assert "dL/dW[" not in text and "dL/dx[" not in text
    assert "\N{BALLOT X} dL/db: 2/3 elements correct  (2 / 3)" in text
    assert "    \N{BALLOT X} dL/db[0]  0 / 1" in text
    assert "        b[0] output" in text
    assert "dL/db[1]" not in text and "dL/db[2]" not in text


@pytest.mark.parametrize("n_failing", [1, _MAX_LISTED_FAILURES, _MAX_LISTED_FAILURES + 1, 12])
def test_failing_elements_are_listed_up_to_the_limit(n_failing):
    cells = [(i, j) for i in range(3) for j in range(4)]
    failing = frozenset(cells[:n_failing])
    for markdown, bracket in ((False, "["), (True, "\\[")):
        text = render_text(twelve_weights(failing_w=failing), markdown=markdown)
        listed = [ij for ij in cells if f"dL/dW{bracket}{ij[0]},{ij[1]}" in text]
        assert listed == cells[: min(n_failing, _MAX_LISTED_FAILURES)]
        more = n_failing - _MAX_LISTED_FAILURES
        assert (f"and {more} more failing elements" in text) == (more > 0)
        assert f"dL/dW: {12 - n_failing}/12 elements correct" in text


def test_color_only_colors_the_marks():
    result = twelve_weights()
    for markdown in (False, True):
        plain = render_text(result, markdown=markdown)
        colored = render_text(result, markdown=markdown, color=True)
        assert ANSI.sub("", colored) == plain
        assert "\x1b[32m\N{CHECK MARK}\x1b[0m" in colored
        assert "\x1b[31m\N{BALLOT X}\x1b[0m" in colored
        assert "\x1b" not in plain


def _unescaped(line: str) -> str:
    """``line`` without its Markdown backslash escapes (``\\x`` pairs)."""
    return re.sub(r"\\.", "", line)


def _unescaped_pipes(line: str) -> int:
    return _unescaped(line).count("|")


def test_markdown_report_is_a_table_with_escaped_cells():
    result = twelve_weights()
    result["tests"].append(_test("odd | name", False, "a | b\nsecond *line* " + SCRIPT))
    md = render_text(result, markdown=True)
    assert md.startswith("## Twelve weights and three biases\n")
    lines = md.splitlines()
    start = lines.index("| | Test | Points | Output |")
    table = lines[start : lines.index("", start)]
    assert table[1].startswith("|")
    assert all(_unescaped_pipes(line) == 5 for line in table), table
    # group rows + listed failures + plain tests
    assert len(table) == 2 + 3 + 2 + 1 + 3
    assert "<script" not in _unescaped(md)
    assert "\\<script\\>" in md and "second \\*line\\*" in md and "a \\| b<br>" in md
    assert "### Diagnosis" in md


@given(output=st.text(max_size=60))
def test_markdown_cells_never_break_the_table(output):
    result = {"tests": [_test("t", False, output)]}
    row = render_text(result, markdown=True).splitlines()[-1]
    assert _unescaped_pipes(row) == 5
    assert "<" not in _unescaped(row).replace("<br>", "")


def test_markdown_paragraph_lines_cannot_start_blocks():
    result = twelve_weights()
    result["output"] = "# not a heading\n- not a list\n1. not a list\n    not code\n==="
    md = render_text(result, markdown=True)
    assert "\\# not a heading<br>\n\\- not a list<br>\n1\\. not a list<br>\nnot code<br>\n\\===" in md


def test_error_fence_is_longer_than_any_backtick_run():
    md = render_text(error_only("line\n````\nafter"), markdown=True)
    assert "`````text\nline\n````\nafter\n`````" in md


# ---------------------------------------------------------------------------
# Withholding, escaping and limits in every format
# ---------------------------------------------------------------------------


def test_hidden_outputs_appear_nowhere():
    result = twelve_weights()
    result["tests"].append(_test("dL/dv[0]", False, SECRET, visibility="hidden"))
    result["tests"].append(_test("dL/dv[1]", True, SECRET, visibility="hidden", max_score=3.0))
    for rendering in all_renderings(result):
        assert SECRET not in rendering
        assert "SECRET" not in rendering
        assert "hidden: random upstream" in rendering
        assert "hidden test" in rendering
    text = render_text(result)
    assert "\N{BALLOT X} hidden: random upstream  (hidden test)" in text
    assert "0 / 2" not in text  # the hidden test's points are withheld
    assert "\N{BALLOT X} dL/dv: 1/2 elements correct\n    \N{BALLOT X} dL/dv[0]  (hidden test)\n" in text
    page = parse_page(render_html(result))
    (v0, v1), = page.grids["dL/dv"]
    assert (v0[0], v1[0]) == ("failed", "passed")
    assert "hidden test" in v0[1] and "hidden test" in v1[1]


def test_visibility_after_due_date_shows_output():
    result = {"tests": [_test("t", False, "shown later", visibility="after_due_date")]}
    assert "shown later" in render_text(result)


def test_html_escapes_student_strings():
    result = twelve_weights()
    result["tests"][9]["output"] = SCRIPT  # dL/dW[2,1], failing
    result["tests"].append(_test('name <img src=x onerror="alert(1)">', False, SCRIPT))
    result["output"] = "overall " + SCRIPT
    result["gradecheck"]["title"] = "Title & <b>more</b>"
    result["gradecheck"]["diagnosis"][0]["hint"] = "hint " + SCRIPT
    result["gradecheck"]["error"] = "error " + SCRIPT
    page = render_html(result)
    assert "<script" not in page.lower() and "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;" in page
    parsed = parse_page(page)
    assert "script" not in parsed.tags and "img" not in parsed.tags
    shown = "".join(parsed.text)
    for text in ("overall " + SCRIPT, "hint " + SCRIPT, "error " + SCRIPT, "Title & <b>more</b>"):
        assert text in shown
    w21 = parsed.grids["dL/dW"][2][1]
    assert w21[0] == "failed" and SCRIPT in w21[1]


@given(output=st.text(min_size=1, max_size=80), message=st.text(min_size=1, max_size=40))
def test_html_structure_does_not_depend_on_result_strings(output, message):
    def result(out, msg):
        r = twelve_weights()
        for t in r["tests"]:
            t["output"] = out
        r["output"] = msg
        r["gradecheck"]["diagnosis"][0]["explanation"] = msg
        return r

    assert parse_page(render_html(result(output, message))).tags == parse_page(render_html(result("x", "x"))).tags


def test_control_characters_are_made_visible():
    result = {"output": "\x1b[2Jcleared", "tests": [_test("t\r", False, "a\x1b[31mred\rb\u202eevil\x00")]}
    for rendering in all_renderings(result):
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f\u202e]", ANSI.sub("", rendering))
    text = render_text(result)
    assert "\\x1b[31mred\\x0db\\u202eevil\\x00" in text and "\\x1b[2Jcleared" in text


def test_long_outputs_are_cut():
    long = "0123456789" * (_MAX_CHARS // 5)
    result = {"tests": [_test("t", False, long)], "gradecheck": {"error": long}}
    for rendering in all_renderings(result):
        assert long[: _MAX_CHARS] in rendering and long[: _MAX_CHARS + 1] not in rendering
        assert f"({len(long) - _MAX_CHARS} more characters not shown)" in rendering


# ---------------------------------------------------------------------------
# HTML page
# ---------------------------------------------------------------------------


def test_html_page_is_complete_and_self_contained():
    page = render_html(twelve_weights())
    assert page.startswith("<!DOCTYPE html>\n<html lang=\"en\">")
    parsed = parse_page(page)
    for tag in ("html", "head", "title", "style", "body", "main", "table", "div"):
        assert tag in parsed.tags
    assert parsed.tags.count("html") == 1
    for external in ("src=", "href=", "@import", "url(", "http://", "https://", "<script"):
        assert external not in page


def test_html_grids_color_each_cell():
    failing_w, failing_b = {(0, 0), (1, 3), (2, 2)}, {2}
    result = twelve_weights(failing_w, failing_b)
    result["tests"][4]["score"], result["tests"][4]["max_score"] = 0.5, 1.0  # dL/dW[1,0]: partial
    parsed = parse_page(render_html(result))
    assert list(parsed.grids) == ["dL/dW", "dL/db", "dL/dx"]
    w = parsed.grids["dL/dW"]
    assert [len(row) for row in w] == [4, 4, 4]
    for i in range(3):
        for j in range(4):
            cls, title, text = w[i][j]
            expected = "partial" if (i, j) == (1, 0) else "failed" if (i, j) in failing_w else "passed"
            assert cls == expected
            assert text.startswith(f"[{i},{j}]")
            assert f"W[{i},{j}]: expected {i}.{j}, got 9.{i}{j}" in title
    assert [cell[0] for cell in parsed.grids["dL/db"][0]] == ["passed", "passed", "failed"]
    assert [cell[2][:3] for cell in parsed.grids["dL/db"][0]] == ["[0]", "[1]", "[2]"]
    assert [len(row) for row in parsed.grids["dL/dx"]] == [4]
    page = render_html(result)
    # grids side by side in one flex row, before the list of other tests
    assert page.index('class="grid-row"') < page.index("dL/dW") < page.index("dL/db") < page.index('class="tests"')
    tests_section = page[page.index('class="tests"') :]
    assert "forward" in tests_section and "dL/dW[" not in tests_section.split("</table>")[0]


def test_error_only_result():
    error = "SyntaxError: invalid syntax (submission.py, line 3)"
    result = error_only(error)
    text = render_text(result)
    assert "Score: 0 / 15" in text
    assert "Tests" not in text and "Diagnosis" not in text
    assert text.rstrip().endswith("    " + error)
    assert "could not be graded" in text
    page = render_html(result)
    parsed = parse_page(page)
    assert error in "".join(parsed.text) and "table" not in parsed.tags
    assert error in render_text(result, markdown=True)
    assert element_grids(result) == {}


def test_error_repeated_by_every_test_is_shown_once():
    error = "Could not load submission.py: SyntaxError: invalid syntax (line 1)"
    result = twelve_weights(failing_w=frozenset(), failing_b=frozenset())
    for t in result["tests"]:
        t.update(score=0.0, status="failed", output=error)
    result["gradecheck"]["error"] = error
    for markdown in (False, True):
        text = render_text(result, markdown=markdown)
        assert text.count(error if not markdown else "SyntaxError") == 1
        assert "dL/dW[" not in text and "dL/dW\\[" not in text
        assert "dL/dW: 0/12 elements correct" in text
    parsed = parse_page(render_html(result))
    assert "ul" not in parsed.tags  # no failure lists under the grids
    assert [c[0] for row in parsed.grids["dL/dW"] for c in row] == ["failed"] * 12


def test_an_error_after_which_the_rest_was_graded_says_part_of_the_submission():
    error = "forward_only.py does not define backward(weights, inputs, biases, upstream)."
    result = twelve_weights(failing_w=frozenset(range(12)), failing_b=frozenset())
    result["gradecheck"].update(error=error, error_kind="missing-function")
    for text in (render_text(result), render_text(result, markdown=True)):
        assert "Part of the submission could not be graded" in text and "The submission could not be graded" not in text
    assert "<h2>Part of the submission could not be graded</h2>" in render_html(result)
    result["gradecheck"]["error_kind"] = "syntax"  # nothing ran: the whole submission
    assert "The submission could not be graded" in render_text(result)


def test_repeated_outputs_are_not_repeated():
    out = "expected 1, got 2"
    result = {"tests": [_test(f"v[{k}]", False, out) for k in range(3)] + [_test("w", False, out)]}
    text = render_text(result)
    assert text.count(out) == 1
    assert text.count("(same output as above)") == 3
    assert f"\N{BALLOT X} v[0]  0 / 1\n        {out}\n    \N{BALLOT X} v[1]  0 / 1\n        (same output" in text
    page = render_html(result)
    # the list under the grid and the table of other tests are read apart: each shows it once
    assert page.count(f"<code>{out}</code>") == 1 and page.count(f"<pre>{out}</pre>") == 1


# ---------------------------------------------------------------------------
# Reading the result
# ---------------------------------------------------------------------------


def test_missing_fields_get_gradescope_defaults():
    result = {
        "tests": [
            {"name": "a", "score": 1.0, "max_score": 1.0},
            {"name": "b", "score": 0.5, "max_score": 2.0, "output": None},
            {"score": 1, "max_score": 1, "status": "passed"},
        ]
    }
    text = render_text(result)
    assert text.splitlines()[0] == "Grading report"
    assert "Score: 2.5 / 4" in text
    assert "\N{CHECK MARK} a  1 / 1" in text and "\N{BALLOT X} b  0.5 / 2" in text
    assert "\N{CHECK MARK} test 3  1 / 1" in text


def test_mistakes_without_a_diagnosis_entry_are_listed_by_id():
    result = twelve_weights()
    result["gradecheck"]["mistakes"].append("transposed-weight-layout")
    text = render_text(result)
    assert "- Activation derivative missing" in text and "- transposed-weight-layout" in text


@pytest.mark.parametrize(
    "change, fragment",
    [
        (lambda r: r["tests"][0].update(status="ok"), "tests[0]['status']"),
        (lambda r: r["tests"][0].pop("status") and r["tests"][0].pop("score"), "tests[0]['status']"),
        (lambda r: r["tests"][1].update(visibility="secret"), "tests[1]['visibility']"),
        (lambda r: r["tests"][2].update(score=float("nan")), "tests[2]['score']"),
        (lambda r: r["tests"][2].update(max_score=True), "tests[2]['max_score']"),
        (lambda r: r["tests"][3].update(output=42), "tests[3]['output']"),
        (lambda r: r.update(tests="dL/dW"), "result['tests']"),
        (lambda r: r["tests"].insert(1, "dL/dW"), "tests[1] must be a mapping"),
        (lambda r: r.update(score="11"), "result['score']"),
        (lambda r: r["gradecheck"].update(error=["x"]), "gradecheck['error']"),
        (lambda r: r["gradecheck"].update(diagnosis=[1]), "gradecheck['diagnosis'][0]"),
    ],
)
def test_malformed_results_are_rejected(change, fragment):
    result = copy.deepcopy(twelve_weights())
    change(result)
    for render in (render_text, render_html, element_grids):
        with pytest.raises(InvalidArgumentError, match=re.escape(fragment)) as info:
            render(result)
        assert "C2" in str(info.value)


def test_result_must_be_a_mapping():
    with pytest.raises(InvalidArgumentError, match="result must be a mapping"):
        render_text([("score", 1)])


def test_long_outputs_are_cut_at_a_word() -> None:
    long = "gradient " * (_MAX_CHARS // 4)
    result = {"tests": [_test("t", False, long)], "gradecheck": {"error": None}}
    kept = long[: long.rindex(" ", 0, _MAX_CHARS + 1)]
    for rendering in all_renderings(result):
        assert kept + "\n" in rendering or kept + "<br" in rendering or f"{kept}\n" in rendering.replace("\r", "")
        assert f"({len(long) - len(kept)} more characters not shown)" in rendering
