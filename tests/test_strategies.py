"""Tests for gradecheck.strategies: drawn values meet their constraints, bad bounds fail early, shrinking."""

from __future__ import annotations

import ast
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

import gradecheck.strategies as gst
from gradecheck._errors import InvalidArgumentError
from gradecheck._network import HIDDEN_ACTIVATIONS, LOSSES, REDUCTIONS, Network

# The explain phase only annotates failures; without it find() is several times faster.
FIND_SETTINGS = settings(
    derandomize=True, database=None, max_examples=500, phases=[Phase.explicit, Phase.generate, Phase.shrink]
)
TOL = 1e-12


# --- an independent forward pass (no gradecheck code) -----------------------


def _activation(name: str, z: np.ndarray, slope: float) -> np.ndarray:
    if name == "identity":
        return z
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, slope * z)
    assert name == "softmax"
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _forward(case: gst.NetworkCase) -> tuple[list[np.ndarray], np.ndarray]:
    """Pre-activations of every layer, each (m, n_l), and the output (m, n_L)."""
    a = case.x.reshape(-1, case.network.widths[0])
    zs = []
    for w, b, name in zip(case.weights, case.biases, case.network.activations):
        z = np.einsum("mi,oi->mo", a, w) + b
        zs.append(z)
        a = _activation(name, z, case.network.negative_slope)
    return zs, a


def _on_grid(values: np.ndarray, step: float = 0.01) -> bool:
    ticks = np.asarray(values) / step
    return bool(np.all(np.abs(ticks - np.rint(ticks)) < 1e-9))


def _check_targets(loss: str, y: np.ndarray, max_magnitude: float) -> None:
    if loss in ("half_sse", "mse"):
        assert np.all(np.abs(y) <= max_magnitude)
    elif loss == "binary_cross_entropy":
        assert np.all((y >= 0) & (y <= 1))
    else:
        rows = y.reshape(-1, y.shape[-1])
        assert np.all(rows >= 0)
        np.testing.assert_allclose(rows.sum(axis=1), 1.0, rtol=0, atol=1e-12)


def _check_case(case: gst.NetworkCase, *, max_parameter=1.0, max_data=2.0, margin=1e-3, bound=6.0, step=0.01):
    network = case.network
    network.check_parameters(case.weights, case.biases)
    network.check_data(case.x, case.y)
    arrays = [*case.weights, *case.biases, case.x, case.y]
    assert all(a.dtype == np.float64 for a in arrays)
    for p in [*case.weights, *case.biases]:
        assert np.all(np.abs(p) <= max_parameter)
    assert np.all(np.abs(case.x) <= max_data)
    if step:
        assert _on_grid(np.concatenate([p.ravel() for p in (*case.weights, *case.biases, case.x)]), step)
    _check_targets(network.loss, case.y, max_data)
    zs, output = _forward(case)
    for z, name in zip(zs, network.activations):
        if bound is not None:
            assert np.max(np.abs(z)) <= bound + TOL, (name, z)
        if margin is not None and name in ("relu", "leaky_relu"):
            assert np.min(np.abs(z)) >= margin - TOL, (name, z)
    if network.loss in ("binary_cross_entropy", "softmax_cross_entropy") and bound is not None:
        assert np.all((output > 0) & (output < 1))


# --- whole cases ---------------------------------------------------------------


@given(gst.network_cases())
def test_default_cases_meet_every_constraint(case):
    _check_case(case)


RELU_ONLY = gst.architectures(
    min_depth=2, hidden_activations=("relu", "leaky_relu"), output_activations=("relu", "leaky_relu")
)


@given(gst.network_cases(architectures=RELU_ONLY, batch_sizes=st.integers(1, 8), max_preactivation=1.5))
def test_kinked_networks_with_tight_bound(case):
    _check_case(case, bound=1.5)


@given(
    gst.network_cases(
        architectures=gst.architectures(hidden_activations=("tanh", "relu")),
        max_parameter_magnitude=3.0,
        max_data_magnitude=5.0,
        resolution=0.25,
        kink_margin=0.3,
        max_preactivation=2.0,
    )
)
def test_custom_grid_and_bounds_are_respected(case):
    _check_case(case, max_parameter=3.0, max_data=5.0, margin=0.3, bound=2.0, step=0.25)


@given(gst.network_cases(architectures=RELU_ONLY, resolution=0, batch_sizes=st.just(4)))
def test_continuous_numbers_are_repaired_too(case):
    _check_case(case, step=0)


@given(gst.network_cases(avoid_kinks=False, max_preactivation=None, max_parameter_magnitude=2.0))
def test_unconstrained_cases_keep_the_number_bounds(case):
    _check_case(case, max_parameter=2.0, margin=None, bound=None)


def test_shrunk_relu_case_moves_zero_biases_just_past_the_kink():
    case = find(gst.network_cases(architectures=RELU_ONLY), lambda c: True, settings=FIND_SETTINGS)
    # The simplest draw has zero weights and biases, so z = b = 0 on every unit;
    # the nearest grid value clearing kink_margin=1e-3 is one grid step, 0.01.
    assert all(np.all(w == 0) for w in case.weights)
    assert all(np.all(b == 0.01) for b in case.biases)


def test_cases_shrink_to_two_layers_of_width_one():
    case = find(gst.network_cases(), lambda c: c.network.depth >= 2, settings=FIND_SETTINGS)
    assert case.network.depth == 2
    assert case.network.widths == (1, 1, 1)
    assert case.network.activations == (gst.DEFAULT_HIDDEN_ACTIVATIONS[0], gst.DEFAULT_OUTPUT_ACTIVATIONS[0])
    assert case.network.loss == LOSSES[0]
    assert case.batch_size is None


def test_default_cases_pass_health_checks():
    seen = []

    @settings(
        settings.get_profile("default"),
        max_examples=200,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],  # timing depends on the machine
    )
    @given(gst.network_cases())
    def run(case):
        seen.append(case)

    run()  # raises hypothesis.errors.FailedHealthCheck on filter_too_much / data_too_large
    assert len(seen) == 200


def test_case_description_shows_the_architecture_and_numbers():
    case = find(
        gst.network_cases(batch_sizes=st.just(2)),
        lambda c: c.network.depth == 2 and np.any(c.x != 0),
        settings=FIND_SETTINGS,
    )
    lines = case.describe().splitlines()
    assert lines[0].startswith(case.network.describe())
    assert "batch of 2" in lines[0]
    values = dict(line.split(" = ") for line in lines[1:])
    for l in range(case.network.depth):
        np.testing.assert_array_equal(np.array(ast.literal_eval(values[f"weights[{l}]"])), case.weights[l])
        np.testing.assert_array_equal(np.array(ast.literal_eval(values[f"biases[{l}]"])), case.biases[l])
    np.testing.assert_array_equal(np.array(ast.literal_eval(values["x"])), case.x)
    assert repr(case).startswith("NetworkCase(") and case.describe().splitlines()[1] in repr(case)


def test_case_copy_is_independent_and_shapes_are_checked():
    network = Network.mlp((2, 1))
    case = gst.NetworkCase(network, ([[0.5, 0.25]],), ([0.1],), [1.0, 2.0], [0.0])
    copy = case.copy()
    copy.weights[0][0, 0] = 9.0
    assert case.weights[0][0, 0] == 0.5
    with pytest.raises(InvalidArgumentError, match=r"weights\[0\]"):
        gst.NetworkCase(network, ([[0.5], [0.25]],), ([0.1],), [1.0, 2.0], [0.0])
    with pytest.raises(InvalidArgumentError, match="got x"):
        gst.NetworkCase(network, ([[0.5, 0.25]],), ([0.1],), [1.0, 2.0, 3.0], [0.0])


def test_drawing_something_other_than_a_network_is_an_error():
    @settings(max_examples=1)
    @given(gst.network_cases(architectures=st.just("3-2-2")))
    def run(case):
        pass

    with pytest.raises(InvalidArgumentError, match="architectures drew"):
        run()


# --- architectures -----------------------------------------------------------------


@st.composite
def _architecture_bounds(draw):
    min_depth = draw(st.integers(1, 4))
    min_width = draw(st.integers(1, 5))
    return dict(
        min_depth=min_depth,
        max_depth=draw(st.integers(min_depth, 5)),
        min_width=min_width,
        max_width=draw(st.integers(min_width, 6)),
        hidden_activations=draw(st.lists(st.sampled_from(HIDDEN_ACTIVATIONS), min_size=1, unique=True)),
        losses=draw(st.lists(st.sampled_from(LOSSES), min_size=1, unique=True)),
        reductions=draw(st.lists(st.sampled_from(REDUCTIONS), min_size=1, unique=True)),
    )


@given(st.data())
def test_architectures_respect_their_bounds(data):
    bounds = data.draw(_architecture_bounds())
    network = data.draw(gst.architectures(**bounds))
    assert bounds["min_depth"] <= network.depth <= bounds["max_depth"]
    assert all(bounds["min_width"] <= w <= bounds["max_width"] for w in network.widths)
    assert set(network.activations[:-1]) <= set(bounds["hidden_activations"])
    assert network.loss in bounds["losses"] and network.reduction in bounds["reductions"]
    output = network.activations[-1]
    required = {"binary_cross_entropy": "sigmoid", "softmax_cross_entropy": "softmax"}
    assert output == required.get(network.loss, output)
    if output == "softmax" and bounds["max_width"] >= 2:
        assert network.widths[-1] >= 2


def test_any_output_activation_is_allowed_for_squared_error():
    network = find(
        gst.architectures(losses=("mse",)), lambda n: n.activations[-1] == "softmax", settings=FIND_SETTINGS
    )
    assert network.loss == "mse"


def test_minimal_relu_architecture_is_the_shortest():
    shortest = find(gst.architectures(), lambda n: "relu" in n.activations, settings=FIND_SETTINGS)
    assert shortest.depth == 1 and shortest.activations == ("relu",) and shortest.widths == (1, 1)
    sigmoid_out = gst.architectures(output_activations=("sigmoid",))
    shortest = find(sigmoid_out, lambda n: "relu" in n.activations, settings=FIND_SETTINGS)
    assert shortest.activations == ("relu", "sigmoid") and shortest.widths == (1, 1, 1)


# --- arrays, parameters, inputs, targets ---------------------------------------------


@given(st.data(), st.sampled_from([None, 0.25, 0.1, 0.3]), st.booleans())
def test_float64_arrays_stay_on_the_grid_and_in_bounds(data, resolution, nonzero):
    step = 0.01 if resolution is None else resolution
    array = data.draw(gst.float64_arrays((3, 2), max_magnitude=1.5, resolution=resolution, nonzero=nonzero))
    assert array.dtype == np.float64 and array.shape == (3, 2)
    assert np.all(np.abs(array) <= 1.5)
    assert _on_grid(array, step)
    if nonzero:
        assert np.all(array != 0)


@given(gst.float64_arrays(st.tuples(st.integers(0, 3)), resolution=0, nonzero=True))
def test_continuous_nonzero_arrays(array):
    assert array.ndim == 1 and np.all(array != 0) and np.all(np.abs(array) <= 2.0)


def test_shrunk_arrays_print_as_short_decimals():
    array = find(gst.float64_arrays(4), lambda a: a.sum() > 1.0, settings=FIND_SETTINGS)
    assert array.sum() > 1.0
    assert all(len(repr(v).split(".")[1]) <= 2 for v in array.tolist())


@given(gst.architectures(max_depth=3), st.none() | st.integers(1, 4), st.data())
def test_parameters_inputs_targets_fit_the_network(network, batch_size, data):
    weights, biases = data.draw(gst.network_parameters(network, max_magnitude=0.5))
    x = data.draw(gst.network_inputs(network, batch_size=batch_size))
    y = data.draw(gst.network_targets(network, batch_size=batch_size, max_magnitude=3.0))
    network.check_parameters(weights, biases)
    network.check_data(x, y)
    assert isinstance(weights, list) and isinstance(biases, list)
    assert all(np.all(np.abs(p) <= 0.5) for p in weights + biases)
    assert np.all(np.abs(x) <= 2.0)
    _check_targets(network.loss, y, 3.0)


@given(st.data())
def test_softmax_targets_are_probability_vectors(data):
    network = Network.mlp((2, 4), output="softmax", loss="softmax_cross_entropy")
    y = data.draw(gst.network_targets(network, batch_size=5))
    assert y.shape == (5, 4)
    _check_targets(network.loss, y, 1.0)


@given(gst.upstream_gradients((2, 3), max_magnitude=0.5))
def test_upstream_gradients(g):
    assert g.shape == (2, 3) and g.dtype == np.float64 and np.all(np.abs(g) <= 0.5)


@given(
    gst.array_shapes_for_layers(max_dims=3, max_side=4).flatmap(
        lambda s: st.tuples(st.just(s), gst.layer_inputs([s] * 2))
    )
)
def test_layer_inputs_share_the_drawn_shape(shape_and_inputs):
    shape, inputs = shape_and_inputs
    assert 1 <= len(shape) <= 3 and all(1 <= side <= 4 for side in shape)
    assert isinstance(inputs, tuple) and len(inputs) == 2
    assert all(a.shape == shape and a.dtype == np.float64 for a in inputs)


@given(gst.layer_inputs([(2,), (3, 1)], max_magnitude=0.5, nonzero=True))
def test_layer_inputs_with_given_shapes(inputs):
    assert [a.shape for a in inputs] == [(2,), (3, 1)]
    assert all(np.all((a != 0) & (np.abs(a) <= 0.5)) for a in inputs)


# --- validation at build time ---------------------------------------------------------

NET = Network.mlp((2, 2))

BAD_ARGUMENTS = [
    (gst.architectures, dict(min_depth=2, max_depth=1), "Cannot have max_depth=1 < min_depth=2"),
    (gst.architectures, dict(min_depth=0), "min_depth=0 (type int)"),
    (gst.architectures, dict(min_width=1.5), "min_width=1.5 (type float)"),
    (gst.architectures, dict(min_width=3, max_width=2), "Cannot have max_width=2 < min_width=3"),
    (gst.architectures, dict(max_width=True), "max_width=True (type bool)"),
    (gst.architectures, dict(hidden_activations="relu"), "hidden_activations='relu' (type str)"),
    (gst.architectures, dict(hidden_activations=("softmax",)), "hidden_activations[0]='softmax'"),
    (gst.architectures, dict(hidden_activations=(), max_depth=2), "hidden_activations=()"),
    (gst.architectures, dict(losses=()), "losses=()"),
    (gst.architectures, dict(reductions=("median",)), "reductions[0]='median'"),
    (gst.architectures, dict(losses=("binary_cross_entropy",), output_activations=("tanh",)), "No loss in"),
    (gst.architectures, dict(negative_slope=float("nan")), "negative_slope=nan (type float)"),
    (gst.float64_arrays, dict(shape=(2,), max_magnitude=-1), "max_magnitude=-1 (type int)"),
    (gst.float64_arrays, dict(shape=(2,), max_magnitude=0.001), "have max_magnitude=0.001 < resolution"),
    (gst.float64_arrays, dict(shape=(2,), resolution=-0.5), "resolution=-0.5 (type float)"),
    (gst.float64_arrays, dict(shape="3"), "shape='3' (type str)"),
    (gst.float64_arrays, dict(shape=(2, -1)), "shape[1]=-1 (type int)"),
    (gst.network_parameters, dict(network="2-2"), "network='2-2' (type str)"),
    (gst.network_inputs, dict(network=NET, batch_size=0), "batch_size=0 (type int)"),
    (gst.network_targets, dict(network=NET, batch_size=2.0), "batch_size=2.0 (type float)"),
    (gst.upstream_gradients, dict(shape=(2,), max_magnitude=float("inf")), "max_magnitude=inf (type float)"),
    (gst.network_cases, dict(kink_margin=0), "kink_margin=0 (type int)"),
    (gst.network_cases, dict(kink_margin=2.0), "Cannot have kink_margin=2.0"),
    (gst.network_cases, dict(max_preactivation=-1.0), "max_preactivation=-1.0 (type float)"),
    (gst.network_cases, dict(architectures=NET), "architectures=Network("),
    (gst.network_cases, dict(batch_sizes=3), "batch_sizes=3 (type int)"),
    (gst.network_cases, dict(max_data_magnitude=0.005), "Cannot have max_data_magnitude=0.005"),
    (gst.array_shapes_for_layers, dict(min_dims=2, max_dims=1), "Cannot have max_dims=1 < min_dims=2"),
    (gst.array_shapes_for_layers, dict(max_side=0), "max_side=0 (type int)"),
    (gst.layer_inputs, dict(shapes=(2, 3)), "shapes[0]=2 (type int)"),
]


@pytest.mark.parametrize(("factory", "kwargs", "message"), BAD_ARGUMENTS)
def test_bad_arguments_fail_when_the_strategy_is_built(factory, kwargs, message):
    with pytest.raises(InvalidArgumentError) as info:
        factory(**kwargs)
    assert message in str(info.value)


def test_importing_strategies_does_not_import_jax():
    code = "import sys, gradecheck.strategies; print('jax' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False", "gradecheck.strategies (or gradecheck/__init__) imported JAX"


def test_falsifying_example_is_printed_with_the_case_description():
    @settings(max_examples=5, derandomize=True, database=None, phases=[Phase.generate])
    @given(gst.network_cases())
    def run(case):
        raise ValueError("a wrong gradient")

    with pytest.raises(ValueError) as info:
        run()
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert "NetworkCase(" in notes and "weights[0] = [[" in notes and "x = [" in notes
