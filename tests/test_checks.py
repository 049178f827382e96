"""The user-facing checks: check_gradients, check_layer, check_backprop and their assert_* twins."""

from __future__ import annotations

import ast
import re

import numpy as np
import pytest

import gradecheck as gc
from gradecheck._checks import check_backprop, check_gradients, check_layer


def square_sum(x):
    return float(np.sum(x**2))


def test_check_gradients_passes_a_correct_gradient():
    result = check_gradients(square_sum, lambda x: 2 * x, np.array([0.5, -1.5, 3.0]))
    assert result.passed, result.report()
    assert "gradients match" in result.report()


def test_check_gradients_catches_one_wrong_element():
    def wrong(x):
        g = 2 * x
        g[1] += 0.01
        return g

    result = check_gradients(square_sum, wrong, np.array([0.5, -1.5, 3.0]))
    assert not result.passed
    (comparison,) = result.comparisons
    assert comparison.mismatched_count == 1
    assert "1 / 3" in result.report()


def test_check_gradients_with_several_inputs_names_the_wrong_one():
    def f(x, y):
        return float(np.sum(x * y))

    assert check_gradients(f, lambda x, y: (y, x), np.ones(2), np.arange(2.0), names=["x", "y"]).passed
    swapped = check_gradients(f, lambda x, y: (x, y), np.array([1.0, 2.0]), np.array([3.0, 5.0]), names=["x", "y"])
    assert not swapped.passed
    assert [c.name for c in swapped.comparisons if not c.passed] == ["dx", "dy"]


def test_relu_kink_is_undecidable_not_failed():
    def relu_sum(x):
        return float(np.sum(np.maximum(x, 0.0)))

    x = np.array([-1.0, 0.0, 2.0])
    result = check_gradients(relu_sum, lambda x: (x > 0).astype(float), x)
    assert result.passed, result.report()
    (comparison,) = result.comparisons
    assert comparison.undecidable_mask.tolist() == [False, True, False]
    # A value outside the one-sided slopes [0, 1] is wrong even at the kink.
    assert not check_gradients(relu_sum, lambda x: np.where(x == 0, 5.0, (x > 0) * 1.0), x).passed


def test_wrong_shape_or_type_is_a_failure_with_a_reason():
    result = check_gradients(square_sum, lambda x: np.sum(2 * x), np.array([1.0, 2.0]))
    assert not result.passed
    assert "shape" in result.report()
    two = check_gradients(lambda x, y: float(np.sum(x + y)), lambda x, y: x, np.ones(2), np.ones(2))
    assert not two.passed
    assert "one gradient per input" in two.report()


def test_assert_gradients_raises_an_assertion_error_with_the_report():
    with pytest.raises(gc.GradientMismatchError) as info:
        gc.assert_gradients(square_sum, lambda x: 3 * x, np.array([1.0, 2.0]))
    assert isinstance(info.value, AssertionError)
    assert "Max absolute difference" in str(info.value)


@pytest.mark.parametrize("name", ["MultiplyGate", "Sigmoid", "Dense"])
def test_correct_example_layers_pass(example_layers, name):
    result = check_layer(getattr(example_layers, name), max_examples=30)
    assert result.passed, result.report()
    assert result.examples >= 30


def test_relu_layer_passes_despite_drawn_zeros(wrong_layers):
    result = check_layer(wrong_layers.ReluLayer, max_examples=50)
    assert result.passed, result.report()


def _shape_of(counterexample: str, name: str) -> tuple[int, ...]:
    match = re.search(rf"^{re.escape(name)} = .*shape (\(.*?\))$", counterexample, re.MULTILINE)
    assert match, counterexample
    return ast.literal_eval(match.group(1))


@pytest.mark.parametrize(
    "name, wrong_array",
    [("SwappedMultiplyGate", "dx"), ("SigmoidDerivativeOnInput", "dx"), ("DenseWrongBias", "grads['b']")],
)
def test_wrong_layers_fail_with_a_shrunk_counterexample(wrong_layers, name, wrong_array):
    result = check_layer(getattr(wrong_layers, name), max_examples=100)
    assert not result.passed
    assert wrong_array in [c.name for c in result.comparisons if not c.passed]
    assert result.counterexample is not None
    assert "upstream = " in result.counterexample
    if name != "DenseWrongBias":  # that layer fixes its input shape to (4,)
        assert _shape_of(result.counterexample, "x") == (1,)


def test_crashing_backward_is_reported_on_the_smallest_input_that_crashes(wrong_layers):
    result = check_layer(wrong_layers.CrashingBackward, max_examples=100)
    assert not result.passed
    assert "raised ValueError: shapes not supported" in result.report()
    assert int(np.prod(_shape_of(result.counterexample, "x"))) == 2


def test_wrong_gradient_shape_is_reported(wrong_layers):
    result = check_layer(wrong_layers.WrongShapeBackward, max_examples=20)
    assert not result.passed
    assert "should have shape" in result.report()


def test_factories_and_instances_are_accepted_and_instances_restored(wrong_layers, example_layers):
    assert not check_layer(wrong_layers.make_dense, max_examples=20).passed
    dense = example_layers.Dense()
    before = {k: v.copy() for k, v in dense.params.items()}
    assert check_layer(dense, max_examples=10).passed
    for key, value in before.items():
        assert np.array_equal(dense.params[key], value)


def test_property_checks_are_deterministic(wrong_layers):
    first = check_layer(wrong_layers.SwappedMultiplyGate, max_examples=50)
    second = check_layer(wrong_layers.SwappedMultiplyGate, max_examples=50)
    assert first.report() == second.report()


def test_assert_layer_raises(wrong_layers):
    with pytest.raises(gc.GradientMismatchError, match="Smallest failing example"):
        gc.assert_layer(wrong_layers.SigmoidDerivativeOnInput, max_examples=50)


def test_correct_backprop_passes(example_mlp):
    result = check_backprop(example_mlp.backprop, max_examples=60)
    assert result.passed, result.report()


def test_missing_hidden_derivative_shrinks_to_two_layers(wrong_layers):
    result = check_backprop(wrong_layers.backprop_missing_hidden_derivative, max_examples=100)
    assert not result.passed
    depth_line = result.counterexample.splitlines()[0]
    widths = re.search(r"(\d+(?:-\d+)+)", depth_line).group(1).split("-")
    assert len(widths) == 3, result.counterexample  # two layers: the smallest network that shows the bug
    assert "layer 0 is wrong" in result.report()


@pytest.mark.parametrize("relative_error", [1e-3, 1e-4])
def test_small_relative_errors_are_caught(relative_error):
    x = np.array([0.3, -1.2, 2.5, 0.9])

    def f(x):
        return float(np.sum(np.tanh(x) * x))

    def exact(x):
        return np.tanh(x) + x * (1 - np.tanh(x) ** 2)

    assert check_gradients(f, exact, x).passed
    assert not check_gradients(f, lambda x: exact(x) * (1 + relative_error), x).passed


class _DenseWithFlatWeightGradient:
    """A dense layer whose grads['W'] comes back flattened: the message must name params['W'], not 'its input'."""

    input_shapes = [(3,)]

    def __init__(self) -> None:
        self.params = {"W": np.ones((2, 3)), "b": np.zeros(2)}
        self.grads: dict[str, np.ndarray] = {}

    def forward(self, x):
        self.x = x
        return self.params["W"] @ x + self.params["b"]

    def backward(self, upstream):
        self.grads = {"W": np.outer(upstream, self.x).reshape(-1), "b": upstream}
        return self.params["W"].T @ upstream


def test_a_wrong_shaped_parameter_gradient_names_its_parameter() -> None:
    result = check_layer(_DenseWithFlatWeightGradient, max_examples=5)
    assert not result.passed
    assert "grads['W'] should have shape (2, 3) (like params['W']), got (6,)." in result.report()
