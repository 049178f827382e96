"""Fixtures for the exercise-kind tests: grade shipped reference and known-wrong files."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

import gradecheck
from gradecheck._exercises import load_exercise
from gradecheck._grading import grade_source

PACKAGE_DIR = Path(gradecheck.__file__).parent
REFERENCE_DIR = PACKAGE_DIR.parent / "reference"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    return REFERENCE_DIR


@pytest.fixture(scope="session")
def grade() -> Callable[..., dict[str, Any]]:
    """``grade(exercise_id, path_or_source, *, self_check=False)`` -> the C2 results dict.

    ``path_or_source`` is a Path to a .py file or Python source text.
    """

    def run(exercise_id: str, submission: Path | str, *, self_check: bool = False) -> dict[str, Any]:
        exercise = load_exercise(exercise_id)
        if isinstance(submission, Path):
            return grade_source(exercise, submission.read_text(), submission.name, self_check=self_check)
        return grade_source(exercise, submission, "submission.py", self_check=self_check)

    return run


def failed_tests(result: dict[str, Any]) -> set[str]:
    return {test["name"] for test in result["tests"] if test["status"] == "failed"}
