"""Gradescope autograder bundles: ``gradecheck gradescope EXERCISE -o autograder.zip``.

The zip holds what Gradescope's autograder contract asks for: ``setup.sh``
(run once when the image is built: installs gradecheck's dependencies at the
versions this machine has) and ``run_autograder`` (run per submission: grades
the file in ``/autograder/submission`` and writes
``/autograder/results/results.json``).  gradecheck itself travels inside the
zip as source (it is pure Python), so the image needs nothing but PyPI.

``python -m gradecheck._gradescope EXERCISE ROOT`` is what ``run_autograder``
calls; ROOT is ``/autograder`` on Gradescope and a temporary folder in tests.
"""

from __future__ import annotations

import importlib.metadata
import json
import stat
import sys
import zipfile
from pathlib import Path
from typing import Any

__all__ = ["build_bundle", "find_submission", "run"]

PACKAGE_DIR = Path(__file__).resolve().parent
DEPENDENCIES = ("numpy", "jax", "jaxlib", "hypothesis", "pytest", "nbformat", "click")

_RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this once per submission.
set -u
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PYTHON="${{GRADECHECK_PYTHON:-python3}}"
mkdir -p "$ROOT/results"
cd "$ROOT/source" && PYTHONPATH="$ROOT/source" "$PYTHON" -m gradecheck._gradescope {exercise} "$ROOT"
"""

_SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder image.
set -euo pipefail
apt-get update -q && apt-get install -y -q python3 python3-pip
python3 -m pip install --upgrade pip
python3 -m pip install {requirements}
"""


def _pinned(name: str) -> str:
    try:
        return f"{name}=={importlib.metadata.version(name)}"
    except importlib.metadata.PackageNotFoundError:
        return name


def build_bundle(exercise_id: str, output: Path) -> Path:
    """Write the autograder zip for ``exercise_id`` to ``output``; returns the path."""
    from gradecheck._exercises import load_exercise, shipped_exercises_dir

    exercise = load_exercise(exercise_id)
    requirements = " ".join(f"'{_pinned(name)}'" for name in DEPENDENCIES)
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, text in (
            ("setup.sh", _SETUP.format(requirements=requirements)),
            ("run_autograder", _RUN_AUTOGRADER.format(exercise=exercise.id)),
        ):
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFREG | 0o755) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            bundle.writestr(info, text)
        # gradecheck as source, the shipped exercises where an installed gradecheck has them; no solutions.
        for root, target in ((PACKAGE_DIR, Path("gradecheck")), (shipped_exercises_dir(), Path("gradecheck", "exercises"))):
            for path in sorted(root.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo"):
                    bundle.write(path, target / path.relative_to(root))
    return output


def find_submission(folder: Path, exercise_id: str) -> Path | None:
    """The file to grade in Gradescope's submission folder: the exercise's notebook, any notebook, any .py."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in (".ipynb", ".py"))
    for path in files:
        if path.name == f"{exercise_id}.ipynb":
            return path
    for suffix in (".ipynb", ".py"):
        for path in files:
            if path.suffix == suffix:
                return path
    return None


def run(exercise_id: str, root: Path) -> dict[str, Any]:
    """Grade ``root/submission`` and write ``root/results/results.json``; returns the result."""
    from gradecheck._exercises import load_exercise
    from gradecheck._grading import GradingError, error_result, grade_file

    exercise = load_exercise(exercise_id)
    results = root / "results" / "results.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    submission = find_submission(root / "submission", exercise.id)
    if submission is None:
        result = error_result(
            exercise, f"No .ipynb or .py file was found in the submission; upload your {exercise.id} notebook."
        )
    else:
        try:
            # A link in the student's upload is followed only within the upload (never to /autograder/source).
            result = grade_file(exercise, submission, roots=[root / "submission"])
        except GradingError as error:
            result = error_result(exercise, f"The autograder failed: {error}. Please tell your instructor.")
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

