# Hostile: replaces its output file by a symlink to /dev/zero, so the grader reads its "output" without end.
"""Honest part: none (it raises after the swap).

Today the grader's read grows until its memory runs out (the test runs the batch under an
address-space cap, so this ends in a MemoryError rather than the machine's out-of-memory killer).
The defence: the grader never follows the worker's symlinks and reads at most a bounded tail.
"""
import os

os.unlink("output.txt")
os.symlink("/dev/zero", "output.txt")
raise RuntimeError("hostile: output.txt now points at /dev/zero")
