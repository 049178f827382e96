#!/usr/bin/env bash
# PrairieLearn runs this in the grading container: the student's file is in /grade/student, and
# /grade/results/results.json must hold the result when it ends. gradecheck writes it whatever
# happens to the submission; this script covers the case where gradecheck itself cannot start.
set -u
ROOT="${GRADE_ROOT:-/grade}"
EXERCISE="${GRADECHECK_EXERCISE:-twelve-weights}"
mkdir -p "$ROOT/results"
python3 -m gradecheck.prairielearn "$EXERCISE" "$ROOT"
status=$?
if [ ! -s "$ROOT/results/results.json" ]; then
    printf '{"gradable": true, "score": 0.0, "message": "The grader could not start (exit status %d). This is not your fault: please tell your instructor.", "tests": []}\n' "$status" > "$ROOT/results/results.json"
fi
exit 0
