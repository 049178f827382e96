"""What OS isolation costs: the sandbox's time per submission under each isolation level.

Run by hand from the repository root (as root, both OS levels run):

    python benchmarks/bench_sandbox.py [--n 200] [--jobs 2] [--repeats 50]

For each isolation level this machine runs (``namespaces``, ``container``,
``none``; ``none`` is the baseline without OS isolation):

* cold start: a new fork server (bubblewrap or chroot, interpreter start,
  numpy import) up to the first answer of a trivial submission, in a fresh
  process;
* warm cycle: in one process, after three untimed cycles, ``with
  SandboxedSubmission(source) as s: s.call(...)``: confine a worker, load a
  trivial correct .py (``def f(x): return x``), one call, kill and tear down;
* ``grade_file`` of the twelve-weights reference (15/15), warm;
* end to end: ``gradecheck grade twelve-weights DIR --out TMP --jobs J
  --isolation LEVEL`` as a subprocess on ``--n`` copies of the reference and on
  one copy; the marginal cost of a submission is the difference divided by
  ``n - 1``, and the wall time divided by ``n`` is shown too.

Also the cold build of the runtime tree (into an empty cache folder).  Prints
medians measured in this one run; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXERCISE = "twelve-weights"
REFERENCE = ROOT / "reference" / EXERCISE / "solution.py"
TRIVIAL = "def f(x):\n    return x\n"
GOAL_MS = 50.0

_COLD_START = """
import sys, time
started = time.perf_counter()
from gradecheck._sandbox import Limits, SandboxedSubmission
with SandboxedSubmission({source!r}, limits=Limits(isolation={level!r})) as submission:
    assert submission.call("f", [1.0]) == 1.0
print(time.perf_counter() - started)
"""


def cold_start(level: str, repeats: int) -> float:
    """Median seconds from a fresh process's first sandbox request to its first answer."""
    times = []
    for _ in range(repeats):
        done = subprocess.run([sys.executable, "-c", _COLD_START.format(source=TRIVIAL, level=level)],
                              capture_output=True, text=True, check=True, cwd=ROOT)
        times.append(float(done.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def warm_cycle(level: str, repeats: int) -> float:
    from gradecheck._sandbox import Limits, SandboxedSubmission

    limits = Limits(isolation=level)
    times = []
    for index in range(repeats + 3):
        started = time.perf_counter()
        with SandboxedSubmission(TRIVIAL, limits=limits) as submission:
            submission.call("f", [1.0])
        if index >= 3:
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def warm_grade_file(level: str, repeats: int) -> float:
    from gradecheck._exercises import load_exercise
    from gradecheck._grading import grade_file
    from gradecheck._sandbox import Limits

    exercise, limits = load_exercise(EXERCISE), Limits(isolation=level)
    times = []
    for index in range(repeats + 2):
        started = time.perf_counter()
        result = grade_file(exercise, REFERENCE, limits=limits)
        if index >= 2:
            times.append(time.perf_counter() - started)
        assert result["score"] == result["max_score"], result["output"]
    return statistics.median(times)


def end_to_end(level: str, n: int, jobs: int, work: Path) -> tuple[float, float]:
    """(wall seconds for n submissions, for one), ``gradecheck grade --jobs J --isolation LEVEL``."""
    walls = []
    for count in (n, 1):
        folder = work / f"{level}-{count}"
        folder.mkdir()
        for k in range(count):
            (folder / f"student{k:03d}.py").write_text(f"# gradecheck: exercise={EXERCISE}\n# {k}\n" + REFERENCE.read_text())
        command = [sys.executable, "-m", "gradecheck", "grade", EXERCISE, str(folder), "--out", str(work / f"out-{level}-{count}"),
                   "--jobs", str(jobs), "--no-progress", "--isolation", level]
        subprocess.run(command, capture_output=True, check=True, cwd=ROOT)  # warm the caches
        shutil.rmtree(work / f"out-{level}-{count}")
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, cwd=ROOT)
        walls.append(time.perf_counter() - started)
    return walls[0], walls[1]


def tree_build() -> float:
    cache = Path(tempfile.mkdtemp(prefix="gradecheck-bench-cache-"))
    script = "import time; t = time.perf_counter(); from gradecheck._sandbox._tree import runtime_tree; runtime_tree(); print(time.perf_counter() - t)"
    try:
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT,
                              env={**os.environ, "GRADECHECK_CACHE_DIR": str(cache)})
        return float(done.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200, help="submissions in the end-to-end batch (many: the marginal cost is a difference)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=50, help="warm cycles timed")
    arguments = parser.parse_args()

    from gradecheck._sandbox import available_isolation

    levels = available_isolation()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, uid {os.geteuid()}; levels here: {', '.join(levels)}")
    print(f"runtime tree, cold build: {tree_build():.2f} s")
    rows = []
    with tempfile.TemporaryDirectory(prefix="gradecheck-bench-") as work:
        for level in levels:
            cold = cold_start(level, 5)
            cycle = warm_cycle(level, arguments.repeats)
            graded = warm_grade_file(level, 9)
            many, one = end_to_end(level, arguments.n, arguments.jobs, Path(work))
            marginal = (many - one) / (arguments.n - 1)
            rows.append((level, cold, cycle, graded, many, one, marginal))
    print()
    print(f"| isolation | cold start s | warm cycle ms | grade_file ms | grade --jobs {arguments.jobs}, {arguments.n} files s "
          f"| 1 file s | per further submission ms | wall / n ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for level, cold, cycle, graded, many, one, marginal in rows:
        print(f"| {level} | {cold:.2f} | {cycle * 1e3:.1f} | {graded * 1e3:.1f} | {many:.2f} | {one:.2f} "
              f"| {marginal * 1e3:.1f} | {many / arguments.n * 1e3:.1f} |")
    baseline = {row[0]: row for row in rows}.get("none")
    if baseline is not None:
        print()
        for level, cold, cycle, graded, many, one, marginal in rows:
            if level != "none":
                print(f"{level}: added cost over none: warm cycle {1e3 * (cycle - baseline[2]):+.1f} ms, grade_file "
                      f"{1e3 * (graded - baseline[3]):+.1f} ms, per further submission {1e3 * (marginal - baseline[6]):+.1f} ms, "
                      f"cold start {cold - baseline[1]:+.2f} s")
    for level, *_, marginal in rows:
        verdict = "met" if marginal * 1e3 < GOAL_MS else "NOT met"
        print(f"goal: a trivial correct .py under {GOAL_MS:.0f} ms per submission at --jobs {arguments.jobs} ({level}): "
              f"{marginal * 1e3:.1f} ms, {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
