"""The ``gradecheck`` command line (DESIGN.md C1).

Exit statuses: 0 success, 1 the checked code is wrong, 2 gradecheck could not
run (bad arguments, a missing file or name).  click is used for parsing and
``--help`` because it gives subcommands, typed options and consistent usage
errors without hand-written argument handling.
"""

from __future__ import annotations

import contextlib
import inspect
import sys
import time
from collections.abc import Iterator
from typing import Any, NoReturn

import click

from gradecheck import __version__
from gradecheck._errors import GradecheckError

__all__ = ["main", "cli"]

EXIT_OK, EXIT_FAILED, EXIT_CANNOT_RUN = 0, 1, 2


class _CannotRun(click.ClickException):
    """Printed as ``error: ...`` with exit status 2."""

    exit_code = EXIT_CANNOT_RUN

    def show(self, file: Any = None) -> None:
        click.secho(f"error: {self.format_message()}", err=True, fg="red")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="gradecheck")
def cli() -> None:
    """Check hand-written backpropagation against a float64 reference.

    \b
    Exit statuses: 0 success, 1 the checked gradients are wrong,
    2 gradecheck could not run (bad arguments, missing file or name).
    """


def _kind_of(obj: Any) -> str:
    """``"layer"`` for a layer class/instance/factory, ``"backprop"`` for a C4 function."""
    if inspect.isclass(obj) or (callable(getattr(obj, "forward", None)) and callable(getattr(obj, "backward", None))):
        return "layer"
    if callable(obj):
        try:
            parameters = inspect.signature(obj).parameters.values()
        except (TypeError, ValueError):
            return "layer"
        required = [p for p in parameters if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if len(required) == 0:
            return "layer"
        if len(required) == 4:
            return "backprop"
        raise _CannotRun(
            f"{getattr(obj, '__name__', obj)!r} takes {len(required)} arguments; verify expects a layer class, "
            f"a zero-argument layer factory, or backprop(weights, biases, x, y)."
        )
    raise _CannotRun(f"expected a layer class, a layer factory or a backprop function; got {type(obj).__name__}.")


@cli.command()
@click.argument("target", metavar="FILE.py:NAME")
@click.option("--max-examples", default=100, show_default=True, type=click.IntRange(1, 100_000),
              help="How many Hypothesis examples to try.")
@click.option("--order", default="4", show_default=True, type=click.Choice(["2", "4"]),
              help="Finite-difference order for layers (refined by Richardson extrapolation).")
def verify(target: str, max_examples: int, order: str) -> None:
    """Property-check a layer or a backprop function in FILE.py.

    \b
    NAME may be:
      - a layer class or zero-argument factory following the layer protocol:
        forward(*inputs) -> output, backward(upstream) -> gradient per input,
        optionally params / grads dicts and input_shapes;
        checked against finite differences of its own forward;
      - backprop(weights, biases, x, y) -> (d_weights, d_biases) for a sigmoid
        network with E = 0.5*sum((a_L - y)**2), every layer a sigmoid
        (the mlp-backprop exercise: gradecheck template mlp-backprop);
        checked against the JAX reference on random architectures.

    Examples are drawn deterministically, so the same code always gets the
    same verdict. On failure the smallest failing example is printed and the
    exit status is 1.

    \b
    Example:
      gradecheck verify examples/layers.py:MultiplyGate
    """
    from gradecheck import _checks, _layers

    started = time.perf_counter()
    try:
        obj, label = _layers.load_object(target)
        kind = _kind_of(obj)
        if kind == "layer":
            result = _checks.check_layer(obj, max_examples=max_examples, order=int(order))
        else:
            result = _checks.check_backprop(obj, max_examples=max_examples)
    except GradecheckError as error:
        raise _CannotRun(str(error)) from None
    elapsed = time.perf_counter() - started
    if result.passed:
        click.secho(f"PASS {label}", fg="green", bold=True)
        click.echo(f"{result.report()} ({elapsed:.1f} s)")
        return
    click.secho(f"FAIL {label}", fg="red", bold=True)
    click.echo(result.report())
    sys.exit(EXIT_FAILED)


def _load_exercise(exercise_id: str, *, self_check: bool = False) -> Any:
    """The exercise; for a ``self_check``, loaded as :func:`gradecheck._check_cache.load_exercise` does."""
    if self_check:
        from gradecheck._check_cache import load_exercise
    else:
        from gradecheck._exercises import load_exercise

    try:
        return load_exercise(exercise_id)
    except GradecheckError as error:
        raise _CannotRun(str(error)) from None


def _for_student(exercise: Any, student: str | None) -> Any:
    """``exercise`` as ``student`` sees it (their own given values where it has ``[variants]``)."""
    if student is None:
        return exercise
    if not exercise.variants:
        click.echo(f"note: exercise {exercise.id!r} has no [variants]: every student has the same numbers.", err=True)
    try:
        return exercise.for_student(student)
    except GradecheckError as error:
        raise _CannotRun(str(error)) from None


_STUDENT_HELP = "The student id (as the roster or Gradescope names them): use that student's own numbers"


@cli.command("exercises")
@click.option("-v", "--verbose", is_flag=True,
              help="Also show where each exercise's files, reference solution and known-wrong variants are.")
def exercises_command(verbose: bool) -> None:
    """List the shipped exercises: id and title.

    \b
    Examples:
      gradecheck exercises
      gradecheck exercises -v     # with the paths of reference solutions
    """
    from gradecheck._exercises import exercise_ids, reference_dir

    ids = exercise_ids()
    width = max((len(i) for i in ids), default=2)
    for exercise_id in ids:
        exercise = _load_exercise(exercise_id)
        click.echo(f"{exercise_id:<{width}}  {exercise.title}")
        if verbose:
            click.echo(f"{'':<{width}}    spec:      {exercise.directory / 'exercise.toml'}")
            reference = reference_dir(exercise.directory)
            if reference is None:
                click.echo(f"{'':<{width}}    reference: (not installed: a wheel ships no solutions)")
                continue
            click.echo(f"{'':<{width}}    reference: {reference / 'solution.py'}")
            for wrong in sorted((reference / "mistakes").glob("*.py")):
                click.echo(f"{'':<{width}}    wrong:     {wrong}")


@cli.command()
@click.argument("exercise_id", metavar="EXERCISE")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False), default=None,
              help="Where to write the notebook (default: EXERCISE.ipynb in the current folder).")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.option("--student", default=None, metavar="ID",
              help=_STUDENT_HELP + " (for an exercise with [variants]); the id goes in the notebook's metadata.")
def template(exercise_id: str, output: str | None, force: bool, student: str | None) -> None:
    """Write the student notebook (.ipynb) for EXERCISE.

    The notebook holds the statement, the starter code and, in its metadata,
    the exercise id, so that 'gradecheck check NOTEBOOK' knows what to check.
    For an exercise that gives each student their own numbers ([variants] in
    its spec), --student ID writes that student's statement and records the
    id in the metadata.

    \b
    Examples:
      gradecheck template twelve-weights -o twelve-weights.ipynb
      gradecheck template twelve-weights-variants --student s1001 -o s1001.ipynb
    """
    from pathlib import Path

    from gradecheck._submissions import write_template

    exercise = _for_student(_load_exercise(exercise_id), student)
    if exercise.variants and exercise.variant is None:
        click.echo(
            f"note: exercise {exercise.id!r} gives each student their own numbers; this notebook shows the spec's "
            f"[given] values. Pass --student ID to write a student's own notebook.",
            err=True,
        )
    path = Path(output or f"{exercise.id}.ipynb")
    if path.exists() and not force:
        raise _CannotRun(f"{path} already exists; choose another path with -o, or pass --force to overwrite it.")
    try:
        write_template(
            path,
            exercise=exercise.id,
            version=exercise.version,
            title=exercise.title,
            statement=exercise.statement,
            starter_code=exercise.starter_code,
            allowed_packages=exercise.allowed_packages,
            forbidden_imports=exercise.forbidden_imports,
            student=exercise.variant.student if exercise.variant is not None else None,
        )
    except (GradecheckError, OSError) as error:
        raise _CannotRun(str(error)) from None
    owner = f" for student {exercise.variant.student}" if exercise.variant is not None else ""
    click.echo(f"wrote {path} ({exercise.title}){owner}; check your work with: gradecheck check {path}")


def _submission_files(paths: tuple[str, ...]) -> list[Any]:
    """The inputs of ``grade``: the files given, and every entry named ``*.py``/``*.ipynb`` under the folders given.

    Entries are listed whatever they are (a named pipe, a device, a link, a
    folder called ``x.py``): each gets a result, saying why when it is not
    graded.  Links to folders are not followed.
    """
    import os
    from pathlib import Path

    files = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if os.path.splitext(p.name)[1].lower() in (".py", ".ipynb"))
            if not found:
                raise _CannotRun(f"folder {path} contains no .py or .ipynb submissions.")
            files.extend(found)
        elif path.exists() or path.is_symlink():
            files.append(path)
        else:
            raise _CannotRun(f"no such file or folder: {path}")
    return files


@contextlib.contextmanager
def _dask_client(address: str | None) -> Iterator[Any]:
    """A ``distributed.Client`` connected to ``address`` (closed afterwards); ``None`` without an address."""
    if address is None:
        yield None
        return
    try:
        from distributed import Client
    except ImportError:
        raise _CannotRun("--scheduler needs Dask's distributed: pip install 'gradecheck[dask]'.") from None
    try:
        client = Client(address, timeout=30)
    except (OSError, TimeoutError) as error:
        raise _CannotRun(f"could not reach the Dask scheduler at {address}: {error}") from None
    with client:
        workers = len(client.scheduler_info().get("workers", {}))
        click.echo(f"grading on the Dask cluster at {address} ({workers} workers)", err=True)
        yield client


def _isolation_for_grading(requested: str, required: bool) -> str:
    """Resolve the isolation once, say which on standard error, and warn loudly (or refuse) without any."""
    from gradecheck._sandbox import ensure_available, require_os_isolation, resolve_isolation

    try:
        isolation = resolve_isolation(requested)
        ensure_available(isolation.level)
        if required:
            require_os_isolation(isolation.level)
    except GradecheckError as error:
        raise _CannotRun(str(error)) from None
    if isolation.level == "none":
        from gradecheck._sandbox import NO_ISOLATION_WARNING

        click.secho(NO_ISOLATION_WARNING, err=True, fg="red", bold=True)
    else:
        click.echo(f"isolation: {isolation.level} ({isolation.description})", err=True)
    return isolation.level


class _Size(click.ParamType):
    """A size in bytes, written ``4194304``, ``512K``/``512KiB``, ``4M``/``4MiB`` or ``1G``/``1GiB`` (powers of 1024)."""

    name = "SIZE"
    _UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}

    def convert(self, value: Any, param: Any, ctx: Any) -> int:
        if isinstance(value, int):
            return value
        import re

        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?\s*", str(value), re.IGNORECASE)
        if not match or float(match.group(1)) * self._UNITS[match.group(2).lower()] < 1:
            self.fail(f"expected a size such as 4MiB, 512KiB or 1048576 (bytes), found {value!r}.", param, ctx)
        return int(float(match.group(1)) * self._UNITS[match.group(2).lower()])


@cli.command()
@click.argument("exercise_id", metavar="EXERCISE")
@click.argument("submissions", metavar="SUBMISSION...", nargs=-1, required=True)
@click.option("--out", "out", type=click.Path(file_okay=False), default=None,
              help="Folder for one results JSON per submission, gradebook.csv and summary.html.")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=2, show_default=True,
              help="Submissions graded in parallel (worker processes).")
@click.option("--timeout", type=click.FloatRange(0.5, 3600), default=30.0, show_default=True,
              help="Each submission's time budget: wall-clock seconds for all of it, loading and every call. A call "
                   "still running when it runs out is stopped, and the calls after it are reported as not run.")
@click.option("--resume", is_flag=True,
              help="Skip submissions whose results file in --out is complete and verified (signed by this grader).")
@click.option("--html", "html", is_flag=True, help="With --out: also write an HTML report per submission.")
@click.option("--max-size", "max_size", type=_Size(), default="4MiB", show_default=True,
              help="Largest submission file read (e.g. 512KiB, 16MiB); larger ones get an error result.")
@click.option("--progress/--no-progress", default=None, help="Show a progress bar (default: on a terminal).")
@click.option("--isolation", type=click.Choice(["auto", "namespaces", "container", "none"]), default="auto",
              show_default=True,
              help="How submissions are isolated: namespaces (bubblewrap), container (root without namespaces: "
                   "a dedicated uid in a chroot), none (a separate process only); auto takes the strongest "
                   "available ($GRADECHECK_ISOLATION overrides auto).")
@click.option("--require-isolation", is_flag=True,
              help="Refuse to grade when no operating-system isolation is available (instead of a warning).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Grade on the Dask cluster whose scheduler is at ADDRESS (e.g. tcp://10.0.0.5:8786; needs "
                   "gradecheck[dask]): submissions travel as bytes, each worker grades in its own sandbox, results "
                   "are written here. Needs --out; --jobs then only sets how many are in flight.")
@click.option("--format", "result_format", type=click.Choice(["gradescope", "prairielearn"]), default="gradescope",
              show_default=True,
              help="The results JSON of one submission: Gradescope's (with gradecheck's detail), or PrairieLearn's "
                   "external-grader results.json (score in [0, 1], gradable, tests). prairielearn: one submission, "
                   "no --out.")
@click.option("--student", default=None, metavar="ID",
              help=_STUDENT_HELP + ": grade one submission on them (for an exercise with [variants]).")
@click.option("--roster", type=click.Path(dir_okay=False), default=None, metavar="FILE.csv",
              help="A CSV with columns submission (file name, or the end of its path) and student (id): grade each "
                   "submission on its student's own numbers (for an exercise with [variants]).")
def grade(
    exercise_id: str,
    submissions: tuple[str, ...],
    out: str | None,
    jobs: int,
    timeout: float,
    resume: bool,
    html: bool,
    max_size: int,
    progress: bool | None,
    isolation: str,
    require_isolation: bool,
    scheduler: str | None,
    result_format: str,
    student: str | None,
    roster: str | None,
) -> None:
    """Grade submissions (.py or .ipynb files, or folders of them) for EXERCISE.

    Each submission runs in its own worker process, isolated by the operating
    system where it can be (see --isolation): it sees only Python, numpy and
    its own folder, never the expected answers, the reference solutions, the
    results or other submissions.  With one submission and no --out, the results
    JSON (Gradescope format) goes to standard output.  With --out, each
    submission gets DIR/<name>.json (written atomically), and the folder gets
    gradebook.csv (a row per submission, a column per test) and summary.html
    (score histogram, pass rate per test).  Every input gets exactly one
    results file, unreadable ones included: named pipes, devices, folders,
    files over --max-size and symbolic links that point outside the files
    and folders given get an error result and are never read.  Results are
    signed with a key kept in DIR/.gradecheck-key; --resume keeps only
    results that verify, and regrades the others.  The exit status is 0 when
    grading completed, whatever the scores, and 2 when it could not run.

    An exercise with per-student variants ([variants] in its spec) grades
    each submission on its student's own numbers: --student ID for one
    submission, --roster FILE.csv (columns submission, student) for a batch;
    a submission not in the roster gets an error result. A notebook whose
    metadata names another student than the one it is graded as (a copied
    notebook) gets a note in its results, the gradebook and the listing.

    \b
    Examples:
      gradecheck grade twelve-weights alice.ipynb
      gradecheck grade twelve-weights submissions/ --out results/ --jobs 2
      gradecheck grade twelve-weights submissions/ --out results/ --resume
      gradecheck grade twelve-weights-variants submissions/ --roster roster.csv --out results/
    """
    import json
    from pathlib import Path

    from gradecheck._batch import grade_batch, submission_limits
    from gradecheck._grading import grade_file

    exercise = _load_exercise(exercise_id)
    files = _submission_files(submissions)
    students = _students(exercise, files, student, roster)
    if scheduler is not None and out is None:
        raise _CannotRun("--scheduler grades a batch into a results folder: pass --out DIR too.")
    # On a cluster, each worker resolves the isolation on its own machine (results record which).
    level = isolation if scheduler is not None else _isolation_for_grading(isolation, require_isolation)
    if out is None and len(files) > 1:
        raise _CannotRun(f"{len(files)} submissions given: pass --out DIR to get one results file per submission.")
    if result_format == "prairielearn" and (out is not None or len(files) > 1):
        raise _CannotRun(
            "--format prairielearn writes one submission's results.json to standard output: give one submission and "
            "no --out (a PrairieLearn grading job runs python -m gradecheck.prairielearn EXERCISE)."
        )
    if (html or resume) and out is None:
        raise _CannotRun("--html and --resume work on a results folder: pass --out DIR too.")
    try:
        if out is None:
            result = grade_file(exercise, files[0], limits=submission_limits(timeout, level), max_bytes=max_size,
                                roots=submissions, student=students[0] if students else None)
            if result_format == "prairielearn":
                from gradecheck._prairielearn import prairielearn_result

                result = prairielearn_result(result)
            click.echo(json.dumps(result, indent=2))
            return
        show = sys.stderr.isatty() if progress is None else progress
        exercise_ref = exercise_id if exercise.directory.parent.name == "exercises" else str(exercise.directory)
        with click.progressbar(length=len(files), label=f"grading {exercise.id}", file=sys.stderr,
                               show_pos=True, hidden=not show) as bar:
            bar_update = bar.update

            def on_result(outcome: tuple[str, float, float, str | None]) -> None:
                bar_update(1)

            with _dask_client(scheduler) as client:
                summary = grade_batch(
                    exercise_ref, files, Path(out), jobs=jobs, timeout=timeout, resume=resume, html=html,
                    on_result=on_result, max_bytes=max_size, roots=submissions, isolation=level,
                    require_isolation=require_isolation, client=client, students=students,
                )
    except GradecheckError as error:
        raise _CannotRun(str(error)) from None
    if len(summary.results) <= 50:
        _print_scores(files, summary.results)
    click.echo(
        f"graded {summary.graded} submission(s)"
        + (f", skipped {summary.skipped} already graded" if summary.skipped else "")
        + f": results in {out}, gradebook {summary.gradebook}, class summary {summary.summary}"
    )
    if summary.unverified:
        click.echo(
            f"regraded {summary.unverified} submission(s) whose results file failed verification "
            f"(not signed by this grader's key in {out}: written by someone else, or changed)"
        )


def _students(exercise: Any, files: list[Any], student: str | None, roster: str | None) -> list[str | None] | None:
    """The student of each file for ``grade`` (``None``: no student given); refuses what cannot be graded right."""
    from gradecheck._roster import read_roster, students_for

    if student is not None and roster is not None:
        raise _CannotRun("--student names the student of one submission, --roster those of many: pass one of them.")
    if (student is not None or roster is not None) and not exercise.variants:
        click.echo(f"note: exercise {exercise.id!r} has no [variants]: every student has the same numbers.", err=True)
    if student is not None:
        if len(files) > 1:
            raise _CannotRun(f"--student names one student, and {len(files)} submissions are given: use --roster FILE.csv.")
        _for_student(exercise, student)  # an id that cannot be used is refused here, before grading
        return [student]
    if roster is not None:
        try:
            return students_for(files, read_roster(roster))
        except GradecheckError as error:
            raise _CannotRun(str(error)) from None
    if exercise.variants:
        raise _CannotRun(
            f"exercise {exercise.id!r} gives each student their own numbers ([variants]): pass --student ID for one "
            f"submission, or --roster FILE.csv (columns submission, student) for many."
        )
    return None


def _print_scores(files: list[Any], targets: tuple[Any, ...]) -> None:
    """One line per submission: its path (printable), score and mistakes or error."""
    import json

    from gradecheck._result_files import display_name
    from gradecheck._text import first_line

    rows = []
    for source, target in zip(files, targets):
        result = json.loads(target.read_text(encoding="utf-8"))
        info = result.get("gradecheck", {})
        note = ", ".join(info.get("mistakes", [])) or first_line(info.get("error"))  # whole: a reason is never cut
        variant = info.get("variant") if isinstance(info.get("variant"), dict) else None
        if variant is not None and variant.get("notebook_student"):
            copied = f"notebook of {variant['notebook_student']!r}, graded as {variant.get('student')!r}"
            note = f"{note}; {copied}" if note else copied
        rows.append((display_name(source), f"{result['score']:g} / {result['max_score']:g}", note))
    width = max(len(r[0]) for r in rows)
    for name, score, note in rows:
        click.echo(f"{name:<{width}}  {score:>11}  {note}".rstrip())


@cli.command()
@click.argument("submission", type=click.Path(dir_okay=False))
@click.option("--exercise", "exercise_id", default=None,
              help="The exercise id (default: read from the notebook's metadata or a '# gradecheck: exercise=ID' line).")
@click.option("--color/--no-color", default=None, help="Color the marks (default: when writing to a terminal).")
@click.option("--html", "html", type=click.Path(dir_okay=False), default=None,
              help="Also write the report as an HTML page (with a picture of which elements are wrong).")
@click.option("--hidden", is_flag=True,
              help="Also run the hidden checks (random instances), so that the score is the grade's.")
@click.option("--student", default=None, metavar="ID",
              help=_STUDENT_HELP + " (default: the student named in the notebook's metadata).")
def check(
    submission: str, exercise_id: str | None, color: bool | None, html: str | None, hidden: bool, student: str | None
) -> None:
    """Self-check your SUBMISSION (.ipynb or .py) on the exercise's visible checks.

    Runs the same checks, in the same sandbox, as the grader does on the
    statement's given values, and prints a mark per item, the likely mistake
    and a hint.  The grade also has hidden checks on random instances: the
    report says how many points they hold and what they vary, and --hidden
    runs them too (a failing one shows its smallest failing instance, never
    the expected values), so that the score is the one 'gradecheck grade'
    gives.  Exit status: 0 all checks run pass, 1 some fail, 2 the check
    could not run.

    \b
    Examples:
      gradecheck check twelve-weights.ipynb
      gradecheck check twelve-weights.ipynb --hidden
    """
    import shlex
    from pathlib import Path

    from gradecheck._sandbox import warm_up_soon

    path = Path(submission)
    if not path.is_file():
        raise _CannotRun(f"no such file: {path}")
    # The sandbox (for the usual packages) starts now, in a thread, while this process imports numpy, the
    # exercise's kind and the grading code; an exercise that allows other packages starts its own later.
    warm_up_soon()
    from gradecheck._errors import SubmissionError
    from gradecheck._grading import error_result
    from gradecheck._reports import render_text
    from gradecheck._self_check import self_check_bytes
    from gradecheck._submissions import read_submission, read_submission_file

    written_for = None
    if exercise_id is None or student is None:
        try:
            written_for = read_submission(path)
        except GradecheckError as error:
            raise _CannotRun(str(error)) from None
    if exercise_id is None:
        exercise_id = written_for.exercise if written_for is not None else None
        if exercise_id is None:
            raise _CannotRun(
                f"{path} does not say which exercise it is for: pass --exercise ID "
                f"(see 'gradecheck exercises'), or start from 'gradecheck template ID'."
            )
    exercise = _load_exercise(exercise_id, self_check=True)
    if student is None and written_for is not None and exercise.variants:
        student = written_for.student  # the learner's own notebook: its metadata names them
    if exercise.variants and student is None:
        raise _CannotRun(
            f"exercise {exercise.id!r} gives each student their own numbers and {path} does not say whose it is: "
            f"pass --student ID, or start from 'gradecheck template {exercise.id} --student ID'."
        )
    read_exercise = written_for.exercise if written_for is not None else None
    run_with = (
        f"gradecheck check {shlex.quote(submission)}"
        + (" --exercise " + shlex.quote(exercise_id) if exercise_id != read_exercise else "")
        + (" --student " + shlex.quote(student) if student is not None and exercise.variants else "")
        + " --hidden"
    )
    try:
        try:
            data = read_submission_file(path)
        except SubmissionError as error:  # no credit and the reason, as grade gives it
            variant = exercise.for_student(student) if student is not None else exercise
            result = error_result(variant, str(error), self_check=True, hidden=hidden)
        else:
            result = self_check_bytes(exercise, path.name, data, hidden=hidden, run_with=run_with, student=student)
    except GradecheckError as error:
        raise _CannotRun(str(error)) from None
    use_color = sys.stdout.isatty() if color is None else color
    click.echo(render_text(result, color=use_color))
    if html is not None:
        from gradecheck._reports import render_html

        try:
            Path(html).write_text(render_html(result), encoding="utf-8")
        except OSError as error:
            raise _CannotRun(f"could not write {html}: {error.strerror}") from None
        click.echo(f"HTML report: {html}")
    if result["gradecheck"].get("error") and result["score"] == 0:
        sys.exit(EXIT_FAILED)
    if any(test["status"] == "failed" for test in result["tests"]):
        sys.exit(EXIT_FAILED)


@cli.command()
@click.argument("exercise_dir", metavar="EXERCISE_DIR")
def validate(exercise_dir: str) -> None:
    """Check an exercise folder: its spec, statement, template, reference solution and known-wrong variants.

    \b
    Checks, each reported on its own line with what to fix:
      spec       exercise.toml loads, strictly: no unknown key, [given] and
                 [settings] fit the kind, entry points are what it calls;
      statement  every {{ placeholder }} of statement.md resolves;
      template   the student notebook renders;
      reference  reference/<id>/solution.py gets full marks;
      variants   with [variants]: sample students' numbers draw and differ,
                 and the reference gets full marks on one student's;
      mistake    each reference/<id>/mistakes/<mistake-id>.py loses marks
                 and is diagnosed as <mistake-id>.

    EXERCISE_DIR is an exercise folder (or a shipped exercise id). Exit
    status: 0 valid, 1 problems found, 2 the checks could not run.

    \b
    Example:
      gradecheck validate exercises/twelve-weights
    """
    from gradecheck._validate import validate_exercise

    try:
        report = validate_exercise(exercise_dir)
    except GradecheckError as error:
        raise _CannotRun(str(error)) from None
    click.echo(report.report())
    if not report.ok:
        sys.exit(EXIT_FAILED)


@cli.command("audit-key")
@click.argument("exercise_id", metavar="EXERCISE")
@click.argument("key", type=click.Path(dir_okay=False))
@click.option("--student", default=None, metavar="ID",
              help=_STUDENT_HELP + " (default: the spec's [given] values).")
def audit_key_command(exercise_id: str, key: str, student: str | None) -> None:
    """Check an answer KEY (TOML or JSON, name -> value) against the reference.

    Names are the exercise's item names (e.g. dE/dw7, or just w7). An entry
    passes when it equals the reference value up to the rounding of the
    digits it is written with; every other entry is listed with the right
    value and how far off it is.  Exit status: 0 the key is correct,
    1 it has errors, 2 the audit could not run.

    For an exercise with per-student variants, --student ID audits a key
    of that student's own numbers.

    \b
    Examples:
      gradecheck audit-key three-two-two slide-key.toml
      gradecheck audit-key twelve-weights-variants s1001-key.toml --student s1001
    """
    from gradecheck._audit import audit_key, load_key

    exercise = _for_student(_load_exercise(exercise_id), student)
    try:
        report = audit_key(exercise, load_key(key))
    except GradecheckError as error:
        raise _CannotRun(str(error)) from None
    click.echo(report.report())
    if not report.ok:
        sys.exit(EXIT_FAILED)


@cli.command()
@click.argument("exercise_id", metavar="EXERCISE")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False), default=None,
              help="Where to write the zip (default: <exercise id>-autograder.zip).")
def gradescope(exercise_id: str, output: str | None) -> None:
    """Write a Gradescope autograder zip for EXERCISE (a shipped id or an exercise folder).

    Upload the zip as a Gradescope programming assignment's autograder.
    setup.sh makes a virtual environment and installs gradecheck's
    requirements (the version ranges of its metadata, so any Ubuntu image's
    Python works); run_autograder grades the student's notebook (or .py
    file) from /autograder/submission into /autograder/results/results.json,
    in the sandbox, and always writes that file. The zip carries the exercise
    folder (with its kind.py), and the reference solution only for kinds that
    grade against it; never the known-wrong variants.

    \b
    Examples:
      gradecheck gradescope twelve-weights -o twelve-weights-autograder.zip
      gradecheck gradescope course/exercises/my-layer
    """
    from pathlib import Path

    from gradecheck._gradescope import build_bundle

    exercise = _load_exercise(exercise_id)
    path = Path(output or f"{exercise.id}-autograder.zip")
    try:
        build_bundle(exercise_id, path)
    except OSError as error:
        raise _CannotRun(f"could not write {path}: {error.strerror or error}") from None
    except RuntimeError as error:
        raise _CannotRun(str(error)) from None
    click.echo(f"wrote {path}: upload it as the autograder of a Gradescope programming assignment.")


def _keep_hypothesis_out_of_the_current_folder() -> None:
    """Hypothesis keeps files (``.hypothesis/``) in the current folder; gradecheck's commands keep them in
    its cache folder instead, for this process and the grading processes it starts, unless
    ``$HYPOTHESIS_STORAGE_DIRECTORY`` says otherwise."""
    import os

    from gradecheck._sandbox._tree import cache_dir

    os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(cache_dir() / "hypothesis"))


def run() -> NoReturn:
    """The ``gradecheck`` command and ``python -m gradecheck``: :func:`main`, then end the process.

    Once the output is flushed and the exit handlers have run (they stop the
    sandbox's fork servers), the process ends with ``os._exit``: the
    interpreter's teardown of the modules it loaded (numpy, JAX ...) takes
    0.05-0.2 s that a learner waiting for ``gradecheck check`` would wait for,
    and a finished command needs none of it.
    """
    import atexit
    import os

    status = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    atexit._run_exitfuncs()
    os._exit(status)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status instead of exiting."""
    _keep_hypothesis_out_of_the_current_folder()
    try:
        cli.main(args=argv, prog_name="gradecheck", standalone_mode=False)
    except click.exceptions.Exit as exit_:
        return exit_.exit_code
    except click.ClickException as error:
        error.show()
        return error.exit_code if isinstance(error, _CannotRun) else EXIT_CANNOT_RUN
    except click.Abort:
        click.echo("Aborted.", err=True)
        return EXIT_CANNOT_RUN
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return EXIT_OK
