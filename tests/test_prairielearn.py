"""PrairieLearn's external-grader results: the conversion, the entry a grading job runs, and the example course question."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import gradecheck
from gradecheck._cli import main
from gradecheck._exercises import load_exercise
from gradecheck._grading import grade_source
from gradecheck.prairielearn import MAX_RESULT_BYTES, prairielearn_result, run

ROOT = Path(gradecheck.__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "prairielearn"
SCHEMA = json.loads((ROOT / "tests" / "data" / "prairielearn" / "results.schema.json").read_text())
REFERENCE = ROOT / "reference" / "twelve-weights"
SOLUTION = (REFERENCE / "solution.py").read_text()
WRONG = (REFERENCE / "mistakes" / "missing-activation-derivative.py").read_text()
BROKEN = "def forward(weights, inputs, biases)\n    return weights\n"


def valid(result: dict[str, Any]) -> dict[str, Any]:
    jsonschema.validate(result, SCHEMA)
    assert len(json.dumps(result)) <= MAX_RESULT_BYTES
    return result


def test_a_correct_submission_scores_one() -> None:
    result = valid(prairielearn_result(grade_source(load_exercise("twelve-weights"), SOLUTION)))
    assert result["gradable"] is True and result["score"] == 1.0
    assert sum(test["max_points"] for test in result["tests"]) == pytest.approx(15.0)


def test_a_wrong_submission_scores_its_fraction_with_the_diagnosis() -> None:
    result = valid(prairielearn_result(grade_source(load_exercise("twelve-weights"), WRONG)))
    assert result["score"] == pytest.approx(0.1) and result["gradable"] is True
    assert "Activation derivative missing" in result["output"]
    assert any(test["points"] < test["max_points"] for test in result["tests"])


def test_a_file_that_does_not_compile_is_not_gradable_and_says_why() -> None:
    result = valid(prairielearn_result(grade_source(load_exercise("twelve-weights"), BROKEN)))
    assert result["gradable"] is False and "SyntaxError" in result["format_errors"][0]


def test_hidden_tests_are_left_out_and_a_huge_result_is_cut_below_the_limit() -> None:
    base = grade_source(load_exercise("twelve-weights"), WRONG)
    base["tests"][0]["visibility"] = "hidden"
    shown = prairielearn_result(base)
    assert base["tests"][0]["name"] not in [test["name"] for test in shown["tests"]]
    huge = {**base, "tests": [dict(base["tests"][1], name=f"t{k}", output="x" * 3000) for k in range(2000)]}
    assert len(json.dumps(valid(prairielearn_result(huge)))) <= MAX_RESULT_BYTES


def test_the_entry_always_writes_results_json(tmp_path: Path) -> None:
    (tmp_path / "student").mkdir()
    missing = valid(run("twelve-weights", tmp_path))
    assert missing["gradable"] is False and "No .ipynb or .py file" in missing["format_errors"][0]
    broken_exercise = valid(run("no-such-exercise", tmp_path))
    assert broken_exercise["score"] == 0 and "not your fault" in broken_exercise["message"]
    assert json.loads((tmp_path / "results" / "results.json").read_text()) == broken_exercise


def test_grade_writes_prairielearn_json_with_the_format_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answer = tmp_path / "answer.py"
    answer.write_text(WRONG)
    assert main(["grade", "twelve-weights", str(answer), "--format", "prairielearn"]) == 0
    result = valid(json.loads(capsys.readouterr().out))
    assert result["score"] == pytest.approx(0.1)
    assert main(["grade", "twelve-weights", str(answer), "--format", "prairielearn", "--out", str(tmp_path / "o")]) == 2


def test_the_example_question_enables_external_grading_with_an_entry_point_it_ships() -> None:
    info = json.loads((EXAMPLE / "questions" / "twelveWeights" / "info.json").read_text())
    options = info["externalGradingOptions"]
    assert info["gradingMethod"] == "External" and options["enabled"] is True and options["image"]
    folder = options["serverFilesCourse"][0].rstrip("/")
    entry = Path(options["entrypoint"])
    assert entry.parts[:3] == ("/", "grade", "serverFilesCourse") and entry.parts[3] == folder
    assert os.access(EXAMPLE / "serverFilesCourse" / Path(*entry.parts[3:]), os.X_OK)
    assert 'file-name="twelve_weights.py"' in (EXAMPLE / "questions" / "twelveWeights" / "question.html").read_text()


@pytest.mark.parametrize(("text", "score", "gradable"), [(SOLUTION, 1.0, True), (WRONG, 0.1, True), (BROKEN, 0.0, False)],
                         ids=["correct", "wrong", "broken"])
def test_the_example_entry_point_grades_a_grading_job(tmp_path: Path, text: str, score: float, gradable: bool) -> None:
    (tmp_path / "student").mkdir()
    (tmp_path / "student" / "twelve_weights.py").write_text(text)
    environment = {**os.environ, "GRADE_ROOT": str(tmp_path), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    script = EXAMPLE / "serverFilesCourse" / "gradecheck_grader" / "run.sh"
    done = subprocess.run([str(script)], env=environment, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    result = valid(json.loads((tmp_path / "results" / "results.json").read_text()))
    assert result["score"] == pytest.approx(score) and result["gradable"] is gradable
