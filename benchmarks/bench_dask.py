"""Grading on a Dask cluster: 1 against 2 workers, and against the default process pool, on the same submissions.

Run by hand from the repository root (needs gradecheck[dask]):

    python benchmarks/bench_dask.py [--n 200]

Makes ``--n`` copies of the twelve-weights reference (every fifth one the
missing-activation-derivative mistake, so that some submissions pay the
Hypothesis search), then grades them with ``grade_batch``: on a
``distributed.LocalCluster`` of 1 and of 2 single-threaded worker processes
(cluster start not timed; one untimed warm-up submission first, so each
worker has imported JAX and started its fork server), and with the default
pool at ``jobs=1`` and ``jobs=2``.  Prints wall times and submissions per
second measured in this one run; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = (ROOT / "reference" / "twelve-weights" / "solution.py").read_text()
WRONG = (ROOT / "reference" / "twelve-weights" / "mistakes" / "missing-activation-derivative.py").read_text()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200)
    arguments = parser.parse_args()

    from distributed import Client, LocalCluster

    from gradecheck._batch import grade_batch

    work = Path(tempfile.mkdtemp(prefix="gradecheck-bench-dask-"))
    try:
        subs = work / "subs"
        subs.mkdir()
        files = []
        for k in range(arguments.n):
            path = subs / f"s{k:04d}.py"
            path.write_text(f"# {k}\n" + (WRONG if k % 5 == 4 else SOLUTION))
            files.append(path)
        warm = [files[0]]
        rows = []
        for workers in (1, 2):
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                              local_directory=str(work / "scratch")) as cluster, Client(cluster) as client:
                grade_batch("twelve-weights", warm, work / f"warm-{workers}", client=client)
                started = time.perf_counter()
                grade_batch("twelve-weights", files, work / f"dask-{workers}", client=client)
                rows.append((f"Dask LocalCluster, {workers} worker(s)", time.perf_counter() - started))
        for jobs in (1, 2):
            started = time.perf_counter()
            grade_batch("twelve-weights", files, work / f"pool-{jobs}", jobs=jobs)
            rows.append((f"default pool, jobs={jobs} (start-up included)", time.perf_counter() - started))
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {arguments.n} submissions (1 in 5 wrong)")
        print("| how | wall s | submissions/s |")
        print("|---|---:|---:|")
        for label, wall in rows:
            print(f"| {label} | {wall:.1f} | {arguments.n / wall:.1f} |")
        print(f"2 workers / 1 worker: {rows[0][1] / rows[1][1]:.2f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
