"""Grade a batch the way ``gradecheck grade EXERCISE FILES --out DIR`` does, in a process of its own.

Run by tests/test_isolation_attacks.py as
``python tests/attack_batch.py EXERCISE --out DIR [--jobs N] [--timeout S] [--isolation MODE]
[--resume] [--html] [--max-memory BYTES] -- FILE...``.  Its command line has the shape of the real
CLI's, so attacks that look for ``--out`` in ``/proc/<pid>/cmdline`` find it, and an attack that
kills the batch kills this process, never the test runner.  ``--max-memory`` caps the address space
of this process and of the grading processes it starts (a safety net: a grader that reads
``/dev/zero`` without end gets a MemoryError instead of the machine's out-of-memory killer).

Prints one JSON line (``graded``, ``skipped``) when the batch returns; an exception propagates
(traceback on stderr, status 1), as it would from the CLI.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("exercise")
    parser.add_argument("files", nargs="+")
    parser.add_argument("--out", required=True)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--isolation", default=None, help="passed to grade_batch only when given")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--html", action="store_true")
    parser.add_argument("--max-memory", type=int, default=None)
    args = parser.parse_args(argv)
    if args.max_memory:
        resource.setrlimit(resource.RLIMIT_AS, (args.max_memory, args.max_memory))

    from gradecheck._batch import grade_batch

    options = {} if args.isolation is None else {"isolation": args.isolation}
    summary = grade_batch(
        args.exercise,
        [Path(name) for name in args.files],
        Path(args.out),
        jobs=args.jobs,
        timeout=args.timeout,
        resume=args.resume,
        html=args.html,
        **options,
    )
    print(json.dumps({"graded": summary.graded, "skipped": summary.skipped}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
