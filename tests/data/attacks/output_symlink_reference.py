# Hostile: replaces its output file (output.txt in its folder) by a symlink to the reference solution, which the grader then shows in its feedback as "what the submission printed".
"""Honest part: none (it raises after the swap).

The defence: printed output reaches the grader through a pipe, or a file it opens without
following symlinks; and the reference is not in the worker's view to point at.
"""
import glob
import os
import re
import sys

found = None
for entry in sys.path:
    for tail in (("gradecheck", "reference", "twelve-weights.py"), ("reference", "twelve-weights", "solution.py")):
        found = found or next(iter(glob.glob(os.path.join(entry, *tail))), None)
    for finder in glob.glob(os.path.join(entry, "__editable__*gradecheck*finder.py")):
        with open(finder) as handle:
            for package in re.findall(r"'gradecheck': '([^']+)'", handle.read()):
                for candidate in (os.path.join(package, "reference", "twelve-weights.py"),
                                  os.path.join(os.path.dirname(package), "reference", "twelve-weights", "solution.py")):
                    found = found or (candidate if os.path.exists(candidate) else None)
if found is None:
    raise RuntimeError("hostile: the reference solution was not found")
os.unlink("output.txt")
os.symlink(found, "output.txt")
raise RuntimeError("hostile: output.txt now points at the reference solution")
