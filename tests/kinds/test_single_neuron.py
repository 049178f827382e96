"""The single-neuron exercise: a sigmoid neuron, J = 1/(2m) sum((y - t)**2) over a batch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradecheck import strategies as gst
from gradecheck._exercises import load_exercise
from gradecheck._kinds import kind_of

EXERCISE = load_exercise("single-neuron")
KIND = kind_of(EXERCISE)
GIVEN = KIND.given_instance(EXERCISE.given)
HIDDEN = "hidden: random batches, weights, biases and targets"
GRADIENTS = {"dJ/dw1", "dJ/dw2", "dJ/db"}


def failed_tests(result: dict[str, Any]) -> set[str]:
    return {test["name"] for test in result["tests"] if test["status"] == "failed"}


def _cost(w: np.ndarray, b: float, X: np.ndarray, t: np.ndarray) -> float:
    """Written independently of the kind: a loop over the examples, as the seed's sum reads."""
    m = len(t)
    total = 0.0
    for i in range(m):
        y = 1.0 / (1.0 + np.exp(-(float(np.dot(X[i], w)) + b)))
        total += (y - t[i]) ** 2
    return total / (2 * m)


def _central_differences(w, b, X, t, h: float = 1e-6) -> tuple[np.ndarray, float]:
    dw = np.array([(_cost(w + h * e, b, X, t) - _cost(w - h * e, b, X, t)) / (2 * h) for e in np.eye(w.size)])
    return dw, (_cost(w, b + h, X, t) - _cost(w, b - h, X, t)) / (2 * h)


def _check_against_differences(instance: dict[str, Any]) -> None:
    w, b, X, t = instance["w"], float(instance["b"]), instance["X"], instance["t"]
    expected = KIND.expected(instance)
    m, n = X.shape
    assert expected["y"].shape == (m,) and expected["dw"].shape == (n,) and expected["db"].shape == ()
    np.testing.assert_allclose(expected["y"], 1.0 / (1.0 + np.exp(-(X @ w + b))), rtol=1e-13)
    assert float(expected["J"]) == pytest.approx(_cost(w, b, X, t), rel=1e-12, abs=1e-15)
    dw, db = _central_differences(w, b, X, t)
    np.testing.assert_allclose(expected["dw"], dw, rtol=1e-6, atol=1e-9)
    assert float(expected["db"]) == pytest.approx(db, rel=1e-6, abs=1e-9)


def test_given_batch_is_four_examples_of_two_features() -> None:
    assert GIVEN["X"].shape == (4, 2) and GIVEN["t"].shape == (4,) and GIVEN["w"].shape == (2,)


def test_worked_example_agrees_with_central_differences() -> None:
    _check_against_differences(GIVEN)


@settings(max_examples=40, deadline=None)
@given(KIND.instance_strategy(EXERCISE.settings))
def test_hidden_instances_agree_with_central_differences(instance: dict[str, Any]) -> None:
    m, n = instance["X"].shape
    assert 1 <= m <= 6 and 1 <= n <= 3
    assert np.all((0.0 <= instance["t"]) & (instance["t"] <= 1.0))
    _check_against_differences(instance)


@settings(max_examples=10, deadline=None)
@given(st.tuples(st.integers(9, 20), st.integers(5, 9)).flatmap(
    lambda shape: st.fixed_dictionaries({
        "w": gst.float64_arrays(shape[1], max_magnitude=0.5),
        "b": gst.float64_arrays((), max_magnitude=0.5),
        "X": gst.float64_arrays(shape, max_magnitude=1.0),
        "t": gst.float64_arrays(shape[0], max_magnitude=1.0),
    })
))
def test_batches_larger_than_the_padding_still_agree(instance: dict[str, Any]) -> None:
    _check_against_differences(instance)


@settings(max_examples=30, deadline=None)
@given(KIND.instance_strategy(EXERCISE.settings))
def test_numpy_mistake_model_agrees_with_the_jax_reference(instance: dict[str, Any]) -> None:
    expected = KIND.expected(instance)
    m = instance["X"].shape[0]
    summed = KIND.mistaken(instance, "batch-mean-mismatch")
    assert summed is not None
    np.testing.assert_allclose(summed["J"], expected["J"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(summed["dw"], m * expected["dw"], rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(summed["db"], m * expected["db"], rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize(
    ("stem", "lost"),
    [
        ("batch-mean-mismatch", GRADIENTS | {HIDDEN}),
        ("factor-two", GRADIENTS | {HIDDEN}),
        ("missing-activation-derivative", GRADIENTS | {HIDDEN}),
        ("bias-not-summed", {"dJ/db", HIDDEN}),
    ],
)
def test_mistakes_lose_exactly_their_items(grade: Any, reference_dir: Path, stem: str, lost: set[str]) -> None:
    result = grade("single-neuron", reference_dir / "single-neuron" / "mistakes" / f"{stem}.py")
    assert failed_tests(result) == lost
    assert result["gradecheck"]["mistakes"] == [stem]


@pytest.mark.parametrize("stem", ["batch-mean-mismatch", "bias-not-summed"])
def test_batch_mistakes_need_a_batch_to_show(grade: Any, reference_dir: Path, stem: str) -> None:
    # With one example both mistakes give the right answer, so the shrunk counterexample has m >= 2 rows.
    result = grade("single-neuron", reference_dir / "single-neuron" / "mistakes" / f"{stem}.py")
    output = next(test["output"] for test in result["tests"] if test["name"] == HIDDEN)
    described = output.split("Smallest failing instance found:")[1]
    x_block = described.split("X = ")[1].split("t = ")[0]
    assert x_block.count("[") >= 3  # the outer bracket and at least two rows
    assert "w = [" in described and "b = " in described
