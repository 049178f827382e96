"""Submission files: turn a student's ``.py`` or ``.ipynb`` into Python source.

Nothing here executes the submission.  A ``.py`` file is decoded as UTF-8 and
returned unchanged.  A notebook is parsed with nbformat (older formats are
upgraded to v4) and its code cells are joined in order, each preceded by a
``# --- cell N ---`` line (N counts all cells from 1, markdown included) so
that a traceback line can be traced back to its cell.  IPython-only syntax,
which is not Python, is removed and every removal is recorded in
:attr:`Submission.notes`.  A code cell that imports gradecheck is the
learner's self-check (``gradecheck.notebook.check()``), which the sandbox
could not run: it is left out, like a cell tagged ``gradecheck-skip``, and so is
a later cell that uses a name it bound (``gn.check(hidden=True)``); a note says
so when such a cell also defines something.

Exercise templates are notebooks whose metadata carries
``{"gradecheck": {"exercise": ID, "version": VERSION}}``; :func:`write_template`
writes them and :func:`read_submission` reads the exercise id back.
"""

from __future__ import annotations

import ast
import codecs
import dataclasses
import json
import os
import re
import shlex
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from gradecheck._errors import InvalidArgumentError, SubmissionError
from gradecheck._safe_files import RefusedFile, describe_size, read_regular_file
from gradecheck._text import first_line, shorten

if TYPE_CHECKING:  # nbformat (and its JSON schema validator) is imported where a notebook is read or written
    import nbformat

__all__ = [
    "DEFAULT_MAX_BYTES",
    "SKIP_TAG",
    "Submission",
    "imports_note",
    "read_submission",
    "read_submission_file",
    "submission_from_bytes",
    "template_notebook",
    "write_template",
]

#: The template's last cell: the self-check from inside the notebook (left out of the graded source: it imports gradecheck).
CHECK_CELL = "import gradecheck.notebook as gn\n\ngn.check()"
#: A code cell whose metadata tags contain this is left out of the source.
SKIP_TAG = "gradecheck-skip"
#: The largest submission file read (bytes): 4 MiB, far above any notebook of code with its outputs cleared.
DEFAULT_MAX_BYTES = 4 * 1024 * 1024

_KINDS = {".py": "py", ".ipynb": "ipynb"}
_ACCEPTED = "a Python script (.py) or a Jupyter notebook (.ipynb)"
# ``# gradecheck: exercise=<id>`` on a whole line near the top of a .py file.
_HEADER_LINES = 10
_EXERCISE_COMMENT = re.compile(r"#\s*gradecheck:\s*exercise\s*=\s*(\S+)\s*")
_GRADECHECK_COMMENT = re.compile(r"#\s*gradecheck:")
# Python's own line breaks (str.splitlines also splits on \f, \x1c, \u2028, ...).
_NEWLINE = re.compile(r"\r\n|\r|\n")
# IPython's ``files = !ls`` and ``out = %timeit -o f()``; the left side as IPython accepts it.
_ASSIGNMENT = re.compile(r"[^\W\d][\w.]*(?:\s*,\s*[^\W\d][\w.]*)*\s*=\s*[!%]")
_NOTE_WIDTH = 80
#: Cell magics whose cell is Python that IPython runs once: grading runs it, without the magic.
_PYTHON_CELL_MAGICS = ("time", "capture", "prun")


@dataclasses.dataclass(frozen=True)
class Submission:
    """A submission file turned into Python source, ready to run elsewhere.

    Attributes:
        path: the file name as given.
        kind: ``"py"`` or ``"ipynb"``.
        source: the Python source to run.  For a notebook: its code cells in
            order, each preceded by ``# --- cell N ---`` (N is 1-based among
            all cells) and separated by a blank line, IPython-only lines
            replaced by ``pass`` at the same indentation.
        exercise: the exercise id (notebook metadata ``gradecheck.exercise``,
            or a ``# gradecheck: exercise=<id>`` comment in the first lines of a
            ``.py`` file), or ``None``.
        notes: human-readable notes on what was removed, skipped or ignored.
        student: the student id a per-student template was written for
            (notebook metadata ``gradecheck.student``), or ``None``.  Written
            by the student's own file, so it is never trusted to choose a
            variant: it only tells a copied notebook (another student's id).
    """

    path: str
    kind: str
    source: str
    exercise: str | None
    notes: tuple[str, ...] = ()
    student: str | None = None


def read_submission(path: str | os.PathLike[str], data: bytes | None = None) -> Submission:
    """Read the submission at ``path`` (or use ``data`` as its content) without running it.

    The file is read with :func:`read_submission_file` (a regular file of at
    most :data:`DEFAULT_MAX_BYTES`).  Raises :class:`SubmissionError` when the
    file is missing, unreadable, not a regular file or too large, has an
    extension other than ``.py``/``.ipynb``, is not UTF-8, or is a notebook
    that cannot be read or holds no code.
    """
    name = os.fspath(path)
    _kind_of(name)
    if data is None:
        data = read_submission_file(name)
    return submission_from_bytes(name, data)


def read_submission_file(
    path: str | os.PathLike[str],
    max_bytes: int = DEFAULT_MAX_BYTES,
    *,
    roots: Sequence[str | os.PathLike[str]] | None = None,
) -> bytes:
    """The bytes of the submission file at ``path``, read once and safely; nothing is parsed or run.

    Only a regular ``.py`` or ``.ipynb`` file of at most ``max_bytes`` bytes is
    read (see :func:`gradecheck._safe_files.read_regular_file`: a named pipe, a
    device, a socket or a folder is refused before any read, and so is a larger
    file).  A symbolic link is followed when ``roots`` is ``None`` (the caller
    named this path) or when its target, fully resolved, lies inside one of
    ``roots`` (folders, or files, given to grade); any other link is refused.

    Raises :class:`SubmissionError` with a message saying what was found and
    what to do.
    """
    name = os.fspath(path)
    _kind_of(name)
    target = _follow_link(name, roots)
    try:
        return read_regular_file(target, max_bytes)
    except RefusedFile as refused:
        raise SubmissionError(_refusal(name, target, refused, max_bytes)) from None


def _follow_link(name: str, roots: Sequence[str | os.PathLike[str]] | None) -> str:
    """``name``, or the resolved target of the symbolic link ``name`` where it may be followed."""
    try:
        if not os.path.islink(name):
            return name
    except OSError:
        return name  # read_regular_file says why it cannot be read
    target = os.path.realpath(name)
    if roots is not None and not any(_inside(target, root) for root in roots):
        raise SubmissionError(
            f"{name!r} is a symbolic link to {target!r}, outside the folders and files given to grade; it was "
            "not read or graded. Submit the file itself, not a link to it."
        )
    return target


def _inside(target: str, root: str | os.PathLike[str]) -> bool:
    base = os.path.realpath(root)
    return target == base or target.startswith(base.rstrip(os.sep) + os.sep)


def _refusal(name: str, target: str, refused: RefusedFile, max_bytes: int) -> str:
    """The message for a submission file that :func:`read_regular_file` refused."""
    link = f" (a symbolic link to {target!r})" if target != name else ""
    if refused.kind == "missing":
        return f"no such file: {name!r}{link}; check the path and the file name."
    if refused.kind == "unreadable":
        return f"cannot read {name!r}{link}: {refused.reason}; check that the file exists and is readable."
    if refused.kind == "too-large":
        size = refused.size or 0
        exact = f" ({size:,} bytes)" if size >= 1024 else ""
        return (
            f"{name!r}{link} is {describe_size(size)}{exact}, over the {describe_size(max_bytes)} limit "
            f"on a submission's size; it was not read or graded. Submit the .py or .ipynb file itself, with large "
            f"outputs cleared (in Jupyter: Edit > Clear All Outputs). Instructors can raise the limit with "
            f"'gradecheck grade --max-size' (grade_batch(..., max_bytes=...))."
        )
    if refused.reason.startswith("a folder"):
        return f"{name!r}{link} is a folder; give the path of a .py or .ipynb file instead."
    return f"{name!r}{link} is {refused.reason}; it was not read or graded. Submit the .py or .ipynb file itself."


def submission_from_bytes(name: str, data: bytes) -> Submission:
    """Turn the bytes of a file called ``name`` into a :class:`Submission`.

    A pure function of ``name`` (its extension chooses the format) and
    ``data``.  Raises :class:`SubmissionError` as :func:`read_submission`.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise InvalidArgumentError(
            f"data: expected the file's bytes (bytes), found {type(data).__name__}; "
            "read the file in binary mode or encode the text as UTF-8."
        )
    kind = _kind_of(name)
    text = _decode(name, bytes(data))
    if kind == "py":
        exercise, notes = _exercise_from_comment(text)
        return Submission(path=name, kind="py", source=text, exercise=exercise, notes=tuple(notes))
    return _from_notebook(name, text)


def template_notebook(
    *,
    exercise: str,
    version: str,
    title: str,
    statement: str,
    starter_code: str,
    check_command: str | None = None,
    allowed_packages: Sequence[str] | None = None,
    forbidden_imports: Sequence[str] | None = None,
    student: str | None = None,
) -> nbformat.NotebookNode:
    """Build an exercise template: an nbformat v4 notebook with four cells.

    Cells: markdown ``# title`` and the statement (the statement alone when
    it starts with a level-1 heading of its own), followed, when
    ``allowed_packages`` or ``forbidden_imports`` is given, by what the
    learner may import (:func:`imports_note`); a code cell with the starter
    code; markdown telling the learner to run the next cell or
    ``check_command`` (default ``gradecheck check <this notebook>``); a code
    cell :data:`CHECK_CELL` (``gn.check()``, which the grader leaves out).  Metadata:
    ``{"gradecheck": {"exercise": exercise, "version": version}, "kernelspec": python3}``,
    with ``"student": student`` in the ``gradecheck`` block for a student's own
    variant.  Cell ids are fixed, so the same arguments always give the same file.
    """
    for argument, value in (("exercise", exercise), ("version", version)):
        if not isinstance(value, str) or not value or value != value.strip() or any(c.isspace() for c in value):
            raise InvalidArgumentError(
                f"{argument}: expected a non-empty string without spaces, found {value!r}."
            )
    for argument, value in (("title", title), ("statement", statement), ("starter_code", starter_code)):
        if not isinstance(value, str):
            raise InvalidArgumentError(f"{argument}: expected a string, found {type(value).__name__}.")
    if student is not None and (not isinstance(student, str) or not student.strip()):
        raise InvalidArgumentError(f"student: expected a non-empty student id, found {student!r}.")
    block = {"exercise": exercise, "version": version}
    if student is not None:
        block["student"] = student.strip()
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    command = "gradecheck check <this notebook>" if check_command is None else check_command
    notebook = new_notebook(
        metadata={
            "gradecheck": block,
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        }
    )
    check_text = (
        "## Check your work\n\n"
        "Save this notebook and run the cell below: it shows which checks pass and what to fix "
        "(`gn.check(hidden=True)` also runs the grade's hidden checks). "
        "Or run this command in a terminal, in the folder that holds the notebook:\n\n"
        f"```\n{command}\n```\n\n"
        "It tells you which checks pass and what to fix."
    )
    intro = statement.strip() if _has_own_title(statement) else f"# {title}\n\n{statement}".rstrip()
    if allowed_packages is not None or forbidden_imports is not None:
        intro += "\n\n" + imports_note(allowed_packages or (), forbidden_imports or ())
    notebook.cells = [
        new_markdown_cell(intro, id="gradecheck-statement"),
        new_code_cell(starter_code, id="gradecheck-starter"),
        new_markdown_cell(check_text, id="gradecheck-check"),
        new_code_cell(CHECK_CELL, id="gradecheck-check-cell"),
    ]
    nbformat.validate(notebook)
    return notebook


def _has_own_title(statement: str) -> bool:
    """Whether the statement's first line is a level-1 Markdown heading (then it is the notebook's title)."""
    first = next((line.strip() for line in _NEWLINE.split(statement) if line.strip()), "")
    return first.startswith("# ")


def imports_note(allowed_packages: Sequence[str], forbidden_imports: Sequence[str]) -> str:
    """What a learner may import, as Markdown: for the template notebook and the statement.

    Names the standard library, numpy and ``allowed_packages``; says that
    plotting (matplotlib, seaborn), progress bars (tqdm), ``display()`` and
    IPython magics are fine but do nothing while grading; lists
    ``forbidden_imports``, which cost all credit.
    """
    allowed = ["numpy", *[name for name in allowed_packages if name != "numpy"]]
    names = ", ".join(f"`{name}`" for name in allowed)
    text = (
        "### What you may import\n\n"
        f"Python's standard library and {names}. Plots (`matplotlib`, `seaborn`), progress bars (`tqdm`), "
        "`display(...)`, `%matplotlib inline` and other IPython magics are fine in your notebook: they do nothing "
        "while your work is graded and cost no credit."
    )
    if forbidden_imports:
        text += (
            f" Importing {', '.join(f'`{name}`' for name in forbidden_imports)} is not allowed here (the point is to "
            "write the backward pass by hand): a submission that does gets no credit."
        )
    return text


def write_template(
    path: str | os.PathLike[str],
    *,
    exercise: str,
    version: str,
    title: str,
    statement: str,
    starter_code: str,
    check_command: str | None = None,
    allowed_packages: Sequence[str] | None = None,
    forbidden_imports: Sequence[str] | None = None,
    student: str | None = None,
) -> None:
    """Write :func:`template_notebook` to ``path`` (overwriting it).

    The default check command names the file: ``gradecheck check NAME.ipynb``.
    Raises :class:`InvalidArgumentError` when ``path`` does not end in
    ``.ipynb`` or its folder does not exist.
    """
    target = Path(path)
    if target.suffix.lower() != ".ipynb":
        raise InvalidArgumentError(
            f"path: a template is a notebook and its name must end in .ipynb, found {os.fspath(path)!r}."
        )
    folder = target.parent
    if not folder.is_dir():
        raise InvalidArgumentError(
            f"path: cannot write {os.fspath(path)!r}: the folder {str(folder)!r} does not exist; create it first."
        )
    if check_command is None:
        check_command = f"gradecheck check {shlex.quote(target.name)}"
    notebook = template_notebook(
        exercise=exercise,
        version=version,
        title=title,
        statement=statement,
        starter_code=starter_code,
        check_command=check_command,
        allowed_packages=allowed_packages,
        forbidden_imports=forbidden_imports,
        student=student,
    )
    import nbformat

    nbformat.write(notebook, os.fspath(target))


# --- reading ---------------------------------------------------------------


def _kind_of(name: str) -> str:
    suffix = os.path.splitext(name)[1]
    kind = _KINDS.get(suffix.lower())
    if kind is None:
        found = f"a {suffix} file" if suffix else "a file without an extension"
        raise SubmissionError(
            f"{name!r}: cannot grade {found}; expected {_ACCEPTED}. "
            "Save or export your work in one of these formats and submit that file."
        )
    return kind


def _decode(name: str, data: bytes) -> str:
    body = data[len(codecs.BOM_UTF8):] if data.startswith(codecs.BOM_UTF8) else data
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        offset = len(data) - len(body) + error.start
        line = data.count(b"\n", 0, offset) + 1
        raise SubmissionError(
            f"{name!r} is not valid UTF-8: byte 0x{data[offset]:02x} at byte offset {offset} (line {line}) "
            f"cannot be decoded ({error.reason}). Save the file with UTF-8 encoding and submit it again."
        ) from None


def _exercise_from_comment(text: str) -> tuple[str | None, list[str]]:
    notes: list[str] = []
    for number, line in enumerate(_NEWLINE.split(text)[:_HEADER_LINES], 1):
        stripped = line.strip()
        match = _EXERCISE_COMMENT.fullmatch(stripped)
        if match:
            return match.group(1), notes
        if _GRADECHECK_COMMENT.match(stripped):
            notes.append(
                f"ignored line {number}: {_shorten(stripped)} (expected '# gradecheck: exercise=<id>')"
            )
    return None, notes


def _from_notebook(name: str, text: str) -> Submission:
    import nbformat

    not_notebook = f"{name!r} is not a valid notebook"
    if not text.strip():
        raise SubmissionError(
            f"{not_notebook}: the file is empty. Save your notebook in Jupyter (File > Save) and submit it again."
        )
    try:
        raw = json.loads(text)
    except RecursionError:
        raise SubmissionError(_too_deep(not_notebook)) from None
    except json.JSONDecodeError as error:
        hint = (
            " If it is a Python script, name it .py instead."
            if error.pos == len(text) - len(text.lstrip())
            else ""
        )
        raise SubmissionError(
            f"{not_notebook}: invalid JSON at line {error.lineno} column {error.colno} ({error.msg}). "
            f"The file may be truncated or damaged: save it again from Jupyter and resubmit.{hint}"
        ) from None
    if not isinstance(raw, dict) or "nbformat" not in raw:
        found = "a JSON object without an 'nbformat' field" if isinstance(raw, dict) else _json_type(raw)
        raise SubmissionError(
            f"{not_notebook}: expected a Jupyter notebook (a JSON object with 'nbformat' and 'cells'), "
            f"found {found}. Submit the .ipynb file that Jupyter saves."
        )
    major = raw["nbformat"]
    if type(major) is not int or major not in nbformat.versions:
        raise SubmissionError(
            f"{not_notebook}: notebook format version {major!r} is not supported (expected one of "
            f"{', '.join(map(str, sorted(nbformat.versions)))}). Save it again from a current Jupyter and resubmit."
        )
    captured: dict[str, Exception] = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            notebook = nbformat.reads(text, as_version=4, capture_validation_error=captured)
        except (nbformat.ValidationError, nbformat.NBFormatError) as error:
            raise SubmissionError(
                f"{not_notebook}: {_error_text(error)}. Save it again from Jupyter and resubmit."
            ) from None
        except RecursionError:
            raise SubmissionError(_too_deep(not_notebook)) from None
        except (AttributeError, KeyError, TypeError, ValueError) as error:
            # nbformat's converters assume the documented structure and fail inside on anything else.
            raise SubmissionError(
                f"{not_notebook}: its structure does not match the notebook format "
                f"({type(error).__name__}: {error}). Save it again from Jupyter and resubmit."
            ) from None
    notes = [f"notebook format warning (ignored): {_shorten(str(w.message))}" for w in caught]
    if "ValidationError" in captured:
        notes.append(
            "the notebook does not fully follow the Jupyter format "
            f"({_shorten(_error_text(captured['ValidationError']))}); read it anyway"
        )
    exercise = _exercise_from_metadata(notebook.get("metadata"), notes)
    cells = notebook.get("cells")
    if not isinstance(cells, list):
        raise SubmissionError(f"{not_notebook}: its 'cells' is not a list. Save it again from Jupyter and resubmit.")
    parts, skipped, magic_cells, code_cells = _code_parts(cells, notes)
    if not parts:
        raise SubmissionError(_no_code_message(name, len(cells), code_cells, skipped, magic_cells))
    return Submission(path=name, kind="ipynb", source="\n\n".join(parts) + "\n", exercise=exercise,
                      notes=tuple(notes), student=_student_from_metadata(notebook.get("metadata")))


def _too_deep(not_notebook: str) -> str:
    return (
        f"{not_notebook}: its JSON is nested too deeply to read (Jupyter never writes such a file). "
        "Save the notebook again from Jupyter and resubmit."
    )


def _exercise_from_metadata(metadata: object, notes: list[str]) -> str | None:
    if not isinstance(metadata, dict) or "gradecheck" not in metadata:
        return None
    block = metadata["gradecheck"]
    exercise = block.get("exercise") if isinstance(block, dict) else None
    if isinstance(exercise, str) and exercise.strip():
        return exercise.strip()
    notes.append(
        "ignored notebook metadata 'gradecheck': expected {\"exercise\": \"<id>\", ...}, "
        f"found {_shorten(json.dumps(block, default=repr))}"
    )
    return None


def _student_from_metadata(metadata: object) -> str | None:
    """``gradecheck.student`` of a notebook's metadata (text, at most 200 characters), or ``None``."""
    block = metadata.get("gradecheck") if isinstance(metadata, dict) else None
    student = block.get("student") if isinstance(block, dict) else None
    if isinstance(student, str) and student.strip():
        return student.strip()[:200]
    return None


def _code_parts(cells: list[object], notes: list[str]) -> tuple[list[str], int, int, int]:
    """``(parts, skipped, magic_cells, code_cells)``: one ``# --- cell N ---`` part per cell with code."""
    parts: list[str] = []
    skipped = magic_cells = code_cells = 0
    checking_names: set[str] = set()  # names bound to gradecheck by the cells so far (``gn``)
    for number, cell in enumerate(cells, 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        code_cells += 1
        metadata = cell.get("metadata")
        tags = metadata.get("tags") if isinstance(metadata, dict) else None
        if isinstance(tags, list) and SKIP_TAG in tags:
            notes.append(f"skipped cell {number}: tagged {SKIP_TAG!r}")
            skipped += 1
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(piece, str) for piece in source):
            source = "".join(source)
        if not isinstance(source, str):
            notes.append(f"skipped cell {number}: its source is not text")
            continue
        first = next((line.strip() for line in _NEWLINE.split(source) if line.strip()), "")
        if first.startswith("%%") and first[2:].split(maxsplit=1)[:1] in ([name] for name in _PYTHON_CELL_MAGICS):
            # %%time, %%capture: IPython runs the cell's Python once (timing it, or hiding its output); so does grading.
            lines = _NEWLINE.split(source)
            magic_line = next(k for k, line in enumerate(lines) if line.strip())
            source = "\n".join(lines[:magic_line] + [""] + lines[magic_line + 1:])
            notes.append(f"removed cell magic line on cell {number} (its code is kept): {_shorten(first)}")
        elif first.startswith("%%"):
            notes.append(f"removed cell magic on cell {number} (the whole cell): {_shorten(first)}")
            magic_cells += 1
            continue
        text, has_code = _strip_ipython(source, number, notes)
        if has_code and _checking(text, checking_names):
            if not _only_checking(text):
                notes.append(
                    f"left out cell {number}: it imports gradecheck, so it is the self-check, not the solution; "
                    f"what else it defines is not graded: move your functions to another cell"
                )
            skipped += 1
            continue
        if has_code:
            parts.append(f"# --- cell {number} ---\n{text}")
        elif text.strip():
            magic_cells += 1
    return parts, skipped, magic_cells, code_cells


def imports_gradecheck(python: str) -> bool:
    """Whether the Python text ``python`` imports gradecheck (``False`` when it does not parse)."""
    return _checking(python, set())


def _checking(python: str, names: set[str]) -> bool:
    """Whether a cell is the learner's self-check: it imports gradecheck, or uses a name that an earlier
    cell bound to gradecheck (``names``, which this adds the cell's own such names to)."""
    try:
        tree = ast.parse(python)
    except (SyntaxError, ValueError):
        return False
    found = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.partition(".")[0] == "gradecheck":
                    names.add(alias.asname or "gradecheck")
                    found = True
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.partition(".")[0] == "gradecheck":
                names.update(alias.asname or alias.name for alias in node.names)
                found = True
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in names:
            found = True
    return found


def _only_checking(python: str) -> bool:
    """Whether a cell holds nothing but imports and calls (``import gradecheck.notebook as gn``, ``r = gn.check()``)."""
    return all(
        isinstance(stmt, (ast.Import, ast.ImportFrom, ast.Expr, ast.Pass))
        or (isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call))
        for stmt in ast.parse(python).body
    )


def _strip_ipython(source: str, cell: int, notes: list[str]) -> tuple[str, bool]:
    """Replace IPython-only lines by ``<indent>pass``; return ``(text, has Python code)``.

    Only lines that start a logical Python line are examined: a ``%`` that
    continues an expression in brackets, or text inside a string, is Python.
    Every line examined and removed here is a syntax error in Python, so valid
    Python is never changed (except that trailing blank lines are dropped).
    """
    scanner = _LineScanner()
    out: list[str] = []
    has_code = False
    for number, line in enumerate(_NEWLINE.split(source), 1):
        stripped = line.strip()
        if scanner.at_logical_start and stripped:
            what = _ipython_kind(stripped)
            if what is not None:
                out.append(line[: len(line) - len(line.lstrip())] + "pass")
                notes.append(f"removed {what} on cell {cell}, line {number}: {_shorten(stripped)}")
                continue
        scanner.feed(line)
        out.append(line)
        has_code = has_code or bool(stripped)
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out), has_code


def _ipython_kind(stripped: str) -> str | None:
    if stripped.startswith("%"):
        return "IPython magic"
    if stripped.startswith("!"):
        return "shell command"
    if _ASSIGNMENT.match(stripped):
        return "IPython assignment"
    return None


class _LineScanner:
    """Follows strings, brackets and backslash continuations across physical lines.

    Approximate by design (no full tokenizer: IPython lines do not tokenize),
    but exact for the questions asked: is the next line inside brackets, a
    string, or a backslash continuation?
    """

    def __init__(self) -> None:
        self.depth = 0
        self.quote: str | None = None
        self.continued = False

    @property
    def at_logical_start(self) -> bool:
        return self.depth == 0 and self.quote is None and not self.continued

    def feed(self, line: str) -> None:
        self.continued = False
        string_continues = False
        i, end = 0, len(line)
        while i < end:
            char = line[i]
            if self.quote is not None:
                if char == "\\":
                    string_continues = i == end - 1
                    i += 2
                elif line.startswith(self.quote, i):
                    i += len(self.quote)
                    self.quote = None
                else:
                    i += 1
                continue
            if char == "#":
                break
            if char in "'\"":
                self.quote = char * 3 if line.startswith(char * 3, i) else char
                i += len(self.quote)
                continue
            if char in "([{":
                self.depth += 1
            elif char in ")]}":
                self.depth = max(0, self.depth - 1)
            elif char == "\\" and i == end - 1:
                self.continued = True
            i += 1
        if self.quote is not None and len(self.quote) == 1 and not string_continues:
            self.quote = None  # unterminated one-line string: a syntax error, not a multi-line string


# --- messages ----------------------------------------------------------------


def _no_code_message(name: str, n_cells: int, code_cells: int, skipped: int, magic_cells: int) -> str:
    if code_cells == 0:
        found = f"it has {n_cells} cell{'s' if n_cells != 1 else ''} and none is a code cell"
    else:
        reasons = []
        if skipped:
            reasons.append(f"{skipped} tagged {SKIP_TAG!r}")
        if magic_cells:
            reasons.append(f"{magic_cells} holding only IPython commands")
        plural = code_cells != 1
        found = f"its {code_cells} code cell{'s are' if plural else ' is'} empty"
        if reasons:
            found = (f"of its {code_cells} code cell{'s' if plural else ''}, none has Python code "
                     f"({', '.join(reasons)})")
    return (
        f"{name!r} has no code to grade: {found}. "
        "Write your solution in a code cell, save the notebook, and submit it again."
    )


def _error_text(error: BaseException) -> str:
    message = getattr(error, "message", None)
    return str(message if isinstance(message, str) and message else error).rstrip(".")


def _json_type(value: object) -> str:
    names = {list: "a JSON array", str: "a JSON string", bool: "a JSON boolean", int: "a JSON number",
             float: "a JSON number"}
    return names.get(type(value), "JSON null")


def _shorten(text: str) -> str:
    return shorten(first_line(text), _NOTE_WIDTH)
