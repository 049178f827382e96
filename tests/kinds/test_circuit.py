"""The circuit exercise: f(x, y, z) = (x + y) z."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings

from gradecheck._exercises import load_exercise
from gradecheck._kinds import get_kind


def failed_tests(result: dict[str, Any]) -> set[str]:
    return {test["name"] for test in result["tests"] if test["status"] == "failed"}

EXERCISE = load_exercise("circuit")
KIND = get_kind(EXERCISE.kind)
GIVEN = KIND.given_instance(EXERCISE.given)
GRADIENT_ITEMS = {"df/dx", "df/dy", "df/dz"}
HIDDEN = "hidden: random x, y and z"


def _forward(x: float, y: float, z: float) -> float:
    return (x + y) * z


def _central_differences(x: float, y: float, z: float, h: float = 1e-6) -> np.ndarray:
    point = np.array([x, y, z])
    rows = []
    for k in range(3):
        step = np.eye(3)[k] * h
        rows.append((_forward(*(point + step)) - _forward(*(point - step))) / (2 * h))
    return np.array(rows)


def _gradients(expected: dict[str, np.ndarray]) -> np.ndarray:
    return np.array([float(expected[key]) for key in ("d_x", "d_y", "d_z")])


def test_worked_example_comes_from_the_jax_reference() -> None:
    x, y, z = (float(GIVEN[key]) for key in ("x", "y", "z"))
    assert (x, y, z) == (-2.0, 5.0, -4.0)
    expected = KIND.expected(GIVEN)
    q = x + y
    by_formula = np.array([z * 1.0, z * 1.0, q])  # df/dq * dq/dx, df/dq * dq/dy, df/dz
    np.testing.assert_array_equal(_gradients(expected), by_formula)
    np.testing.assert_allclose(_gradients(expected), _central_differences(x, y, z), rtol=1e-7, atol=1e-7)
    assert float(expected["f"]) == q * z
    np.testing.assert_array_equal(_gradients(expected), [-4.0, -4.0, 3.0])


@settings(max_examples=30, deadline=None)
@given(KIND.instance_strategy(EXERCISE.settings))
def test_reference_matches_the_chain_rule_on_random_instances(instance: dict[str, Any]) -> None:
    x, y, z = (float(instance[key]) for key in ("x", "y", "z"))
    assert max(abs(x), abs(y), abs(z)) <= 5.0
    expected = KIND.expected(instance)
    np.testing.assert_allclose(_gradients(expected), [z, z, x + y], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(float(expected["f"]), (x + y) * z, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("mistake", "lost"),
    [
        ("chain-rule-missing", {"df/dx", "df/dy", HIDDEN}),
        ("swapped-local-gradients", GRADIENT_ITEMS | {HIDDEN}),
        ("sign-error", GRADIENT_ITEMS | {HIDDEN}),
    ],
)
def test_each_mistake_loses_exactly_its_items(grade: Any, reference_dir: Path, mistake: str, lost: set[str]) -> None:
    result = grade("circuit", reference_dir / "circuit" / "mistakes" / f"{mistake}.py")
    assert failed_tests(result) == lost
    assert result["gradecheck"]["mistakes"][0] == mistake


def test_hidden_counterexample_is_the_smallest_instance(grade: Any, reference_dir: Path) -> None:
    result = grade("circuit", reference_dir / "circuit" / "mistakes" / "chain-rule-missing.py")
    [hidden] = [t for t in result["tests"] if t["name"] == HIDDEN]
    # At z = 0 every right gradient of x and y is 0, while the mistake returns 1: nothing smaller fails.
    assert "x = 0\n  y = 0\n  z = 0\n" in hidden["output"]
    assert "d_x is wrong" in hidden["output"] and "d_z" not in hidden["output"].split("Hint:")[0]


def test_answers_rounded_to_four_decimals_are_accepted_on_the_given_values(grade: Any) -> None:
    nearly = "def forward(x, y, z):\n    return (x + y) * z + 1e-4\n\ndef backward(x, y, z):\n    return z + 1e-4, z - 1e-4, x + y\n"
    off = nearly.replace("1e-4", "1e-3")
    assert failed_tests(grade("circuit", nearly)) == {HIDDEN}
    assert failed_tests(grade("circuit", off)) == {"f", "df/dx", "df/dy", HIDDEN}


def test_no_credit_carries_forward_since_the_gradients_do_not_use_f(grade: Any) -> None:
    # forward adds an extra x; backward differentiates that other function. The circuit's gradients
    # (z, z, x + y) do not use the forward's output f, so there is no backward rule to apply to a wrong
    # f: the wrong df/dx gets no carried credit; df/dy and df/dz are right anyway.
    source = "def forward(x, y, z):\n    return (x + y) * z + x\n\ndef backward(x, y, z):\n    return z + 1.0, z, x + y\n"
    result = grade("circuit", source)
    assert failed_tests(result) == {"f", "df/dx", HIDDEN}
    assert all("carried forward" not in t["output"] and "own (wrong) forward" not in t["output"] for t in result["tests"])
