"""The multiply-gate exercise: a MultiplyGate class under the layer protocol (C5)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings

from gradecheck._exercises import load_exercise
from gradecheck._kinds import get_kind

EXERCISE = load_exercise("multiply-gate")
KIND = get_kind(EXERCISE.kind)
GIVEN = KIND.given_instance(EXERCISE.given)
SCALAR_GRADIENTS = {"scalars: dx", "scalars: dy"}
ARRAY_GRADIENTS = {f"arrays: {name}[{i},{j}]" for name in ("dX", "dY") for i in range(2) for j in range(3)}
HIDDEN = "hidden: random scalars and arrays"
REFERENCE_CLASS = (
    "class MultiplyGate:\n"
    "    def forward(self, x, y):\n        self.x, self.y = x, y\n        return x * y\n\n"
    "    def backward(self, dz):\n        return [self.y * dz, self.x * dz]\n"
)


def failed_tests(result: dict[str, Any]) -> set[str]:
    return {test["name"] for test in result["tests"] if test["status"] == "failed"}


def _vjp_by_differences(x: np.ndarray, y: np.ndarray, dz: np.ndarray, h: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
    """Central differences of sum(dz * x * y) with respect to each entry of x and of y."""
    def loss(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.sum(dz * a * b))

    grads = []
    for moving in (0, 1):
        base = (x, y)[moving]
        grad = np.zeros(base.size)
        for k in range(base.size):
            step = np.zeros(base.size)
            step[k] = h
            plus, minus = base + step.reshape(base.shape), base - step.reshape(base.shape)
            args_plus = (plus, y) if moving == 0 else (x, plus)
            args_minus = (minus, y) if moving == 0 else (x, minus)
            grad[k] = (loss(*args_plus) - loss(*args_minus)) / (2 * h)
        grads.append(grad.reshape(base.shape))
    return grads[0], grads[1]


def test_scalar_example_is_the_last_node_of_the_circuit() -> None:
    expected = KIND.expected(GIVEN)
    q, z = -2.0 + 5.0, -4.0  # circuit at x = -2, y = 5, z = -4
    assert (float(GIVEN["x"]), float(GIVEN["y"]), float(GIVEN["dz"])) == (q, z, 1.0)
    assert float(expected["z"]) == q * z
    assert [float(expected["d_x"]), float(expected["d_y"])] == [z, q] == [-4.0, 3.0]
    # Chained with the add gate (local gradient 1), the gate's dx is the circuit's df/dx.
    circuit = get_kind("circuit")
    worked = circuit.expected(circuit.given_instance(load_exercise("circuit").given))
    assert float(expected["d_x"]) * 1.0 == float(worked["d_x"]) and float(expected["d_y"]) == float(worked["d_z"])


def test_array_example_matches_finite_differences() -> None:
    expected = KIND.expected(GIVEN)
    X, Y, dZ = GIVEN["X"], GIVEN["Y"], GIVEN["dZ"]
    assert X.shape == Y.shape == dZ.shape == (2, 3) and not np.all(dZ == 1.0)
    np.testing.assert_array_equal(expected["Z"], X * Y)
    dX, dY = _vjp_by_differences(X, Y, dZ)
    np.testing.assert_allclose(expected["d_X"], dX, rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(expected["d_Y"], dY, rtol=1e-7, atol=1e-8)


@settings(max_examples=40, deadline=None)
@given(KIND.instance_strategy(EXERCISE.settings))
def test_reference_on_random_shapes(instance: dict[str, Any]) -> None:
    expected = KIND.expected(instance)
    for (x, y, dz), (z, dx, dy) in (
        (("x", "y", "dz"), ("z", "d_x", "d_y")),
        (("X", "Y", "dZ"), ("Z", "d_X", "d_Y")),
    ):
        a, b, up = instance[x], instance[y], instance[dz]
        assert a.shape == b.shape == up.shape == expected[z].shape == expected[dx].shape
        np.testing.assert_array_equal(expected[z], a * b)
        np.testing.assert_array_equal(expected[dx], b * up)
        np.testing.assert_array_equal(expected[dy], a * up)


def test_reference_handles_arrays_larger_than_the_padding() -> None:
    rng = np.random.default_rng(0)
    X, Y, dZ = (rng.normal(size=(9, 8)) for _ in range(3))
    expected = KIND.expected({**GIVEN, "X": X, "Y": Y, "dZ": dZ})
    np.testing.assert_array_equal(expected["d_X"], Y * dZ)
    np.testing.assert_array_equal(expected["d_Y"], X * dZ)


@pytest.mark.parametrize(
    ("mistake", "lost"),
    [
        ("swapped-local-gradients", SCALAR_GRADIENTS | ARRAY_GRADIENTS | {HIDDEN}),
        # Right wherever dz = 1 (the whole scalar example), wrong elsewhere.
        ("upstream-ignored", {f"arrays: {n}[{i},{j}]" for n in ("dX", "dY") for i, j in ((0, 1), (0, 2), (1, 0), (1, 2))} | {HIDDEN}),
        # Right where the true gradient is 0 (X[1,1] = 0, so dY[1,1] = -0).
        ("sign-error", SCALAR_GRADIENTS | (ARRAY_GRADIENTS - {"arrays: dY[1,1]"}) | {HIDDEN}),
    ],
)
def test_each_mistake_loses_exactly_its_items(grade: Any, reference_dir: Path, mistake: str, lost: set[str]) -> None:
    result = grade("multiply-gate", reference_dir / "multiply-gate" / "mistakes" / f"{mistake}.py")
    assert failed_tests(result) == lost
    assert result["gradecheck"]["mistakes"] == [mistake]


def test_each_check_uses_a_fresh_gate_and_keeps_state_between_forward_and_backward(grade: Any) -> None:
    # A gate that only works once (it refuses a second forward) still passes: every case gets a new object.
    once = REFERENCE_CLASS.replace(
        "        self.x, self.y = x, y\n",
        "        assert not hasattr(self, 'x'), 'forward called twice on one gate'\n        self.x, self.y = x, y\n",
    )
    result = grade("multiply-gate", once)
    assert result["score"] == result["max_score"]


def test_a_missing_class_is_reported_by_name(grade: Any) -> None:
    functions = "def forward(x, y):\n    return x * y\n\ndef backward(dz):\n    return [dz, dz]\n"
    result = grade("multiply-gate", functions)
    assert result["score"] == 0.0
    message = "the submission does not define a class MultiplyGate (with methods forward(x, y) and backward(dz))"
    assert all(message in t["output"] for t in result["tests"])


def test_the_seeds_class_without_self_fails_with_a_readable_error(grade: Any) -> None:
    seed_version = REFERENCE_CLASS.replace("(self, x, y)", "(x, y)").replace("(self, dz)", "(dz)")
    result = grade("multiply-gate", seed_version)
    assert result["score"] == 0.0
    [first] = [t for t in result["tests"] if t["name"] == "scalars: forward(3, -4)"]
    assert "TypeError while calling .forward()" in first["output"]


def test_wrong_forward_with_a_consistent_backward_gets_no_carried_credit_and_no_crash(grade: Any) -> None:
    # Credit carry-forward needs plain functions; for a class it must quietly not apply.
    adding = (
        "class MultiplyGate:\n"
        "    def forward(self, x, y):\n        self.x = x\n        return x + y\n\n"
        "    def backward(self, dz):\n        return [dz, dz]\n\n"
        "def forward(x, y):\n    return x * y\n"
    )
    result = grade("multiply-gate", adding)
    assert {"scalars: forward(3, -4)", "scalars: dx", "scalars: dy"} <= failed_tests(result)
    assert all("carried forward" not in t["output"] for t in result["tests"])
