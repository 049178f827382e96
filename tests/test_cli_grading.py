"""The command line for exercises (C1): exercises, template, grade, check, audit-key."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import nbformat
import pytest

import gradecheck
from gradecheck._audit import reference_values
from gradecheck._cli import main
from gradecheck._exercises import exercise_ids, load_exercise, reference_dir

REFERENCE_DIR = Path(gradecheck.__file__).resolve().parents[1] / "reference"
CORRECT = REFERENCE_DIR / "twelve-weights" / "solution.py"
WRONG = REFERENCE_DIR / "twelve-weights" / "mistakes" / "missing-activation-derivative.py"


def test_exercises_lists_every_id_with_its_title(capsys) -> None:
    assert main(["exercises"]) == 0
    out = capsys.readouterr().out
    for exercise_id in exercise_ids():
        assert exercise_id in out and load_exercise(exercise_id).title in out


def test_template_writes_a_notebook_that_check_recognises(tmp_path: Path, capsys) -> None:
    path = tmp_path / "tw.ipynb"
    assert main(["template", "twelve-weights", "-o", str(path)]) == 0
    notebook = nbformat.read(path, as_version=4)
    assert notebook.metadata["gradecheck"]["exercise"] == "twelve-weights"
    assert any("def backward" in cell.source for cell in notebook.cells if cell.cell_type == "code")
    intro = notebook.cells[0].source
    title_lines = [line for line in intro.splitlines() if line.startswith("# ")]
    assert len(title_lines) == 1, title_lines  # the statement's own heading, not the title a second time
    assert "### What you may import" in intro and "`jax`" in intro and "`matplotlib`" in intro
    assert main(["template", "twelve-weights", "-o", str(path)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["check", str(path)]) == 1  # the starter raises NotImplementedError
    assert "NotImplementedError" in capsys.readouterr().out


def test_check_passes_a_correct_notebook(tmp_path: Path, capsys) -> None:
    notebook = nbformat.v4.new_notebook(metadata={"gradecheck": {"exercise": "twelve-weights", "version": "1"}})
    notebook.cells = [nbformat.v4.new_code_cell(CORRECT.read_text())]
    path = tmp_path / "done.ipynb"
    nbformat.write(notebook, path)
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "10 / 10" in out and "✗" not in out


def test_check_explains_a_wrong_submission(capsys) -> None:
    assert main(["check", str(WRONG), "--exercise", "twelve-weights"]) == 1
    out = capsys.readouterr().out
    assert "Activation derivative missing" in out and "Hint" in out


def test_check_without_an_exercise_id_cannot_run(capsys) -> None:
    assert main(["check", str(CORRECT)]) == 2
    assert "--exercise" in capsys.readouterr().err


def test_grade_one_submission_prints_json(capsys) -> None:
    assert main(["grade", "twelve-weights", str(WRONG)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["max_score"] == 15 and result["score"] < 15
    assert result["gradecheck"]["mistakes"][0] == "missing-activation-derivative"


def test_grade_a_folder_writes_one_result_per_submission(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "subs"
    folder.mkdir()
    (folder / "alice.py").write_text(CORRECT.read_text())
    (folder / "bob.py").write_text(WRONG.read_text())
    (folder / "carol.ipynb").write_text("not a notebook")
    out = tmp_path / "results"
    assert main(["grade", "twelve-weights", str(folder), "--out", str(out)]) == 0
    results = {p.stem: json.loads(p.read_text()) for p in out.glob("*.json")}
    assert set(results) == {"alice", "bob", "carol"}
    assert results["alice"]["score"] == 15 and results["bob"]["score"] < 15
    assert results["carol"]["score"] == 0 and "not a valid notebook" in results["carol"]["gradecheck"]["error"]


def test_grade_refuses_several_submissions_without_out_and_unknown_exercises(tmp_path: Path, capsys) -> None:
    assert main(["grade", "twelve-weights", str(CORRECT), str(WRONG)]) == 2
    assert "--out" in capsys.readouterr().err
    assert main(["grade", "no-such-exercise", str(CORRECT)]) == 2
    assert "unknown exercise" in capsys.readouterr().err


def test_audit_key_accepts_a_rounded_key_and_flags_a_wrong_entry(tmp_path: Path, capsys) -> None:
    values = reference_values(load_exercise("twelve-weights"))
    key = {name: round(value, 4) for name, value in values.items()}
    path = tmp_path / "key.json"
    path.write_text(json.dumps(key))
    assert main(["audit-key", "twelve-weights", str(path)]) == 0
    key["dL/dW[2,1]"] = 0.0505
    path.write_text(json.dumps(key))
    assert main(["audit-key", "twelve-weights", str(path)]) == 1
    out = capsys.readouterr().out
    assert "dL/dW[2,1]" in out and "0.201942" in out and "1 wrong" in out


def test_audit_key_reports_unreadable_keys(tmp_path: Path, capsys) -> None:
    path = tmp_path / "key.toml"
    path.write_text("w1 = = 3")
    assert main(["audit-key", "twelve-weights", str(path)]) == 2
    assert "not valid TOML" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["exercises", "template", "grade", "check", "audit-key"])
def test_every_command_has_help_with_an_example(command: str, capsys) -> None:
    assert main([command, "--help"]) == 0
    assert "Example" in capsys.readouterr().out


def test_check_and_grade_write_html_reports_with_the_weight_grid(tmp_path: Path, capsys) -> None:
    page = tmp_path / "report.html"
    assert main(["check", str(WRONG), "--exercise", "twelve-weights", "--html", str(page)]) == 1
    html = page.read_text()
    assert "dL/dW" in html and html.count("<td") >= 12 + 3 + 4
    out = tmp_path / "results"
    assert main(["grade", "twelve-weights", str(WRONG), "--out", str(out), "--html"]) == 0
    assert (out / "missing-activation-derivative.html").is_file()
    assert main(["grade", "twelve-weights", str(WRONG), "--html"]) == 2


def test_exercises_verbose_shows_reference_and_wrong_files(capsys) -> None:
    assert main(["exercises", "-v"]) == 0
    out = capsys.readouterr().out
    assert str(CORRECT) in out and str(WRONG) in out


def test_a_timed_out_submission_has_its_whole_reason_in_the_console_and_the_gradebook(tmp_path: Path, capsys) -> None:
    (tmp_path / "loop.py").write_text("def forward(weights, inputs, biases):\n    while True:\n        pass\n")
    out = tmp_path / "out"
    assert main(["grade", "twelve-weights", str(tmp_path / "loop.py"), "--out", str(out), "--timeout", "2"]) == 0
    console = capsys.readouterr().out
    reason = json.loads((out / "loop.json").read_text())["gradecheck"]["error"]
    assert reason.startswith("Timed out after") and reason.endswith("Nothing after it was run.")
    assert "loading included) ran out: is there an endless loop, or very slow code?" in console
    assert console.count("Nothing after it was run.") == 1  # the whole reason
    rows = list(csv.DictReader((out / "gradebook.csv").read_text().splitlines()))
    assert rows[0]["error"] == reason


def test_a_long_reason_is_shown_whole_in_the_console(tmp_path: Path, capsys) -> None:
    (tmp_path / "broken.ipynb").write_text('{"nbformat": 4, "cells": [')
    out = tmp_path / "out"
    assert main(["grade", "twelve-weights", str(tmp_path / "broken.ipynb"), "--out", str(out)]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if "broken.ipynb" in line and "/ 15" in line)
    reason = json.loads((out / "broken.json").read_text())["gradecheck"]["error"]
    assert "invalid JSON at line 1 column 27 (Expecting value)." in reason and len(reason) > 150
    assert line.endswith("0 / 15  " + reason)


def test_check_of_a_notebook_without_cell_ids_leaves_nothing_open(tmp_path: Path) -> None:
    # nbformat 4.4 notebooks have no cell ids; the process must end without ResourceWarnings (fork server, socket).
    import subprocess
    import sys

    exercise = load_exercise("twelve-weights")
    notebook = nbformat.v4.new_notebook(metadata={"gradecheck": {"exercise": exercise.id, "version": exercise.version}})
    notebook.nbformat_minor = 4
    notebook.cells = [nbformat.v4.new_code_cell((reference_dir(exercise.directory) / "solution.py").read_text())]
    for cell in notebook.cells:
        del cell["id"]
    path = tmp_path / "noid.ipynb"
    path.write_text(nbformat.writes(notebook, version=4))
    assert '"id"' not in path.read_text()
    done = subprocess.run([sys.executable, "-X", "dev", "-W", "error::ResourceWarning", "-m", "gradecheck", "check", str(path)],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Score: 10 / 10" in done.stdout
    assert "ResourceWarning" not in done.stderr, done.stderr


def test_verify_help_cites_nothing_outside_the_repository() -> None:
    from click.testing import CliRunner

    from gradecheck._cli import cli

    text = CliRunner().invoke(cli, ["verify", "--help"]).output
    assert "DESIGN" not in text and ".md" not in text
    assert "gradecheck template mlp-backprop" in text


# -- per-student variants: template --student, grade --student / --roster, check, audit-key --student --------

VARIANTS = "twelve-weights-variants"
VARIANT_SOLUTION = (REFERENCE_DIR / VARIANTS / "solution.py").read_text()
VARIANT_WRONG = REFERENCE_DIR / VARIANTS / "mistakes" / "missing-activation-derivative.py"


def _student_notebook(tmp_path: Path, student: str, name: str, code: str) -> Path:
    path = tmp_path / name
    assert main(["template", VARIANTS, "--student", student, "-o", str(path), "--force"]) == 0
    notebook = nbformat.read(path, as_version=4)
    next(cell for cell in notebook.cells if cell.cell_type == "code").source = code
    nbformat.write(notebook, path)
    return path


def test_template_for_a_student_shows_their_numbers_and_names_them(tmp_path: Path, capsys) -> None:
    path = tmp_path / "s1001.ipynb"
    assert main(["template", VARIANTS, "--student", "s1001", "-o", str(path)]) == 0
    notebook = nbformat.read(path, as_version=4)
    assert notebook.metadata["gradecheck"]["student"] == "s1001"
    weights = load_exercise(VARIANTS).for_student("s1001").given["weights"]
    assert ", ".join(f"{w:.2f}" for w in weights) in notebook.cells[0].source
    assert main(["template", VARIANTS, "-o", str(tmp_path / "default.ipynb")]) == 0
    assert "--student ID" in capsys.readouterr().err


def test_check_grades_a_students_notebook_on_their_own_numbers(tmp_path: Path, capsys) -> None:
    path = _student_notebook(tmp_path, "s1001", "mine.ipynb", VARIANT_SOLUTION)
    assert main(["check", str(path)]) == 0
    capsys.readouterr()
    assert main(["check", str(VARIANT_WRONG), "--exercise", VARIANTS]) == 2  # whose numbers? not said
    assert "--student ID" in capsys.readouterr().err
    assert main(["check", str(VARIANT_WRONG), "--exercise", VARIANTS, "--student", "s1001"]) == 1


def test_grade_refuses_a_variant_exercise_without_students(tmp_path: Path, capsys) -> None:
    assert main(["grade", VARIANTS, str(VARIANT_WRONG)]) == 2
    assert "--roster" in capsys.readouterr().err
    assert main(["grade", VARIANTS, str(VARIANT_WRONG), "--student", "s1", "--roster", "r.csv"]) == 2
    assert main(["grade", VARIANTS, str(VARIANT_WRONG), "--student", "s1001"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["gradecheck"]["variant"]["student"] == "s1001" and result["score"] < result["max_score"]


def test_grade_a_class_with_a_roster_each_on_their_own_numbers(tmp_path: Path, capsys, worked_answers) -> None:
    exercise = load_exercise(VARIANTS)
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    _student_notebook(submissions, "s1001", "alice.ipynb", VARIANT_SOLUTION)
    (submissions / "bob.py").write_text(VARIANT_WRONG.read_text())
    # carol hands in alice's notebook with alice's worked numbers
    _student_notebook(submissions, "s1001", "carol.ipynb", worked_answers(exercise.for_student("s1001")))
    (submissions / "dave.py").write_text(VARIANT_SOLUTION)  # not in the roster
    roster = tmp_path / "roster.csv"
    roster.write_text("submission,student\nalice.ipynb,s1001\nbob.py,s1002\ncarol.ipynb,=s1003\n")
    out = tmp_path / "results"
    assert main(["grade", VARIANTS, str(submissions), "--roster", str(roster), "--out", str(out)]) == 0
    listing = capsys.readouterr().out
    results = {name: json.loads((out / f"{name}.json").read_text()) for name in ("alice", "bob", "carol", "dave")}
    students = {name: (r["gradecheck"].get("variant") or {}).get("student") for name, r in results.items()}
    assert students == {"alice": "s1001", "bob": "s1002", "carol": "=s1003", "dave": None}
    assert results["alice"]["score"] == results["alice"]["max_score"]
    assert results["bob"]["gradecheck"]["mistakes"] == ["missing-activation-derivative"]
    assert results["bob"]["score"] < results["bob"]["max_score"]
    carol = results["carol"]
    assert carol["gradecheck"]["variant"]["notebook_student"] == "s1001" and carol["score"] < 5
    assert results["dave"]["score"] == 0 and results["dave"]["gradecheck"]["error_kind"] == "student"
    assert "notebook of 's1001', graded as '=s1003'" in listing
    gradebook = (out / "gradebook.csv").read_text().splitlines()
    assert gradebook[0].startswith("submission,results,score,max_score,mistakes,error,student,notebook_student,")
    assert any(line.startswith(f"{submissions / 'carol.ipynb'},carol.json,") and ",'=s1003,s1001," in line for line in gradebook)
    # a regrade: nothing changed, nothing regraded (dave, who has no result for bytes, is looked at again)
    assert main(["grade", VARIANTS, str(submissions), "--roster", str(roster), "--out", str(out), "--resume"]) == 0
    assert "graded 1 submission(s), skipped 3 already graded" in capsys.readouterr().out
    # bob was listed under the wrong id: fixing the roster regrades him on the right student's numbers
    roster.write_text("submission,student\nalice.ipynb,s1001\nbob.py,s1009\ncarol.ipynb,=s1003\ndave.py,s1004\n")
    assert main(["grade", VARIANTS, str(submissions), "--roster", str(roster), "--out", str(out), "--resume"]) == 0
    assert "graded 2 submission(s), skipped 2 already graded" in capsys.readouterr().out
    assert json.loads((out / "bob.json").read_text())["gradecheck"]["variant"]["student"] == "s1009"
    dave = json.loads((out / "dave.json").read_text())
    assert dave["score"] == dave["max_score"] and dave["gradecheck"]["variant"]["student"] == "s1004"


def test_audit_key_takes_the_student(tmp_path: Path, capsys) -> None:
    values = reference_values(load_exercise(VARIANTS).for_student("s1001"))
    key = tmp_path / "key.json"
    key.write_text(json.dumps({name: round(value, 4) for name, value in values.items()}))
    assert main(["audit-key", VARIANTS, str(key), "--student", "s1001"]) == 0
    capsys.readouterr()
    assert main(["audit-key", VARIANTS, str(key), "--student", "s1002"]) == 1
