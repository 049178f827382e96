"""Exercise mlp-backprop (DESIGN.md C4): worked values, random architectures, mistakes, return parsing."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradecheck
from gradecheck._exercises import load_exercise
from gradecheck._kinds import get_kind

EXERCISE = "mlp-backprop"
MISTAKES_DIR = Path(gradecheck.__file__).resolve().parents[1] / "reference" / EXERCISE / "mistakes"
MISTAKE_IDS = sorted(path.stem for path in MISTAKES_DIR.glob("*.py"))
HIDDEN_OUTPUT = "hidden: output layer of random networks"
HIDDEN_LAYERS = "hidden: hidden layers of random networks (depth up to 4, widths up to 8)"
GIVEN_W0 = {f"d_weights[0][{i},{j}]" for i in range(2) for j in range(2)}
GIVEN_W1 = {"d_weights[1][0,0]", "d_weights[1][0,1]"}
GIVEN_B0 = {"d_biases[0][0]", "d_biases[0][1]"}
GIVEN_B1 = {"d_biases[1][0]"}

KIND = get_kind(load_exercise(EXERCISE).kind)
QUICK = settings(max_examples=25, deadline=None, database=None)


def failed_tests(result: dict[str, Any]) -> set[str]:
    return {test["name"] for test in result["tests"] if test["status"] == "failed"}


def _loss(weights: list[np.ndarray], biases: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> float:
    a = x
    for w, b in zip(weights, biases):
        a = 1.0 / (1.0 + np.exp(-(w @ a + b)))
    return 0.5 * float(np.sum((a - y) ** 2))


def _finite_differences(instance: dict[str, Any], h: float = 1e-6) -> tuple[list[np.ndarray], list[np.ndarray]]:
    weights = [np.array(w, dtype=np.float64) for w in instance["weights"]]
    biases = [np.array(b, dtype=np.float64) for b in instance["biases"]]
    gradients = []
    for parameter in weights + biases:
        gradient = np.zeros_like(parameter)
        for index in np.ndindex(parameter.shape):
            old = parameter[index]
            parameter[index] = old + h
            up = _loss(weights, biases, instance["x"], instance["y"])
            parameter[index] = old - h
            down = _loss(weights, biases, instance["x"], instance["y"])
            parameter[index] = old
            gradient[index] = (up - down) / (2 * h)
        gradients.append(gradient)
    return gradients[: len(weights)], gradients[len(weights) :]


def _by_layer(expected: dict[str, np.ndarray], depth: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    return (
        [expected[f"d_weights[L-{depth - l}]"] for l in range(depth)],
        [expected[f"d_biases[L-{depth - l}]"] for l in range(depth)],
    )


def _call_source(source: str, instance: dict[str, Any]) -> Any:
    namespace: dict[str, Any] = {}
    exec(compile(source, "<variant>", "exec"), namespace)
    weights = [np.array(w, dtype=np.float64) for w in instance["weights"]]
    biases = [np.array(b, dtype=np.float64) for b in instance["biases"]]
    value = namespace["backprop"](weights, biases, instance["x"].copy(), instance["y"].copy())
    # What crosses the sandbox boundary: nested lists.
    return [[np.asarray(g, dtype=np.float64).tolist() for g in part] for part in value]


@pytest.fixture(scope="module")
def graded(grade: Callable[..., dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {stem: grade(EXERCISE, MISTAKES_DIR / f"{stem}.py") for stem in MISTAKE_IDS}


def test_worked_values_match_finite_differences_of_a_numpy_forward() -> None:
    instance = KIND.given_instance(load_exercise(EXERCISE).given)
    d_weights, d_biases = _by_layer(KIND.expected(instance), 2)
    fd_weights, fd_biases = _finite_differences(instance)
    for got, numeric in zip(d_weights + d_biases, fd_weights + fd_biases):
        np.testing.assert_allclose(got, numeric, rtol=1e-6, atol=1e-10)
    # The two-two-one audit's dE/dw1 = -0.001014 and dE/dw5 = -0.053381 (docs/notes/seeds.md section 5).
    assert round(float(d_weights[0][0, 0]), 6) == -0.001014 and round(float(d_weights[1][0, 0]), 6) == -0.053381
    assert all(KIND.expected(instance)[f"d_weights[L-{k}]"].size == 0 for k in (3, 4))


@QUICK
@given(KIND.instance_strategy({}))
def test_expected_values_match_finite_differences_on_random_architectures(instance: dict[str, Any]) -> None:
    depth = len(instance["weights"])
    widths = (instance["x"].size, *(np.shape(w)[0] for w in instance["weights"]))
    assert 1 <= depth <= 4 and all(1 <= n <= 8 for n in widths)
    d_weights, d_biases = _by_layer(KIND.expected(instance), depth)
    fd_weights, fd_biases = _finite_differences(instance)
    for got, numeric in zip(d_weights + d_biases, fd_weights + fd_biases):
        np.testing.assert_allclose(got, numeric, rtol=1e-5, atol=1e-8)


@QUICK
@given(KIND.instance_strategy({}), st.sampled_from(MISTAKE_IDS))
def test_modelled_mistakes_reproduce_the_known_wrong_files(instance: dict[str, Any], mistake: str) -> None:
    expected = KIND.expected(instance)
    value = _call_source((MISTAKES_DIR / f"{mistake}.py").read_text(), instance)
    returned = KIND.parse_return(KIND.entry_points[0], value, KIND.output_keys, expected)
    predicted = KIND.mistaken(instance, mistake)
    for key, value in returned.items():
        if isinstance(value, np.ndarray):
            np.testing.assert_allclose(value, predicted[key], rtol=1e-9, atol=1e-12, err_msg=key)
        else:
            assert key not in predicted, key  # refused shapes are left out of the prediction


@QUICK
@given(KIND.instance_strategy({"max_depth": 1}))
def test_forgetting_the_hidden_derivative_is_right_on_one_layer_networks(instance: dict[str, Any]) -> None:
    source = (MISTAKES_DIR / "hidden-activation-derivative-missing.py").read_text()
    expected = KIND.expected(instance)
    returned = KIND.parse_return(KIND.entry_points[0], _call_source(source, instance), KIND.output_keys, expected)
    for key, value in returned.items():
        np.testing.assert_allclose(value, expected[key], rtol=1e-9, atol=1e-12, err_msg=key)


def test_forgetting_the_hidden_derivative_fails_on_a_two_layer_counterexample(graded: dict[str, Any]) -> None:
    result = graded["hidden-activation-derivative-missing"]
    assert failed_tests(result) == GIVEN_W0 | GIVEN_B0 | {HIDDEN_LAYERS}
    assert result["gradecheck"]["mistakes"][0] == "hidden-activation-derivative-missing"
    (test,) = [t for t in result["tests"] if t["name"] == HIDDEN_LAYERS]
    counterexample = test["output"].split("Smallest failing instance found:\n", 1)[1]
    assert counterexample.lstrip().startswith("L = 2 layers")
    assert "weights[2]" not in counterexample
    assert "d_biases[L-2] is wrong" in counterexample or "d_weights[L-2] is wrong" in counterexample


@pytest.mark.parametrize(
    ("mistake", "lost"),
    [
        ("missing-activation-derivative", GIVEN_W0 | GIVEN_W1 | GIVEN_B0 | GIVEN_B1 | {HIDDEN_OUTPUT, HIDDEN_LAYERS}),
        ("sign-error", GIVEN_W0 | GIVEN_W1 | GIVEN_B0 | GIVEN_B1 | {HIDDEN_OUTPUT, HIDDEN_LAYERS}),
        # a_1 paired with delta: layer 0 is square but wrong, layer 1 comes back (1, 1) instead of (1, 2).
        ("layers-reversed", GIVEN_W0 | GIVEN_W1 | {HIDDEN_OUTPUT, HIDDEN_LAYERS}),
        # Only the square 2x2 layer shows the transposition on the given values (its diagonal is right).
        ("transposed-weight-gradient", {"d_weights[0][0,1]", "d_weights[0][1,0]", HIDDEN_OUTPUT, HIDDEN_LAYERS}),
    ],
)
def test_each_mistake_loses_exactly_its_items(graded: dict[str, dict[str, Any]], mistake: str, lost: set[str]) -> None:
    result = graded[mistake]
    assert failed_tests(result) == lost
    assert result["gradecheck"]["mistakes"][0] == mistake


def test_a_transposed_weight_gradient_is_refused_with_a_reason() -> None:
    instance = KIND.given_instance(
        {"weights": [[[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]], "biases": [[0.0, 0.0]], "x": [1.0, 2.0, 3.0], "y": [0.5, 0.5]}
    )
    expected = KIND.expected(instance)
    d_w, d_b = expected["d_weights[L-1]"], expected["d_biases[L-1]"]
    value = [[d_w.T.tolist()], [d_b.reshape(2, 1).tolist()]]
    parsed = KIND.parse_return(KIND.entry_points[0], value, KIND.output_keys, expected)
    message = parsed["d_weights[L-1]"]
    assert "d_weights[0] should have shape (2, 3), got shape (3, 2): a transposed weight gradient" in message
    np.testing.assert_array_equal(parsed["d_biases[L-1]"], d_b)  # a column vector is fine for a bias
    assert parsed["d_weights[L-2]"].size == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([[1.0]], "backprop should return (d_weights, d_biases), two lists of 1 arrays"),
        (7.0, "got a float"),
        ([[[[1.0, 2.0]]], []], "d_biases should be a list of 1 arrays"),
    ],
)
def test_malformed_returns_get_a_message(value: Any, message: str) -> None:
    instance = KIND.given_instance({"weights": [[[0.1, 0.2]]], "biases": [[0.0]], "x": [1.0, 2.0], "y": [0.5]})
    parsed = KIND.parse_return(KIND.entry_points[0], value, KIND.output_keys, KIND.expected(instance))
    assert any(isinstance(v, str) and message in v for v in parsed.values())


def test_first_wrong_layer_names_where_the_error_enters() -> None:
    instance = KIND.given_instance(
        {
            "weights": [[[0.1, 0.4], [0.5, 0.3]], [[0.2, 0.6], [0.1, 0.1]], [[0.3, -0.2]]],
            "biases": [[0.0, 0.1], [0.2, 0.0], [0.1]],
            "x": [0.23, 0.82],
            "y": [1.0],
        }
    )
    expected = KIND.expected(instance)
    assert KIND.first_wrong_layer(expected, expected) is None
    wrong = KIND.mistaken(instance, "hidden-activation-derivative-missing")
    assert KIND.first_wrong_layer(wrong, expected).startswith(
        "Layer 2 (the output layer) is right and layer 1 is wrong"
    )
    sign = KIND.first_wrong_layer(KIND.mistaken(instance, "sign-error"), expected)
    assert sign.startswith("The first wrong layer is layer 2, the output layer")
    partly = {**expected, "d_weights[L-3]": -expected["d_weights[L-3]"]}
    assert KIND.first_wrong_layer(partly, expected).startswith("Layers 1..2 are right and layer 0 is wrong")
    assert KIND.explain_failure(instance, partly, expected) == KIND.first_wrong_layer(partly, expected)
    unreadable = {**expected, "d_biases[L-1]": "d_biases[2] should have shape (1,), got shape (2,)"}
    assert KIND.first_wrong_layer(unreadable, expected).startswith("The first wrong layer is layer 2")


def test_describe_maps_each_layer_to_its_output_keys() -> None:
    text = KIND.describe(KIND.given_instance(load_exercise(EXERCISE).given))
    lines = text.splitlines()
    assert lines[0].startswith("L = 2 layers, widths n_0-...-n_L = 2-2-1")
    assert lines[1] == "weights[0] = [[0.1, 0.4], [0.5, 0.3]], biases[0] = [0.0, 0.0]  -> d_weights[L-2], d_biases[L-2]"
    assert lines[2].endswith("-> d_weights[L-1], d_biases[L-1] (the output layer)")
    assert lines[3:] == ["x = [0.23, 0.82]", "y = [1.0]"]


def test_bad_given_values_are_refused() -> None:
    with pytest.raises(ValueError, match="biases\\[0\\] should have shape"):
        KIND.given_instance({"weights": [[[0.1, 0.2]]], "biases": [[0.0, 0.0]], "x": [1.0, 2.0], "y": [0.5]})
