"""Grade many submissions: one results file each, a gradebook and a class summary.

Grading one submission is a pure function of its bytes and the exercise
(:func:`grade_to_file`); :func:`grade_batch` maps it over the inputs with any
``concurrent.futures.Executor`` (by default a pool of ``jobs`` processes), so
a course can swap in a distributed executor (Dask's or Ray's futures API)
without touching the grading code.  Every input gets exactly one results file,
written atomically; ``resume`` skips inputs whose results file is complete.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import multiprocessing
import os
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import BrokenExecutor, Executor, ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gradecheck._exercises import Exercise
    from gradecheck._sandbox import Limits

__all__ = ["BatchSummary", "grade_batch", "grade_to_file", "result_names", "write_atomically"]


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the whole new one."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def result_names(files: Sequence[Path]) -> list[str]:
    """A distinct results-file name (``<name>.json``) for each input path.

    Names come from each path relative to the inputs' common folder
    (``group1/alice.py`` -> ``group1__alice.json``), so they do not depend on
    the order of the inputs; :func:`grade_batch` also records each input's path
    and hash in its result, and ``resume`` checks them.
    """
    resolved = [Path(os.path.abspath(p)) for p in files]
    root = Path(os.path.commonpath([p.parent for p in resolved])) if resolved else Path(".")
    names: list[str] = []
    taken: set[str] = set()
    for path in resolved:
        relative = path.relative_to(root).with_suffix("")
        base = re.sub(r"[^A-Za-z0-9._-]+", "_", "__".join(relative.parts)) or "submission"
        name = base if base not in taken else f"{base}-{path.suffix.lstrip('.') or 'file'}"
        counter = 2
        candidate = name
        while candidate in taken:
            candidate, counter = f"{name}-{counter}", counter + 1
        taken.add(candidate)
        names.append(candidate + ".json")
    return names


def _fingerprint(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "unreadable"


def _complete(path: Path, source: Path) -> bool:
    """Whether ``path`` holds a finished result for exactly this version of ``source``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not (isinstance(data, dict) and "score" in data and "tests" in data):
        return False
    info = data.get("gradecheck") or {}
    return info.get("submission_path") == os.path.abspath(source) and info.get("submission_sha256") == _fingerprint(source)


def grade_to_file(
    exercise_ref: str, submission: str, target: str, timeout: float, html: bool = False, isolation: str = "auto"
) -> tuple[str, float, float, str | None]:
    """Grade one submission and write its results JSON to ``target``.

    Top-level and picklable, so any executor can run it.  Returns
    ``(target, score, max_score, error)``: small, for progress reporting;
    the full result lives only in the file.
    """
    from gradecheck._exercises import load_exercise
    from gradecheck._grading import GradingError, error_result, grade_file
    from gradecheck._reports import render_html

    exercise = load_exercise(exercise_ref)
    try:
        result = grade_file(exercise, submission, limits=submission_limits(timeout, isolation))
    except GradingError as error:
        result = error_result(exercise, f"The grader could not grade this submission: {error}")
    _record_source(result, Path(submission))
    path = Path(target)
    write_atomically(path, json.dumps(result, indent=2))
    if html:
        write_atomically(path.with_suffix(".html"), render_html(result))
    return target, float(result["score"]), float(result["max_score"]), result["gradecheck"].get("error")


def submission_limits(timeout: float, isolation: str = "auto") -> Limits:
    """The sandbox limits of ``gradecheck grade --timeout SEC``: SEC in all, at most 10 s a call."""
    from gradecheck._sandbox import Limits

    return Limits(total_timeout=timeout, call_timeout=min(10.0, timeout), cpu_seconds=int(timeout) + 5, isolation=isolation)


def _record_source(result: dict[str, Any], submission: Path) -> None:
    result["gradecheck"]["submission"] = submission.name
    result["gradecheck"]["submission_path"] = os.path.abspath(submission)
    result["gradecheck"]["submission_sha256"] = _fingerprint(submission)


def _grader_crashed(exercise: Exercise, submission: Path, target: Path, why: str) -> tuple[str, float, float, str | None]:
    """Written here, in the batch process, for an input whose grading process died."""
    from gradecheck._grading import error_result

    message = (
        f"Grading this submission killed the grader's process ({why}); it gets no credit. "
        f"Submissions must not signal or kill other processes."
    )
    result = error_result(exercise, message)
    _record_source(result, submission)
    write_atomically(target, json.dumps(result, indent=2))
    return str(target), 0.0, float(result["max_score"]), message


@dataclasses.dataclass(frozen=True)
class BatchSummary:
    """What a batch did: how many were graded now, skipped as already graded, and where things are."""

    graded: int
    skipped: int
    results: tuple[Path, ...]
    gradebook: Path
    summary: Path


def _warm_grading_process(isolation: str) -> None:
    """Pool initializer: start the sandbox's fork server now, so that it warms up while JAX is imported."""
    from gradecheck._sandbox import warm_up

    warm_up(isolation)


#: Imported once by the fork server that starts the default pool's processes, which then start warm.
_PRELOAD = ["gradecheck._preload"]


def _default_executor(jobs: int, isolation: str) -> Executor:
    # Not "fork": this process may hold JAX threads, which must not be forked.  A fork
    # server is a fresh interpreter that imports _PRELOAD once and forks each pool process.
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(_PRELOAD)
    else:
        context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=_warm_grading_process, initargs=(isolation,)
    )


def grade_batch(
    exercise_ref: str,
    files: Sequence[Path],
    out: Path,
    *,
    jobs: int = 2,
    timeout: float = 120.0,
    resume: bool = False,
    html: bool = False,
    executor: Executor | None = None,
    on_result: Callable[[tuple[str, float, float, str | None]], None] | None = None,
    isolation: str = "auto",
    require_isolation: bool = False,
) -> BatchSummary:
    """Grade ``files`` into ``out``; write ``gradebook.csv`` and ``summary.html`` there.

    Args:
        exercise_ref: a shipped exercise id or an exercise folder path.
        files: submission paths (.py / .ipynb; anything else gets a result
            saying it cannot be graded).
        out: the results folder (created if needed).
        jobs: worker processes for the default executor.
        timeout: wall-clock seconds per submission.
        resume: skip inputs whose results file already exists and is complete.
        html: also write an HTML report per submission.
        executor: run the grading here instead (must accept picklable calls
            of :func:`grade_to_file`); it is not shut down.
        on_result: called in this process after each submission (progress).
        isolation: ``"auto"`` (the strongest available), ``"namespaces"``,
            ``"container"`` or ``"none"``; resolved once here, so every
            submission of the batch runs under the same one.
        require_isolation: refuse (:class:`~gradecheck._sandbox.SandboxError`)
            to grade when only ``"none"`` is available.

    Raises:
        SandboxError: the requested isolation is not available here.
    """
    from gradecheck._exercises import load_exercise
    from gradecheck._sandbox import SandboxError, ensure_available, resolve_isolation

    level = resolve_isolation(isolation).level
    ensure_available(level)
    if require_isolation and level == "none":
        raise SandboxError(
            "no operating-system isolation is available here, and it was required: install bubblewrap "
            "(Debian/Ubuntu: apt-get install bubblewrap) or run the grader as root in a container."
        )

    exercise = load_exercise(exercise_ref)
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob(".*.tmp"):
        stale.unlink(missing_ok=True)
    targets = [out / name for name in result_names(files)]
    todo = [(f, t) for f, t in zip(files, targets) if not (resume and _complete(t, f))]
    skipped = len(files) - len(todo)

    def finished(outcome: tuple[str, float, float, str | None]) -> None:
        if on_result is not None:
            on_result(outcome)

    def run_round(items: Sequence[tuple[Path, Path]], pool: Executor) -> list[tuple[Path, Path, str]]:
        futures = {
            pool.submit(grade_to_file, str(exercise_ref), str(f), str(t), timeout, html, level): (f, t) for f, t in items
        }
        failed = []
        for future in as_completed(futures):
            try:
                outcome = future.result()
            except (BrokenExecutor, OSError) as error:  # the grading process died (killed by a submission?)
                failed.append((*futures[future], f"{type(error).__name__}: {error}"))
                continue
            finished(outcome)
        return failed

    if executor is not None:
        for f, t, why in run_round(todo, executor):
            finished(_grader_crashed(exercise, f, t, why))
    else:
        pool = _default_executor(max(1, jobs), level)
        try:
            failed = run_round(todo, pool)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        # A broken pool fails every submission in flight: regrade those one at a time, each in a
        # fresh process, so only the one that breaks it again goes without a grade.
        for f, t, _ in failed:
            single = _default_executor(1, level)
            try:
                retry = run_round([(f, t)], single)
            finally:
                single.shutdown(wait=True, cancel_futures=True)
            for f2, t2, why in retry:
                finished(_grader_crashed(exercise, f2, t2, why))
    gradebook = out / "gradebook.csv"
    summary = out / "summary.html"
    results = [_read(t) for t in targets]
    write_gradebook(gradebook, files, targets, results)
    from gradecheck._class_summary import render_class_summary

    write_atomically(summary, render_class_summary(exercise.title, results))
    return BatchSummary(len(todo), skipped, tuple(targets), gradebook, summary)


def _read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def write_gradebook(
    path: Path, files: Sequence[Path], targets: Sequence[Path], results: Sequence[Mapping[str, Any]]
) -> None:
    """One row per submission, one column per test (score), plus totals, mistakes and errors."""
    rows, columns = [], []
    for source, target, result in zip(files, targets, results):
        scores = {test["name"]: test["score"] for test in result["tests"]}
        for name in scores:
            if name not in columns:
                columns.append(name)
        info = result.get("gradecheck", {})
        rows.append((source, target, result, scores, info))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["submission", "results", "score", "max_score", "mistakes", "error", *columns])
    for source, target, result, scores, info in rows:
        error = (info.get("error") or "").splitlines()[0] if info.get("error") else ""
        writer.writerow(
            [str(source), target.name, result["score"], result["max_score"], " ".join(info.get("mistakes", [])), error]
            + [scores.get(name, "") for name in columns]
        )
    write_atomically(path, buffer.getvalue())
