"""Shortening text for people: never in the middle of a word.

Reasons and notes are read by learners and instructors in the console, the
gradebook, results files and reports.  Where one must be shortened, it is cut
at the last space (or line break) that fits, and an ellipsis says so; only a
single word longer than the whole width is cut inside (there is no better place).
"""

from __future__ import annotations

__all__ = ["ELLIPSIS", "first_line", "shorten"]

ELLIPSIS = "\N{HORIZONTAL ELLIPSIS}"


def shorten(text: str, width: int) -> str:
    """``text`` if it has at most ``width`` characters, else its longest start of whole words that fits with ``…``.

    Trailing spaces and punctuation that would dangle before the ellipsis
    (``,;:``) are dropped.  ``width`` counts the ellipsis; it must be at least 2.
    """
    if width < 2:
        raise ValueError(f"width: expected at least 2 characters, found {width!r}.")
    if len(text) <= width:
        return text
    room = text[: width - 1]
    cut = max(room.rfind(" "), room.rfind("\n"), room.rfind("\t"))
    if text[width - 1].isspace():  # the whole room ends on a word boundary
        cut = width - 1
    kept = room[:cut] if cut > 0 else room
    return kept.rstrip(" \t\n,;:") + ELLIPSIS


def first_line(text: str | None) -> str:
    """The first line of ``text`` (``""`` for ``None``): a reason's summary, whole."""
    return (text or "").strip().split("\n", 1)[0].strip()
