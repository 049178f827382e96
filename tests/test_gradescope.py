"""The Gradescope bundle: its run script grades a fake /autograder tree."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import gradecheck
from gradecheck._cli import main
from gradecheck._gradescope import find_submission

REFERENCE = Path(gradecheck.__file__).resolve().parents[1] / "reference"


@pytest.fixture
def autograder(tmp_path: Path) -> Path:
    bundle = tmp_path / "autograder.zip"
    assert main(["gradescope", "twelve-weights", "-o", str(bundle)]) == 0
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        assert {"setup.sh", "run_autograder", "gradecheck/__init__.py"} <= set(names)
        assert "gradecheck/exercises/twelve-weights/exercise.toml" in names
        assert not [name for name in names if "reference" in name.split("/")], "the bundle carries solutions"
        assert (archive.getinfo("run_autograder").external_attr >> 16) & 0o111
        archive.extractall(root / "source")
    (root / "submission").mkdir()
    return root


def run_autograder(root: Path) -> dict:
    script = root / "source" / "run_autograder"
    environment = {**os.environ, "AUTOGRADER_ROOT": str(root), "GRADECHECK_PYTHON": sys.executable}
    done = subprocess.run(["bash", str(script)], env=environment, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads((root / "results" / "results.json").read_text())


def test_setup_script_pins_the_dependencies(autograder: Path) -> None:
    setup = (autograder / "source" / "setup.sh").read_text()
    assert "numpy==" in setup and "jax==" in setup and "nbformat==" in setup


def test_run_script_grades_the_submission_into_results_json(autograder: Path) -> None:
    (autograder / "submission" / "answer.py").write_text((REFERENCE / "twelve-weights" / "solution.py").read_text())
    result = run_autograder(autograder)
    assert result["score"] == result["max_score"] == 15


def test_run_script_reports_a_missing_submission(autograder: Path) -> None:
    (autograder / "submission" / "notes.txt").write_text("forgot to upload")
    result = run_autograder(autograder)
    assert result["score"] == 0 and "No .ipynb or .py file" in result["output"]


def test_the_exercise_notebook_is_preferred(tmp_path: Path) -> None:
    for name in ("scratch.py", "other.ipynb", "twelve-weights.ipynb"):
        (tmp_path / name).write_text("")
    assert find_submission(tmp_path, "twelve-weights") == tmp_path / "twelve-weights.ipynb"
    (tmp_path / "twelve-weights.ipynb").unlink()
    assert find_submission(tmp_path, "twelve-weights") == tmp_path / "other.ipynb"


def test_a_link_in_the_upload_to_a_file_of_the_grader_is_not_graded(autograder: Path) -> None:
    from gradecheck._gradescope import run

    grader_file = autograder / "source" / "gradecheck" / "exercises" / "twelve-weights" / "starter.py"
    (autograder / "submission" / "twelve-weights.py").symlink_to(grader_file)
    result = run("twelve-weights", autograder)
    assert result["score"] == 0
    assert "symbolic link" in result["gradecheck"]["error"] and "outside the folders" in result["gradecheck"]["error"]
