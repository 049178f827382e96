"""Self-check from inside a Jupyter notebook: ``import gradecheck.notebook as gn; gn.check()``.

:func:`check` grades the notebook's source with the same visible checks, in
the same sandbox, as ``gradecheck check``, shows the report inline (element
grids included) and returns a :class:`CheckResult` with the score.

The kernel is the student's own process, so nothing in it is graded: the
source (the saved notebook file, or the kernel's history when the file is
unknown: see :mod:`gradecheck._notebook_source`) goes to a separate grading
process (``python -m gradecheck._self_check``), which runs it in a sandboxed
worker and answers with a results dict as JSON.  The kernel imports neither
JAX nor the grader, and keeps its working folder, its configuration and no
process behind (the grading process is waited for, and its whole process
group stopped if the check is interrupted or runs out of time).
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from typing import Any

from gradecheck._errors import GradecheckError

__all__ = ["CheckResult", "check"]

#: Wall-clock seconds a check may take (the grading process, sandbox start included) before it is stopped.
DEFAULT_TIMEOUT = 300.0


@dataclasses.dataclass(frozen=True, repr=False)
class CheckResult:
    """The outcome of :func:`check`.

    Attributes:
        score: points earned on the checks that ran.
        max_score: points those checks are worth.
        failed: names of the failing tests, in report order.
        hidden_points_not_checked: points of the grade's hidden checks that did not run (0 with ``hidden=True``).
        graded: which source was graded, in words.
        result: the full results dict (DESIGN.md C2, gradecheck's detail under ``"gradecheck"``).
    """

    score: float
    max_score: float
    failed: tuple[str, ...]
    hidden_points_not_checked: float
    graded: str
    result: Mapping[str, Any]

    @property
    def passed(self) -> bool:
        """Whether every check that ran passed."""
        return not self.failed and self.result.get("gradecheck", {}).get("error") is None

    def __repr__(self) -> str:
        hidden = (
            f"; {self.hidden_points_not_checked:g} hidden points not checked (check(hidden=True) runs them)"
            if self.hidden_points_not_checked
            else ""
        )
        failed = f"; failed: {', '.join(self.failed[:5])}{' ...' if len(self.failed) > 5 else ''}" if self.failed else ""
        exercise = self.result.get("gradecheck", {}).get("exercise", "?")
        return f"<gradecheck {exercise}: {self.score:g} / {self.max_score:g}{hidden}{failed}; graded {self.graded}>"


def check(
    exercise: str | None = None,
    *,
    hidden: bool = False,
    notebook: str | os.PathLike[str] | None = None,
    display: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    student: str | None = None,
) -> CheckResult:
    """Self-check this notebook's functions against an exercise; show the report inline; return the score.

    Args:
        exercise: the exercise id (e.g. ``"twelve-weights"``) or folder; default: the id in the
            notebook's metadata (a notebook made by ``gradecheck template`` has it).
        hidden: also run the grade's hidden checks (random instances), so the score is the grade's.
        notebook: the saved notebook to grade; default: this kernel's notebook when its front end
            says which (Jupyter, VS Code), else the kernel's history (see below).
        display: show the report (HTML, with a plain-text version) in the cell's output.
        timeout: seconds the check may take before it is stopped.
        student: whose numbers, for an exercise with per-student variants; default: the student
            named in the notebook's metadata (``gradecheck template ID --student S`` writes it).

    The graded source is the saved notebook file when it is known: exactly
    what ``gradecheck grade`` grades (save before checking: a note says when
    the cell you ran last is not saved).  Otherwise it is the cells this
    kernel ran, in the order they ran, replayed in a fresh process: a cell
    deleted since it ran still counts there, though the grader will not see
    it.  The report says which source was graded.

    Raises:
        GradecheckError: the check could not run (no exercise id, an unreadable notebook,
            the grading process failed or ran out of time); the message says what to do.
    """
    from gradecheck import _notebook_source

    shell = _shell()
    user_ns = getattr(shell, "user_ns", {}) or {}
    history = list(getattr(getattr(shell, "history_manager", None), "input_hist_raw", []) or [])
    path = notebook if notebook is not None else _notebook_source.notebook_path(user_ns)
    if path is not None:
        source = _notebook_source.from_file(path, history)
    elif history:
        source = _notebook_source.from_history(history, exercise)
    else:
        raise GradecheckError(
            "check() found nothing to grade: this is not an IPython kernel and no notebook was given. "
            "Pass notebook='NAME.ipynb', or use 'gradecheck check FILE' in a terminal."
        )
    exercise_id = exercise or source.exercise
    if exercise_id is None:
        raise GradecheckError(
            "check() needs the exercise id: this kernel does not know its notebook file, and "
            f"{'the notebook records none' if path is not None else 'the history records none'}. "
            "Call check('EXERCISE-ID') (see 'gradecheck exercises'), or check(notebook='NAME.ipynb') for a "
            "notebook made by 'gradecheck template'."
        )
    result = _grade(exercise_id, source.name, source.data, hidden=hidden, timeout=timeout, student=student)
    gc = result["gradecheck"]
    gc["notes"] = [f"Graded: {source.description}.", *source.notes, *gc.get("notes", [])]
    gc["graded_source"] = source.description
    not_checked = gc.get("not_checked")
    if not_checked is not None:
        argument = f"{exercise!r}, " if exercise else ""
        not_checked["run_with"] = f"gn.check({argument}hidden=True)  (gn is gradecheck.notebook)"
    outcome = CheckResult(
        score=float(result["score"]),
        max_score=float(result["max_score"]),
        failed=tuple(test["name"] for test in result["tests"] if test["status"] == "failed"),
        hidden_points_not_checked=float(not_checked["points"]) if not_checked else 0.0,
        graded=source.description,
        result=result,
    )
    if display:
        _show(result)
    return outcome


def _shell() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def _grade(exercise: str, name: str, data: bytes, *, hidden: bool, timeout: float, student: str | None = None) -> dict[str, Any]:
    """Run the self-check in its own process (and process group); its results dict, read from JSON."""
    command = [sys.executable, "-m", "gradecheck._self_check", exercise, name, *(["--hidden"] if hidden else [])]
    if student is not None:
        command += ["--student", student]
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        out, err = process.communicate(data, timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(process)
        raise GradecheckError(
            f"the check took more than {timeout:g} s and was stopped; look for a loop that never ends in your "
            f"code, or pass a larger timeout=."
        ) from None
    except BaseException:  # KeyboardInterrupt (the kernel's interrupt button) included: leave nothing running
        _stop(process)
        raise
    if process.returncode != 0:
        message = err.decode("utf-8", "replace").strip().removeprefix("error: ")
        raise GradecheckError(message or f"the grading process failed (exit status {process.returncode}).")
    try:
        result = json.loads(out)
    except json.JSONDecodeError:
        raise GradecheckError("the grading process answered something that is not a result; please report this.") from None
    if not isinstance(result, dict) or not isinstance(result.get("gradecheck"), dict):
        raise GradecheckError("the grading process answered something that is not a result; please report this.")
    return result


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the grading process and every process it started (its own process group), and reap it."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except (ProcessLookupError, PermissionError):
            break
        try:
            process.wait(timeout=5)
            break
        except subprocess.TimeoutExpired:
            continue
    process.wait()


def _show(result: Mapping[str, Any]) -> None:
    from gradecheck._report_html import render_html
    from gradecheck._reports import render_text

    bundle = {"text/html": render_html(result, fragment=True), "text/plain": render_text(result)}
    try:
        from IPython.display import display
    except ImportError:
        print(bundle["text/plain"])
        return
    display(bundle, raw=True)
