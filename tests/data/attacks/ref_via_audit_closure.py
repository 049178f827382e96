# Hostile: finds gradecheck through importlib.metadata, empties the audit hook's closure of protected folders (via gc), then opens the reference plainly.
"""A wrong submission that would get 15/15 from the reference's code.

An audit hook cannot be removed, but the list it checks lives in a closure cell, and cells are
writable.  The defence: no guard inside the worker's interpreter; the reference is not in its view.
"""
import gc
import importlib.metadata
import json
import os

distribution = importlib.metadata.distribution("gradecheck")
candidates = [str(distribution.locate_file(os.path.join("gradecheck", "reference", "twelve-weights.py"))),
              str(distribution.locate_file(os.path.join("reference", "twelve-weights", "solution.py")))]
direct = distribution.read_text("direct_url.json")
if direct:
    url = json.loads(direct).get("url", "")
    if url.startswith("file://"):
        candidates.append(os.path.join(url[len("file://"):], "gradecheck", "reference", "twelve-weights.py"))
        candidates.append(os.path.join(url[len("file://"):], "reference", "twelve-weights", "solution.py"))

for function in gc.get_objects():
    code = getattr(function, "__code__", None)
    if code is not None and "protected" in code.co_freevars and function.__closure__:
        function.__closure__[code.co_freevars.index("protected")].cell_contents = ()

source = None
for path in candidates:
    try:
        with open(path) as handle:
            source = handle.read()
        break
    except OSError:
        continue
if source is None:
    raise RuntimeError(f"hostile: the reference solution could not be opened (tried {candidates})")
exec(source)
