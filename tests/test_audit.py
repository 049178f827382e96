"""gradecheck audit-key: the seeds' printed answer keys, audited."""

from __future__ import annotations

import decimal
import json
from pathlib import Path

import pytest

from gradecheck._audit import AnswerKeyError, audit_key, load_key, reference_values
from gradecheck._cli import main
from gradecheck._exercises import load_exercise

KEYS = Path(__file__).parent / "data" / "keys"


def test_the_three_two_two_slide_key_is_wrong_exactly_in_its_hidden_layer(capsys) -> None:
    report = audit_key(load_exercise("three-two-two"), load_key(KEYS / "three-two-two-slide.toml"))
    assert {entry.name for entry in report.wrong} == {"w1", "w2", "w3", "w4", "w5", "w6", "b1", "b2"}
    accepted = {entry.name for entry in report.entries if entry.correct}
    assert accepted == {"w7", "w8", "w9", "w10", "b3", "b4"}  # truncated or rounded, not wrong
    assert main(["audit-key", "three-two-two", str(KEYS / "three-two-two-slide.toml")]) == 1
    assert "8 wrong" in capsys.readouterr().out


def test_the_softmax_slide_probabilities_p1_and_p3_are_wrong() -> None:
    report = audit_key(load_exercise("softmax-cross-entropy"), load_key(KEYS / "softmax-slide.toml"))
    assert [entry.name for entry in report.wrong] == ["p1", "p3"]
    p1 = report.wrong[0]
    assert round(p1.reference, 4) == 0.5297 and p1.written == 0.51


def test_written_digits_decide_the_tolerance(tmp_path: Path) -> None:
    exercise = load_exercise("twelve-weights")
    exact = reference_values(exercise)["dL/dW[2,1]"]
    path = tmp_path / "key.toml"
    path.write_text(f"'dL/dW[2,1]' = {exact:.4f}\n")
    assert audit_key(exercise, load_key(path)).ok  # 0.2019: right to 4 decimals
    path.write_text(f"'dL/dW[2,1]' = {exact:.4f}0\n")
    key = load_key(path)
    assert isinstance(key["dL/dW[2,1]"], decimal.Decimal)
    assert audit_key(exercise, key).entries[0].decimals == 5
    assert not audit_key(exercise, key).ok  # 0.20190 claims a fifth decimal, and it is wrong
    path.write_text(f"'dL/dW[2,1]' = {exact + 2e-4:.4f}\n")
    assert not audit_key(exercise, load_key(path)).ok


def test_names_match_loosely_and_unknown_names_are_errors(tmp_path: Path) -> None:
    exercise = load_exercise("two-two-one")
    values = reference_values(exercise)
    path = tmp_path / "key.json"
    path.write_text(json.dumps({"w5": round(values["dE/dw5"], 4), "DE/DW1": round(values["dE/dw1"], 4), "w7": 1}))
    report = audit_key(exercise, load_key(path))
    assert [entry.name for entry in report.entries] == ["w5", "DE/DW1"] and all(e.correct for e in report.entries)
    assert report.unknown == ("w7",) and not report.ok


def test_a_key_entry_that_is_not_a_number_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "key.toml"
    path.write_text('w1 = "small"\n')
    with pytest.raises(AnswerKeyError, match="should be a number"):
        audit_key(load_exercise("two-two-one"), load_key(path))
