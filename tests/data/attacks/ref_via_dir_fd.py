# Hostile: takes the import guard off sys.meta_path, asks importlib.util.find_spec('gradecheck') where the package is, and opens the reference with os.open(..., dir_fd=...).
"""A wrong submission that would get 15/15 from the reference's code.

``find_spec`` answers without importing anything, and a path relative to a directory descriptor
does not look like the grader's files to the audit hook's ``realpath`` test.  The defence: there
is no gradecheck package in the worker's view, so there is nothing to find or open.
"""
import importlib.util
import os
import sys

sys.meta_path[:] = [finder for finder in sys.meta_path if "Forbidden" not in type(finder).__name__]
spec = importlib.util.find_spec("gradecheck")
if spec is None or not spec.submodule_search_locations:
    raise RuntimeError("hostile: find_spec did not find gradecheck")
package = list(spec.submodule_search_locations)[0]
folder = os.open(os.path.dirname(package), os.O_RDONLY | os.O_DIRECTORY)
try:
    try:
        fd = os.open(os.path.join("reference", "twelve-weights", "solution.py"), os.O_RDONLY, dir_fd=folder)
    except FileNotFoundError:
        fd = os.open(os.path.join(os.path.basename(package), "reference", "twelve-weights.py"), os.O_RDONLY, dir_fd=folder)
finally:
    os.close(folder)
with os.fdopen(fd, "r") as handle:
    exec(handle.read())
