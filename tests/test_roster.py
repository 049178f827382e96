"""Rosters (gradecheck._roster): submission file -> student id, for grading per-student variants."""

from __future__ import annotations

from pathlib import Path

import pytest

from gradecheck._errors import InvalidArgumentError
from gradecheck._roster import read_roster, students_for


def _roster(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_roster_maps_file_names_and_path_ends_to_students(tmp_path: Path) -> None:
    roster = read_roster(_roster(tmp_path, "\ufeffname,submission,student\nAlice,alice.ipynb, s1 \n,,\nBob,bob/answer.ipynb,s2\n"))
    assert roster == {"alice.ipynb": "s1", "bob/answer.ipynb": "s2"}
    files = [tmp_path / "in" / "alice.ipynb", tmp_path / "in" / "bob" / "answer.ipynb", tmp_path / "in" / "carol.py",
             tmp_path / "in" / "carol" / "answer.ipynb"]
    assert students_for(files, roster) == ["s1", "s2", None, None]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("file,id\nalice.ipynb,s1\n", r"expected a header row with the columns submission, student.*found file, id"),
        ("submission,student\nalice.ipynb,\n", r"roster.csv:2: the student cell is empty"),
        ("submission,student\nalice.ipynb,s1\nalice.ipynb,s2\n", r"roster.csv:3: 'alice.ipynb' is listed twice"),
    ],
)
def test_a_malformed_roster_is_refused_with_the_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        read_roster(_roster(tmp_path, text))


def test_a_row_matching_two_submissions_is_refused(tmp_path: Path) -> None:
    files = [tmp_path / "a" / "answer.ipynb", tmp_path / "b" / "answer.ipynb"]
    with pytest.raises(InvalidArgumentError, match=r"matches both .* write a longer path end"):
        students_for(files, {"answer.ipynb": "s1"})
    with pytest.raises(InvalidArgumentError, match=r"matches several rows"):
        students_for(files[:1], {"answer.ipynb": "s1", "a/answer.ipynb": "s2"})
