"""``gradecheck validate``: check an exercise folder before learners see it.

The checks, in order (each later one needs the spec to load):

1. **spec**: ``exercise.toml`` loads under strict checking (unknown keys,
   ``[given]``/``[settings]`` against the kind, entry points, items);
2. **statement**: every placeholder of ``statement.md`` resolves, computed
   values included;
3. **template**: the student notebook renders and is a valid nbformat 4 notebook;
4. **reference**: ``reference/<id>/solution.py`` gets full marks;
5. **mistake** (one per file): each known-wrong variant
   ``reference/<id>/mistakes/<mistake-id>.py`` is a mistake the kind models,
   loses marks, and is diagnosed as ``<mistake-id>``.

Grading runs in the same sandbox as ``gradecheck grade``, with the same hidden
checks, so a valid exercise grades its reference and variants the same way
for learners.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from gradecheck._errors import GradecheckError

__all__ = ["Check", "ValidationReport", "validate_exercise"]


@dataclasses.dataclass(frozen=True)
class Check:
    """One check's outcome: ``status`` is ``"ok"``, ``"FAIL"``, ``"skip"`` or ``"note"``."""

    status: str
    name: str
    message: str
    fix: str = ""

    @property
    def failed(self) -> bool:
        return self.status == "FAIL"


@dataclasses.dataclass(frozen=True)
class ValidationReport:
    """Every check of one exercise folder."""

    target: str
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return not any(check.failed for check in self.checks)

    def report(self) -> str:
        """The checks as text: one line each (``ok``/``FAIL``/``skip``/``note``), what to fix under a failure, a summary."""
        width = max(len(check.name) for check in self.checks)
        lines = []
        for check in self.checks:
            first, *rest = check.message.splitlines() or [""]
            lines.append(f"{check.status:<5} {check.name:<{width}}  {first}")
            indent = " " * (6 + width + 2)
            lines.extend(f"{indent}{line}" for line in rest)
            if check.fix:
                lines.append(f"{indent}fix: {check.fix}")
        ran = [check for check in self.checks if check.status in ("ok", "FAIL")]
        failed = [check for check in ran if check.failed]
        skipped = sum(check.status == "skip" for check in self.checks)
        if failed:
            summary = f"{self.target}: {len(failed)} of {len(ran)} checks failed"
        else:
            summary = f"{self.target} is valid: {len(ran)} checks passed"
        lines.append(summary + (f", {skipped} skipped." if skipped else "."))
        return "\n".join(lines)


def _shown(path: Path) -> str:
    """``path`` relative to the working folder when it is below it (shorter in reports)."""
    try:
        return os.path.relpath(path) if Path(os.path.relpath(path)).parts[:1] != ("..",) else str(path)
    except ValueError:  # another drive (Windows)
        return str(path)


def _spec_file(target: str | Path) -> Path:
    """The ``exercise.toml`` of ``target`` (a folder, the spec itself, or a shipped exercise id)."""
    from gradecheck._exercises import EXERCISES_DIR

    path = Path(target)
    if path.is_dir():
        spec = path / "exercise.toml"
        if not spec.is_file():
            raise GradecheckError(f"{path} is not an exercise folder: it has no exercise.toml.")
        return spec
    if path.is_file():
        if path.name != "exercise.toml":
            raise GradecheckError(f"{path} is not an exercise spec: expected an exercise folder or its exercise.toml.")
        return path
    shipped = EXERCISES_DIR / str(target) / "exercise.toml"
    if shipped.is_file() and os.sep not in str(target):
        return shipped
    raise GradecheckError(f"no such exercise folder: {path}")


def _score(result: dict[str, Any]) -> str:
    return f"{result['score']:g} / {result['max_score']:g}"


def _failures(result: dict[str, Any], limit: int = 4, lines: int = 10) -> str:
    """The failed tests of a result: the first one's output (up to ``lines`` lines), then the names of the next ones."""
    failed = [test for test in result["tests"] if test["status"] != "passed"]
    if not failed:
        return ""
    output = (failed[0]["output"] or "").splitlines()
    shown = [f"{failed[0]['name']}:"] + [f"  {line}" for line in output[:lines]]
    if len(output) > lines:
        shown.append("  ...")
    shown.extend(f"{test['name']}: failed too" for test in failed[1:limit])
    if len(failed) > limit:
        shown.append(f"... and {len(failed) - limit} more failed tests")
    return "\n".join(shown)


def _grade(exercise: Any, path: Path, limits: Any) -> dict[str, Any]:
    from gradecheck._grading import grade_source

    return grade_source(exercise, path.read_text(encoding="utf-8"), path.name, limits=limits)


def _check_reference(exercise: Any, solution: Path, limits: Any) -> Check:
    from gradecheck._grading import GradingError

    try:
        result = _grade(exercise, solution, limits)
    except GradingError as error:
        return Check("FAIL", "reference", f"{_shown(solution)} could not be graded: {error}",
                     "the grader failed on this exercise: fix the kind or the spec it names.")
    failed = [test for test in result["tests"] if test["status"] != "passed"]
    if result["gradecheck"]["error"] is None and not failed and result["score"] == result["max_score"]:
        return Check("ok", "reference", f"{_shown(solution)} gets full marks, {_score(result)}")
    why = result["gradecheck"]["error"] or _failures(result)
    return Check(
        "FAIL",
        "reference",
        f"{_shown(solution)} gets {_score(result)}, not full marks:\n{why}",
        "the reference solution must get full marks: fix solution.py, or the spec where the solution is right "
        "(its outputs, tolerances, decimals or given values).",
    )


#: The students whose variants ``validate`` draws (and grades the reference solution on the first of).
SAMPLE_STUDENTS = ("validate-sample-1", "validate-sample-2", "validate-sample-3")


def _check_variants(exercise: Any, solution: Path, limits: Any) -> Check:
    """Variants for sample students draw, differ, and the reference solution gets full marks on one of them."""
    from gradecheck._grading import GradingError

    try:
        variants = [exercise.for_student(student) for student in SAMPLE_STUDENTS]
        result = _grade(variants[0], solution, limits)
    except GradecheckError as error:
        if isinstance(error, GradingError):
            return Check("FAIL", "variants", f"{_shown(solution)} could not be graded on a student's variant: {error}",
                         "the grader failed on this exercise: fix the kind or the spec it names.")
        return Check("FAIL", "variants", str(error), "widen the ranges in [variants] so that the kind accepts most draws.")
    keys = ", ".join(exercise.variants)
    if len({repr(sorted(v.given.items())) for v in variants}) == 1:
        return Check("FAIL", "variants", f"[variants] ({keys}) gives {len(variants)} sample students the same numbers",
                     "give the entries of [variants] more than one possible value.")
    if result["gradecheck"]["error"] is not None or result["score"] != result["max_score"]:
        why = result["gradecheck"]["error"] or _failures(result)
        return Check("FAIL", "variants",
                     f"{_shown(solution)} gets {_score(result)} on the numbers of student {SAMPLE_STUDENTS[0]!r}:\n{why}",
                     "the reference must get full marks on every student's numbers: check the ranges in [variants] "
                     "and the tolerances of the items.")
    redrawn = sum(1 for v in variants if v.variant.attempt > 0)
    return Check("ok", "variants",
                 f"[variants] ({keys}) draws different numbers for {len(variants)} sample students"
                 f"{f' ({redrawn} redrawn: the kind refused a draw)' if redrawn else ''}; {_shown(solution)} gets "
                 f"{_score(result)} on the numbers of {SAMPLE_STUDENTS[0]!r}")


def _check_mistake(exercise: Any, kind: Any, path: Path, limits: Any) -> Check:
    from gradecheck._grading import GradingError
    from gradecheck._mistakes import mistake_info

    mistake = path.stem
    name = "mistake"
    if mistake not in kind.mistakes:
        return Check(
            "FAIL",
            name,
            f"{_shown(path)} is named after {mistake!r}, which kind {exercise.kind!r} does not model; "
            f"it models: {', '.join(kind.mistakes) or '(none)'}.",
            "name the file after the mistake it makes (one of those), or teach the kind to model it "
            "(its mistakes and mistaken()).",
        )
    try:
        result = _grade(exercise, path, limits)
    except GradingError as error:
        return Check("FAIL", name, f"{_shown(path)} could not be graded: {error}",
                     "the grader failed on this exercise: fix the kind or the spec it names.")
    diagnosed = result["gradecheck"]["mistakes"]
    if result["score"] >= result["max_score"]:
        return Check(
            "FAIL",
            name,
            f"{_shown(path)} gets full marks ({_score(result)}): the checks do not catch this mistake.",
            "make the file really make the mistake, or add checks (items, hidden instances) that it fails.",
        )
    if mistake not in diagnosed:
        found = ", ".join(f"{m!r} ({mistake_info(kind, m).title})" for m in diagnosed) if diagnosed else "no mistake"
        return Check(
            "FAIL",
            name,
            f"{_shown(path)} loses marks ({_score(result)}) but is diagnosed as {found}, not {mistake!r}.",
            f"make the file make exactly the mistake {mistake!r} (the diagnosis needs every output it returns to "
            f"match what kind.mistaken(instance, {mistake!r}) predicts), or fix that prediction in the kind.",
        )
    title = mistake_info(kind, mistake).title
    return Check("ok", name, f"{_shown(path)} gets {_score(result)}, diagnosed as {title!r}")


def validate_exercise(target: str | Path, *, limits: Any = None) -> ValidationReport:
    """Run every check on the exercise folder ``target`` (or its ``exercise.toml``, or a shipped id).

    Raises :class:`GradecheckError` when the checks cannot run at all: no such
    folder, or no sandbox to grade in.
    """
    from gradecheck._exercises import ExerciseSpecError, load_exercise_file, reference_dir
    from gradecheck._kinds import kind_of
    from gradecheck._sandbox import Limits, ensure_available, resolve_isolation
    from gradecheck._statements import placeholders
    from gradecheck._submissions import template_notebook

    spec_file = _spec_file(target)
    shown = _shown(spec_file.parent)
    checks: list[Check] = []
    try:
        exercise = load_exercise_file(spec_file)
    except ExerciseSpecError as error:
        checks.append(Check("FAIL", "spec", str(error), "edit the spec as the message says (docs/exercise-format.md lists every key)."))
        checks.append(Check("skip", "others", "statement, template, reference and mistakes: the spec does not load"))
        return ValidationReport(shown, tuple(checks))
    given_points = sum(item.points for item in exercise.items if item.instance == "given")
    checks.append(
        Check(
            "ok",
            "spec",
            f"{_shown(spec_file)} loads: kind {exercise.kind!r}, {len(exercise.items)} items, "
            f"{exercise.max_score:g} points ({given_points:g} on the given values)",
        )
    )
    statement_file = exercise.statement_file or spec_file.parent / "statement.md"
    try:
        statement = exercise.statement
    except ExerciseSpecError as error:
        checks.append(Check("FAIL", "statement", str(error), "correct the placeholder, or write \\{{ for a literal {{."))
        checks.append(Check("skip", "template", "the statement does not render"))
    else:
        count = len(placeholders(exercise.statement_source))
        checks.append(Check("ok", "statement", f"{_shown(statement_file)}: {count} placeholder(s) resolve"))
        try:
            notebook = template_notebook(
                exercise=exercise.id,
                version=exercise.version,
                title=exercise.title,
                statement=statement,
                starter_code=exercise.starter_code,
                allowed_packages=exercise.allowed_packages,
                forbidden_imports=exercise.forbidden_imports,
            )
        except GradecheckError as error:
            checks.append(Check("FAIL", "template", f"the template notebook does not render: {error}",
                                "fix the id, version or title named above."))
        else:
            checks.append(Check("ok", "template", f"the template notebook renders ({len(notebook.cells)} cells, valid nbformat 4)"))
    reference = reference_dir(exercise.directory)
    if reference is None or not (reference / "solution.py").is_file():
        where = exercise.directory.resolve().parent.parent / "reference" / exercise.id / "solution.py"
        checks.append(
            Check(
                "FAIL",
                "reference",
                f"no reference solution: expected {_shown(where)}",
                "write the reference solution there (reference/ sits beside exercises/), in the student API.",
            )
        )
        return ValidationReport(shown, tuple(checks))
    try:
        level = resolve_isolation("auto").level
        ensure_available(level)
    except GradecheckError as error:
        raise GradecheckError(f"cannot grade the reference solution and variants: {error}") from None
    limits = limits if limits is not None else Limits()
    checks.append(_check_reference(exercise, reference / "solution.py", limits))
    if exercise.variants:
        checks.append(_check_variants(exercise, reference / "solution.py", limits))
    variants = sorted((reference / "mistakes").glob("*.py"))
    if not variants:
        checks.append(
            Check("note", "mistakes", f"no known-wrong variants in {_shown(reference / 'mistakes')}: "
                  "add one per mistake the grader must diagnose")
        )
    kind = kind_of(exercise)
    for path in variants:
        checks.append(_check_mistake(exercise, kind, path, limits))
    return ValidationReport(shown, tuple(checks))
