"""The activations exercise: derivatives of sigmoid, tanh, ReLU and leaky ReLU, convention at 0."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings

from gradecheck._exercises import load_exercise
from gradecheck._kinds import get_kind

EXERCISE = load_exercise("activations")
KIND = get_kind(EXERCISE.kind)
GIVEN = KIND.given_instance(EXERCISE.given)
POINTS = ("-10", "-1", "0", "1", "10")


def failed_tests(result: dict[str, Any]) -> set[str]:
    return {test["name"] for test in result["tests"] if test["status"] == "failed"}


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0.0)


def _leaky(z: np.ndarray, alpha: float) -> np.ndarray:
    return np.where(z > 0, z, alpha * z)


def _central(f: Any, z: np.ndarray, h: float = 1e-6) -> np.ndarray:
    return (f(z + h) - f(z - h)) / (2 * h)


def _left(f: Any, z: np.ndarray, h: float = 1e-6) -> np.ndarray:
    return (f(z) - f(z - h)) / h


def test_given_values_come_from_the_jax_reference() -> None:
    z, alpha = GIVEN["z"], float(GIVEN["alpha"])
    np.testing.assert_array_equal(z, [-10.0, -1.0, 0.0, 1.0, 10.0])
    assert alpha == 0.01
    expected = KIND.expected(GIVEN)
    s = _sigmoid(z)
    np.testing.assert_allclose(expected["d_sigmoid"], _central(_sigmoid, z), rtol=1e-6, atol=1e-10)
    np.testing.assert_allclose(expected["d_sigmoid"], s * (1 - s), rtol=1e-12)
    # tanh'(z) = 4 sigmoid'(2z), an identity independent of tanh itself.
    np.testing.assert_allclose(expected["d_tanh"], 4 * _sigmoid(2 * z) * (1 - _sigmoid(2 * z)), rtol=1e-6)
    np.testing.assert_allclose(expected["d_tanh"], _central(np.tanh, z), rtol=1e-5, atol=1e-10)
    # The statement's rounded claims about the saturated ends.
    assert f"{expected['d_sigmoid'][0]:.1e}" == "4.5e-05" and f"{expected['d_tanh'][-1]:.0e}" == "8e-09"


def test_the_convention_at_zero_is_the_left_derivative() -> None:
    expected = KIND.expected(GIVEN)
    z, alpha = GIVEN["z"], float(GIVEN["alpha"])
    kink = z == 0
    # Exactly the left derivative at 0, not the central difference (0.5, 0.505).
    np.testing.assert_allclose(expected["d_relu"][kink], _left(_relu, z[kink]), atol=1e-9)
    np.testing.assert_allclose(expected["d_leaky_relu"][kink], _left(lambda v: _leaky(v, alpha), z[kink]), atol=1e-9)
    assert expected["d_relu"][kink].tolist() == [0.0]
    assert expected["d_leaky_relu"][kink].tolist() == [alpha]
    away = ~kink
    np.testing.assert_allclose(expected["d_relu"][away], _central(_relu, z[away]), atol=1e-9)
    np.testing.assert_allclose(expected["d_leaky_relu"][away], _central(lambda v: _leaky(v, alpha), z[away]), atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(KIND.instance_strategy(EXERCISE.settings))
def test_hidden_instances_avoid_the_kink_and_match_finite_differences(instance: dict[str, Any]) -> None:
    z, alpha = instance["z"], float(instance["alpha"])
    assert 1 <= z.ndim <= 2
    assert np.all(np.abs(z) >= 0.05 - 1e-12) and np.all(np.abs(z) <= 4.0)
    np.testing.assert_array_equal(z, np.round(z * 100) / 100)  # stays on the 0.01 grid
    assert 0.01 <= alpha <= 0.3
    expected = KIND.expected(instance)
    for key in ("d_sigmoid", "d_tanh", "d_relu", "d_leaky_relu"):
        assert expected[key].shape == z.shape
    np.testing.assert_allclose(expected["d_sigmoid"], _central(_sigmoid, z), rtol=1e-6, atol=1e-10)
    np.testing.assert_allclose(expected["d_tanh"], _central(np.tanh, z), rtol=1e-5, atol=1e-10)
    np.testing.assert_allclose(expected["d_relu"], _central(_relu, z), atol=1e-8)
    np.testing.assert_allclose(expected["d_leaky_relu"], _central(lambda v: _leaky(v, alpha), z), atol=1e-8)


def test_reference_handles_arrays_larger_than_the_padding() -> None:
    z = np.linspace(-3, 3, 7 * 11).reshape(7, 11)
    expected = KIND.expected({"z": z, "alpha": np.array(0.2)})
    np.testing.assert_allclose(expected["d_leaky_relu"], np.where(z > 0, 1.0, 0.2))
    np.testing.assert_allclose(expected["d_tanh"], 1 - np.tanh(z) ** 2, rtol=1e-12)


@pytest.mark.parametrize(
    ("mistake", "lost"),
    [
        ("derivative-on-preactivation", {f"sigmoid'({p})" for p in POINTS} | {"hidden: sigmoid_derivative on random arrays"}),
        # 1 - z**2 agrees with 1 - tanh(z)**2 at z = 0 only.
        (
            "tanh-derivative-on-preactivation",
            {f"tanh'({p})" for p in POINTS if p != "0"} | {"hidden: tanh_derivative on random arrays"},
        ),
        # Only the kink differs; hidden inputs stay away from it.
        ("relu-derivative-at-zero", {"relu'(0)", "leaky_relu'(0)"}),
    ],
)
def test_each_mistake_loses_exactly_its_items(grade: Any, reference_dir: Path, mistake: str, lost: set[str]) -> None:
    result = grade("activations", reference_dir / "activations" / "mistakes" / f"{mistake}.py")
    assert failed_tests(result) == lost
    assert result["gradecheck"]["mistakes"] == [mistake]


def test_the_kink_diagnosis_states_the_convention(grade: Any, reference_dir: Path) -> None:
    result = grade("activations", reference_dir / "activations" / "mistakes" / "relu-derivative-at-zero.py")
    [diagnosis] = result["gradecheck"]["diagnosis"]
    assert "relu'(0) = 0" in diagnosis["explanation"] and "leaky_relu'(0) = alpha" in diagnosis["explanation"]
    assert "relu'(0) = 0" in EXERCISE.statement and "leaky_relu'(0) = α" in EXERCISE.statement


def test_a_fixed_slope_fails_only_the_leaky_checks_with_other_slopes(grade: Any, reference_dir: Path) -> None:
    source = (reference_dir / "activations" / "solution.py").read_text().replace("np.where(z > 0, 1.0, alpha)", "np.where(z > 0, 1.0, 0.01)")
    result = grade("activations", source)
    assert failed_tests(result) == {"hidden: leaky_relu_derivative on random arrays and slopes"}
    [hidden] = [t for t in result["tests"] if t["status"] == "failed"]
    assert "alpha = " in hidden["output"] and "(used by leaky_relu_derivative only)" in hidden["output"]


def test_scalar_loops_over_one_dimension_fail_on_two_dimensional_arrays(grade: Any, reference_dir: Path) -> None:
    source = (reference_dir / "activations" / "solution.py").read_text().replace(
        "def relu_derivative(z):\n    return np.where(z > 0, 1.0, 0.0)",
        "def relu_derivative(z):\n    return np.array([1.0 if v > 0 else 0.0 for v in z])",
    )
    result = grade("activations", source)
    assert failed_tests(result) == {"hidden: relu_derivative on random arrays"}
