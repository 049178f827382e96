# Hostile: SIGSTOPs its parent, the worker fork server, so that the grader's next request to it never returns and the batch hangs.
"""Honest part: none (it raises at once).

A helper process (in a session of its own, so the worker's group kill misses it) sends SIGCONT
after 30 s, so nothing stays stopped for ever.  The defence: every request to the fork server has
a timeout, and the worker cannot signal its parent (a PID namespace, or another uid).
"""
import os
import signal
import time

parent = os.getppid()
if os.fork() == 0:
    try:
        os.setsid()
        time.sleep(30)
        os.kill(parent, signal.SIGCONT)
    finally:
        os._exit(0)
try:
    os.kill(parent, signal.SIGSTOP)
    outcome = f"stopped process {parent}"
except OSError as error:
    outcome = f"could not stop process {parent}: {error}"
raise RuntimeError(f"hostile: {outcome}")
