"""Gradescope autograder bundles: ``gradecheck gradescope EXERCISE -o autograder.zip``.

The zip holds what Gradescope's autograder contract asks for, unpacked in
``/autograder/source``:

- ``setup.sh``, run once (as root) when Gradescope builds the image: makes a
  virtual environment ``/autograder/venv`` (Ubuntu 24.04's Python refuses
  system-wide pip installs, PEP 668) and installs ``requirements.txt`` there:
  gradecheck's own requirements with the version ranges of its metadata, so
  that pip picks versions that exist for the image's Python (3.10 on Ubuntu
  22.04, 3.12 on 24.04), never the build machine's pins;
- ``run_autograder``, run per submission: grades the file in
  ``/autograder/submission`` into ``/autograder/results/results.json``, and
  writes a results file saying what went wrong if grading could not run;
- ``gradecheck/`` as source (it is pure Python), ``exercises/<id>/`` (the
  exercise folder, with its ``kind.py`` if it has one) and, only for kinds that
  need it, ``reference/<id>/solution.py``; never the known-wrong variants.

Results follow Gradescope's format; gradecheck's own detail (the ``gradecheck``
section of DESIGN.md C2) goes under ``extra_data``, where Gradescope keeps data
it does not show.  ``python -m gradecheck._gradescope EXERCISE_FOLDER ROOT`` is
what ``run_autograder`` calls; ROOT is ``/autograder`` on Gradescope and a
temporary folder in tests (``AUTOGRADER_ROOT``).
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import stat
import sys
import traceback
import zipfile
from pathlib import Path
from typing import Any

from gradecheck._upload import find_submission, grade_upload

__all__ = ["build_bundle", "find_submission", "gradescope_result", "requirements", "run"]

PACKAGE_DIR = Path(__file__).resolve().parent

_RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this once per submission. It always leaves a results.json.
set -u
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PYTHON="${{GRADECHECK_PYTHON:-$ROOT/venv/bin/python}}"
RESULTS="$ROOT/results/results.json"
mkdir -p "$ROOT/results"
rm -f "$RESULTS"
cd "$ROOT/source" || exit 0
PYTHONPATH="$ROOT/source" "$PYTHON" -m gradecheck._gradescope "$ROOT/source/exercises/{exercise}" "$ROOT"
status=$?
if [ ! -s "$RESULTS" ]; then
    printf '{{"score": 0.0, "output": "The autograder could not run (exit status %d). This is not your fault: please tell your instructor.", "tests": []}}\\n' "$status" > "$RESULTS"
fi
exit 0
"""

_SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (Ubuntu 22.04 or 24.04).
# It makes a virtual environment (PEP 668 images refuse system-wide installs) and installs
# gradecheck's requirements into it, with the version ranges of gradecheck's own metadata.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PYTHON="${GRADECHECK_SETUP_PYTHON:-python3}"
VENV="${GRADECHECK_VENV:-$ROOT/venv}"
updated=""

apt_install() {
    if command -v apt-get >/dev/null 2>&1; then
        if [ -z "$updated" ]; then
            apt-get update -q
            updated=yes
        fi
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"
    fi
}

if ! command -v "$PYTHON" >/dev/null 2>&1 || ! "$PYTHON" -c "import ensurepip, venv" >/dev/null 2>&1; then
    apt_install python3 python3-venv
fi
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q -r "$ROOT/source/requirements.txt"
# Namespaces, where the container allows them; gradecheck falls back to a dedicated uid otherwise.
if ! command -v bwrap >/dev/null 2>&1; then
    apt_install bubblewrap || echo "setup.sh: bubblewrap is not available; submissions are isolated by uid"
fi
"$VENV/bin/python" -c "import gradecheck" 2>/dev/null || PYTHONPATH="$ROOT/source" "$VENV/bin/python" -c "import gradecheck"
echo "setup.sh: gradecheck's requirements are installed in $VENV"
"""


def requirements() -> list[str]:
    """gradecheck's requirements (name, version range, environment marker) from its own metadata, extras left out."""
    try:
        declared = importlib.metadata.requires("gradecheck") or []
    except importlib.metadata.PackageNotFoundError:  # running from a source tree that was never installed
        declared = []
    kept = [entry for entry in declared if not re.search(r"\bextra\s*==", entry)]
    if not kept:
        raise RuntimeError("gradecheck's requirements are unknown: install gradecheck (pip install .) to build a bundle")
    return kept


def build_bundle(exercise_ref: str, output: Path) -> Path:
    """Write the autograder zip for ``exercise_ref`` (a shipped id or an exercise folder) to ``output``."""
    from gradecheck._exercises import load_exercise, reference_dir
    from gradecheck._kinds import kind_of

    exercise = load_exercise(exercise_ref)
    members: list[tuple[Path, Path]] = []
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo"):
            if path.relative_to(PACKAGE_DIR).parts[0] != "exercises":
                members.append((path, Path("gradecheck") / path.relative_to(PACKAGE_DIR)))
    for path in sorted(exercise.directory.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            members.append((path, Path("exercises", exercise.id) / path.relative_to(exercise.directory)))
    if kind_of(exercise).needs_reference_solution:
        solution = (reference_dir(exercise.directory) or Path("/nonexistent")) / "solution.py"
        if not solution.is_file():
            raise FileNotFoundError(f"exercise {exercise.id!r} is graded against its reference solution, and {solution} is missing")
        members.append((solution, Path("reference", exercise.id, "solution.py")))
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, text in (
            ("setup.sh", _SETUP),
            ("run_autograder", _RUN_AUTOGRADER.format(exercise=exercise.id)),
            ("requirements.txt", "\n".join(requirements()) + "\n"),
        ):
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFREG | (0o644 if name.endswith(".txt") else 0o755)) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            bundle.writestr(info, text)
        for path, name in members:
            bundle.write(path, name)
    return output


def gradescope_result(result: dict[str, Any]) -> dict[str, Any]:
    """A C2 result in Gradescope's results.json layout: gradecheck's own section under ``extra_data``."""
    converted = {key: value for key, value in result.items() if key != "gradecheck"}
    if "gradecheck" in result:
        converted["extra_data"] = {"gradecheck": result["gradecheck"]}
    return converted


def _failed(message: str) -> dict[str, Any]:
    return {"score": 0.0, "output": message, "tests": []}


def run(exercise_ref: str, root: Path) -> dict[str, Any]:
    """Grade ``root/submission`` and write ``root/results/results.json`` (Gradescope's layout); returns it.

    Never raises for anything about the exercise or the submission: what could
    not be graded gets a results file that says why.
    """
    results = root / "results" / "results.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    try:
        result = gradescope_result(
            grade_upload(exercise_ref, root / "submission", metadata=root / "submission_metadata.json")
        )
    except Exception as error:  # the autograder itself failed: say so in the one place Gradescope shows
        print(traceback.format_exc(), file=sys.stderr)
        result = _failed(f"The autograder failed ({type(error).__name__}: {error}). This is not your fault: please tell your instructor.")
    results.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return result


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m gradecheck._gradescope EXERCISE ROOT", file=sys.stderr)
        return 2
    run(args[0], Path(args[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
