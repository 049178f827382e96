"""Tests for gradecheck._compare: tolerances, per-element comparison, reports."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gradecheck._compare import (
    DEFAULT_TOLERANCES,
    ComparisonSet,
    GradientComparison,
    Tolerance,
    compare_gradients,
    compare_many,
    default_tolerance,
)
from gradecheck._errors import InvalidArgumentError
from gradecheck._numeric import central_difference

TOL = Tolerance(rtol=1e-6, atol=1e-8)
values = st.floats(-1e3, 1e3, allow_subnormal=False)
shapes = hnp.array_shapes(min_dims=1, max_dims=3, max_side=4)


def _allowed(a: float, e: float, tol: Tolerance = TOL) -> float:
    return tol.atol + tol.rtol * max(abs(a), abs(e))


# ---------------------------------------------------------------------------
# Tolerances
# ---------------------------------------------------------------------------


def test_default_tolerances():
    assert default_tolerance(np.float64) == Tolerance(1e-6, 1e-8) == DEFAULT_TOLERANCES["float64"]
    assert default_tolerance("float32") == Tolerance(2e-3, 1e-4)
    assert default_tolerance(np.int64) == DEFAULT_TOLERANCES["float64"]
    with pytest.raises(InvalidArgumentError, match="float16"):
        default_tolerance(np.float16)
    with pytest.raises(InvalidArgumentError):
        default_tolerance("not a dtype")


@pytest.mark.parametrize("rtol, atol", [(-1e-6, 1e-8), (1e-6, np.nan), (np.inf, 0.0), ("1e-6", 0.0), (True, 0.0)])
def test_tolerance_rejects_bad_values(rtol, atol):
    with pytest.raises(InvalidArgumentError):
        Tolerance(rtol, atol)


def test_float32_answers_get_the_float32_tolerance():
    expected = np.array([1.0, 2.0])
    actual32 = (expected * (1 + 1e-4)).astype(np.float32)  # fine for float32, not for float64
    assert compare_gradients(expected, actual32).passed
    assert compare_gradients(expected, actual32).tolerance == DEFAULT_TOLERANCES["float32"]
    assert not compare_gradients(expected, actual32.astype(np.float64)).passed


@given(values, st.floats(0.0, 0.98), st.sampled_from([1.0, -1.0]))
def test_within_tolerance_passes(e, fraction, sign):
    # a = e + d with d = fraction * (atol + rtol * |e|) / (1 + rtol): then |d| <= atol + rtol * max(|a|, |e|)
    d = sign * fraction * (TOL.atol + TOL.rtol * abs(e)) / (1 + TOL.rtol)
    a = e + d
    result = compare_gradients(np.array([e]), np.array([a]), tolerance=TOL)
    assert abs(a - e) <= _allowed(a, e)
    assert result.passed and result.mismatched_count == 0


@given(values, st.floats(1.02, 1e6), st.sampled_from([1.0, -1.0]))
def test_beyond_tolerance_fails(e, factor, sign):
    # |d| (1 - rtol) > atol + rtol |e| implies |d| > atol + rtol * max(|a|, |e|)
    d = sign * factor * (TOL.atol + TOL.rtol * abs(e)) / (1 - TOL.rtol)
    a = e + d
    result = compare_gradients(np.array([e]), np.array([a]), tolerance=TOL)
    assert abs(a - e) > _allowed(a, e)
    assert not result.passed and result.mismatched_count == 1


def test_tolerance_is_symmetric():
    e, a = np.array([1.0, -3.0, 0.0]), np.array([1.0 + 1.5e-6, -3.0, 5e-9])
    one, other = compare_gradients(e, a), compare_gradients(a, e)
    np.testing.assert_array_equal(one.passed_mask, other.passed_mask)
    np.testing.assert_array_equal(one.rel_error, other.rel_error)


def test_zero_gradients_are_decided_by_atol():
    zeros = np.zeros(3)
    tiny = np.array([0.0, 5e-9, -9e-9])
    result = compare_gradients(zeros, tiny)
    assert result.passed
    np.testing.assert_array_equal(result.rel_error, [0.0, 1.0, 1.0])  # not meaningful, but well defined
    assert not compare_gradients(zeros, np.array([0.0, 0.0, 2e-8])).passed
    loose = compare_gradients(zeros, np.array([0.0, 0.0, 2e-8]), tolerance=Tolerance(0.0, 1e-7))
    assert loose.passed


def test_noise_floor_widens_the_tolerance_per_element():
    e = np.array([1.0, 1.0])
    a = np.array([1.0 + 1e-4, 1.0 + 1e-4])
    assert not compare_gradients(e, a).passed
    result = compare_gradients(e, a, noise_floor=np.array([2e-4, 0.0]))
    np.testing.assert_array_equal(result.passed_mask, [True, False])
    assert "noise floor" in result.report()
    for bad in (-1.0, np.nan, np.ones(3)):
        with pytest.raises(InvalidArgumentError):
            compare_gradients(e, a, noise_floor=bad)


# ---------------------------------------------------------------------------
# Undecidable, non-finite, shapes, not numbers
# ---------------------------------------------------------------------------


def test_undecidable_elements_are_not_failed():
    e = np.array([0.0, 1.0, 2.0, 3.0])
    a = np.array([0.5, 1.0, 2.5, 3.0])  # elements 0 and 2 are off
    mask = np.array([True, False, False, False])
    result = compare_gradients(e, a, undecidable=mask, name="d_z")
    assert not result.passed and result.mismatched_count == 1
    np.testing.assert_array_equal(result.failed_mask, [False, False, True, False])
    np.testing.assert_array_equal(result.undecidable_mask, mask)
    report = result.report()
    assert report.splitlines()[0] == "d_z: 1 / 4 elements mismatched (1 undecidable at a kink)"
    assert "Undecidable (not counted) at (0,)" in report
    assert compare_gradients(e, a, undecidable=np.array([True, False, True, False])).passed
    with pytest.raises(InvalidArgumentError):
        compare_gradients(e, a, undecidable=np.array([1, 0, 0, 0]))
    with pytest.raises(InvalidArgumentError):
        compare_gradients(e, a, undecidable=np.array([True, False]))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_values_fail_even_where_undecidable(bad):
    e = np.array([1.0, 2.0, 3.0])
    a = np.array([1.0, bad, 3.0])
    result = compare_gradients(e, a, undecidable=np.array([False, True, False]), name="g")
    assert not result.passed and result.mismatched_count == 1
    assert result.worst(1) == [(1,)]
    assert "Not finite (NaN or inf) at (1,)" in result.report()
    assert not compare_gradients(np.array([np.inf]), np.array([np.inf])).passed


def test_shape_mismatch_is_reported_not_raised():
    e = np.arange(12.0)
    result = compare_gradients(e, np.arange(12.0).reshape(3, 4), name="d_weights")
    assert isinstance(result, GradientComparison)
    assert not result.passed and result.mismatched_count == 12
    assert result.actual.shape == (3, 4)
    assert result.report() == "d_weights: shape mismatch: expected shape (12,), got shape (3, 4)"
    assert result.worst() == []
    assert not compare_gradients(np.ones(1), 1.0).passed  # (1,) vs (): strict


@pytest.mark.parametrize(
    "answer, words",
    [
        (None, "NoneType"),
        ("0.5", "str"),
        ({"a": 1}, "dict"),
        ([[1.0, 2.0], [3.0]], "list"),
        (np.array([1 + 1j, 2.0]), "complex"),
        (np.array([True, False]), "booleans"),
        ([1.0, None], "NoneType"),
    ],
)
def test_answers_that_are_not_numbers_are_reported(answer, words):
    result = compare_gradients(np.array([1.0, 2.0]), answer, name="d_b")
    assert not result.passed and result.actual is None
    assert result.problem is not None and words in result.problem
    assert result.report().startswith("d_b: expected an array")


def test_lists_tuples_and_jax_arrays_are_accepted():
    import jax.numpy as jnp

    e = np.array([[1.0, 2.0], [3.0, 4.0]])
    for answer in ([[1, 2], [3, 4]], ((1.0, 2.0), (3.0, 4.0)), jnp.asarray(e), np.array([[1, 2], [3, 4]], dtype=object)):
        assert compare_gradients(e, answer).passed


def test_bad_expected_or_tolerance_raise():
    with pytest.raises(InvalidArgumentError):
        compare_gradients("abc", [1.0])
    with pytest.raises(InvalidArgumentError):
        compare_gradients([1.0], [1.0], tolerance=1e-6)


def test_results_are_read_only():
    result = compare_gradients(np.ones(3), np.ones(3))
    with pytest.raises(ValueError):
        result.abs_error[0] = 1.0


# ---------------------------------------------------------------------------
# Reports and worst elements
# ---------------------------------------------------------------------------

ROW = re.compile(r"^\s+(\([\d, ]*\))\s+\|\s+(\S+)\s+\|\s+(\S+)\s+\|\s+(\S+)\s+\|\s+(\S+)$")


def _close(text: str, value: float) -> bool:
    return np.isclose(float(text), value, rtol=5e-4, atol=0.0)


@given(
    hnp.arrays(np.float64, shapes, elements=st.floats(-10, 10)),
    st.data(),
)
def test_report_numbers_match_the_arrays(expected, data):
    wrong = data.draw(hnp.arrays(np.bool_, expected.shape))
    noise = data.draw(hnp.arrays(np.float64, expected.shape, elements=st.floats(0.01, 5)))
    actual = np.where(wrong, expected + noise, expected)
    max_rows = data.draw(st.integers(1, 6))
    result = compare_gradients(expected, actual, name="d_w")
    report = result.report(max_rows=max_rows)
    lines = report.splitlines()
    failed = int(np.count_nonzero(wrong))
    if failed == 0:
        assert result.passed and lines[0].startswith(f"d_w: all {expected.size} elements match")
        return
    assert lines[0] == f"d_w: {failed} / {expected.size} elements mismatched"
    assert _close(lines[1].split(": ")[1], np.max(result.abs_error))
    assert _close(lines[2].split(": ")[1], np.max(result.rel_error))
    assert lines[4].split() == ["Index", "|", "Expected", "|", "Got", "|", "Abs.", "error", "|", "Rel.", "error"]
    body = [ROW.match(line).groups() for line in lines[5:] if ROW.match(line)]
    assert len(body) == min(failed, max_rows)
    errors = []
    for index_text, e_text, a_text, abs_text, rel_text in body:
        index = tuple(int(v) for v in re.findall(r"\d+", index_text))
        assert wrong[index]
        assert _close(e_text, expected[index]) or abs(expected[index]) < 1e-3
        assert _close(a_text, actual[index]) or abs(actual[index]) < 1e-3
        assert _close(abs_text, abs(actual[index] - expected[index]))
        assert _close(rel_text, abs(actual[index] - expected[index]) / max(abs(actual[index]), abs(expected[index])))
        errors.append(abs(actual[index] - expected[index]) / _allowed(actual[index], expected[index]))
    assert errors == sorted(errors, reverse=True)  # worst first
    if failed > max_rows:
        assert f"... and {failed - max_rows} more mismatched elements" in report


def test_report_header_matches_the_documented_layout():
    e = np.array([0.0, 0.2019, 0.5, 0.7])
    a = np.array([0.0, 0.0505, 0.5, 0.7])
    lines = compare_gradients(e, a, name="d_weights").report().splitlines()
    assert lines[0] == "d_weights: 1 / 4 elements mismatched"
    assert lines[1] == "Max absolute difference: 0.1514"
    assert lines[2] == "Max relative difference: 0.7499"
    assert lines[3] == "Tolerance: rtol=1e-06, atol=1e-08"
    assert re.fullmatch(r"\s+Index\s+\| Expected \| Got\s+\| Abs\. error \| Rel\. error", lines[4])
    assert re.fullmatch(r"\s+\(1,\)\s+\| 0\.2019\s+\| 0\.0505\s+\| 0\.1514\s+\| 0\.7499", lines[5])


@given(hnp.arrays(np.float64, shapes, elements=st.floats(-10, 10)), st.data())
def test_worst_orders_by_error_relative_to_tolerance(expected, data):
    actual = expected + data.draw(hnp.arrays(np.float64, expected.shape, elements=st.floats(-1, 1)))
    result = compare_gradients(expected, actual)
    order = result.worst(expected.size)
    assert sorted(order) == sorted(np.ndindex(expected.shape))
    badness = [result.abs_error[i] / _allowed(actual[i], expected[i]) for i in order]
    failed = [bool(result.failed_mask[i]) for i in order]
    assert failed == sorted(failed, reverse=True)  # failed ones first
    assert np.all(np.diff(badness) <= 1e-12 * np.maximum(1.0, np.abs(badness[1:])))
    assert result.worst(2) == order[:2]


# ---------------------------------------------------------------------------
# Several gradients
# ---------------------------------------------------------------------------


def test_compare_many():
    expected = {"d_weights": np.arange(4.0), "d_biases": np.ones(2), "d_inputs": np.zeros(3)}
    actual = {"d_weights": np.arange(4.0), "d_biases": np.array([1.0, 1.5]), "extra": 1.0}
    result = compare_many(expected, actual)
    assert isinstance(result, ComparisonSet)
    assert not result.passed and len(result) == 3
    assert [c.name for c in result.failures] == ["d_biases", "d_inputs"]
    assert result["d_weights"].passed and result["d_inputs"].problem.startswith("missing")
    report = result.report()
    assert "d_weights" not in report
    assert "d_biases: 1 / 2 elements mismatched" in report and "d_inputs: missing" in report
    assert "extra" in report
    ok = compare_many(expected, {**expected})
    assert ok.passed and ok.failures == () and "all 3 gradients match" in ok.report()
    per_name = compare_many(
        expected, actual, tolerance={"d_biases": Tolerance(0.0, 1.0)}, undecidable={"d_inputs": np.ones(3, bool)}
    )
    assert per_name["d_biases"].passed
    with pytest.raises(InvalidArgumentError):
        compare_many(expected, [1.0])


# ---------------------------------------------------------------------------
# Mutation-style: one wrong element is caught
# ---------------------------------------------------------------------------


def _loss(w: np.ndarray) -> float:
    W = w.reshape(3, 4)
    x = np.array([0.75, 0.98, 0.74, 0.28])
    b = np.array([0.68, 0.83, 0.01])
    return float(np.sum(1.0 / (1.0 + np.exp(-(W @ x + b)))))


def _analytic(w: np.ndarray) -> np.ndarray:
    x = np.array([0.75, 0.98, 0.74, 0.28])
    a = 1.0 / (1.0 + np.exp(-(w.reshape(3, 4) @ x + np.array([0.68, 0.83, 0.01]))))
    return np.outer(a * (1 - a), x).reshape(-1)


WEIGHTS = np.array([0.80, 0.87, 0.16, 0.96, 0.89, 0.87, 0.31, 0.08, 0.09, 0.69, 0.03, 0.42])
FD = central_difference(_loss, WEIGHTS, order=4)


def test_correct_gradient_passes_against_finite_differences():
    result = compare_gradients(FD.gradient, _analytic(WEIGHTS), noise_floor=FD.error_estimate, undecidable=FD.kink)
    assert result.passed, result.report()


@given(st.integers(0, 11), st.floats(1e-4, 10.0), st.sampled_from([1.0, -1.0]))
def test_one_wrong_element_is_caught(index, relative, sign):
    answer = _analytic(WEIGHTS)
    answer[index] *= 1.0 + sign * relative
    result = compare_gradients(FD.gradient, answer, noise_floor=FD.error_estimate, name="d_weights")
    assert not result.passed and result.mismatched_count == 1
    assert result.worst(1) == [(index,)]
    assert f"({index},)" in result.report()


# ---------------------------------------------------------------------------
# The boundary itself: |a - e| <= atol + rtol * max(|a|, |e|), inclusive and symmetric
# ---------------------------------------------------------------------------

# Powers of two, so that the allowance and the differences below are exact in float64.
EXACT = Tolerance(rtol=2.0**-20, atol=2.0**-30)


def test_exactly_at_the_tolerance_passes_and_the_next_float_beyond_fails():
    e = 1.0
    allowed = EXACT.atol + EXACT.rtol * 1.0  # max(|a|, |e|) = |e| = 1 for an answer below e
    at = e - allowed  # 1 - 2**-20 - 2**-30: exact, and e - at == allowed exactly (Sterbenz)
    assert e - at == allowed
    beyond = np.nextafter(at, -np.inf)  # the next float further from e
    assert e - beyond > allowed
    assert compare_gradients(np.array([e]), np.array([at]), tolerance=EXACT).passed  # inclusive <=
    result = compare_gradients(np.array([e]), np.array([beyond]), tolerance=EXACT)
    assert not result.passed and result.mismatched_count == 1


def test_the_scale_is_the_larger_magnitude_of_the_two_values():
    # Swapped: the expected value is the smaller one. With the scale |expected| alone the allowance would be
    # atol + rtol * (1 - 2**-20 - 2**-30) < |a - e|, and this pair would fail; with max(|a|, |e|) it passes.
    small = 1.0 - (EXACT.atol + EXACT.rtol)
    assert 1.0 - small > EXACT.atol + EXACT.rtol * small
    assert compare_gradients(np.array([small]), np.array([1.0]), tolerance=EXACT).passed
    beyond = np.nextafter(small, -np.inf)
    assert not compare_gradients(np.array([beyond]), np.array([1.0]), tolerance=EXACT).passed


def test_a_near_miss_prints_expected_and_got_with_digits_that_differ():
    e = 0.01997
    a = e * (1 + 1.7e-6)  # relative error 1.7e-6 against rtol 1e-6: fails, but agrees to 6 digits
    result = compare_gradients(np.array([e]), np.array([a]), tolerance=Tolerance(rtol=1e-6, atol=0.0))
    assert not result.passed
    row = ROW.match(result.report().splitlines()[5])
    assert row is not None
    _, e_text, a_text, _, _ = row.groups()
    assert e_text != a_text
    # Each printed value is nearer its own value than the other: the reader sees which way and about how far.
    assert abs(float(e_text) - e) < abs(a - e) / 2 and abs(float(a_text) - a) < abs(a - e) / 2
    assert len(e_text) <= 10  # the fewest digits that differ (0.01997 vs 0.01997003), not all 17
