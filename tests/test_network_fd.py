"""Tests for gradecheck._network_fd: fast central differences of network losses.

The reference gradients come from ``jax.grad`` of a loss written here, independently
of gradecheck._network; the reference kink masks from brute-force perturbation.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gradecheck._errors import InvalidArgumentError
from gradecheck._network import Network
from gradecheck._network_fd import (
    DEFAULT_STEP,
    network_differences,
    network_finite_differences,
    parameter_steps,
)
from gradecheck._precision import float64

TOLERANCE = 1e-8
HIDDEN = ("identity", "sigmoid", "tanh", "relu", "leaky_relu")


@dataclasses.dataclass
class Case:
    network: Network
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    x: np.ndarray
    y: np.ndarray


@st.composite
def cases(draw, *, hidden=HIDDEN, first_kinked=False):
    """A small network with parameters, inputs and targets (single example or batch 1-4)."""
    depth = draw(st.integers(1, 3))
    widths = tuple(draw(st.lists(st.integers(1, 6), min_size=depth + 1, max_size=depth + 1)))
    loss = draw(st.sampled_from(["half_sse", "mse", "binary_cross_entropy", "softmax_cross_entropy"]))
    output = {"binary_cross_entropy": "sigmoid", "softmax_cross_entropy": "softmax"}.get(loss)
    if output is None:
        output = draw(st.sampled_from(HIDDEN + ("softmax",)))
    activations = tuple(draw(st.sampled_from(hidden)) for _ in range(depth - 1)) + (output,)
    if first_kinked and depth > 1:
        activations = (draw(st.sampled_from(["relu", "leaky_relu"])),) + activations[1:]
    network = Network(
        widths,
        activations,
        loss,
        draw(st.sampled_from(["sum", "mean"])),
        negative_slope=draw(st.sampled_from([0.01, 0.2])),
    )
    batch = draw(st.sampled_from([None, 1, 2, 3, 4]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    weights = [rng.uniform(-1.0, 1.0, size) for size in network.weight_shapes]
    biases = [rng.uniform(-1.0, 1.0, size) for size in network.bias_shapes]
    shape = (1 if batch is None else batch, widths[-1])
    x = rng.uniform(-2.0, 2.0, (shape[0], widths[0]))
    if loss == "softmax_cross_entropy":
        y = rng.dirichlet(np.ones(widths[-1]), shape[0])
    elif loss == "binary_cross_entropy":
        y = rng.uniform(0.0, 1.0, shape)
    else:
        y = rng.normal(size=shape)
    if batch is None:
        x, y = x[0], y[0]
    return Case(network, weights, biases, x, y)


def reference_loss(network: Network, weights, biases, x, y):
    """The network's loss in jax.numpy, written without gradecheck._network."""
    a = jnp.atleast_2d(x)
    for w, b, name in zip(weights, biases, network.activations):
        z = a @ w.T + b
        a = {
            "identity": lambda z: z,
            "sigmoid": lambda z: 1.0 / (1.0 + jnp.exp(-z)),
            "tanh": jnp.tanh,
            "relu": lambda z: jnp.maximum(z, 0.0),
            "leaky_relu": lambda z: jnp.where(z > 0, z, network.negative_slope * z),
            "softmax": lambda z: jax.nn.softmax(z, axis=-1),
        }[name](z)
    t = jnp.atleast_2d(y)
    per_example = {
        "half_sse": lambda: 0.5 * jnp.sum((a - t) ** 2, axis=1),
        "mse": lambda: jnp.mean((a - t) ** 2, axis=1),
        "binary_cross_entropy": lambda: -jnp.sum(t * jnp.log(a) + (1 - t) * jnp.log(1 - a), axis=1),
        "softmax_cross_entropy": lambda: -jnp.sum(t * jnp.log(a), axis=1),
    }[network.loss]()
    return jnp.sum(per_example) if network.reduction == "sum" else jnp.mean(per_example)


_reference_grad = jax.jit(jax.grad(reference_loss, argnums=(1, 2)), static_argnums=0)


def reference_gradients(case: Case) -> list[np.ndarray]:
    """``jax.grad`` of :func:`reference_loss`: weights then biases, float64 numpy."""
    with float64():
        grads = _reference_grad(
            case.network,
            [jnp.asarray(w) for w in case.weights],
            [jnp.asarray(b) for b in case.biases],
            jnp.asarray(case.x),
            jnp.asarray(case.y),
        )
        return [np.asarray(g) for g in (*grads[0], *grads[1])]


def flat(result) -> tuple[list[np.ndarray], list[np.ndarray]]:
    return [*result.d_weights, *result.d_biases], [*result.kink_weights, *result.kink_biases]


def assert_agrees(result, expected: list[np.ndarray]) -> None:
    found, kinks = flat(result)
    for f, e, k in zip(found, expected, kinks):
        assert f.shape == e.shape and f.dtype == np.float64
        np.testing.assert_allclose(f[~k], e[~k], rtol=TOLERANCE, atol=TOLERANCE)


@settings(max_examples=25)  # each new shape compiles the jax.grad reference
@given(cases(), st.data())
def test_matches_jax_grad_and_singles_out_a_wrong_element(case: Case, data: st.DataObject) -> None:
    result = network_differences(case.network, case.weights, case.biases, case.x, case.y, backend="numpy")
    expected = reference_gradients(case)
    assert_agrees(result, expected)
    # A gradient with one element wrong by 1e-6 or more fails at that element only.
    found, kinks = flat(result)
    which = data.draw(st.integers(0, len(expected) - 1))
    index = data.draw(st.tuples(*(st.integers(0, n - 1) for n in expected[which].shape)))
    assume(not kinks[which][index])
    error = data.draw(st.floats(1e-6, 1.0)) * data.draw(st.sampled_from([-1.0, 1.0]))
    wrong = [e.copy() for e in expected]
    wrong[which][index] += error * max(1.0, abs(wrong[which][index]))
    for p, (f, w) in enumerate(zip(found, wrong)):
        mismatched = ~np.isclose(f, w, rtol=TOLERANCE, atol=TOLERANCE)
        expected_mask = np.zeros(f.shape, dtype=bool)
        if p == which:
            expected_mask[index] = True
        np.testing.assert_array_equal(mismatched, expected_mask)


@given(cases(), st.integers(1, 7))
def test_chunking_does_not_change_the_result(case: Case, chunk_size: int) -> None:
    args = (case.network, case.weights, case.biases, case.x, case.y)
    whole = network_differences(*args, backend="numpy")
    chunked = network_differences(*args, backend="numpy", chunk_size=chunk_size)
    for a, b in zip(flat(whole)[0] + flat(whole)[1], flat(chunked)[0] + flat(chunked)[1]):
        np.testing.assert_array_equal(a, b)


JAX_CASES = [
    (Network((3, 5, 4, 3), ("relu", "tanh", "softmax"), "softmax_cross_entropy", "mean"), 3),
    (Network((2, 4, 1), ("leaky_relu", "sigmoid"), "binary_cross_entropy", "sum"), None),
    (Network((4, 3), ("identity",), "mse", "mean"), 2),
]


@pytest.mark.parametrize(("network", "batch"), JAX_CASES, ids=lambda v: v.describe() if isinstance(v, Network) else f"batch={v}")
def test_jax_backend_matches_jax_grad_and_numpy(network: Network, batch: int | None) -> None:
    rng = np.random.default_rng(7)
    m = 1 if batch is None else batch
    y = rng.dirichlet(np.ones(network.widths[-1]), m) if network.loss.startswith("softmax") else rng.uniform(
        0.0, 1.0, (m, network.widths[-1])
    )
    x = rng.normal(size=(m, network.widths[0]))
    case = Case(
        network,
        [rng.normal(size=s) for s in network.weight_shapes],
        [rng.normal(size=s) for s in network.bias_shapes],
        x[0] if batch is None else x,
        y[0] if batch is None else y,
    )
    args = (case.network, case.weights, case.biases, case.x, case.y)
    jitted = network_differences(*args, backend="jax", chunk_size=4)  # padded last chunks
    assert_agrees(jitted, reference_gradients(case))
    eager = network_differences(*args, backend="numpy")
    for a, b in zip(flat(jitted)[0], flat(eager)[0]):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)
    for a, b in zip(flat(jitted)[1], flat(eager)[1]):
        np.testing.assert_array_equal(a, b)


def brute_force_kinks(case: Case, steps: list[np.ndarray]) -> list[np.ndarray]:
    """Perturb each parameter in turn and look for a kinked pre-activation changing sides."""
    network = case.network

    def kinked_signs(weights, biases):
        a, signs = np.atleast_2d(case.x), []
        for w, b, name in zip(weights, biases, network.activations):
            z = a @ w.T + b
            if name in ("relu", "leaky_relu"):
                signs.append(z > 0)
            a = {"identity": z, "tanh": np.tanh(z), "sigmoid": 1 / (1 + np.exp(-z))}.get(name)
            if name in ("relu", "leaky_relu"):
                a = np.where(z > 0, z, (0.0 if name == "relu" else network.negative_slope) * z)
            elif name == "softmax":
                e = np.exp(z - z.max(axis=1, keepdims=True))
                a = e / e.sum(axis=1, keepdims=True)
        return signs

    params = [*case.weights, *case.biases]
    depth = network.depth
    base = kinked_signs(case.weights, case.biases)
    masks = []
    for p, (values, h) in enumerate(zip(params, steps)):
        mask = np.zeros(values.shape, dtype=bool)
        for index in np.ndindex(values.shape):
            for sign in (1.0, -1.0):
                moved = [v.copy() for v in params]
                moved[p][index] += sign * h[index]
                signs = kinked_signs(moved[:depth], moved[depth:])
                mask[index] |= any(np.any(s != t) for s, t in zip(signs, base))
        masks.append(mask)
    return masks


@settings(max_examples=25)
@given(cases(hidden=("relu", "leaky_relu", "tanh"), first_kinked=True), st.data())
def test_kink_mask_matches_brute_force(case: Case, data: st.DataObject) -> None:
    assume(case.network.activations[0] in ("relu", "leaky_relu"))
    # Plant a first-layer pre-activation within the step of 0.
    x = np.atleast_2d(case.x)
    unit = data.draw(st.integers(0, case.network.widths[1] - 1))
    example = data.draw(st.integers(0, x.shape[0] - 1))
    offset = data.draw(st.floats(-0.9, 0.9)) * DEFAULT_STEP
    case.biases[0][unit] = offset - x[example] @ case.weights[0][unit]
    result = network_differences(case.network, case.weights, case.biases, case.x, case.y, backend="numpy")
    steps = [*result.step_weights, *result.step_biases]
    assert result.kink_biases[0][unit]
    for found, expected in zip(flat(result)[1], brute_force_kinks(case, steps)):
        np.testing.assert_array_equal(found, expected)


def test_kink_mask_flags_a_relu_unit_at_zero() -> None:
    network = Network.mlp((2, 2, 1), hidden="relu", output="identity")
    x, y = np.array([0.5, -1.0]), np.array([0.3])
    weights = [np.array([[1.0, 1.0], [0.4, -0.2]]), np.array([[0.7, -0.3]])]
    biases = [np.array([0.5 + 1e-9, 0.1]), np.array([0.2])]  # unit 0: z = 1e-9
    result = network_differences(network, weights, biases, x, y)
    np.testing.assert_array_equal(result.kink_weights[0], [[True, True], [False, False]])
    np.testing.assert_array_equal(result.kink_biases[0], [True, False])
    assert not result.kink_weights[1].any() and not result.kink_biases[1].any()
    # Far from the kink nothing is flagged.
    biases[0][0] = 0.5
    assert not network_differences(network, weights, biases, x + 0.1, y).any_kink


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=20), st.sampled_from([None, 1e-4]))
def test_steps_are_exactly_representable(values: list[float], step: float | None) -> None:
    w = np.array(values)
    h = parameter_steps(w, step)
    np.testing.assert_array_equal((w + h) - w, h)
    h0 = DEFAULT_STEP if step is None else step
    np.testing.assert_allclose(h, h0 * np.maximum(1.0, np.abs(w)), rtol=1e-9)


def test_tuple_form_matches_result() -> None:
    network = Network.mlp((3, 2, 2))
    rng = np.random.default_rng(1)
    args = (
        network,
        [rng.normal(size=s) for s in network.weight_shapes],
        [rng.normal(size=s) for s in network.bias_shapes],
        rng.normal(size=3),
        rng.normal(size=2),
    )
    d_weights, d_biases = network_finite_differences(*args)
    result = network_differences(*args)
    for a, b in zip(d_weights + d_biases, result.d_weights + result.d_biases):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"network": (3, 2, 2)}, "Network"),
        ({"weights": [np.zeros((2, 3))]}, "weight matrices"),
        ({"x": np.zeros(4)}, "expected x"),
        ({"x": np.array([np.nan, 0.0, 0.0])}, "NaN"),
        ({"step": 0.0}, "step"),
        ({"step": "small"}, "step"),
        ({"chunk_size": 0}, "chunk_size"),
        ({"chunk_size": 2.5}, "chunk_size"),
        ({"backend": "torch"}, "backend"),
    ],
)
def test_invalid_arguments_are_rejected(change: dict, message: str) -> None:
    network = Network.mlp((3, 2, 2))
    arguments = {
        "network": network,
        "weights": [np.zeros(s) for s in network.weight_shapes],
        "biases": [np.zeros(s) for s in network.bias_shapes],
        "x": np.zeros(3),
        "y": np.zeros(2),
    }
    arguments.update(change)
    options = {k: arguments.pop(k) for k in ("step", "chunk_size", "backend") if k in arguments}
    with pytest.raises(InvalidArgumentError, match=message):
        network_differences(*arguments.values(), **options)
