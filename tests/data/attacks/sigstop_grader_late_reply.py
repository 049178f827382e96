# Hostile: on its first backward call, SIGSTOPs the grading process, takes longer than the time limit, then SIGCONTs it and answers: the late reply is read as if on time.
"""Honest part: the forward (1.5/15): the backward is correct but slower than the limit, so it
must time out.  The grading process is the nearest ancestor that is not the fork server.
A helper process sends SIGCONT after SLOW_SECONDS + 2 s in any case, so nothing stays stopped.
The defence: the grader's processes are not visible or not signalable, and a stopped grader's
wall time still counts (the deadline is checked after every read).
"""
import os
import signal
import time

import numpy as np

SLOW_SECONDS = 14.0  # longer than the whole time budget of the harness's batch (--timeout 12: 12 s for all calls)
_calls = []


def _grader():
    pid = os.getpid()
    for _ in range(4):
        try:
            with open(f"/proc/{pid}/stat", "rb") as handle:
                pid = int(handle.read().rsplit(b")", 1)[1].split()[1])
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                if not any(name in handle.read() for name in (b"_zygote_main", b"forkserver.py")):
                    return pid
        except (OSError, ValueError, IndexError):
            return None
    return None


def forward(weights, inputs, biases):
    W = np.asarray(weights, dtype=float).reshape(3, 4)
    return 1.0 / (1.0 + np.exp(-(W @ inputs + biases)))


def backward(weights, inputs, biases, upstream):
    if not _calls:
        _calls.append(1)
        grader = _grader()
        stopped = False
        if grader is not None:
            if os.fork() == 0:  # the safety net: resume the grader whatever happens to us
                time.sleep(SLOW_SECONDS + 2)
                try:
                    os.kill(grader, signal.SIGCONT)
                finally:
                    os._exit(0)
            try:
                os.kill(grader, signal.SIGSTOP)
                stopped = True
            except OSError:
                pass
        time.sleep(SLOW_SECONDS)
        if stopped:
            os.kill(grader, signal.SIGCONT)
    W = np.asarray(weights, dtype=float).reshape(3, 4)
    a = forward(weights, inputs, biases)
    d_z = upstream * a * (1.0 - a)
    return np.outer(d_z, inputs).reshape(12), d_z, W.T @ d_z
