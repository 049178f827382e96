"""PrairieLearn's external grader entry: ``python -m gradecheck.prairielearn EXERCISE [ROOT]``.

Grades the student's file in ``ROOT/student`` (``/grade/student`` in a
PrairieLearn grading job) and always writes ``ROOT/results/results.json`` in
PrairieLearn's format; :func:`prairielearn_result` converts any gradecheck
result.  See ``examples/prairielearn/`` for a course question that uses it.
"""

from __future__ import annotations

import sys

from gradecheck._prairielearn import MAX_RESULT_BYTES, main, prairielearn_result, run

__all__ = ["MAX_RESULT_BYTES", "prairielearn_result", "run"]

if __name__ == "__main__":
    sys.exit(main())
