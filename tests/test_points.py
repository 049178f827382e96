"""Exact points: full marks equal max_score exactly, however an item's points split among its elements."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradecheck import _points
from gradecheck._batch import write_gradebook
from gradecheck._exercises import EXERCISES_DIR, load_exercise
from gradecheck._grading import error_result, grade_source
from gradecheck._reports import render_html, render_text

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "reference" / "twelve-weights"


@given(st.integers(0, 10**12), st.integers(1, 500))
def test_split_parts_add_up_exactly_and_differ_by_at_most_one_unit(count: int, parts: int) -> None:
    shares = _points.split(count, parts)
    assert len(shares) == parts and sum(shares) == count
    assert max(shares) - min(shares) <= 1


@given(st.integers(0, 10**9), st.integers(1, 64))
def test_the_displayed_element_scores_total_the_item_exactly(count: int, parts: int) -> None:
    shown = [_points.points(share) for share in _points.split(count, parts)]
    assert _points.total(shown) == _points.points(count)
    assert Fraction(repr(_points.total(shown))) == Fraction(count, _points.UNIT)


def test_units_are_read_as_the_decimal_written() -> None:
    assert _points.units(0.1) == 100_000 and _points.units(14.5) == 14_500_000 and _points.units(3) == 3_000_000
    assert _points.units("0.000001") == 1
    with pytest.raises(ValueError, match="more than 6 decimals"):
        _points.units(1 / 3)


UNEVEN = {"a": 16, "dL/dW": 14.5}  # 16 over 3 elements, 14.5 over 12


@pytest.fixture(scope="module")
def uneven(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """twelve-weights with 16 points on a (3 elements) and 14.5 on dL/dW (12 elements): 38 in all."""
    folder = tmp_path_factory.mktemp("exercises") / "twelve-weights"
    folder.mkdir()
    source = EXERCISES_DIR / "twelve-weights"
    text = (source / "exercise.toml").read_text()
    text = text.replace('name = "a"\noutputs = ["a"]\npoints = 1.5', 'name = "a"\noutputs = ["a"]\npoints = 16')
    text = text.replace('outputs = ["d_weights"]\npoints = 6', 'outputs = ["d_weights"]\npoints = 14.5')
    (folder / "exercise.toml").write_text(text)
    for name in ("statement.md", "starter.py"):
        (folder / name).write_text((source / name).read_text())
    exercise = load_exercise(folder)
    assert {item.name: item.points for item in exercise.items if item.name in UNEVEN} == UNEVEN
    return exercise


def _item_total(result: dict[str, Any], prefix: str, key: str) -> Decimal:
    """The sum of the element tests of an item as decimals written in the JSON (what a spreadsheet adds)."""
    return sum((Decimal(repr(t[key])) for t in result["tests"] if t["name"].startswith(prefix)), Decimal(0))


def test_full_marks_equal_max_score_exactly(uneven: Any) -> None:
    result = grade_source(uneven, (REFERENCE / "solution.py").read_text())
    text = json.dumps(result)
    assert result["score"] == result["max_score"] == uneven.max_score == 38.0
    assert '"score": 38.0' in text and '"max_score": 38.0' in text
    assert "37.99999" not in text and "38.00000" not in text
    assert _item_total(result, "a[", "score") == Decimal(16)
    assert _item_total(result, "dL/dW[", "score") == _item_total(result, "dL/dW[", "max_score") == Decimal("14.5")
    assert all(t["status"] == "passed" for t in result["tests"])
    assert "38 / 38 points" in result["output"]


def test_partial_scores_add_up_exactly_in_json_gradebook_and_reports(uneven: Any, tmp_path: Path) -> None:
    wrong = REFERENCE / "mistakes" / "missing-activation-derivative.py"
    result = grade_source(uneven, wrong.read_text())
    assert _item_total(result, "a[", "score") == Decimal(16)  # the forward is right
    assert _item_total(result, "dL/dW[", "max_score") == Decimal("14.5")
    assert Decimal(repr(result["score"])) == sum((Decimal(repr(t["score"])) for t in result["tests"]), Decimal(0))
    gradebook = tmp_path / "gradebook.csv"
    write_gradebook(gradebook, [wrong], [tmp_path / "wrong.json"], [result])
    with gradebook.open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert rows[0]["max_score"] == "38.0"
    assert sum(Decimal(rows[0][f"a[{k}]"]) for k in range(3)) == Decimal(16)
    assert Decimal(rows[0]["score"]) == sum(
        (Decimal(value) for name, value in rows[0].items() if name.startswith(("a[", "dL/", "hidden"))), Decimal(0)
    )
    assert "(16 / 16)" in render_text(result) and f"/ 38" in render_text(result)
    assert "Score: <strong>16 / 38</strong>" in render_html(result)


def test_a_submission_that_cannot_be_graded_still_totals_max_score_exactly(uneven: Any) -> None:
    result = error_result(uneven, "unreadable")
    assert result["max_score"] == 38.0 and result["score"] == 0.0
    assert _item_total(result, "a[", "max_score") == Decimal(16)
    assert _item_total(result, "dL/dW[", "max_score") == Decimal("14.5")
    assert "0 / 38 points" in result["output"]


def test_totals_tolerate_results_from_elsewhere() -> None:
    assert _points.total([0.1, 0.2]) == 0.3
    assert _points.total([None, 1.5]) == 1.5
    assert _points.total([float("inf"), 1.0]) == float("inf")
