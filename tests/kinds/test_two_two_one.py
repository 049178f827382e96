"""The two-two-one exercise: the seed's 2-2-1 sigmoid network, no biases, one SGD step."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings

from gradecheck._exercises import load_exercise
from gradecheck._kinds import kind_of
from gradecheck._kinds._network_spec import flat_positions

EXERCISE = load_exercise("two-two-one")
KIND = kind_of(EXERCISE)
GIVEN = KIND.given_instance(EXERCISE.given)
HIDDEN = "hidden: random weights, inputs, targets and learning rates"
GRADIENTS = {f"dE/dw{k}" for k in range(1, 7)}
UPDATES = {f"w{k} new" for k in range(1, 7)}
FIRST_LAYER = {f"dE/dw{k}" for k in range(1, 5)}


def failed_tests(result: dict[str, Any]) -> set[str]:
    return {test["name"] for test in result["tests"] if test["status"] == "failed"}


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + np.exp(-z))


def _output(w: np.ndarray, x: np.ndarray) -> float:
    """The statement's formulas, written out edge by edge."""
    h_a = _sigmoid(x[0] * w[0] + x[1] * w[2])
    h_b = _sigmoid(x[0] * w[1] + x[1] * w[3])
    return _sigmoid(h_a * w[4] + h_b * w[5])


def _loss(w: np.ndarray, x: np.ndarray, target: float) -> float:
    return 0.5 * (target - _output(w, x)) ** 2


def _central_differences(w: np.ndarray, x: np.ndarray, target: float, h: float = 1e-6) -> np.ndarray:
    return np.array([(_loss(w + h * e, x, target) - _loss(w - h * e, x, target)) / (2 * h) for e in np.eye(w.size)])


def test_the_numbering_is_the_seed_table() -> None:
    # docs/notes/seeds.md section 5: w1 x1->h_a, w2 x1->h_b, w3 x2->h_a, w4 x2->h_b, w5 h_a->y, w6 h_b->y,
    # as (layer index, receiving unit, sending unit) of each flat index.
    assert flat_positions(KIND.spec, (2, 2, 1)) == ((0, 0, 0), (0, 1, 0), (0, 0, 1), (0, 1, 1), (1, 0, 0), (1, 0, 1))
    # Reading row by row (the weight-numbering-mixed-up mistake) swaps w2 and w3 only.
    assert flat_positions(KIND.spec, (2, 2, 1), "row_major") == (
        (0, 0, 0), (0, 0, 1), (0, 1, 0), (0, 1, 1), (1, 0, 0), (1, 0, 1)
    )


def test_given_values_are_the_seeds() -> None:
    np.testing.assert_array_equal(GIVEN["w"], [0.1, 0.5, 0.4, 0.3, 0.2, 0.6])
    np.testing.assert_array_equal(GIVEN["x"], [0.23, 0.82])
    assert float(GIVEN["target"]) == 1.0 and float(GIVEN["learning_rate"]) == 0.7


def test_worked_example_agrees_with_central_differences() -> None:
    w, x, target, rate = GIVEN["w"], GIVEN["x"], float(GIVEN["target"]), float(GIVEN["learning_rate"])
    expected = KIND.expected(GIVEN)
    assert expected["y"].shape == () and expected["E"].shape == () and expected["dw"].shape == (6,)
    assert float(expected["y"]) == pytest.approx(_output(w, x), rel=1e-14)
    assert float(expected["E"]) == pytest.approx(_loss(w, x, target), rel=1e-14)
    numeric = _central_differences(w, x, target)
    np.testing.assert_allclose(expected["dw"], numeric, rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(expected["w_new"], w - rate * numeric, rtol=1e-9)


def test_worked_example_matches_the_seed_audit() -> None:
    # The float64 values recomputed in docs/notes/seeds.md (section 5), to their 6 printed decimals.
    dw = KIND.expected(GIVEN)["dw"]
    assert dw[4] == pytest.approx(-0.053381, abs=5e-7)
    assert dw[0] == pytest.approx(-0.001014, abs=5e-7)
    # The slide's own -0.0533 came from multiplying rounded factors; four decimals of the exact value differ.
    assert round(float(dw[4]), 4) == -0.0534


def test_loss_decreases_after_the_step() -> None:
    # The statement promises that E drops after one step.
    expected = KIND.expected(GIVEN)
    after = KIND.expected({**GIVEN, "w": expected["w_new"]})
    assert float(after["E"]) < float(expected["E"])


@settings(max_examples=40, deadline=None)
@given(KIND.instance_strategy(EXERCISE.settings))
def test_numpy_mistake_model_agrees_with_the_jax_reference(instance: dict[str, Any]) -> None:
    # The sign error is the model's correct backward pass negated: this ties the numpy model to JAX.
    expected = KIND.expected(instance)
    flipped = KIND.mistaken(instance, "sign-error")
    assert flipped is not None
    np.testing.assert_allclose(flipped["y"], expected["y"], rtol=1e-12)
    np.testing.assert_allclose(flipped["E"], expected["E"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(-flipped["dw"], expected["dw"], rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(
        flipped["w_new"], instance["w"] + instance["learning_rate"] * expected["dw"], rtol=1e-12, atol=1e-15
    )
    assert 0.0 <= float(instance["target"]) <= 1.0
    assert 0.01 <= float(instance["learning_rate"]) <= 1.0


def test_no_mistake_model_for_unknown_ids() -> None:
    assert KIND.mistaken(GIVEN, "hidden-uses-one-output") is None  # one output: the mistake cannot happen
    assert "hidden-uses-one-output" not in KIND.mistakes


@pytest.mark.parametrize(
    ("stem", "lost"),
    [
        ("hidden-activation-derivative-missing", FIRST_LAYER | {f"w{k} new" for k in range(1, 5)} | {HIDDEN}),
        ("sign-error", GRADIENTS | UPDATES | {HIDDEN}),
        ("factor-two", GRADIENTS | UPDATES | {HIDDEN}),
    ],
)
def test_mistakes_lose_exactly_their_items(grade: Any, reference_dir: Path, stem: str, lost: set[str]) -> None:
    result = grade("two-two-one", reference_dir / "two-two-one" / "mistakes" / f"{stem}.py")
    assert failed_tests(result) == lost
    assert result["gradecheck"]["mistakes"][0] == stem


def test_numbering_mix_up_keeps_gradient_credit_but_not_the_update(grade: Any, reference_dir: Path) -> None:
    result = grade("two-two-one", reference_dir / "two-two-one" / "mistakes" / "weight-numbering-mixed-up.py")
    assert result["gradecheck"]["mistakes"] == ["weight-numbering-mixed-up"]
    failed = failed_tests(result)
    assert HIDDEN in failed
    assert {"w2 new", "w3 new"} <= failed
    # Its gradients are the delta rule applied to its own (miswired) network: credit carries forward.
    outputs = {test["name"]: test["output"] for test in result["tests"]}
    assert not failed & GRADIENTS
    assert "from your own (wrong) forward pass" in outputs["dE/dw2"]


def _hard_coded(values: dict[str, np.ndarray], decimals: int) -> str:
    def show(key: str) -> str:
        return repr(np.round(np.asarray(values[key], dtype=float), decimals).tolist())

    return (
        f"def forward(w, x):\n    return {show('y')}\n\n"
        f"def loss(w, x, target):\n    return {show('E')}\n\n"
        f"def gradients(w, x, target):\n    return {show('dw')}\n\n"
        f"def sgd_step(w, x, target, learning_rate):\n    return {show('w_new')}\n"
    )


def test_answers_rounded_to_four_decimals_get_the_given_items(grade: Any) -> None:
    result = grade("two-two-one", _hard_coded(KIND.expected(GIVEN), 4))
    assert failed_tests(result) == {HIDDEN}
    hidden = next(test for test in result["tests"] if test["name"] == HIDDEN)
    # The counterexample shows the instance, never the expected values.
    assert "w = [" in hidden["output"] and "learning_rate = " in hidden["output"]
    assert "expected" not in hidden["output"]


def test_answers_rounded_to_two_decimals_lose_gradients(grade: Any) -> None:
    result = grade("two-two-one", _hard_coded(KIND.expected(GIVEN), 2))
    assert {"dE/dw4", "dE/dw5", "dE/dw6", "y", "E"} <= failed_tests(result)
