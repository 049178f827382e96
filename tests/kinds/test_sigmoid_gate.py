"""The sigmoid-gate exercise: f(w, x) = sigmoid(w0 x0 + w1 x1 + w2)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings

from gradecheck._exercises import load_exercise
from gradecheck._kinds import get_kind

EXERCISE = load_exercise("sigmoid-gate")
KIND = get_kind(EXERCISE.kind)
GIVEN = KIND.given_instance(EXERCISE.given)
D_W = {"df/dw0", "df/dw1", "df/dw2"}
D_X = {"df/dx0", "df/dx1"}
HIDDEN = "hidden: random w and x"


def failed_tests(result: dict[str, Any]) -> set[str]:
    return {test["name"] for test in result["tests"] if test["status"] == "failed"}


def _forward(p: np.ndarray) -> float:
    """p = (w0, w1, w2, x0, x1)."""
    return float(1.0 / (1.0 + np.exp(-(p[0] * p[3] + p[1] * p[4] + p[2]))))


def _central_differences(w: np.ndarray, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    p = np.concatenate([w, x])
    return np.array([(_forward(p + h * e) - _forward(p - h * e)) / (2 * h) for e in np.eye(5)])


def test_worked_example_comes_from_the_jax_reference() -> None:
    w, x = GIVEN["w"], GIVEN["x"]
    np.testing.assert_array_equal(w, [2.0, -3.0, -3.0])
    np.testing.assert_array_equal(x, [-1.0, -2.0])
    expected = KIND.expected(GIVEN)
    gradients = np.concatenate([expected["d_w"], expected["d_x"]])
    np.testing.assert_allclose(gradients, _central_differences(w, x), rtol=1e-7, atol=1e-9)
    # The brief's rounded expectation for df/dw, and the statement's note on the seed's -0.53.
    np.testing.assert_array_equal(np.round(expected["d_w"], 3), [-0.197, -0.393, 0.197])
    u = 1.0 / float(expected["f"])  # u = 1 + exp(-s), the reciprocal gate's input
    assert round(-1.0 / u**2, 2) == -0.53


@settings(max_examples=30, deadline=None)
@given(KIND.instance_strategy(EXERCISE.settings))
def test_reference_matches_the_gate_formula_and_stays_out_of_saturation(instance: dict[str, Any]) -> None:
    w, x = instance["w"], instance["x"]
    s = w[0] * x[0] + w[1] * x[1] + w[2]
    assert abs(s) <= 6.0
    f = 1.0 / (1.0 + np.exp(-s))
    local = f * (1.0 - f)
    expected = KIND.expected(instance)
    np.testing.assert_allclose(expected["d_w"], local * np.array([x[0], x[1], 1.0]), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(expected["d_x"], local * w[:2], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    ("mistake", "lost"),
    [
        ("derivative-on-preactivation", D_W | D_X | {HIDDEN}),
        ("missing-activation-derivative", D_W | D_X | {HIDDEN}),
        ("sign-error", D_W | D_X | {HIDDEN}),
        # dw2 multiplies no input, so swapping inputs leaves it right.
        ("swapped-local-gradients", {"df/dw0", "df/dw1"} | D_X | {HIDDEN}),
    ],
)
def test_each_mistake_loses_exactly_its_items(grade: Any, reference_dir: Path, mistake: str, lost: set[str]) -> None:
    result = grade("sigmoid-gate", reference_dir / "sigmoid-gate" / "mistakes" / f"{mistake}.py")
    assert failed_tests(result) == lost
    assert result["gradecheck"]["mistakes"] == [mistake]


def test_answers_rounded_to_four_decimals_are_accepted_on_the_given_values(grade: Any) -> None:
    expected = KIND.expected(GIVEN)
    rounded = (
        f"def forward(w, x):\n    return {round(float(expected['f']), 4)!r}\n\n"
        f"def backward(w, x):\n    return {np.round(expected['d_w'], 4).tolist()!r}, {np.round(expected['d_x'], 4).tolist()!r}\n"
    )
    assert failed_tests(grade("sigmoid-gate", rounded)) == {HIDDEN}
    two_decimals = (
        f"def forward(w, x):\n    return {round(float(expected['f']), 2)!r}\n\n"
        f"def backward(w, x):\n    return {np.round(expected['d_w'], 2).tolist()!r}, {np.round(expected['d_x'], 2).tolist()!r}\n"
    )
    assert failed_tests(grade("sigmoid-gate", two_decimals)) == {"f"} | D_W | D_X | {HIDDEN}


def test_hidden_counterexample_names_the_instance_without_expected_values(grade: Any, reference_dir: Path) -> None:
    result = grade("sigmoid-gate", reference_dir / "sigmoid-gate" / "mistakes" / "missing-activation-derivative.py")
    [hidden] = [t for t in result["tests"] if t["name"] == HIDDEN]
    assert "w = [0., 0., 0.]" in hidden["output"] and "x = [0., 0.]" in hidden["output"]
    assert "you returned d_w[2] = 1" in hidden["output"]  # only the wrong element: the right ones are expected values
    assert "0.25" not in hidden["output"]  # the right df/dw2 at s = 0 is not revealed
