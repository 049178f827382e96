"""``gradecheck check`` and the grade's hidden points: the self-check says what it leaves out, ``--hidden`` runs it
(same score as ``grade``), and no output of a hidden check shows an expected value."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import gradecheck
from gradecheck import _grading
from gradecheck._cli import main
from gradecheck._exercises import load_exercise

REFERENCE = Path(gradecheck.__file__).resolve().parents[1] / "reference" / "twelve-weights"
CORRECT = REFERENCE / "solution.py"
UPSTREAM_IGNORED = REFERENCE / "mistakes" / "upstream-ignored.py"
NO_DERIVATIVE = REFERENCE / "mistakes" / "missing-activation-derivative.py"
FIRST_NEURON_OFF = Path(__file__).parent / "data" / "hidden" / "first-neuron-off.py"
SCORE = re.compile(r"^Score: (\S+) / (\S+)", re.MULTILINE)


def _check(capsys: Any, path: Path, *extra: str) -> tuple[int, str]:
    status = main(["check", str(path), "--exercise", "twelve-weights", "--no-color", *extra])
    return status, capsys.readouterr().out


def _grade(capsys: Any, path: Path) -> dict[str, Any]:
    assert main(["grade", "twelve-weights", str(path)]) == 0
    return json.loads(capsys.readouterr().out)


def test_check_says_how_many_hidden_points_exist_and_what_they_vary(capsys: Any) -> None:
    exercise = load_exercise("twelve-weights")
    hidden = [item for item in exercise.items if not item.self_check]
    status, out = _check(capsys, UPSTREAM_IGNORED)
    assert status == 0  # every visible check passes: the mistake shows only on other upstream gradients
    visible = sum(item.points for item in exercise.items if item.self_check)
    points = sum(item.points for item in hidden)
    assert SCORE.search(out).groups() == (f"{visible:g}", f"{visible:g}")
    assert f"{points:g} hidden points not checked" in out
    assert f"Not checked here: {points:g} more points of the grade's {visible + points:g}" in out
    for item in hidden:
        assert f"{item.name} ({item.points:g} points): {item.examples} random instances" in out
    # What varies, in words derived from the kind's instances and the spec (not written per exercise).
    given = _grading.kind_of(exercise).given_instance(exercise.given)
    for key, value in given.items():
        assert f"{key} ({np.size(value)} numbers" in out
    assert f"upstream (3 numbers; all {given['upstream'][0]:g} in the statement)" in out
    for name, value in exercise.settings.items():
        assert f"{name} = {value:g}" in out
    assert f"Run them too: gradecheck check {UPSTREAM_IGNORED} --exercise twelve-weights --hidden" in out


@pytest.mark.parametrize("path", [CORRECT, UPSTREAM_IGNORED, NO_DERIVATIVE], ids=lambda p: p.stem)
def test_check_hidden_gives_the_grade(capsys: Any, path: Path) -> None:
    status, out = _check(capsys, path, "--hidden")
    result = _grade(capsys, path)
    assert SCORE.search(out).groups() == (f"{result['score']:g}", f"{result['max_score']:g}")
    assert "Not checked here" not in out
    assert status == (0 if result["score"] == result["max_score"] else 1)


def test_the_hidden_note_travels_in_the_html_report(capsys: Any, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    status, _ = _check(capsys, UPSTREAM_IGNORED, "--html", str(page))
    html = page.read_text()
    assert status == 0 and "Not checked here: 5 more points" in html and "all 1 in the statement" in html
    assert _check(capsys, UPSTREAM_IGNORED, "--hidden", "--html", str(page))[0] == 1
    assert "Not checked here" not in page.read_text()


def _numbers(values: Any) -> set[str]:
    flat = np.concatenate([np.asarray(v, dtype=np.float64).reshape(-1) for v in values]) if values else np.zeros(0)
    return {f"{x:{spec}}" for x in flat for spec in (".6g", ".4g")}


def _shown(number: str, text: str) -> bool:
    return re.search(rf"(?<![\d.]){re.escape(number)}(?![\d])", text) is not None


def test_no_output_shows_an_expected_value_of_a_hidden_instance(capsys: Any, tmp_path: Path, monkeypatch: Any) -> None:
    """Every failing hidden instance the grader reports is recorded with its expected values; none of those
    numbers (other than ones the report shows anyway: the instance and the submission's wrong answers) may
    appear in the console, the results JSON or the HTML of check --hidden and grade."""
    reported: list[tuple[Any, Any, Any]] = []
    grade_hidden = _grading._Grader.grade_hidden

    def spy(self: Any, item: Any) -> None:
        before = len(self.evidence)
        grade_hidden(self, item)
        reported.extend(self.evidence[before:])

    monkeypatch.setattr(_grading._Grader, "grade_hidden", spy)
    page, out_dir = tmp_path / "check.html", tmp_path / "results"
    outputs = [_check(capsys, FIRST_NEURON_OFF, "--hidden", "--html", str(page))[1], page.read_text()]
    outputs.append(json.dumps(_grade(capsys, FIRST_NEURON_OFF)))
    assert main(["grade", "twelve-weights", str(FIRST_NEURON_OFF), "--out", str(out_dir), "--html"]) == 0
    outputs += [path.read_text() for path in sorted(out_dir.glob("first-neuron-off.*"))]
    # check and the one-file grade ran here; the batch grades in its own processes the same (seeded) instances.
    assert len(reported) == 2 and len(outputs) == 5
    points = _numbers([[test["score"], test["max_score"]] for test in json.loads(outputs[2])["tests"]])
    for instance, got, expected in reported:
        wrong = [np.asarray(got[k])[~np.isclose(got[k], expected[k], rtol=1e-6, atol=1e-9)] for k in expected if k in got]
        secret = _numbers(list(expected.values())) - _numbers(list(instance.values())) - _numbers(wrong) - points
        assert f"{1 / (1 + np.exp(-1)):.6g}" in secret  # the right a[1] = sigmoid(biases[1] = 1)
        for text in outputs:
            assert not [number for number in secret if _shown(number, text)]
