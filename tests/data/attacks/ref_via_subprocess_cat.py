# Hostile: finds the reference solution through sys.path and the editable-install finder, reads it with `cat` in a subprocess, and runs it.
"""A wrong submission (nothing of its own) that would get 15/15 from the reference's code.

The worker's audit hook sees a ``subprocess.Popen`` event, never an ``open`` of the grader's files.
The defence must make the reference invisible to the worker and to everything it starts.
Raises (no credit) when the file cannot be found or read.
"""
import glob
import os
import re
import subprocess
import sys


def _candidates():
    for entry in sys.path:
        yield os.path.join(entry, "gradecheck", "reference", "twelve-weights.py")
        yield os.path.join(entry, "reference", "twelve-weights", "solution.py")
        for finder in glob.glob(os.path.join(entry, "__editable__*gradecheck*finder.py")):
            with open(finder) as handle:
                for package in re.findall(r"'gradecheck': '([^']+)'", handle.read()):
                    yield os.path.join(package, "reference", "twelve-weights.py")
                    yield os.path.join(os.path.dirname(package), "reference", "twelve-weights", "solution.py")


source = None
for path in _candidates():
    try:
        done = subprocess.run(["cat", path], capture_output=True, timeout=5)
    except OSError:
        continue
    if done.returncode == 0 and b"def backward" in done.stdout:
        source = done.stdout.decode()
        break
if source is None:
    raise RuntimeError("hostile: the reference solution was not found or could not be read")
exec(source)
