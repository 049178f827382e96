"""The relu-sigmoid exercise: ReLU hidden layer, sigmoid output, binary cross-entropy."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings

from gradecheck._exercises import ExerciseSpecError, load_exercise
from gradecheck._kinds import kind_of

EXERCISE = load_exercise("relu-sigmoid")
KIND = kind_of(EXERCISE)
GIVEN = KIND.given_instance(EXERCISE.given)
HIDDEN = "hidden: random parameters, inputs and labels"
PARAMETERS = ("W1", "b1", "W2", "b2")
#: The least |z1| of any hidden unit, on the given values and on hidden instances ([settings] kink_margin).
KINK_MARGIN = 0.05


def hidden_preactivations(instance: dict[str, Any]) -> np.ndarray:
    """``z1 = W1 @ x + b1``, shape (4,)."""
    return np.asarray(instance["W1"]) @ np.asarray(instance["x"]) + np.asarray(instance["b1"])


def failed_tests(result: dict[str, Any]) -> set[str]:
    return {test["name"] for test in result["tests"] if test["status"] == "failed"}


def _loss(W1, b1, W2, b2, x, t) -> float:
    """Written independently of the kind: explicit ReLU and the log form of the cross-entropy."""
    a1 = np.where(W1 @ x + b1 > 0, W1 @ x + b1, 0.0)
    y = 1.0 / (1.0 + np.exp(-(W2 @ a1 + b2)[0]))
    return float(-(t * np.log(y) + (1 - t) * np.log(1 - y)))


def _central_differences(instance: dict[str, Any], h: float = 1e-6) -> dict[str, np.ndarray]:
    values = {key: np.asarray(instance[key], dtype=float) for key in PARAMETERS + ("x",)}
    t = float(instance["t"])
    numeric = {}
    for key in PARAMETERS:
        grad = np.zeros_like(values[key])
        for index in np.ndindex(grad.shape):
            moved = []
            for sign in (1.0, -1.0):
                changed = values[key].copy()
                changed[index] += sign * h
                moved.append(_loss(*(changed if k == key else values[k] for k in PARAMETERS + ("x",)), t))
            grad[index] = (moved[0] - moved[1]) / (2 * h)
        numeric[key] = grad
    return numeric


def test_given_values_stay_off_the_kink_with_units_on_and_off() -> None:
    assert KIND.spec.sampling.kink_margin == KINK_MARGIN
    z1 = hidden_preactivations(GIVEN)
    assert np.all(np.abs(z1) >= KINK_MARGIN)
    # The statement says two of the four hidden units are off.
    assert int(np.sum(z1 > 0)) == 2 and int(np.sum(z1 < 0)) == 2


def test_worked_example_agrees_with_central_differences() -> None:
    expected = KIND.expected(GIVEN)
    args = [GIVEN[key] for key in PARAMETERS + ("x",)]
    assert float(expected["E"]) == pytest.approx(_loss(*args, float(GIVEN["t"])), rel=1e-13)
    numeric = _central_differences(GIVEN)
    for key in PARAMETERS:
        assert expected[f"d{key}"].shape == np.shape(GIVEN[key])
        np.testing.assert_allclose(expected[f"d{key}"], numeric[key], rtol=1e-6, atol=1e-9, err_msg=key)
    # With cross-entropy after a sigmoid, dE/dz2 = y - t (the statement's claim).
    assert float(expected["db2"][0]) == pytest.approx(float(expected["y"]) - float(GIVEN["t"]), rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(KIND.instance_strategy(EXERCISE.settings))
def test_hidden_instances_keep_clear_of_the_kink_and_of_saturation(instance: dict[str, Any]) -> None:
    z1 = hidden_preactivations(instance)
    assert np.all(np.abs(z1) >= KINK_MARGIN)
    a1 = np.maximum(z1, 0.0)
    z2 = instance["W2"] @ a1 + instance["b2"]
    assert np.all(np.abs(z2) <= 6.0)
    assert 0.0 <= float(instance["t"]) <= 1.0
    assert all(np.all(np.abs(instance[key]) <= 1.0) for key in PARAMETERS)
    assert np.all(np.abs(instance["x"]) <= 2.0)
    # And the numpy mistake model agrees with the JAX reference (the sign error negates it).
    expected = KIND.expected(instance)
    flipped = KIND.mistaken(instance, "sign-error")
    assert flipped is not None
    np.testing.assert_allclose(flipped["E"], expected["E"], rtol=1e-12)
    for key in PARAMETERS:
        np.testing.assert_allclose(-flipped[f"d{key}"], expected[f"d{key}"], rtol=1e-9, atol=1e-15, err_msg=key)


def test_given_values_on_the_kink_are_rejected(tmp_path: Path) -> None:
    folder = tmp_path / "relu-sigmoid"
    shutil.copytree(EXERCISE.directory, folder)
    spec = folder / "exercise.toml"
    # Hidden unit 1 has W1[0] @ x = 0.5 - 0.2 - 0.2 = 0.1, so b1[0] = -0.1 puts it on the kink.
    spec.write_text(spec.read_text().replace("b1 = [0.1, 0.2, -0.3, 0.05]", "b1 = [-0.1, 0.2, -0.3, 0.05]"))
    with pytest.raises(ExerciseSpecError, match="hidden unit\\(s\\) 1 .*kink"):
        load_exercise(folder)


def _rows(name: str, rows: tuple[int, ...], columns: int) -> set[str]:
    return {f"{name}[{i},{j}]" for i in rows for j in range(columns)}


@pytest.mark.parametrize(
    ("stem", "lost"),
    [
        # The off units (rows 1 and 3) get gradients they must not have.
        ("hidden-activation-derivative-missing", _rows("dE/dW1", (1, 3), 3) | {"dE/db1[1]", "dE/db1[3]", HIDDEN}),
        # dE/da1 = (-0.26, 0.22, -0.13, -0.35): clipping it at 0 drops units 0 and 2 (on) and lets unit 1
        # (off) through; unit 3 (off, negative gradient) stays 0 by chance.
        (
            "relu-mask-from-gradient",
            _rows("dE/dW1", (0, 1, 2), 3) | {"dE/db1[0]", "dE/db1[1]", "dE/db1[2]", HIDDEN},
        ),
        (
            "extra-sigmoid-derivative",
            _rows("dE/dW1", (0, 2), 3) | {"dE/db1[0]", "dE/db1[2]", "dE/dW2[0,0]", "dE/dW2[0,2]", "dE/db2", HIDDEN},
        ),
    ],
)
def test_mistakes_lose_exactly_their_items(grade: Any, reference_dir: Path, stem: str, lost: set[str]) -> None:
    result = grade("relu-sigmoid", reference_dir / "relu-sigmoid" / "mistakes" / f"{stem}.py")
    assert failed_tests(result) == lost
    assert result["gradecheck"]["mistakes"][0] == stem


def test_transposed_gradient_keeps_the_output_layer(grade: Any, reference_dir: Path) -> None:
    result = grade("relu-sigmoid", reference_dir / "relu-sigmoid" / "mistakes" / "transposed-weight-gradient.py")
    failed = failed_tests(result)
    assert result["gradecheck"]["mistakes"] == ["transposed-weight-gradient"]
    assert HIDDEN in failed and any(name.startswith("dE/dW1[") for name in failed)
    assert not any(name.startswith(("dE/dW2", "dE/db")) for name in failed)


def test_hidden_counterexample_shows_the_parameters(grade: Any, reference_dir: Path) -> None:
    result = grade("relu-sigmoid", reference_dir / "relu-sigmoid" / "mistakes" / "relu-mask-from-gradient.py")
    output = next(test["output"] for test in result["tests"] if test["name"] == HIDDEN)
    for key in ("W1 = [[", "b1 = [", "W2 = [[", "b2 = [", "x = [", "t = "):
        assert key in output
    assert "db1 is wrong" in output or "dW1 is wrong" in output
