"""Network specifications and the activation/loss math shared by numpy and JAX."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st

from gradecheck import _network as nw
from gradecheck._errors import InvalidArgumentError

finite = st.floats(-5, 5, allow_nan=False)


def test_mlp_builds_the_seed_network():
    network = nw.Network.mlp((3, 2, 2))
    assert network.depth == 2
    assert network.weight_shapes == ((2, 3), (2, 2))
    assert network.bias_shapes == ((2,), (2,))
    assert network.parameter_count == 2 * 3 + 2 + 2 * 2 + 2
    assert network.activations == ("sigmoid", "sigmoid")
    assert network.describe() == "3-2-2 sigmoid/sigmoid, half_sse (sum)"


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (dict(widths=(3,), activations=()), "at least two entries"),
        (dict(widths=(3, 0), activations=("sigmoid",)), "below 1"),
        (dict(widths=(3, 2), activations=("sigmoid", "sigmoid")), "one activation per layer"),
        (dict(widths=(3, 2), activations=("swish",)), "'swish' is not one of"),
        (dict(widths=(3, 2, 2), activations=("softmax", "sigmoid")), "only supported on the output layer"),
        (dict(widths=(3, 2), activations=("tanh",), loss="binary_cross_entropy"), "'sigmoid' output"),
        (dict(widths=(3, 2), activations=("sigmoid",), loss="softmax_cross_entropy"), "'softmax' output"),
        (dict(widths=(3, 2), activations=("sigmoid",), loss="hinge"), "loss='hinge'"),
        (dict(widths=(3, 2), activations=("sigmoid",), reduction="max"), "reduction='max'"),
    ],
)
def test_invalid_networks_are_rejected_with_a_reason(kwargs, fragment):
    with pytest.raises(InvalidArgumentError, match=fragment):
        nw.Network(**kwargs)


def test_shape_checks_name_the_wrong_array():
    network = nw.Network.mlp((3, 2, 2))
    good_w = [np.zeros((2, 3)), np.zeros((2, 2))]
    good_b = [np.zeros(2), np.zeros(2)]
    network.check_parameters(good_w, good_b)
    with pytest.raises(InvalidArgumentError, match=r"weights\[1\] should have shape \(2, 2\), got \(2, 3\)"):
        network.check_parameters([np.zeros((2, 3)), np.zeros((2, 3))], good_b)
    network.check_data(np.zeros(3), np.zeros(2))
    network.check_data(np.zeros((5, 3)), np.zeros((5, 2)))
    with pytest.raises(InvalidArgumentError, match="expected x of shape"):
        network.check_data(np.zeros((5, 3)), np.zeros((4, 2)))


@pytest.mark.parametrize("name", nw.HIDDEN_ACTIVATIONS)
@given(z=finite.filter(lambda v: abs(v) > 1e-3))
def test_elementwise_derivatives_match_finite_differences(name, z):
    h = 1e-6
    numeric = (nw.activate(name, np.array(z + h)) - nw.activate(name, np.array(z - h))) / (2 * h)
    a = nw.activate(name, np.array(z))
    analytic = nw.activation_backward(name, np.array(z), a, np.array(1.0))
    assert np.isclose(analytic, numeric, rtol=1e-6, atol=1e-8)


def test_derivative_conventions_at_the_kink():
    zero = np.array([0.0])
    one = np.array([1.0])
    assert nw.activation_backward("relu", zero, nw.activate("relu", zero), one)[0] == 0.0
    slope = nw.activation_backward("leaky_relu", zero, zero, one, negative_slope=0.1)[0]
    assert slope == 0.1


@given(z=st.lists(finite, min_size=1, max_size=5), g=st.lists(finite, min_size=5, max_size=5))
def test_softmax_backward_is_the_jacobian_transpose_product(z, g):
    z = np.array(z)
    g = np.array(g[: z.size])
    a = nw.activate("softmax", z)
    jacobian = np.diag(a) - np.outer(a, a)
    assert np.allclose(nw.activation_backward("softmax", z, a, g), jacobian.T @ g, atol=1e-12)
    assert np.isclose(a.sum(), 1.0)


@pytest.mark.parametrize("loss", nw.LOSSES)
def test_loss_gradients_match_finite_differences(loss):
    rng = np.random.default_rng(0)
    a = rng.uniform(0.1, 0.9, size=4)
    y = rng.uniform(0.0, 1.0, size=4)
    if loss == "softmax_cross_entropy":
        y = y / y.sum()
    analytic = nw.loss_gradient_per_example(loss, a, y)
    h = 1e-6
    for i in range(a.size):
        up, down = a.copy(), a.copy()
        up[i] += h
        down[i] -= h
        numeric = (nw.loss_per_example(loss, up, y) - nw.loss_per_example(loss, down, y)) / (2 * h)
        assert np.isclose(analytic[i], numeric, rtol=1e-6, atol=1e-9)


def test_half_sse_and_mse_definitions():
    a, y = np.array([1.0, 2.0]), np.array([0.0, 0.0])
    assert nw.loss_per_example("half_sse", a, y) == 0.5 * (1 + 4)
    assert nw.loss_per_example("mse", a, y) == (1 + 4) / 2
