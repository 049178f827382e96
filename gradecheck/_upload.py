"""Grading the folder a platform uploads a submission into (Gradescope's /autograder/submission, PrairieLearn's /grade/student)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["find_submission", "grade_upload", "gradescope_student"]


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


#: The largest submission_metadata.json read (Gradescope's is a few KiB, with the previous submissions).
_MAX_METADATA_BYTES = 8 * 1024 * 1024


def gradescope_student(metadata: Path) -> str | None:
    """The student id in Gradescope's ``submission_metadata.json``, or ``None`` when it names none.

    The first user of ``users`` (a group submission lists several: the
    submitter comes first): their ``sid`` (the student id of the course
    roster) where it is set, else their ``email``, else Gradescope's user
    ``id``.  The file is Gradescope's, not the student's (it lies outside the
    upload); it is still read as data only, bounded, with nothing followed.
    """
    import json

    from gradecheck._safe_files import RefusedFile, read_regular_file

    try:
        data = json.loads(read_regular_file(metadata, _MAX_METADATA_BYTES))
    except (RefusedFile, ValueError, RecursionError):
        return None
    users = data.get("users") if isinstance(data, dict) else None
    first = users[0] if isinstance(users, list) and users and isinstance(users[0], dict) else {}
    for field in ("sid", "email", "id"):
        value = first.get(field)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return None


def grade_upload(exercise_ref: str, folder: Path, *, metadata: Path | None = None) -> dict[str, Any]:
    """The C2 result of the submission in ``folder``; a missing file or a grader failure is an error result.

    A symbolic link in the upload is followed only within the upload, never to
    the grader's files.  For an exercise with per-student variants, the
    student id comes from ``metadata`` (Gradescope's ``submission_metadata.json``,
    see :func:`gradescope_student`); without one, the result is an error
    result with ``error_kind`` ``"student"``.  Raises only when the exercise
    itself cannot load.
    """
    from gradecheck._exercises import load_exercise
    from gradecheck._grading import GradingError, error_result, grade_file

    exercise = load_exercise(exercise_ref)
    student = None
    if exercise.variants:
        student = gradescope_student(metadata) if metadata is not None else None
        if student is None:
            return error_result(
                exercise,
                f"Exercise {exercise.id!r} gives each student their own numbers, and the autograder found no student "
                f"id in {metadata or 'the submission metadata'}. This is not your fault: please tell your instructor.",
                error_kind="student",
            )
        exercise = exercise.for_student(student)
    submission = find_submission(folder, exercise.id)
    if submission is None:
        return error_result(
            exercise, f"No .ipynb or .py file was found in the submission; upload your {exercise.id} notebook or .py file.",
            error_kind="missing",
        )
    try:
        return grade_file(exercise, submission, roots=[folder], student=student)
    except GradingError as error:
        return error_result(exercise, f"The autograder failed: {error}. Please tell your instructor.", error_kind="grader")
