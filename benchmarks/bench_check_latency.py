"""Latency of a learner's self-check: ``gradecheck check`` on a correct twelve-weights .py, cold and warm.

Run by hand from the repository root:

    python benchmarks/bench_check_latency.py [--n 10] [--checkout DIR] [--otter-python PATH] [--skip-phases]

Rows (each the median of ``--n`` runs, with the fastest and slowest, and the median CPU time, user +
system, of the process and the children it waited for: the sandbox's processes included):

* ``gradecheck check``, warm: ``python -m gradecheck check
  reference/twelve-weights/solution.py --exercise twelve-weights`` as a fresh
  process, end to end, after one untimed run (the runtime tree built, the
  self-check's cache filled, the files in the page cache);
* ``gradecheck check``, cold: the same with the self-check's cache
  (``<cache folder>/check``) emptied before every run (the runtime tree, built
  once per machine, is kept);
* ``otter check`` (with ``--otter-python``, a Python with otter-grader and
  ipykernel): ``python -m otter check solution.py -t tests`` on the same file,
  with the OK-format test of ``bench_autograder.py`` (the given values and 60
  random instances, run in a Jupyter kernel, no sandbox).

Then where the time of a warm and a cold check goes (``--skip-phases`` leaves
it out): the check runs in a fresh process whose functions are wrapped with
timers (medians of ``--n`` runs): interpreter start (``python -c pass``), the
CLI's imports, loading the exercise, the sandbox's start as the grader waits
for it (``SandboxedSubmission._start``: isolation probe, runtime tree,
bubblewrap, the fork server's numpy import, one worker), the JAX reference
(``NetworkKind.expected``), the hidden-items note (``unchecked``), the rest of
the command (grading calls, the report), and the exit (closing the sandbox).

``--checkout DIR`` measures another checkout of gradecheck (e.g. ``git archive
REV | tar -x -C DIR``) with this Python: DIR goes first on ``PYTHONPATH``.
(With ``HYPOTHESIS_NO_PLUGINS=1``: the installed gradecheck's Hypothesis entry point may name a module
that checkout lacks.)  Every run uses a temporary ``GRADECHECK_CACHE_DIR`` of this script's own, which is also the current folder
(so that ``python -m`` does not import the checkout of the current folder first).
Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "reference" / "twelve-weights" / "solution.py"
COMMAND = ["-m", "gradecheck", "check", str(SOLUTION), "--exercise", "twelve-weights", "--no-color"]

#: Runs the check in this process with timers around the functions named; prints the timings as JSON.
_PHASES = r"""
import importlib.abc, json, sys, time
started_at = time.time()
started = time.perf_counter()
spent = {}
# module -> (class or "", function, label): wrapped with a timer right after the module is first imported,
# so that the command imports everything in its own order.
PATCHES = {
    "gradecheck._exercises": [("", "load_exercise", "load exercise")],
    "gradecheck._sandbox._submission": [("SandboxedSubmission", "_start", "sandbox start (waited for)")],
    "gradecheck._kinds.network": [("NetworkKind", "expected", "JAX reference (given values)")],
    "gradecheck._unchecked": [("", "unchecked", "hidden-items note (Hypothesis)")],
}

def timed(owner, name, label):
    original = getattr(owner, name)
    def wrapper(*args, **kwargs):
        begin = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[label] = spent.get(label, 0.0) + time.perf_counter() - begin
    setattr(owner, name, wrapper)

class Hook(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name not in PATCHES:
            return None
        for finder in sys.meta_path:
            if finder is not self and hasattr(finder, "find_spec"):
                spec = finder.find_spec(name, path, target)
                if spec is not None:
                    break
        else:
            return None
        execute = spec.loader.exec_module
        def exec_module(module):
            execute(module)
            for owner, function, label in PATCHES[name]:
                timed(getattr(module, owner) if owner else module, function, label)
        spec.loader.exec_module = exec_module
        return spec

sys.meta_path.insert(0, Hook())
from gradecheck import _cli
imported = time.perf_counter()
main = _cli.main

def measured(argv=None):
    begin = time.perf_counter()
    sys.stdout = open("/dev/null", "w")  # the report is not what is measured
    status = main(argv)
    spent["command"] = time.perf_counter() - begin
    spent["imports (click, gradecheck CLI)"] = imported - started
    print(json.dumps({"status": status, "spent": spent, "started_at": started_at, "ended_at": time.time()}), file=sys.stderr)
    sys.stderr.flush()
    return status

_cli.main = measured
sys.argv = ["gradecheck", *sys.argv[1:]]
if hasattr(_cli, "run"):  # as the gradecheck command ends
    _cli.run()
sys.exit(measured())
"""


def _environment(cache: Path, checkout: Path | None) -> dict[str, str]:
    env = dict(os.environ, GRADECHECK_CACHE_DIR=str(cache))
    if checkout is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(checkout), *filter(None, [env.get("PYTHONPATH")])])
        # The installed gradecheck's "hypothesis" entry point may name a module the other checkout lacks.
        env["HYPOTHESIS_NO_PLUGINS"] = "1"
    return env


#: CPU seconds (user + system) of the processes each _wall call ran, in the same order: less sensitive than
#: wall time to other work on a shared machine (it counts the children they waited for, the sandbox included).
CPU: list[float] = []


def _wall(command: list[str], env: dict[str, str], cwd: Path) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}:\n{(done.stdout + done.stderr)[-2000:]}")
    return wall


def _summary(times: list[float], cpu: list[float] | None = None) -> str:
    """Median, min, max of ``times`` and the median CPU time of the same runs (default: the last ``len(times)``)."""
    cpu = CPU[-len(times):] if cpu is None else cpu
    return (f"{statistics.median(times):6.3f} s  (min {min(times):.3f}, max {max(times):.3f}, n={len(times)}); "
            f"CPU {statistics.median(cpu):.3f} s")


def check_times(n: int, cache: Path, checkout: Path | None, cold: bool) -> list[float]:
    env = _environment(cache, checkout)
    times = []
    for _ in range(n):
        if cold:
            shutil.rmtree(cache / "check", ignore_errors=True)
        times.append(_wall([sys.executable, *COMMAND], env, cache))
    return times


def phases(n: int, cache: Path, checkout: Path | None, cold: bool) -> dict[str, float]:
    """Median seconds per phase of ``n`` runs (see the module docstring)."""
    env = _environment(cache, checkout)
    runs: list[dict[str, float]] = []
    for _ in range(n):
        if cold:
            shutil.rmtree(cache / "check", ignore_errors=True)
        launched = time.time()
        done = subprocess.run([sys.executable, "-c", _PHASES, *COMMAND[2:]], env=env, cwd=cache, capture_output=True, text=True)
        finished = time.time()
        report = json.loads(done.stderr.strip().splitlines()[-1])
        if report["status"] != 0:
            raise RuntimeError(f"the check failed: {report}")
        spent = report["spent"]
        row = {
            "interpreter start, site": report["started_at"] - launched,
            "imports (click, gradecheck CLI)": spent["imports (click, gradecheck CLI)"],
        }
        named = ("load exercise", "sandbox start (waited for)", "JAX reference (given values)", "hidden-items note (Hypothesis)")
        for label in named:
            row[label] = spent.get(label, 0.0)
        row["rest of the command (imports, grading calls, report)"] = spent["command"] - sum(row[label] for label in named)
        row["exit (closing the sandbox)"] = finished - report["ended_at"]
        row["total"] = finished - launched
        runs.append(row)
    return {label: statistics.median(run[label] for run in runs) for label in runs[0]}


def otter_times(n: int, python: str) -> list[float]:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_autograder import otter_test_source

    with tempfile.TemporaryDirectory(prefix="bench-otter-check-") as folder:
        work = Path(folder)
        (work / "tests").mkdir()
        (work / "tests" / "q1.py").write_text(otter_test_source(), encoding="utf-8")
        shutil.copy(SOLUTION, work / "solution.py")
        command = [python, "-m", "otter", "check", "solution.py", "-t", "tests"]
        _wall(command, dict(os.environ), work)  # untimed: caches, the kernel spec
        return [_wall(command, dict(os.environ), work) for _ in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10, help="timed runs per row (default 10)")
    parser.add_argument("--checkout", type=Path, default=None, help="measure this checkout of gradecheck instead")
    parser.add_argument("--otter-python", default=None, help="a Python with otter-grader and ipykernel (otter check row)")
    parser.add_argument("--skip-phases", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-check-cache-") as folder:
        cache = Path(folder)
        checkout = args.checkout.resolve() if args.checkout else None
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start; "
              f"gradecheck from {checkout or ROOT}")
        print(f"interpreter start alone (python -c pass): {_summary([_wall([sys.executable, '-c', 'pass'], {}, ROOT) for _ in range(args.n)])}")
        _wall([sys.executable, *COMMAND], _environment(cache, checkout), cache)  # untimed: builds the tree, fills the cache
        warm_times = check_times(args.n, cache, checkout, cold=False)
        warm_cpu = CPU[-args.n:]
        cold_times = check_times(args.n, cache, checkout, cold=True)
        print(f"gradecheck check, warm: {_summary(warm_times, warm_cpu)}")
        print(f"gradecheck check, cold: {_summary(cold_times)}")
        if args.otter_python:
            otter = otter_times(args.n, args.otter_python)
            print(f"otter check:            {_summary(otter)}")
            print(f"ratio otter check / gradecheck check (medians): warm {statistics.median(otter) / statistics.median(warm_times):.1f}x, "
                  f"cold {statistics.median(otter) / statistics.median(cold_times):.1f}x")
        else:
            print("otter check: not run (pass --otter-python, a Python with otter-grader and ipykernel)")
        if not args.skip_phases:
            warm = phases(args.n, cache, checkout, cold=False)
            cold = phases(args.n, cache, checkout, cold=True)
            print(f"\nwhere the time goes (median seconds of {args.n} runs each):")
            print(f"{'phase':<56} {'warm':>7} {'cold':>7}")
            for label in warm:
                print(f"{label:<56} {warm[label]:7.3f} {cold[label]:7.3f}")
        print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
