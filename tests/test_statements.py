"""Statement placeholders: values written once in the spec, filled into the statement; bad ones refused with file and line."""

from __future__ import annotations

from pathlib import Path

import nbformat
import numpy as np
import pytest

from gradecheck._cli import main
from gradecheck._exercises import EXERCISES_DIR, ExerciseSpecError, load_exercise
from gradecheck._statements import PlaceholderError, placeholders, render

GIVEN = {"weights": [0.8, 0.87, 0.16], "x": -2.0, "n": 3, "table": {"a": 1}, "grid": [[1.0, 2.5], [3.0, 4.0]]}
POINTS = {"total": 15.0, "given": 10.0, "hidden": 5.0, "items": {"dL/dW": 6.0, "hidden: random": 5.0}}


def _render(text: str, expected: dict | None = None) -> str:
    return render(text, given=GIVEN, settings={"max_magnitude": 2.0}, points=POINTS, expected=lambda: expected or {})


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("w = {{ given.weights[0] }}", "w = 0.8"),
        ("w = {{given.weights[0]:.2f}}", "w = 0.80"),
        ("{{ given.weights :.2f }}", "0.80, 0.87, 0.16"),
        ("{{ given.weights[-1] }}", "0.16"),
        ("x = {{ given.x }}, n = {{ given.n }}", "x = -2, n = 3"),
        ("{{ given.grid }} / {{ given.grid[1][0] :.1f }}", "[1, 2.5], [3, 4] / 3.0"),
        ("{{ given.table.a }} {{ given['table']['a'] }}", "1 1"),
        ("{{ settings.max_magnitude }}", "2"),
        ('({{ points.given }} points, {{ points.items["hidden: random"] }} hidden)', "(10 points, 5 hidden)"),
        ("a literal \\{{ given.x }} stays", "a literal {{ given.x }} stays"),
        ("z_{l+1} and {x} are plain text", "z_{l+1} and {x} are plain text"),
    ],
)
def test_placeholders_are_filled(text: str, shown: str) -> None:
    assert _render(text) == shown


def test_computed_values_come_from_the_expected_outputs_and_only_when_needed() -> None:
    calls = []

    def expected() -> dict:
        calls.append(1)
        return {"a": np.array([0.25, 0.5]), "E": np.array(0.125)}

    assert render("{{ given.x }}", given=GIVEN, settings={}, points=POINTS, expected=expected) == "-2"
    assert calls == []
    text = "a = {{ expected.a :.3f }}, a1 = {{ expected.a[1] }}, E = {{ expected.E :.4f }}"
    assert render(text, given=GIVEN, settings={}, points=POINTS, expected=expected) == "a = 0.250, 0.500, a1 = 0.5, E = 0.1250"
    assert calls == [1]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("ok\n{{ }}", 2, ["malformed placeholder {{ }}"]),
        ("{{ given.x : zz }}", 1, ["'zz' is not a number format"]),
        ("{{ given.x extra }}", 1, ["'extra' is neither"]),
        ("{{ given }}", 1, ["name a value under 'given'"]),
        ("\n\n{{ gven.x }}", 3, ["unknown root 'gven'", "did you mean 'given'"]),
        ("a {{ given.x", 1, ["unclosed placeholder", "\\{{"]),
        ("{{ given.weight[0] }}", 1, ["given has no key 'weight'", "did you mean 'weights'", "weights, x, n, table, grid"]),
        ("{{ given.weights[3] }}", 1, ["given.weights has 3 element(s): index 3 is out of range"]),
        ("{{ given.weights.first }}", 1, ["given.weights is a list of 3; index it with [0] .. [2], not .first"]),
        ("{{ given.x[0] }}", 1, ["given.x is a single value (-2); it has no [0]"]),
        ("{{ given.table }}", 1, ["is a table (keys: a); name one of its keys"]),
        ("{{ given.x :d }}", 1, ["{{ given.x :d }}", "the value"]),
        ("{{ points.items.dL }}", 1, ["points.items has no key 'dL'", 'its keys are: ["dL/dW"], ["hidden: random"]']),
    ],
)
def test_bad_placeholders_name_the_placeholder_and_the_line(text: str, line: int, words: list[str]) -> None:
    with pytest.raises(PlaceholderError) as info:
        _render(text)
    assert info.value.line == line
    for word in words:
        assert word in str(info.value), str(info.value)


def test_placeholders_are_found_with_their_lines() -> None:
    found = placeholders("# title\nw = {{ given.w[0] :.2f }}\n\\{{ not one }}\n{{ points.total }}\n")
    assert [(p.line, p.root, p.path, p.format) for p in found] == [(2, "given", ("w", 0), ".2f"), (4, "points", ("total",), "")]


def _exercise_with_statement(tmp_path: Path, statement: str) -> Path:
    folder = tmp_path / "twelve-weights"
    folder.mkdir()
    source = EXERCISES_DIR / "twelve-weights"
    (folder / "exercise.toml").write_text((source / "exercise.toml").read_text())
    (folder / "starter.py").write_text((source / "starter.py").read_text())
    (folder / "statement.md").write_text(statement)
    return folder


def test_a_bad_placeholder_is_refused_when_the_spec_loads(tmp_path: Path) -> None:
    folder = _exercise_with_statement(tmp_path, "# T\n\nweights: {{ given.weight[0] }}\n")
    with pytest.raises(ExerciseSpecError) as info:
        load_exercise(folder)
    message = str(info.value)
    assert message.startswith(f"{folder / 'statement.md'}:3: placeholder {{{{ given.weight[0] }}}}"), message
    assert "did you mean 'weights'" in message


def test_a_computed_value_is_checked_by_name_at_load_and_resolved_when_shown(tmp_path: Path) -> None:
    folder = _exercise_with_statement(tmp_path, "# T\n\n{{ expected.b }}\n")
    with pytest.raises(ExerciseSpecError, match=r"statement.md:3: placeholder \{\{ expected.b \}\}: expected has no key 'b'.*a, d_weights"):
        load_exercise(folder)
    (folder / "statement.md").write_text("# T\n\na1 = {{ expected.a[0] :.4f }}\n\n{{ expected.a[7] }}\n")
    exercise = load_exercise(folder)  # the index is only known to be wrong once a is computed
    with pytest.raises(ExerciseSpecError, match=r"statement.md:5: placeholder \{\{ expected.a\[7\] \}\}: expected.a has 3 element"):
        exercise.statement  # noqa: B018
    (folder / "statement.md").write_text("# T\n\na1 = {{ expected.a[0] :.4f }}\n")
    w, x, b = (np.array(load_exercise(folder).given[k]) for k in ("weights", "inputs", "biases"))
    a = 1 / (1 + np.exp(-(w.reshape(3, 4) @ x + b)))
    assert load_exercise(folder).statement == f"# T\n\na1 = {a[0]:.4f}\n"


def test_the_template_notebook_shows_the_filled_statement(tmp_path: Path) -> None:
    out = tmp_path / "tw.ipynb"
    assert main(["template", "twelve-weights", "-o", str(out)]) == 0
    cell = nbformat.read(out, as_version=4).cells[0].source
    assert "| weights | 0.80, 0.87, 0.16, 0.96, 0.89, 0.87, 0.31, 0.08, 0.09, 0.69, 0.03, 0.42 |" in cell
    assert "(10 points)" in cell and "Hidden\nchecks (5 points)" in cell and "{{" not in cell


def test_shipped_statements_render_and_the_converted_ones_say_what_they_said() -> None:
    from gradecheck._exercises import exercise_ids

    for exercise_id in exercise_ids():
        assert "{{" not in load_exercise(exercise_id).statement
    three = load_exercise("three-two-two")
    assert "{{ given." in three.statement_source
    assert "| weights | w1 = 0.1, w2 = 0.2, w3 = 0.3, w4 = 0.4, w5 = 0.5, w6 = 0.6, w7 = 0.7, w8 = 0.8, w9 = 0.9, w10 = 0.1 |" in three.statement
    assert "| learning rate | η = 0.01 |" in three.statement and "Hidden checks (5 points)" in three.statement
