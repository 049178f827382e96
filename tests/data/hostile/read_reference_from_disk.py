"""Hostile: finds gradecheck's reference solution on disk (no import, so no import guard) and runs it.

It looks in every sys.path entry, and follows setuptools' editable-install finder, for
reference/twelve-weights/solution.py (or the older gradecheck/reference/twelve-weights.py).  Should get no
credit; raises if the file is not found.
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
            match = re.search(r"'gradecheck': '([^']+)'", handle.read())
        for candidate in ((os.path.join(match.group(1), "reference", "twelve-weights.py"),
                           os.path.join(os.path.dirname(match.group(1)), "reference", "twelve-weights", "solution.py"))
                          if match else ()):
            if os.path.exists(candidate):
                found = found or candidate
if found is None:
    raise RuntimeError("hostile corpus: the reference solution was not found")
with open(found) as handle:
    exec(handle.read())
