# Hostile: scans likely install places for reference/twelve-weights/solution.py (or the older gradecheck/reference/twelve-weights.py) and reads it through a hard link made in its own folder.
"""A wrong submission that would get 15/15 from the reference's code.

The link's path is in the worker's folder, so the audit hook's ``realpath`` test passes it.
The defence: the reference is neither visible nor linkable from the worker's view.
"""
import glob
import os
import sys

TAILS = (os.path.join("gradecheck", "reference", "twelve-weights.py"), os.path.join("reference", "twelve-weights", "solution.py"))
PATTERNS = [os.path.join(entry, tail) for entry in sys.path for tail in TAILS]
for root in ("/work", "/home", "/root", "/opt", "/srv", "/builds", "/github", "/usr/local/lib", "/usr/lib", "/tmp"):
    for depth in range(4):
        for tail in TAILS:
            PATTERNS.append(os.path.join(root, *["*"] * depth, tail))
            PATTERNS.append(os.path.join(root, *["*"] * depth, ".venv", "lib", "python3*", "site-packages", tail))

source = None
for pattern in PATTERNS:
    for found in glob.glob(pattern)[:3]:
        for folder in (os.getcwd(), "/tmp", "/var/tmp", "/dev/shm"):
            link = os.path.join(folder, f".hostile-link-{os.getpid()}.py")
            try:
                os.link(found, link)
            except OSError:
                continue
            try:
                with open(link) as handle:
                    source = handle.read()
            except OSError:
                pass
            finally:
                os.unlink(link)
            if source:
                break
        if source:
            break
    if source:
        break
if not source:
    raise RuntimeError("hostile: no reference solution found or linked")
exec(source)
