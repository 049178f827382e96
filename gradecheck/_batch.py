"""Grade many submissions: one results file each, a gradebook and a class summary.

Grading one submission is a pure function of its bytes and the exercise
(:func:`grade_job`, given a :class:`GradingJob`, returns the result);
:func:`grade_batch` reads each input once, safely (a regular file of at most
``max_bytes``, see :func:`gradecheck._submissions.read_submission_file`), maps
the grading over the inputs with any ``concurrent.futures.Executor`` (by
default a pool of ``jobs`` processes; a Dask cluster with ``client=``), and
writes every results file itself: the grading processes need no shared disk,
see no results folder and never hold its key.

Every input gets exactly one results file, written atomically and signed with
the results folder's key (:mod:`gradecheck._result_files`): an input that is
refused (a pipe, a device, a folder, a link out of the given folders, a file
over the size limit) gets its error result here, without any grading process;
one whose grading process dies gets one too.  ``resume`` skips inputs whose
results file is verified (its signature) and is for the same exercise, path
and bytes.
"""

from __future__ import annotations

import collections
import csv
import dataclasses
import hashlib
import io
import json
import multiprocessing
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Executor, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gradecheck._errors import InvalidArgumentError, SubmissionError
from gradecheck._result_files import (
    display_name,
    result_names,
    results_key,
    sign_result,
    signature_ok,
    write_atomically,
)
from gradecheck._safe_files import RefusedFile, read_regular_file
from gradecheck._submissions import DEFAULT_MAX_BYTES, read_submission_file
from gradecheck._text import first_line

if TYPE_CHECKING:
    from gradecheck._exercises import Exercise
    from gradecheck._sandbox import Limits

__all__ = [
    "BatchSummary",
    "GradingJob",
    "grade_batch",
    "grade_job",
    "result_names",
    "write_atomically",
    "write_gradebook",
]

#: ``(results file, score, max_score, error or None)``: what a grading process returns, for progress.
Outcome = tuple[str, float, float, "str | None"]
#: The largest results file read back (a result is a few KiB to a few hundred KiB).
_MAX_RESULT_BYTES = 64 * 1024 * 1024


@dataclasses.dataclass(frozen=True)
class GradingJob:
    """One submission to grade, with everything a grading process needs: it opens no input path.

    Attributes:
        exercise_ref: a shipped exercise id or an exercise folder path.
        name: the submission's file name (printable, see ``display_name``);
            its extension chooses the format (.py or .ipynb).
        path: the input's absolute path (printable), recorded in the result.
        data: the file's bytes, as read once by the batch; these are graded
            and their SHA-256 is recorded.
        timeout: wall-clock seconds for this submission.
        isolation: the sandbox's isolation level: resolved by the batch for
            its own pool, ``"auto"`` (or what was asked) for a cluster's
            workers, which resolve it on their machine.
        require_isolation: give an error result instead of grading where
            only ``"none"`` is available.
        student: the student id (from the roster): an exercise with
            ``[variants]`` is graded on that student's own given values.
    """

    exercise_ref: str
    name: str
    path: str
    data: bytes = dataclasses.field(repr=False)
    timeout: float
    isolation: str = "auto"
    require_isolation: bool = False
    student: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def grade_job(job: GradingJob) -> dict[str, Any]:
    """Grade ``job``'s bytes; the C2 result, with the input's name, path and SHA-256 recorded.

    Top-level and picklable, so any executor (a process pool, a Dask worker on
    another machine) can run it: it reads and writes no file of the batch.
    Never raises for anything about the submission: a grader failure is an
    error result with no credit.
    """
    from gradecheck._exercises import load_exercise
    from gradecheck._grading import GradingError, error_result, grade_bytes
    from gradecheck._sandbox import SandboxError, require_os_isolation, resolve_isolation

    exercise = load_exercise(job.exercise_ref)
    try:
        if job.require_isolation:
            require_os_isolation(resolve_isolation(job.isolation).level)
        result = grade_bytes(
            exercise, job.name, job.data, limits=submission_limits(job.timeout, job.isolation), student=job.student
        )
    except (GradingError, SandboxError) as error:
        result = error_result(exercise, f"The grader could not grade this submission: {error}", error_kind="grader")
    except Exception as error:  # a grader bug: fail closed, and let the batch go on
        result = error_result(
            exercise, f"The grader could not grade this submission: {type(error).__name__}: {error}", error_kind="grader"
        )
    _record_source(result, job.name, job.path, job.sha256)
    return result


def submission_limits(timeout: float, isolation: str = "auto") -> Limits:
    """The sandbox limits of ``gradecheck grade --timeout SEC``: a budget of SEC for the whole submission
    (loading and every call); a call still running when it runs out is stopped and the rest are not run."""
    from gradecheck._sandbox import Limits

    return Limits(total_timeout=timeout, call_timeout=None, cpu_seconds=int(timeout) + 5, isolation=isolation)


def _record_source(result: dict[str, Any], name: str, path: str, sha256: str | None) -> None:
    """Which input ``result`` is for; ``sha256`` of the bytes graded, ``None`` when none were."""
    result["gradecheck"]["submission"] = name
    result["gradecheck"]["submission_path"] = path
    result["gradecheck"]["submission_sha256"] = sha256


def _write_result(result: dict[str, Any], target: Path, key: bytes, html: bool) -> Outcome:
    """Sign ``result``, write it to ``target`` (and its HTML report), and return its outcome."""
    sign_result(result, key)
    write_atomically(target, json.dumps(result, indent=2))
    if html:
        from gradecheck._reports import render_html

        write_atomically(target.with_suffix(".html"), render_html(result))
    return str(target), float(result["score"]), float(result["max_score"]), result["gradecheck"].get("error")


@dataclasses.dataclass(frozen=True)
class BatchSummary:
    """What a batch did: how many were graded now, skipped as already graded, and where things are.

    ``unverified`` counts the inputs (among ``graded``) whose results file was
    there but failed verification (not signed with this folder's key: written
    by someone else, or changed), so ``resume`` graded them again.
    """

    graded: int
    skipped: int
    results: tuple[Path, ...]
    gradebook: Path
    summary: Path
    unverified: int = 0


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


class _LazyPool:
    """An executor made on the first submit, so that a batch of refused inputs starts no process."""

    def __init__(self, make: Callable[[], Executor]) -> None:
        self._make = make
        self._pool: Executor | None = None

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        if self._pool is None:
            self._pool = self._make()
        return self._pool.submit(fn, *args)

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


@dataclasses.dataclass(frozen=True)
class _Input:
    """An input path and its results file."""

    path: Path
    target: Path
    student: str | None = None

    @property
    def shown(self) -> str:
        """The input's absolute path, printable (recorded in its result, checked by ``resume``)."""
        return display_name(os.path.abspath(self.path))


class _Batch:
    """The shared state of one :func:`grade_batch`: reading inputs, writing results, running rounds."""

    def __init__(
        self,
        exercise: Exercise,
        exercise_ref: str,
        key: bytes,
        *,
        timeout: float,
        html: bool,
        max_bytes: int,
        roots: Sequence[str | os.PathLike[str]],
        on_result: Callable[[Outcome], None] | None,
        isolation: str,
        require_isolation: bool = False,
    ) -> None:
        self.exercise, self.exercise_ref, self.key = exercise, exercise_ref, key
        self.isolation, self.require_isolation = isolation, require_isolation
        self.timeout, self.html, self.max_bytes, self.roots = timeout, html, max_bytes, roots
        self.on_result = on_result

    # -- one input --------------------------------------------------------------------

    def finished(self, outcome: Outcome) -> None:
        if self.on_result is not None:
            self.on_result(outcome)

    def read(self, item: _Input) -> bytes:
        """The input's bytes (raises SubmissionError for an input that is refused)."""
        return read_submission_file(item.path, self.max_bytes, roots=self.roots)

    def prepare(self, item: _Input) -> GradingJob | None:
        """The job for ``item``; ``None`` when it is refused, after writing its error result here."""
        if self.exercise.variants and item.student is None:
            message = (
                f"Not graded: exercise {self.exercise.id!r} gives each student their own numbers, and no student id "
                f"is known for {display_name(item.path.name)}; add it to the roster (--roster) and grade again with --resume."
            )
            self.finished(self.write_error(item, message, None, error_kind="student"))
            return None
        try:
            data = self.read(item)
        except SubmissionError as error:
            self.finished(self.write_error(item, str(error), None))
            return None
        return GradingJob(
            self.exercise_ref, display_name(item.path.name), item.shown, data, self.timeout, self.isolation,
            self.require_isolation, item.student,
        )

    def error_result(self, item: _Input, message: str, sha256: str | None, error_kind: str = "unreadable") -> dict[str, Any]:
        """A no-credit result for ``item`` saying ``message``."""
        from gradecheck._grading import error_result

        exercise = self.exercise.for_student(item.student) if item.student is not None else self.exercise
        result = error_result(exercise, message, error_kind=error_kind)
        _record_source(result, display_name(item.path.name), item.shown, sha256)
        return result

    def write_error(self, item: _Input, message: str, sha256: str | None, error_kind: str = "unreadable") -> Outcome:
        """Write a no-credit result saying ``message`` for ``item``, here, in the batch process."""
        return _write_result(self.error_result(item, message, sha256, error_kind), item.target, self.key, self.html)

    def write_crashed(self, item: _Input, sha256: str | None, why: str) -> Outcome:
        message = (
            f"Grading this submission killed the grader's process ({why}); it gets no credit. "
            f"Submissions must not signal or kill other processes."
        )
        return self.write_error(item, message, sha256, error_kind="grader")

    # -- rounds -----------------------------------------------------------------------

    def run_round(
        self, pending: collections.deque[_Input], pool: Executor | _LazyPool, window: int
    ) -> list[tuple[_Input, str, str]]:
        """Grade inputs from ``pending`` on ``pool``, at most ``window`` at a time, until none is left or the pool breaks.

        Inputs are read just before they are submitted, so at most ``window``
        submissions are held in memory.  Returns ``(input, sha256, why)`` for
        each input whose grading process died (its result is not written).
        """
        in_flight: dict[Future[Any], tuple[_Input, str]] = {}
        failed: list[tuple[_Input, str, str]] = []
        broken = False
        while True:
            while in_flight and (broken or len(in_flight) >= window or not pending):
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    item, sha256 = in_flight.pop(future)
                    try:
                        self.finished(_write_result(future.result(), item.target, self.key, self.html))
                    except Exception as error:  # the grading process died (killed by a submission?)
                        failed.append((item, sha256, f"{type(error).__name__}: {error}"))
                        broken = broken or isinstance(error, BrokenExecutor)
            if broken or not pending:
                return failed
            item = pending.popleft()
            job = self.prepare(item)
            if job is None:
                continue
            try:
                in_flight[pool.submit(grade_job, job)] = (item, job.sha256)
            except Exception as error:  # a broken or closed executor
                failed.append((item, job.sha256, f"{type(error).__name__}: {error}"))
                broken = True

    def grade_in_pools(self, todo: Sequence[_Input], jobs: int) -> None:
        """Grade ``todo`` with the default process pool; a pool that breaks is replaced.

        A broken pool fails every submission in flight: those are graded again
        one at a time, each in a fresh process, so only the one that breaks it
        again goes without a grade.
        """
        pending = collections.deque(todo)
        while pending:
            pool = _LazyPool(lambda: _default_executor(jobs, self.isolation))
            try:
                failed = self.run_round(pending, pool, window=2 * jobs)
            finally:
                pool.shutdown()
            for item, _, _ in failed:
                self.grade_alone(item)

    def grade_alone(self, item: _Input) -> None:
        single = _LazyPool(lambda: _default_executor(1, self.isolation))
        try:
            again = self.run_round(collections.deque([item]), single, window=1)
        finally:
            single.shutdown()
        for crashed, sha256, why in again:
            self.finished(self.write_crashed(crashed, sha256, why))

    def grade_with(self, executor: Executor, todo: Sequence[_Input], window: int) -> None:
        """Grade ``todo`` on a caller's executor (not shut down); inputs whose call fails get a crash result."""
        pending = collections.deque(todo)
        while pending:
            for item, sha256, why in self.run_round(pending, executor, window):
                self.finished(self.write_crashed(item, sha256, why))

    # -- resume and reports -----------------------------------------------------------

    def resume_state(self, item: _Input) -> str:
        """``"done"`` (a verified result for these bytes), ``"unverified"`` (a results file this grader did not
        write, or changed since), or ``"todo"`` (no result, or one for another exercise, path or version of the file).
        """
        try:
            result = json.loads(read_regular_file(item.target, _MAX_RESULT_BYTES))
        except RefusedFile as refused:
            return "todo" if refused.kind == "missing" else "unverified"
        except (ValueError, RecursionError):
            return "unverified"
        if not signature_ok(result, self.key):
            return "unverified"
        info = result["gradecheck"]
        same = (info.get("exercise"), info.get("version"), info.get("submission_path"), _student_of(info))
        if same != (self.exercise.id, self.exercise.version, item.shown, item.student if self.exercise.variants else None):
            return "todo"
        sha256 = info.get("submission_sha256")
        if not isinstance(sha256, str):  # refused before: look again
            return "todo"
        try:
            data = self.read(item)
        except SubmissionError:
            return "todo"
        return "done" if hashlib.sha256(data).hexdigest() == sha256 else "todo"

    def result_for_reports(self, item: _Input) -> dict[str, Any]:
        """``item``'s result as written; a results file that cannot be read back is replaced by an error result."""
        try:
            result = json.loads(read_regular_file(item.target, _MAX_RESULT_BYTES))
            if isinstance(result, dict) and isinstance(result.get("tests"), list) and "score" in result:
                return result
            problem = "it does not hold a result"
        except (RefusedFile, ValueError, RecursionError) as error:
            problem = str(error) or type(error).__name__
        message = (
            f"The results file of this submission could not be read back ({problem}); "
            "run the batch again with --resume to grade it."
        )
        result = self.error_result(item, message, None, error_kind="grader")
        _write_result(result, item.target, self.key, self.html)
        return result


def _student_of(info: Mapping[str, Any]) -> str | None:
    """The student a result was graded as (``gradecheck.variant.student``), or ``None``."""
    variant = info.get("variant")
    return variant.get("student") if isinstance(variant, dict) else None


def _roots(files: Sequence[Path], roots: Sequence[str | os.PathLike[str]] | None) -> list[str]:
    """The folders and files a symbolic link among ``files`` may point into: ``roots``, or the inputs' folders."""
    if roots is not None:
        return [os.fspath(root) for root in roots]
    return sorted({os.path.dirname(os.path.abspath(path)) for path in files})


def grade_batch(
    exercise_ref: str,
    files: Sequence[Path],
    out: Path,
    *,
    jobs: int = 2,
    timeout: float = 30.0,  # = gradecheck._sandbox._limits.DEFAULT_BUDGET_SECONDS (that package is imported lazily)
    resume: bool = False,
    html: bool = False,
    executor: Executor | None = None,
    on_result: Callable[[Outcome], None] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    roots: Sequence[str | os.PathLike[str]] | None = None,
    isolation: str = "auto",
    require_isolation: bool = False,
    client: Any = None,
    students: Sequence[str | None] | None = None,
) -> BatchSummary:
    """Grade ``files`` into ``out``; write ``gradebook.csv`` and ``summary.html`` there.

    Args:
        exercise_ref: a shipped exercise id or an exercise folder path.
        files: submission paths (.py / .ipynb; anything else, and anything
            that is not a regular file, gets a result saying why it cannot be
            graded).
        out: the results folder (created if needed).  It also keeps the key
            that signs results (``.gradecheck-key``, mode 0600).
        jobs: worker processes for the default executor.
        timeout: each submission's time budget (wall-clock seconds for all of it).
        resume: skip inputs whose results file is verified and is for the same
            exercise, path and bytes; regrade the others.
        html: also write an HTML report per submission.
        executor: run the grading here instead (must accept picklable calls
            of :func:`grade_job`); it is not shut down.  At most
            ``max(2 * jobs, 32)`` submissions are given to it at a time.
        on_result: called in this process after each submission (progress).
        max_bytes: the largest submission file read; a larger one gets an
            error result naming its size and this limit.
        roots: the folders and files named by the user: a symbolic link among
            ``files`` is followed only when its target lies inside one of
            them.  Default: the folders that hold ``files``.
        isolation: ``"auto"`` (the strongest available), ``"namespaces"``,
            ``"container"`` or ``"none"``; resolved once here, so every
            submission of the batch runs under the same one.
        require_isolation: refuse (:class:`~gradecheck._sandbox.SandboxError`)
            to grade when only ``"none"`` is available.
        client: a ``distributed.Client`` of a Dask cluster: grade on its
            workers.  Submissions travel as bytes and results come back; each
            worker grades in its own sandbox, resolving ``isolation`` on its
            own machine (and with ``require_isolation``, a worker without OS
            isolation gives an error result instead of grading); this process
            writes every result, the gradebook and the summary.  A task whose
            worker is lost is run again by Dask; one that keeps killing
            workers gets an error result.  At most ``max(2 * jobs, 4 * workers)``
            submissions are in flight.
        students: the student id of each of ``files`` (``None`` where unknown), e.g.
            from a roster (:mod:`gradecheck._roster`).  An exercise with
            ``[variants]`` grades each file on its student's own given values;
            a file without a student gets an error result (``error_kind``
            ``"student"``).  ``resume`` regrades a file whose student changed.

    Raises:
        SandboxError: the requested isolation is not available here, or none
            is and ``require_isolation`` is set (not checked here with a
            ``client``: its workers check).
    """
    from gradecheck._exercises import load_exercise
    from gradecheck._sandbox import ensure_available, require_os_isolation, resolve_isolation

    if client is None:
        level = resolve_isolation(isolation).level
        ensure_available(level)
        if require_isolation:
            require_os_isolation(level)
    else:
        level = isolation  # the workers' machines decide

    exercise = load_exercise(exercise_ref)
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob(".*.tmp"):
        stale.unlink(missing_ok=True)
    key = results_key(out)
    if students is not None and len(students) != len(files):
        raise InvalidArgumentError(f"students: expected one per file ({len(files)}), found {len(students)}.")
    known = students if students is not None else [None] * len(files)
    items = [_Input(Path(f), out / name, student) for f, name, student in zip(files, result_names(files), known)]
    batch = _Batch(
        exercise, str(exercise_ref), key, timeout=timeout, html=html, max_bytes=max_bytes,
        roots=_roots(files, roots), on_result=on_result, isolation=level, require_isolation=require_isolation,
    )
    states = [batch.resume_state(item) if resume else "todo" for item in items]
    todo = [item for item, state in zip(items, states) if state != "done"]
    if client is not None:
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        batch.grade_with(client.get_executor(pure=False), todo, window=max(2 * jobs, 4 * workers))
    elif executor is not None:
        batch.grade_with(executor, todo, window=max(2 * jobs, 32))
    else:
        batch.grade_in_pools(todo, max(1, jobs))
    results = [batch.result_for_reports(item) for item in items]
    gradebook = out / "gradebook.csv"
    summary = out / "summary.html"
    write_gradebook(gradebook, files, [item.target for item in items], results)
    from gradecheck._class_summary import render_class_summary

    write_atomically(summary, render_class_summary(exercise.title, results))
    return BatchSummary(
        len(todo), len(items) - len(todo), tuple(item.target for item in items), gradebook, summary,
        unverified=states.count("unverified"),
    )


#: A cell that starts with one of these is a formula to a spreadsheet (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def _cell(value: Any) -> Any:
    """A gradebook cell: text that a spreadsheet would run as a formula gets a leading ``'``; numbers unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def write_gradebook(
    path: Path, files: Sequence[Path], targets: Sequence[Path], results: Sequence[Mapping[str, Any]]
) -> None:
    """One row per submission, one column per test (score), plus totals, mistakes and errors.

    Text cells (the submission's path, its results file, mistakes, the first
    line of the error, test names) that start with ``=``, ``+``, ``-``, ``@``,
    a tab or a line break get a leading ``'``, so a spreadsheet shows them as
    text instead of running them; scores stay numbers.  Paths are printable
    (``display_name``): one line each, even for names with a newline.  For an
    exercise with per-student variants, the columns ``student`` (graded as) and
    ``notebook_student`` (the student the notebook's metadata names, when that
    is someone else: a copied notebook) come before the tests.
    """
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
    variants = any(isinstance(row[4].get("variant"), dict) for row in rows)
    extra = ["student", "notebook_student"] if variants else []
    writer.writerow([_cell(text) for text in ["submission", "results", "score", "max_score", "mistakes", "error", *extra, *columns]])
    for source, target, result, scores, info in rows:
        error = first_line(info.get("error"))  # whole: the reason's first sentence(s), never cut
        cells = [display_name(source), target.name, result["score"], result["max_score"],
                 " ".join(info.get("mistakes", [])), error]
        if variants:
            variant = info.get("variant") if isinstance(info.get("variant"), dict) else {}
            cells += [variant.get("student") or "", variant.get("notebook_student") or ""]
        writer.writerow([_cell(cell) for cell in cells] + [scores.get(name, "") for name in columns])
    write_atomically(path, buffer.getvalue())
