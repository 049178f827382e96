"""PrairieLearn's external grader: results in its ``results.json`` format, and the entry a grading job runs.

PrairieLearn copies a submission's files to ``/grade/student`` and reads
``/grade/results/results.json`` back (its external-grading documentation):
``score`` in [0, 1]; ``gradable`` false (with ``format_errors``) for input
that could not be graded, which costs the student no attempt; ``message`` and
``output`` for the whole; ``tests``, each with ``name``, ``description``,
``points``, ``max_points``, ``message`` and ``output``, shown by
``<pl-external-grader-results>``; the file must stay under 1 MB.

``python -m gradecheck.prairielearn EXERCISE [ROOT]`` (ROOT defaults to
``/grade``) is the grading job's entry: it grades the student's file and always
writes ``ROOT/results/results.json``.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path
from typing import Any

from gradecheck._text import first_line, shorten
from gradecheck._upload import grade_upload

__all__ = ["MAX_RESULT_BYTES", "prairielearn_result", "run"]

#: PrairieLearn's limit on results.json.
MAX_RESULT_BYTES = 1_000_000
#: Submissions PrairieLearn should not count as an attempt: nothing could be graded, and the student
#: can fix it by resubmitting (gradecheck's ``error_kind`` values).
_NOT_GRADABLE = ("unreadable", "missing", "syntax")
_OUTPUT_CAP = 4000


def _cut(text: str, limit: int = _OUTPUT_CAP) -> str:
    return text if len(text) <= limit else text[: limit - 40] + f"\n[... {len(text) - limit + 40} characters cut]"


def prairielearn_result(result: dict[str, Any]) -> dict[str, Any]:
    """A gradecheck result (DESIGN.md C2) as PrairieLearn's external-grader ``results.json``."""
    info = result.get("gradecheck") or {}
    max_score = float(result.get("max_score") or 0.0)
    score = float(result.get("score") or 0.0)
    lines = str(result.get("output") or "").splitlines()
    converted: dict[str, Any] = {
        "gradable": info.get("error_kind") not in _NOT_GRADABLE,
        "score": min(1.0, max(0.0, score / max_score)) if max_score > 0 else 0.0,
        "message": lines[0] if lines else "",
        "output": _cut("\n".join(lines)),
        "tests": [
            {
                "name": test["name"],
                "description": f"{test['name']} ({test['status']})",
                "points": test["score"],
                "max_points": test["max_score"],
                "message": shorten(first_line(str(test.get("output") or "")), 500),
                "output": _cut(str(test.get("output") or "")),
            }
            for test in result.get("tests", [])
            if test.get("visibility", "visible") == "visible"
        ],
    }
    if not converted["gradable"]:
        converted["format_errors"] = [str(info.get("error") or "the submission could not be read")]
    while len(json.dumps(converted)) > MAX_RESULT_BYTES and converted["tests"]:
        converted["tests"] = converted["tests"][: len(converted["tests"]) // 2]
        converted["message"] += " (some tests are left out: the results were too long)"
    return converted


def run(exercise_ref: str, root: Path = Path("/grade")) -> dict[str, Any]:
    """Grade the file in ``root/student`` and write ``root/results/results.json``; returns what was written.

    Never raises for anything about the exercise or the submission: a grading
    failure is written as a results file that says so (gradable, score 0).
    """
    results = root / "results" / "results.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    try:
        converted = prairielearn_result(grade_upload(exercise_ref, root / "student"))
    except Exception as error:  # the grader itself failed: tell the student it is not their fault
        print(traceback.format_exc(), file=sys.stderr)
        converted = {
            "gradable": True,
            "score": 0.0,
            "message": f"The grader failed ({type(error).__name__}: {error}). This is not your fault: please tell your instructor.",
            "tests": [],
        }
    results.write_text(json.dumps(converted, indent=2), encoding="utf-8")
    return converted


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (1, 2):
        print("usage: python -m gradecheck.prairielearn EXERCISE [ROOT (default /grade)]", file=sys.stderr)
        return 2
    run(args[0], Path(args[1]) if len(args) == 2 else Path("/grade"))
    return 0
