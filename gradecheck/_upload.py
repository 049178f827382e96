"""Grading the folder a platform uploads a submission into (Gradescope's /autograder/submission, PrairieLearn's /grade/student)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["find_submission", "grade_upload"]


def find_submission(folder: Path, exercise_id: str) -> Path | None:
    """The file to grade in an upload folder: the exercise's notebook, any notebook, any .py."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in (".ipynb", ".py"))
    for path in files:
        if path.name == f"{exercise_id}.ipynb":
            return path
    for suffix in (".ipynb", ".py"):
        for path in files:
            if path.suffix == suffix:
                return path
    return None


def grade_upload(exercise_ref: str, folder: Path) -> dict[str, Any]:
    """The C2 result of the submission in ``folder``; a missing file or a grader failure is an error result.

    A symbolic link in the upload is followed only within the upload, never to
    the grader's files.  Raises only when the exercise itself cannot load.
    """
    from gradecheck._exercises import load_exercise
    from gradecheck._grading import GradingError, error_result, grade_file

    exercise = load_exercise(exercise_ref)
    submission = find_submission(folder, exercise.id)
    if submission is None:
        return error_result(
            exercise, f"No .ipynb or .py file was found in the submission; upload your {exercise.id} notebook or .py file.",
            error_kind="missing",
        )
    try:
        return grade_file(exercise, submission, roots=[folder])
    except GradingError as error:
        return error_result(exercise, f"The autograder failed: {error}. Please tell your instructor.", error_kind="grader")
