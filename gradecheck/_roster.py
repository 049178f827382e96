"""Rosters: which student each submission file belongs to (``gradecheck grade --roster FILE.csv``).

A roster is a CSV file with a header row and at least the columns
``submission`` and ``student``::

    submission,student,name
    alice.ipynb,s1001,Alice Liddell
    bob/answer.ipynb,s1002,Bob Dylan

``submission`` is a file name, or the end of a path (``bob/answer.ipynb``)
where file names repeat across folders; it matches a submission whose path
ends with it, part by part.  Other columns are ignored.  Each roster row
matches at most one submission, and each submission at most one row; anything
else is an error naming the rows, since grading a file as the wrong student
would grade it against another student's numbers.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePath

from gradecheck._errors import InvalidArgumentError
from gradecheck._safe_files import RefusedFile, read_regular_file

__all__ = ["ROSTER_COLUMNS", "read_roster", "students_for"]

#: The columns a roster must have.
ROSTER_COLUMNS = ("submission", "student")
_MAX_ROSTER_BYTES = 16 * 1024 * 1024


def read_roster(path: str | os.PathLike[str]) -> dict[str, str]:
    """The roster at ``path``: submission (file name or path end) -> student id, in file order.

    Raises :class:`InvalidArgumentError` (with the line) for a missing column,
    an empty cell or a submission listed twice.
    """
    shown = os.fspath(path)
    try:
        text = read_regular_file(shown, _MAX_ROSTER_BYTES).decode("utf-8-sig")
    except RefusedFile as refused:
        raise InvalidArgumentError(f"roster {shown}: {refused}") from None
    except UnicodeDecodeError:
        raise InvalidArgumentError(f"roster {shown}: not UTF-8 text; save it as a UTF-8 CSV file.") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [column for column in ROSTER_COLUMNS if column not in header]
    if missing:
        raise InvalidArgumentError(
            f"roster {shown}: expected a header row with the columns {', '.join(ROSTER_COLUMNS)} "
            f"(file name -> student id); found {', '.join(header) or 'no header'}. Add the missing "
            f"column(s) {', '.join(missing)}."
        )
    reader.fieldnames = header
    roster: dict[str, str] = {}
    for row in reader:
        line = reader.line_num
        submission, student = ((row.get(column) or "").strip() for column in ROSTER_COLUMNS)
        if not submission and not student:
            continue  # a blank line
        if not submission or not student:
            empty = "submission" if not submission else "student"
            raise InvalidArgumentError(f"roster {shown}:{line}: the {empty} cell is empty; fill it or remove the row.")
        key = PurePath(submission).as_posix()
        if key in roster:
            raise InvalidArgumentError(
                f"roster {shown}:{line}: {submission!r} is listed twice (students {roster[key]!r} and {student!r}); "
                "keep one row per submission."
            )
        roster[key] = student
    return roster


def _matches(path: Path, entry: str) -> bool:
    """Whether ``path`` ends with the path parts of ``entry``."""
    wanted = PurePath(entry).parts
    return len(wanted) <= len(path.parts) and path.parts[-len(wanted):] == wanted


def students_for(files: Sequence[Path], roster: Mapping[str, str]) -> list[str | None]:
    """The student of each of ``files`` (``None``: not in the roster).

    Raises :class:`InvalidArgumentError` when a roster row matches several
    files, or a file several rows.
    """
    found: list[str | None] = []
    used: dict[str, Path] = {}
    for path in files:
        absolute = Path(os.path.abspath(path))
        rows = [entry for entry in roster if _matches(absolute, entry)]
        if len(rows) > 1:
            raise InvalidArgumentError(
                f"roster: {path} matches several rows ({', '.join(repr(r) for r in rows)}); "
                "write a longer path end in the submission column."
            )
        if rows:
            if rows[0] in used:
                raise InvalidArgumentError(
                    f"roster: the row {rows[0]!r} matches both {used[rows[0]]} and {path}; write a longer path end "
                    "(e.g. folder/file.ipynb) in the submission column."
                )
            used[rows[0]] = path
        found.append(roster[rows[0]] if rows else None)
    return found
