"""Hostile: forks four busy children at import, then hangs; the grader must kill the whole process group.

Bounded so the test machine stays safe: four forks, each child gives up after 30 s of wall time.
"""
import os
import time

for _ in range(4):
    if os.fork() == 0:
        end = time.monotonic() + 30
        while time.monotonic() < end:
            pass
        os._exit(0)

while True:
    time.sleep(1)
