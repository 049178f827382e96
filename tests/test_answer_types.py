"""Answers are numbers (gradecheck._answer_types): text, booleans, None, dicts and objects get no credit.

numpy converts the text "0.0517" and the boolean True to floats; every place where a submission's
value becomes an array (the kinds' as_output_array, mlp-backprop's layer arrays, check_gradients,
compare_gradients) must refuse them instead, naming the output, what was found and what to return.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from gradecheck import compare_gradients
from gradecheck._answer_types import MAX_DEPTH, non_number
from gradecheck._checks import check_gradients, check_layer
from gradecheck._kinds._base import OutputError, as_output_array
from gradecheck._kinds.mlp_backprop import _layer_array

NUMBERS = [
    0.5,
    3,
    np.float64(0.5),
    np.int32(2),
    np.array([0.5, 1.0]),
    np.arange(3),
    [0.5, 1, np.float32(2.0)],
    ((0.5,), [1.0]),
    np.array([0.5, np.float64(1.0)], dtype=object),
    float("nan"),
]

# (value, where the first non-number is, words the message must contain)
NOT_NUMBERS = [
    (["0.0517", 0.1, 0.2], "[0]", ["d_weights[0] is a str ('0.0517')", "Text is not a number"]),
    ("0.0517", "", ["got a str ('0.0517')", "Text is not a number"]),
    ([0.1, [0.2, True]], "[1][1]", ["d_weights[1][1] is a boolean (True)", "1.0 or 0.0"]),
    (True, "", ["a boolean (True)"]),
    (np.array([True, False]), "", ["a numpy array of booleans"]),
    (None, "", ["got None", "return statement"]),
    ([0.1, None], "[1]", ["d_weights[1] is None"]),
    ({"a": 0.5}, "", ["got a dict", "not a dict"]),
    (b"0.5", "", ["a bytes (b'0.5')"]),
    ([1 + 2j], "[0]", ["a complex number"]),
    (np.array(["0.5"]), "", ["a numpy array of text"]),
    (np.array([0.5, "0.5"], dtype=object), "[1]", ["is a str ('0.5')"]),
    (object(), "", ["got a object"]),
]


def _stable_id(value: object) -> str:
    """A test id that is the same in every process (no memory addresses: pytest-xdist compares them)."""
    return re.sub(r" at 0x[0-9a-f]+", "", repr(value))[:30]


@pytest.mark.parametrize("value", NUMBERS, ids=_stable_id)
def test_numbers_are_accepted(value) -> None:
    assert non_number(value) is None


@pytest.mark.parametrize(("value", "where", "words"), NOT_NUMBERS, ids=lambda v: _stable_id(v))
def test_anything_else_is_found_where_it_is(value, where, words) -> None:
    problem = non_number(value)
    assert problem is not None and problem[0] == where


@pytest.mark.parametrize(("value", "where", "words"), NOT_NUMBERS, ids=lambda v: _stable_id(v))
def test_as_output_array_refuses_non_numbers_with_a_clear_message(value, where, words) -> None:
    with pytest.raises(OutputError) as info:
        as_output_array(value, "d_weights", (3,))
    message = str(info.value)
    assert message.startswith("d_weights should be numbers of shape (3,), got ")
    for word in words:
        assert word in message, message


def test_as_output_array_accepts_numbers_and_reshapes() -> None:
    assert as_output_array([1, 2.5, np.float64(3)], "b", (3,)).tolist() == [1.0, 2.5, 3.0]
    assert as_output_array([[1, 2], [3, 4]], "w", (4,)).shape == (4,)
    assert as_output_array(0.5, "E", ()).shape == ()


def test_decimal_strings_with_the_right_values_are_not_graded_as_numbers() -> None:
    right = [0.05170065195402708, 0.1, 0.2]
    assert np.array([repr(v) for v in right], dtype=np.float64).tolist() == right  # what numpy alone would do
    with pytest.raises(OutputError, match="is a str"):
        as_output_array([repr(v) for v in right], "d_biases", (3,))


def test_nesting_deeper_than_the_limit_is_refused_and_huge_ints_do_not_crash() -> None:
    deep: object = 0.5
    for _ in range(MAX_DEPTH + 5):
        deep = [deep]
    assert non_number(deep) is not None
    with pytest.raises(OutputError, match="nested more than"):
        as_output_array(deep, "a", (1,))
    with pytest.raises(OutputError, match="not an array of numbers"):
        as_output_array([10**400, 1.0, 2.0], "a", (3,))


def test_mlp_layer_arrays_refuse_text() -> None:
    message = _layer_array([["0.5", "0.25"]], "d_weights[0]", (1, 2))
    assert isinstance(message, str) and "d_weights[0][0][0] is a str ('0.5')" in message
    assert _layer_array([[0.5, 0.25]], "d_weights[0]", (1, 2)).tolist() == [[0.5, 0.25]]


def test_check_gradients_refuses_a_gradient_returned_as_text() -> None:
    x = np.array([0.5, -1.5])
    right = check_gradients(lambda v: float(np.sum(v**2)), lambda v: 2 * v, x)
    assert right.passed
    as_text = check_gradients(lambda v: float(np.sum(v**2)), lambda v: [repr(float(g)) for g in 2 * v], x)
    assert not as_text.passed
    assert "str" in as_text.report()


def test_compare_gradients_refuses_a_boolean_among_numbers() -> None:
    result = compare_gradients(np.array([1.0, 0.5]), [True, 0.5])
    assert not result.passed and "bool True at [0] is not a number" in result.report()
    assert compare_gradients(np.array([1.0, 0.5]), [1.0, 0.5]).passed


class _TextLayer:
    """A layer whose forward returns text: check_layer must refuse it, not convert it."""

    def forward(self, x):
        return [repr(float(v)) for v in np.asarray(x) * 2.0]

    def backward(self, upstream):
        return np.asarray(upstream) * 2.0


def test_check_layer_refuses_a_forward_returned_as_text() -> None:
    result = check_layer(_TextLayer, max_examples=5)
    assert not result.passed
    assert "is a str" in result.report()
