"""A learner's self-check of one submission: the grading path with the self-check's items, and what it leaves out.

Used by ``gradecheck check`` and by :func:`gradecheck.notebook.check`, which
runs this module as a separate process (``python -m gradecheck._self_check``)
so that the notebook's kernel never imports JAX nor grades anything itself:

    python -m gradecheck._self_check EXERCISE NAME [--hidden] [--student ID] < submission bytes > results JSON

The submission's bytes come on standard input (``NAME`` says whether they are
a ``.py`` file or a notebook), and the results dict (DESIGN.md C2, with
``gradecheck.not_checked`` when hidden items were left out) goes to standard
output as JSON.  Exit status 0 with a result, 2 with ``error: ...`` on
standard error when the check could not run.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from gradecheck._errors import GradecheckError
from gradecheck._exercises import Exercise

__all__ = ["self_check_bytes", "main"]


def self_check_bytes(
    exercise: Exercise,
    name: str,
    data: bytes,
    *,
    hidden: bool = False,
    run_with: str | None = None,
    student: str | None = None,
) -> dict[str, Any]:
    """Grade the submission file ``name`` holding ``data`` as a self-check (see :func:`~gradecheck._grading.grade_bytes`).

    Without ``hidden``, only the self-check's items run and the result's
    ``gradecheck.not_checked`` says how many points the others hold and what
    they vary (:func:`gradecheck._unchecked.unchecked`), with ``run_with``
    (how to run them) filled in.  With ``hidden``, every item runs and the
    score is the grade's.  ``student``: whose variant (an exercise with ``[variants]``).

    The expected values of the given items and the words about the hidden
    items come from the self-check's cache (:mod:`gradecheck._check_cache`)
    when they are there: a self-check of a correct file then imports neither
    JAX nor Hypothesis.  Only a self-check uses that cache, never a grade.
    """
    from gradecheck import _check_cache
    from gradecheck._sandbox import warm_up_soon

    warm_up_soon(exercise.allowed_packages)  # the sandbox starts while the grader imports and looks things up
    from gradecheck._grading import grade_bytes

    result = grade_bytes(
        exercise, name, data, self_check=True, hidden=hidden, student=student, given_expected=_check_cache.given_expected
    )
    if not hidden:
        left_out = _check_cache.not_checked(exercise)
        if left_out is not None:
            left_out["run_with"] = run_with
            result["gradecheck"]["not_checked"] = left_out
    return result


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m gradecheck._self_check", description="Self-check the submission bytes on stdin; results JSON on stdout."
    )
    parser.add_argument("exercise_id", metavar="EXERCISE")
    parser.add_argument("name", metavar="NAME", help="the submission's file name (its extension picks the format)")
    parser.add_argument("--hidden", action="store_true", help="also run the hidden checks")
    parser.add_argument("--student", metavar="ID", default=None, help="whose variant (default: the notebook's metadata)")
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as stop:  # a usage error (argparse printed it) or --help
        return int(stop.code or 0)
    exercise_id, name, hidden, student = args.exercise_id, args.name, args.hidden, args.student
    from gradecheck._sandbox import warm_up_soon

    warm_up_soon()  # the usual packages' sandbox starts while this process imports and loads the exercise
    from gradecheck._check_cache import load_exercise
    from gradecheck._cli import _keep_hypothesis_out_of_the_current_folder
    from gradecheck._submissions import submission_from_bytes

    _keep_hypothesis_out_of_the_current_folder()
    data = sys.stdin.buffer.read()
    try:
        exercise = load_exercise(exercise_id)
        if student is None and exercise.variants:
            try:  # the learner's own notebook names them (check's default too)
                student = submission_from_bytes(name, data).student
            except GradecheckError:
                student = None
            if student is None:
                raise GradecheckError(
                    f"exercise {exercise.id!r} gives each student their own numbers and this notebook does not say "
                    f"whose it is: pass student='ID' to check(), or start from 'gradecheck template {exercise.id} --student ID'."
                )
        result = self_check_bytes(exercise, name, data, hidden=hidden, student=student)
    except GradecheckError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    sys.stdout.write(json.dumps(result))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    sys.exit(main())
