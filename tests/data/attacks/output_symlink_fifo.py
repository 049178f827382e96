# Hostile: replaces its output file by a symlink to a FIFO that nobody writes, so the grader blocks for ever opening it.
"""Honest part: none (it raises after the swap).

A thread opens the FIFO for writing after 30 s, so the grader is released in the end.
The defence: the grader never opens a path the worker controls (a pipe, or a file opened with
O_NOFOLLOW | O_NONBLOCK and checked to be a regular file).
"""
import os
import threading
import time


def _release():
    time.sleep(30)
    try:
        os.close(os.open("pipe", os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        pass


os.mkfifo("pipe")
os.unlink("output.txt")
os.symlink(os.path.abspath("pipe"), "output.txt")
threading.Thread(target=_release, daemon=True).start()
raise RuntimeError("hostile: output.txt now points at a FIFO")
