"""Autograder throughput: gradecheck against plain nbclient execution and otter-grader's ``otter run``.

Run by hand from the repository root:

    python benchmarks/bench_autograder.py [--n 40] [--jobs 2]
        [--otter-python /work/bench-venv/bin/python] [--skip-otter] [--skip-nbclient]

Every row works on the SAME ``--n`` generated one-cell notebooks of the
``twelve-weights`` exercise, cycling through five solutions: the reference
(correct, 15/15; twice in every five), the known mistakes
``missing-activation-derivative`` and ``upstream-ignored``, and the unchanged
starter (raises NotImplementedError when called).  Each notebook also gets a distinct comment, so no two files
are byte-identical.

Rows:

* gradecheck grade: ``gradecheck grade twelve-weights DIR --out TMP --jobs J
  --no-progress`` as a subprocess, end to end (interpreter start, JAX import and
  compilation in every pool worker, gradebook and class summary included);
  one untimed warm-up run, then the median of ``--cli-repeats`` runs, for
  ``--jobs J`` and ``--jobs 1``.
* nbclient execute: ``nbclient.NotebookClient(nb, kernel_name="python3").execute()``
  of each notebook (a fresh kernel per notebook), no checking at all: the cost
  of running a notebook the usual way.  Sequential, and J driver processes
  each taking every J-th notebook.
* otter run: otter-grader's container-free ``otter run -a autograder.zip -o OUT
  NOTEBOOK``, one process per submission, with an autograder zip built here by
  ``otter generate`` from one OK-format test whose cases award the same 15
  points as gradecheck's spec (a 1.5, dL/dW 6, dL/db 1.5, dL/dx 1 on the given
  values; 5 for 60 seeded random instances, hidden).  Sequential and J at a time.

nbclient and otter run in the Python given by ``--nbclient-python`` /
``--otter-python`` (a separate virtual environment; they are not gradecheck
dependencies).  When otter cannot run, the issue's reference figure (about
3.3 s per one-cell notebook, measured elsewhere) is printed instead and
labelled as not measured here.

Also measured: ``gradecheck grade`` on one submission (its fixed start-up, so
the marginal cost of a further submission can be read off), and, in this
process, the per-submission cost of gradecheck's sandbox (a warm
``SandboxedSubmission``: fork a worker, load a trivial correct .py, one call,
tear down) and ``grade_file`` per submission split into time spent inside
``SandboxedSubmission`` (with the liveness check made before every call shown
on its own) versus the grader's own checking work.

Prints times and ratios measured in this one run; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXERCISE = "twelve-weights"
REFERENCE_DIR = ROOT / "reference"
#: The issue's figure for otter run on a one-cell notebook, measured elsewhere.
OTTER_REFERENCE_S = 3.3
GOAL_THROUGHPUT_RATIO = 20.0
GOAL_OVERHEAD_MS = 50.0

# (label, path of the solution source, full marks expected)
VARIANTS: tuple[tuple[str, Path, bool], ...] = (
    ("correct", REFERENCE_DIR / "twelve-weights" / "solution.py", True),
    ("missing-activation-derivative", REFERENCE_DIR / EXERCISE / "mistakes" / "missing-activation-derivative.py", False),
    ("correct", REFERENCE_DIR / "twelve-weights" / "solution.py", True),
    ("upstream-ignored", REFERENCE_DIR / EXERCISE / "mistakes" / "upstream-ignored.py", False),
    ("starter (not attempted)", ROOT / "gradecheck" / "exercises" / EXERCISE / "starter.py", False),
)

TRIVIAL_SOURCE = "def f(x):\n    return x\n"


# -- submissions ------------------------------------------------------------------------


def make_submissions(folder: Path, n: int) -> list[tuple[Path, str, bool]]:
    """Write ``n`` one-cell notebooks into ``folder``; returns (path, variant, full marks expected)."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for k in range(n):
        label, source_path, correct = VARIANTS[k % len(VARIANTS)]
        source = f"# student {k:03d}: {label}\n" + source_path.read_text(encoding="utf-8")
        notebook = new_notebook(cells=[new_code_cell(source)])
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        notebook.metadata["language_info"] = {"name": "python"}
        path = folder / f"student-{k:03d}.ipynb"
        nbformat.write(notebook, path)
        made.append((path, label, correct))
    return made


# -- gradecheck ---------------------------------------------------------------------------


def gradecheck_command(folder: Path, out: Path, jobs: int) -> list[str]:
    script = Path(sys.executable).with_name("gradecheck")
    prefix = [str(script)] if script.exists() else [sys.executable, "-m", "gradecheck"]
    return [*prefix, "grade", EXERCISE, str(folder), "--out", str(out), "--jobs", str(jobs), "--no-progress"]


def time_gradecheck_cli(folder: Path, out: Path, jobs: int) -> tuple[float, dict[str, float]]:
    """Wall seconds of the CLI end to end, and submission file name -> score from its gradebook."""
    if out.exists():
        shutil.rmtree(out)
    command = gradecheck_command(folder, out, jobs)
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {completed.returncode}:\n{completed.stderr[-2000:]}")
    with (out / "gradebook.csv").open(newline="", encoding="utf-8") as handle:
        scores = {Path(row["submission"]).name: float(row["score"]) for row in csv.DictReader(handle)}
    return seconds, scores


def time_sandbox_cycle(source: str, name: str, args: Sequence[Any], repeats: int) -> list[float]:
    """Seconds per warm sandbox cycle: fork a worker, load ``source``, call ``name(*args)`` once, tear down."""
    from gradecheck._sandbox import SandboxedSubmission

    times = []
    for _ in range(repeats + 3):  # the first cycles start the fork server and warm caches
        started = time.perf_counter()
        with SandboxedSubmission(source, "submission.py") as submission:
            if submission.load_error is not None:
                raise RuntimeError(f"the benchmark's submission did not load: {submission.load_error}")
            submission.call(name, list(args))
        times.append(time.perf_counter() - started)
    return times[3:]


def time_round_trip(repeats: int) -> float:
    """Seconds per call of a trivial function in an already loaded sandbox (one JSON round trip)."""
    from gradecheck._sandbox import SandboxedSubmission

    with SandboxedSubmission(TRIVIAL_SOURCE, "submission.py") as submission:
        submission.call("f", [1.0])
        started = time.perf_counter()
        for _ in range(repeats):
            submission.call("f", [1.0])
        return (time.perf_counter() - started) / repeats


class _SandboxClock:
    """Time spent inside ``SandboxedSubmission`` while installed.

    ``seconds``: the outermost of start (fork + load), every checked call
    (liveness check, request, student code, JSON) and close; ``requests``:
    JSON requests to the worker (the load included); ``liveness``: the part of
    ``seconds`` spent in ``_ensure_running`` before each call.
    """

    OUTER = ("_start", "_checked", "_request", "close")
    LIVENESS = "_ensure_running"

    def __init__(self) -> None:
        self.seconds = 0.0
        self.liveness = 0.0
        self.requests = 0
        self._depth = 0

    def wrap(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            outer = name in self.OUTER
            self._depth += outer
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                spent = time.perf_counter() - started
                self._depth -= outer
                if outer and self._depth == 0:  # nested calls (_checked -> _request) count once
                    self.seconds += spent
                if name == self.LIVENESS:
                    self.liveness += spent
                if name == "_request":
                    self.requests += 1

        return timed


@contextmanager
def sandbox_clock() -> Iterator[_SandboxClock]:
    """Install a :class:`_SandboxClock` on ``SandboxedSubmission`` (methods it lacks are left out)."""
    from gradecheck._sandbox import SandboxedSubmission

    clock = _SandboxClock()
    names = [name for name in (*clock.OUTER, clock.LIVENESS) if hasattr(SandboxedSubmission, name)]
    originals = {name: getattr(SandboxedSubmission, name) for name in names}
    for name in names:
        setattr(SandboxedSubmission, name, clock.wrap(name, originals[name]))
    try:
        yield clock
    finally:
        for name, method in originals.items():
            setattr(SandboxedSubmission, name, method)


def time_grade_file(
    paths: Sequence[tuple[str, Path]], repeats: int
) -> list[tuple[str, float, float, float, int, float]]:
    """Per (label, path): (label, total s, sandbox s, liveness s, requests, score); medians of ``repeats`` warm runs."""
    from gradecheck._exercises import load_exercise
    from gradecheck._grading import grade_file

    exercise = load_exercise(EXERCISE)
    rows = []
    for label, path in paths:
        grade_file(exercise, path)  # warm: JAX compilation, Hypothesis, imports
        totals, inside, liveness, requests, score = [], [], [], 0, 0.0
        for _ in range(repeats):
            with sandbox_clock() as clock:
                started = time.perf_counter()
                result = grade_file(exercise, path)
                totals.append(time.perf_counter() - started)
            inside.append(clock.seconds)
            liveness.append(clock.liveness)
            requests, score = clock.requests, float(result["score"])
        rows.append((label, statistics.median(totals), statistics.median(inside), statistics.median(liveness),
                     requests, score))
    return rows


# -- nbclient -----------------------------------------------------------------------------

_NBCLIENT_DRIVER = """
import json, sys, time
import nbformat
from nbclient import NotebookClient
times = []
for path in sys.argv[1:]:
    nb = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    NotebookClient(nb, kernel_name="python3", timeout=120).execute()
    times.append(time.perf_counter() - started)
print(json.dumps(times))
"""


def time_nbclient(python: str, paths: Sequence[Path], jobs: int) -> tuple[float, list[float]]:
    """Wall seconds for ``jobs`` driver processes (each executing every jobs-th notebook), and per-notebook seconds."""
    slices = [[str(p) for p in paths[k::jobs]] for k in range(jobs)]
    started = time.perf_counter()
    processes = [
        subprocess.Popen([python, "-c", _NBCLIENT_DRIVER, *part], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for part in slices
        if part
    ]
    per_notebook: list[float] = []
    for process in processes:
        stdout, stderr = process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"the nbclient driver exited {process.returncode}:\n{stderr[-2000:]}")
        per_notebook.extend(json.loads(stdout.strip().splitlines()[-1]))
    return time.perf_counter() - started, per_notebook


# -- otter --------------------------------------------------------------------------------


def _doctest(lines: Sequence[str]) -> str:
    out = []
    for line in lines:
        prompt = "... " if line.startswith((" ", "\t")) else ">>> "
        out.append(prompt + line if line != "" else "...")
    return "\n".join(out) + "\nTrue\n"


def otter_test_source() -> str:
    """An OK-format otter test for the twelve-weights exercise, worth the same 15 points as gradecheck's spec."""
    from gradecheck._exercises import load_exercise

    given = load_exercise(EXERCISE).given
    setup = [
        "import numpy as np",
        f"w = np.array({list(given['weights'])}); x = np.array({list(given['inputs'])}); "
        f"b = np.array({list(given['biases'])}); u = np.array({list(given.get('upstream', [1.0, 1.0, 1.0]))})",
        "W = w.reshape(3, 4); a = 1 / (1 + np.exp(-(W @ x + b))); dz = u * a * (1 - a)",
    ]
    given_cases = [
        (1.5, "bool(np.allclose(np.ravel(forward(w, x, b)), a))"),
        (6.0, "bool(np.allclose(np.ravel(backward(w, x, b, u)[0]), np.outer(dz, x).ravel()))"),
        (1.5, "bool(np.allclose(np.ravel(backward(w, x, b, u)[1]), dz))"),
        (1.0, "bool(np.allclose(np.ravel(backward(w, x, b, u)[2]), W.T @ dz))"),
    ]
    cases = [
        {"code": _doctest([*setup, check]), "hidden": False, "locked": False, "points": points}
        for points, check in given_cases
    ]
    hidden = [
        "import numpy as np",
        "def _agrees(w, x, b, u):",
        "    W = w.reshape(3, 4); a = 1 / (1 + np.exp(-(W @ x + b))); dz = u * a * (1 - a)",
        "    d_w, d_b, d_x = backward(w, x, b, u)",
        "    return bool(np.allclose(np.ravel(forward(w, x, b)), a) and np.allclose(np.ravel(d_w), np.outer(dz, x).ravel())",
        "                and np.allclose(np.ravel(d_b), dz) and np.allclose(np.ravel(d_x), W.T @ dz))",
        "",
        "rng = np.random.default_rng(0)",
        "all(_agrees(*(rng.uniform(-2.0, 2.0, n) for n in (12, 4, 3, 3))) for _ in range(60))",
    ]
    cases.append({"code": _doctest(hidden), "hidden": True, "locked": False, "points": 5.0})
    test = {
        "name": "q1",
        "points": 15.0,
        "suites": [{"cases": cases, "scored": True, "setup": "", "teardown": "", "type": "doctest"}],
    }
    return "OK_FORMAT = True\n\ntest = " + repr(test) + "\n"


def build_otter_autograder(python: str, folder: Path) -> Path:
    """``otter generate`` an autograder zip with the one OK-format test; returns its path."""
    (folder / "tests").mkdir(parents=True, exist_ok=True)
    (folder / "tests" / "q1.py").write_text(otter_test_source(), encoding="utf-8")
    target = folder / "autograder.zip"
    command = [python, "-m", "otter", "generate", "--no-config", "--no-requirements", "--no-environment",
               "-t", "tests", "-o", str(target)]
    completed = subprocess.run(command, cwd=folder, capture_output=True, text=True)
    if completed.returncode != 0 or not target.exists():
        raise RuntimeError(f"otter generate exited {completed.returncode}:\n{(completed.stdout + completed.stderr)[-2000:]}")
    return target


def _otter_one(python: str, autograder: Path, notebook: Path, out: Path) -> tuple[float, float]:
    out.mkdir(parents=True, exist_ok=True)
    command = [python, "-m", "otter", "run", "-a", str(autograder), "-o", str(out), "--no-logo", str(notebook)]
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    results = out / "results.json"
    if completed.returncode != 0 or not results.exists():
        raise RuntimeError(f"otter run exited {completed.returncode} on {notebook.name}:\n"
                           f"{(completed.stdout + completed.stderr)[-2000:]}")
    data = json.loads(results.read_text(encoding="utf-8"))
    score = sum(float(test["score"]) for test in data["tests"] if test.get("score") is not None)
    return seconds, score


def time_otter(python: str, autograder: Path, paths: Sequence[Path], jobs: int, out: Path) -> tuple[float, list[float], dict[str, float]]:
    """Wall seconds for ``otter run`` on every notebook, ``jobs`` at a time; per-run seconds; name -> score."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        outcomes = list(pool.map(lambda p: _otter_one(python, autograder, p, out / p.stem), paths))
    wall = time.perf_counter() - started
    return wall, [s for s, _ in outcomes], {p.name: score for p, (_, score) in zip(paths, outcomes)}


def _python_has(python: str, module: str) -> tuple[bool, str]:
    code = f"import {module}, sys; print(getattr({module}, '__version__', '?'))"
    try:
        completed = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=120)
    except OSError as error:
        return False, str(error)
    if completed.returncode != 0:
        return False, completed.stderr.strip().splitlines()[-1] if completed.stderr.strip() else "import failed"
    return True, completed.stdout.strip()


# -- report -------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40, help="number of generated notebook submissions")
    parser.add_argument("--jobs", type=int, default=2, help="parallel workers for the parallel rows")
    parser.add_argument("--otter-python", default=None,
                        help="python of a virtual environment with otter-grader (default: this python, if it has otter)")
    parser.add_argument("--nbclient-python", default=None,
                        help="python with nbclient + ipykernel (default: this python if it has them, else --otter-python)")
    parser.add_argument("--skip-otter", action="store_true")
    parser.add_argument("--skip-nbclient", action="store_true")
    parser.add_argument("--skip-sequential", action="store_true",
                        help="only the --jobs rows for nbclient and otter (gradecheck --jobs 1 is still run)")
    parser.add_argument("--repeats", type=int, default=50, help="warm sandbox cycles timed")
    parser.add_argument("--cli-repeats", type=int, default=3, help="timed gradecheck grade runs (median shown)")
    parser.add_argument("--grade-repeats", type=int, default=9, help="warm grade_file runs timed per submission")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (notebooks, results) and print it")
    args = parser.parse_args()

    import numpy as np

    work = Path(tempfile.mkdtemp(prefix="bench-autograder-"))
    try:
        submissions = make_submissions(work / "submissions", args.n)
        paths = [path for path, _, _ in submissions]
        expected_full = {path.name: correct for path, _, correct in submissions}
        print(f"Autograder throughput, exercise {EXERCISE}, {args.n} one-cell notebooks "
              f"({sum(expected_full.values())} correct), --jobs {args.jobs}")
        print(f"python {sys.version.split()[0]}, numpy {np.__version__}, {platform.machine()}, "
              f"{os.cpu_count()} CPU(s), {platform.platform()}")

        rows: list[tuple[str, int, float | None, str]] = []  # (tool, submissions, wall seconds, note)
        agreement: list[str] = []

        def check_scores(tool: str, scores: dict[str, float]) -> None:
            full = {name: abs(score - 15.0) < 1e-6 for name, score in scores.items()}
            wrong = [name for name, correct in expected_full.items() if full.get(name) != correct]
            agreement.append(f"{tool}: {'full marks exactly for the correct solutions' if not wrong else 'UNEXPECTED verdicts for ' + ', '.join(wrong)}"
                             f" (scores: {sorted(set(round(s, 2) for s in scores.values()))})")

        # gradecheck CLI, end to end: one untimed warm-up (the first run after a pause was up to 2x slower:
        # cold file caches), then the median of --cli-repeats runs for --jobs J and --jobs 1
        one = work / "one-submission"
        one.mkdir()
        shutil.copy(paths[0], one / paths[0].name)
        time_gradecheck_cli(one, work / "gradecheck-out-one", args.jobs)
        startup_s, _ = time_gradecheck_cli(one, work / "gradecheck-out-one", args.jobs)
        gradecheck_runs: dict[int, float] = {}
        for jobs in dict.fromkeys([args.jobs, 1]):
            times = []
            for _ in range(args.cli_repeats):
                seconds, scores = time_gradecheck_cli(work / "submissions", work / f"gradecheck-out-{jobs}", jobs)
                times.append(seconds)
            gradecheck_runs[jobs] = statistics.median(times)
            rows.append((f"gradecheck grade --jobs {jobs}", args.n, gradecheck_runs[jobs],
                         f"end to end, median of {' / '.join(f'{t:.2f}' for t in times)} s"))
            if jobs == args.jobs:
                check_scores("gradecheck", scores)
        gradecheck_s, sequential_s = gradecheck_runs[args.jobs], gradecheck_runs[1]
        print("command:", " ".join(gradecheck_command(Path("SUBMISSIONS"), Path("OUT"), args.jobs)))

        # nbclient
        nbclient_python = args.nbclient_python
        if not args.skip_nbclient:
            if nbclient_python is None:
                candidates = [sys.executable] + ([args.otter_python] if args.otter_python else [])
                nbclient_python = next((p for p in candidates if _python_has(p, "nbclient")[0] and _python_has(p, "ipykernel")[0]), None)
            if nbclient_python is None:
                rows.append(("nbclient execute", args.n, None, "not measured: no python with nbclient + ipykernel "
                             "(pass --nbclient-python or --otter-python)"))
            else:
                version = _python_has(nbclient_python, "nbclient")[1]
                print(f"nbclient {version} in {nbclient_python}")
                if not args.skip_sequential:
                    wall, each = time_nbclient(nbclient_python, paths, 1)
                    rows.append(("nbclient execute, sequential", args.n, wall,
                                 f"median {statistics.median(each):.2f} s a notebook"))
                if args.jobs > 1:
                    wall, each = time_nbclient(nbclient_python, paths, args.jobs)
                    rows.append((f"nbclient execute, {args.jobs} in parallel", args.n, wall,
                                 f"median {statistics.median(each):.2f} s a notebook"))

        # otter
        otter_rows: dict[int, float] = {}
        otter_issue = "skipped (--skip-otter)" if args.skip_otter else ""
        if not args.skip_otter:
            otter_python = args.otter_python or sys.executable
            present, version = _python_has(otter_python, "otter")
            if not present:
                otter_issue = f"otter-grader is not importable in {otter_python} ({version}); pass --otter-python"
            else:
                try:
                    autograder = build_otter_autograder(otter_python, work / "otter")
                    print(f"otter-grader {version} in {otter_python}; autograder {autograder.name} from otter generate")
                    for jobs in ([1] if not args.skip_sequential else []) + ([args.jobs] if args.jobs > 1 else []):
                        wall, each, otter_scores = time_otter(otter_python, autograder, paths, jobs, work / f"otter-out-{jobs}")
                        label = "otter run, sequential" if jobs == 1 else f"otter run, {jobs} in parallel"
                        rows.append((label, args.n, wall, f"median {statistics.median(each):.2f} s a run"))
                        otter_rows[jobs] = wall
                        check_scores(label, otter_scores)
                except RuntimeError as error:
                    otter_issue = f"otter failed: {error}"
        if otter_issue:
            rows.append(("otter run (issue's figure, NOT measured here)", args.n, OTTER_REFERENCE_S * args.n,
                         f"{OTTER_REFERENCE_S} s a notebook, measured elsewhere"))
            print(f"otter: {otter_issue}")

        print()
        print(f"{'tool':<48} {'subs':>5} {'wall s':>8} {'subs/s':>8} {'gradecheck x':>13}  note")
        for tool, n, wall, note in rows:
            if wall is None:
                print(f"{tool:<48} {n:>5} {'-':>8} {'-':>8} {'-':>13}  {note}")
                continue
            print(f"{tool:<48} {n:>5} {wall:>8.2f} {n / wall:>8.2f} {wall / gradecheck_s:>13.1f}  {note}")
        print(f"('gradecheck x' = this row's wall time / gradecheck grade --jobs {args.jobs}'s: "
              f"how many times gradecheck's throughput is higher)")
        print(f"gradecheck grade --jobs {args.jobs} on 1 submission: {startup_s:.2f} s (start-up: interpreter, "
              f"JAX import and compilation in a pool worker, fork server; after one warm-up run)")
        if args.n > 1 and gradecheck_s > startup_s:
            marginal = (gradecheck_s - startup_s) / (args.n - 1)
            print(f"  so each further submission cost about {_ms(marginal)} ms of wall time "
                  f"({1 / marginal:.1f} submissions/s once started)")
        for line in agreement:
            print("verdicts,", line)

        # sandbox overhead
        print()
        cycles = time_sandbox_cycle(TRIVIAL_SOURCE, "f", [1.0], args.repeats)
        reference_source = (REFERENCE_DIR / "twelve-weights" / "solution.py").read_text(encoding="utf-8")
        given_args = [[0.8, 0.87, 0.16, 0.96, 0.89, 0.87, 0.31, 0.08, 0.09, 0.69, 0.03, 0.42],
                      [0.75, 0.98, 0.74, 0.28], [0.68, 0.83, 0.01]]
        reference_cycles = time_sandbox_cycle(reference_source, "forward", given_args, args.repeats)
        round_trip = time_round_trip(200)
        print(f"sandbox, warm, per submission ({args.repeats} cycles; median / mean / max ms):")
        print(f"  trivial correct .py (def f(x): return x), load + f(1.0) + teardown: "
              f"{_ms(statistics.median(cycles))} / {_ms(statistics.mean(cycles))} / {_ms(max(cycles))}")
        print(f"  twelve-weights reference .py, load + forward(given) + teardown:     "
              f"{_ms(statistics.median(reference_cycles))} / {_ms(statistics.mean(reference_cycles))} / {_ms(max(reference_cycles))}")
        print(f"  one more call in a loaded sandbox (JSON round trip): {_ms(round_trip)} ms")

        grade_rows = time_grade_file(
            [("correct .py", REFERENCE_DIR / "twelve-weights" / "solution.py"),
             ("correct, one-cell .ipynb", paths[0]),
             ("missing-activation-derivative .py", VARIANTS[1][1]),
             ("upstream-ignored .py", VARIANTS[3][1]),
             ("starter .py (raises)", VARIANTS[4][1])],
            repeats=args.grade_repeats,
        )
        print(f"grade_file in one warm process (median of {args.grade_repeats} runs). sandbox = fork, load, every "
              f"call (liveness check, request, the student's code, JSON), teardown; of which liveness = the "
              f"check before each call; checking = the rest (Hypothesis, JAX reference, comparison, diagnosis):")
        print(f"  {'submission':<36} {'score':>6} {'total ms':>9} {'sandbox ms':>11} {'liveness ms':>12} "
              f"{'requests':>9} {'checking ms':>12}")
        for label, total, inside, live, requests, score in grade_rows:
            print(f"  {label:<36} {score:>6.2f} {_ms(total):>9} {_ms(inside):>11} {_ms(live):>12} "
                  f"{requests:>9} {_ms(total - inside):>12}")

        # goals
        print()
        def verdict(ratio: float) -> str:
            return "met" if ratio >= GOAL_THROUGHPUT_RATIO else "NOT met"

        print(f"goal: gradecheck >= {GOAL_THROUGHPUT_RATIO:g}x otter's throughput (same {args.n} notebooks):")
        pairs = [(j, j) for j in sorted(otter_rows)] + ([(args.jobs, 1)] if args.jobs != 1 and 1 in otter_rows else [])
        for mine, theirs in pairs:
            ratio = otter_rows[theirs] / gradecheck_runs[mine]
            theirs_label = "sequential" if theirs == 1 else f"{theirs} in parallel"
            print(f"  gradecheck --jobs {mine} vs otter run {theirs_label} (measured): {ratio:.1f}x -> {verdict(ratio)}")
        reference_ratio = OTTER_REFERENCE_S * args.n / sequential_s
        print(f"  gradecheck --jobs 1 vs the issue's {OTTER_REFERENCE_S} s per notebook for otter (NOT measured "
              f"here): {reference_ratio:.1f}x -> {verdict(reference_ratio)}")
        overhead = statistics.median(cycles)
        print(f"goal: < {GOAL_OVERHEAD_MS:g} ms overhead per trivial correct .py submission: {_ms(overhead)} ms "
              f"(warm sandbox cycle, median) -> {'met' if overhead * 1000 < GOAL_OVERHEAD_MS else 'NOT met'}")
        if args.keep:
            print(f"work folder kept: {work}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
