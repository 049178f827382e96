"""Which source :func:`gradecheck.notebook.check` grades, taken from a running IPython kernel.

The kernel is the student's own process: nothing in it (functions, variables)
is graded, only source code, which the grading path runs afresh in its
sandbox.  Two sources, in this order:

1. **The saved notebook file**, when it is known: the ``notebook=`` argument,
   or what the front end tells the kernel (``$JPY_SESSION_NAME``, set by
   Jupyter Server for the kernel of a notebook; ``__session__`` or VS Code's
   ``__vsc_ipynb_file__`` in the user namespace).  This is exactly what
   ``gradecheck grade`` grades (every code cell from top to bottom, cells
   tagged ``gradecheck-skip`` left out), so the self-check agrees with the
   grade.  Edits not saved yet are not in it: when the cell run last before
   the check is not in the file, a note says so.
2. **The kernel's history** otherwise (``In[1]``, ``In[2]``, ... in the order
   they ran, the checking cell itself left out): the code that made the
   kernel's state, replayed in a fresh process.  A cell deleted since it ran
   still counts and a cell that raised raises again, so a note says that the
   grader grades the saved notebook instead.  Cells that do not compile and
   cells that import gradecheck (the checking, not the solution) are left out,
   each with a note.

Either way, the result says which source was graded.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from gradecheck._errors import SubmissionError
from gradecheck._submissions import _code_parts, imports_gradecheck, read_submission_file, submission_from_bytes

__all__ = ["GradedSource", "from_file", "from_history", "notebook_path"]

#: Where front ends tell a kernel which notebook it runs: an environment variable, then user-namespace names.
SESSION_ENV = "JPY_SESSION_NAME"
SESSION_NAMES = ("__session__", "__vsc_ipynb_file__")


@dataclasses.dataclass(frozen=True)
class GradedSource:
    """A submission for the grading path: ``data`` as the bytes of a file called ``name``.

    Attributes:
        name: the file name (its extension, ``.ipynb``, picks the reader).
        data: the notebook's bytes.
        description: which source this is, in words, for the learner.
        exercise: the exercise id recorded in the notebook's metadata, or ``None``.
        notes: what the learner should know about this source (left-out cells, unsaved edits).
    """

    name: str
    data: bytes
    description: str
    exercise: str | None
    notes: tuple[str, ...] = ()


def notebook_path(user_ns: Mapping[str, Any], environ: Mapping[str, str] = os.environ) -> Path | None:
    """The saved notebook file of this kernel as its front end told it, or ``None`` when unknown.

    A relative path is taken from the current folder (a kernel starts in its
    notebook's folder), and then by its last part alone.
    """
    candidates = [environ.get(SESSION_ENV)] + [user_ns.get(name) for name in SESSION_NAMES]
    for candidate in candidates:
        if not isinstance(candidate, str) or not candidate.endswith(".ipynb"):
            continue
        path = Path(candidate).expanduser()
        for option in (path, Path(path.name)):
            if option.is_file():
                return option.resolve()
    return None


def from_file(path: str | os.PathLike[str], history: Sequence[str] = ()) -> GradedSource:
    """The saved notebook at ``path``, read as the grader reads it; ``history`` is the kernel's raw inputs
    (``In``; the checking cell last), to say when the cell run last is not saved yet.

    Raises:
        SubmissionError: the file cannot be read as a notebook (the message says what to do).
    """
    path = Path(path)
    if path.suffix.lower() != ".ipynb":
        raise SubmissionError(f"notebook: expected the path of a saved .ipynb file, found {os.fspath(path)!r}.")
    data = read_submission_file(path)
    submission = submission_from_bytes(path.name, data)
    notes = []
    last = _last_solution_input(history)
    if last is not None:
        saved = _saved_code(data)
        number, text = last
        if text.strip() not in saved:
            notes.append(
                f"The cell you ran last (In[{number}]) is not in the saved notebook: it has unsaved edits, or was "
                f"deleted. This check graded the saved file, as the grader will: save the notebook (Ctrl+S, or "
                f"File > Save) and check again to include your latest edits."
            )
    return GradedSource(
        name=path.name,
        data=data,
        description=f"the saved notebook {path} (every code cell from the top, as the grader runs it)",
        exercise=submission.exercise,
        notes=tuple(notes),
    )


def from_history(history: Sequence[str], exercise: str | None = None) -> GradedSource:
    """The kernel's history as a notebook: cell ``k`` holds ``In[k]`` (``history[0]`` is IPython's empty
    ``In[0]``; the last entry, the checking cell, is left out), with ``exercise`` in its metadata."""
    notes: list[str] = []
    cells = []
    for number, text in enumerate(history[1:-1], 1):
        keep, why = _usable(text)
        if keep:
            cells.append(new_code_cell(text))
        else:
            cells.append(new_markdown_cell(""))
            if why:
                notes.append(f"left out In[{number}]: {why}")
    kept = sum(cell.cell_type == "code" for cell in cells)
    metadata = {"gradecheck": {"exercise": exercise}} if exercise else {}
    notebook = new_notebook(cells=cells, metadata=metadata)
    notes.insert(
        0,
        f"This kernel does not know its notebook file, so this check graded the {kept} cell(s) it ran, in the order "
        f"they ran (cell N of the report is In[N]), in a fresh process. A cell deleted since it ran still counts "
        f"here, and a cell that raised an error raises again. The grader grades your saved notebook from the top: "
        f"to check exactly that, pass notebook='NAME.ipynb'.",
    )
    return GradedSource(
        name="kernel-history.ipynb",
        data=nbformat.writes(notebook).encode("utf-8"),
        description=f"this kernel's history (In[1] to In[{len(history) - 2}], in the order they ran)",
        exercise=exercise,
        notes=tuple(notes),
    )


def _usable(text: str) -> tuple[bool, str]:
    """Whether an input of the history is part of the solution, and if not why (``""``: nothing to say)."""
    if not text.strip():
        return False, ""
    notes: list[str] = []
    parts = _code_parts([{"cell_type": "code", "metadata": {}, "source": text}], notes)[0]
    if not parts:
        return False, ""  # only IPython commands (magics, shell escapes): nothing the grader runs
    python = parts[0]
    try:
        compile(python, "<cell>", "exec")
    except SyntaxError as error:
        return False, f"it does not compile ({error.msg}, line {error.lineno}), so it cannot have defined anything"
    if imports_gradecheck(python):
        return False, "it uses gradecheck (checking, not your solution)"
    return True, ""


def _last_solution_input(history: Sequence[str]) -> tuple[int, str] | None:
    """The last input before the checking cell that is code and not checking: ``(number, text)``."""
    for number in range(len(history) - 2, 0, -1):
        text = history[number]
        if _usable(text)[0]:
            return number, text
    return None


def _saved_code(data: bytes) -> set[str]:
    try:
        notebook = nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception:  # the reader already accepted it; be safe anyway
        return set()
    return {str(cell.source).strip() for cell in notebook.cells if cell.cell_type == "code"}
