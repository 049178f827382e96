"""gradecheck audit-key: the seeds' printed answer keys, audited."""

from __future__ import annotations

import decimal
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from gradecheck._audit import AnswerKeyError, audit_key, load_key, reference_values, written_value_agrees
from gradecheck._cli import main
from gradecheck._exercises import load_exercise

KEYS = Path(__file__).parent / "data" / "keys"


def test_the_three_two_two_slide_key_is_wrong_exactly_in_its_hidden_layer(capsys) -> None:
    report = audit_key(load_exercise("three-two-two"), load_key(KEYS / "three-two-two-slide.toml"))
    # w7 = 0.0764 is neither 0.076535... rounded nor truncated (both 0.0765): 1.35 units of its last digit off,
    # the trace of rounded intermediates; the other output-layer entries are truncated or rounded, not wrong.
    assert {entry.name for entry in report.wrong} == {"w1", "w2", "w3", "w4", "w5", "w6", "w7", "b1", "b2"}
    accepted = {entry.name for entry in report.entries if entry.correct}
    assert accepted == {"w8", "w9", "w10", "b3", "b4"}
    assert main(["audit-key", "three-two-two", str(KEYS / "three-two-two-slide.toml")]) == 1
    assert "9 wrong" in capsys.readouterr().out


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


# ---------------------------------------------------------------------------
# What written digits can mean: one unit of the last decimal; an integer claims itself
# ---------------------------------------------------------------------------

D = decimal.Decimal


def _edge(center: D, boundary: D, within: Callable[[D], bool]) -> tuple[float, float]:
    """The last float64 on ``boundary``'s side of ``center`` for which ``within`` holds, and the next one out."""
    outward = np.inf if boundary > center else -np.inf
    x = float(boundary)
    while not within(D(x)):
        x = float(np.nextafter(x, -outward))
    while within(D(float(np.nextafter(x, outward)))):
        x = float(np.nextafter(x, outward))
    return x, float(np.nextafter(x, outward))


@pytest.mark.parametrize("written", ["0.2", "0.0764", "2.0", "-0.915", "0.00005", "1.5e-3"])
def test_a_written_value_stands_for_every_real_within_one_unit_of_its_last_digit(written: str) -> None:
    value = D(written)
    unit = D(1).scaleb(value.as_tuple().exponent)  # 10**-d for d written decimals
    for boundary in (value - unit, value + unit):
        inside, outside = _edge(value, boundary, lambda r: abs(r - value) <= unit)
        assert written_value_agrees(value, inside), (written, inside)
        assert not written_value_agrees(value, outside), (written, outside)


def test_rounded_and_truncated_values_pass_and_one_digit_more_is_held_to_it() -> None:
    exact = 0.76249
    assert written_value_agrees(D("0.762"), exact)  # rounded
    assert written_value_agrees(D("0.76"), exact)  # rounded (0.76) and truncated (0.76)
    assert written_value_agrees(D("0.7"), exact)  # truncated: 0.06 off, within 0.1
    assert not written_value_agrees(D("0.6"), exact)  # 0.16 off: neither
    assert written_value_agrees(D("0.7624"), exact)  # truncated at 4 decimals
    assert not written_value_agrees(D("0.7626"), exact)  # 1.1 units off


@pytest.mark.parametrize("written, exact", [(0, -0.915), (2, 0.762), (1, 0.5), (0, 1e-7), (3, 2.9999)])
def test_an_integer_claims_exactly_that_integer(written: int, exact: float) -> None:
    assert not written_value_agrees(written, exact)
    assert written_value_agrees(D(f"{written}.0"), exact) == (abs(written - exact) <= 0.1)


def test_an_integer_passes_only_within_the_exact_tolerance() -> None:
    assert written_value_agrees(0, 0.0) and written_value_agrees(2, 2.0)
    for written in (2, -3):
        value = D(written)

        def exact(r: D) -> bool:  # the documented rule: |written - r| <= 1e-9 + 1e-6 * |r|
            return abs(value - r) <= D("1e-9") + D("1e-6") * abs(r)

        # |v - r| = 1e-9 + 1e-6 |r| at |r| = (|v| -+ 1e-9) / (1 +- 1e-6): start from there (to within an ulp).
        sign = 1 if written > 0 else -1
        low, high = (abs(value) - D("1e-9")) / (1 + D("1e-6")), (abs(value) + D("1e-9")) / (1 - D("1e-6"))
        for boundary in (sign * low, sign * high):
            inside, outside = _edge(value, boundary, exact)
            assert written_value_agrees(written, inside) and not written_value_agrees(written, outside)
    assert not written_value_agrees(0, 2e-9)


def test_audit_key_refuses_whole_numbers_far_from_the_reference(tmp_path: Path) -> None:
    exercise = load_exercise("twelve-weights")
    exact = reference_values(exercise)
    path = tmp_path / "key.toml"
    path.write_text("'dL/dW[1,1]' = 0\n'dL/db[1]' = 1\n'dL/dW[2,1]' = 0.2\n")
    report = audit_key(exercise, load_key(path))
    assert [entry.name for entry in report.wrong] == ["dL/dW[1,1]", "dL/db[1]"]
    assert abs(exact["dL/dW[1,1]"]) < 1.5 and abs(exact["dL/db[1]"] - 1) < 1.5  # the old rule let both pass


@pytest.mark.parametrize("written, exact", [("0.4", 0.5), ("0.6", 0.5), ("-0.4", -0.5), ("0.74", 0.75)])
def test_exactly_one_unit_off_passes_and_the_next_float_beyond_fails(written: str, exact: float) -> None:
    # Dyadic references, so that |written - exact| is exactly one unit (0.1, or 0.01 for 0.74 vs 0.75).
    value = D(written)
    unit = D(1).scaleb(value.as_tuple().exponent)
    assert abs(D(exact) - value) == unit
    assert written_value_agrees(value, exact)
    beyond = float(np.nextafter(exact, np.inf if exact > value else -np.inf))
    assert not written_value_agrees(value, beyond)
