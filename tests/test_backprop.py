"""Tests of the float64 JAX reference backprop (gradecheck._backprop).

The explicit delta recursion is checked three independent ways: against
``jax.grad`` of the same loss (computed in the same call), against fourth-order
central finite differences of :func:`network_loss`, and against a plain,
unpadded JAX network written from scratch in this file.
"""

from __future__ import annotations

import dataclasses
import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gradecheck import _backprop
from gradecheck._backprop import BackpropTrace, network_loss, network_outputs, reference_backprop
from gradecheck._errors import InvalidArgumentError
from gradecheck._network import (
    HIDDEN_ACTIVATIONS,
    KINKED_ACTIVATIONS,
    LOSSES,
    REDUCTIONS,
    Network,
    activate,
)
from gradecheck._precision import float64

#: Below this magnitude (relative to the largest entry) errors count as absolute.
RELATIVE_FLOOR = 1e-4
AUTODIFF_TOLERANCE = 1e-10
FINITE_DIFFERENCE_TOLERANCE = 1e-7
#: Keep pre-activations moderate (no saturation) and away from ReLU kinks.
MAX_ABS_Z = 6.0
KINK_MARGIN = 1e-2
FD_STEP = 1e-4
#: At most this many coordinates per example get a finite-difference check.
FD_COORDINATES = 24


@dataclasses.dataclass(frozen=True)
class Case:
    network: Network
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    x: np.ndarray
    y: np.ndarray


# ---------------------------------------------------------------------------
# Strategies and helpers
# ---------------------------------------------------------------------------


def numpy_pre_activations(case: Case) -> list[np.ndarray]:
    a, zs = case.x, []
    for w, b, name in zip(case.weights, case.biases, case.network.activations):
        z = a @ w.T + b
        zs.append(z)
        a = activate(name, z, np, negative_slope=case.network.negative_slope)
    return zs


def well_conditioned(case: Case) -> bool:
    for z, name in zip(numpy_pre_activations(case), case.network.activations):
        if np.max(np.abs(z)) > MAX_ABS_Z:
            return False
        if name in KINKED_ACTIVATIONS and np.min(np.abs(z)) < KINK_MARGIN:
            return False
    return True


def values(shape: tuple[int, ...], low: float = -1.0, high: float = 1.0) -> st.SearchStrategy[np.ndarray]:
    elements = st.floats(low, high, allow_nan=False, allow_infinity=False, width=64)
    return hnp.arrays(np.float64, shape, elements=elements)


@st.composite
def networks(draw: st.DrawFn, *, max_depth: int = 4, max_width: int = 8) -> Network:
    depth = draw(st.integers(1, max_depth))
    widths = draw(st.tuples(*[st.integers(1, max_width)] * (depth + 1)))
    loss = draw(st.sampled_from(LOSSES))
    if loss == "binary_cross_entropy":
        output = "sigmoid"
    elif loss == "softmax_cross_entropy":
        output = "softmax"
    else:
        output = draw(st.sampled_from(HIDDEN_ACTIVATIONS + ("softmax",)))
    hidden = draw(st.tuples(*[st.sampled_from(HIDDEN_ACTIVATIONS)] * (depth - 1)))
    return Network(
        widths,
        hidden + (output,),
        loss,
        draw(st.sampled_from(REDUCTIONS)),
        draw(st.floats(0.01, 0.3)),
    )


@st.composite
def cases(draw: st.DrawFn, *, max_depth: int = 4, max_width: int = 8, max_batch: int = 8) -> Case:
    network = draw(networks(max_depth=max_depth, max_width=max_width))
    # Weights scaled by 1/sqrt(fan-in) keep |z| moderate at every depth.
    weights = [draw(values(shape)) * 1.5 / np.sqrt(shape[1]) for shape in network.weight_shapes]
    biases = [draw(values(shape, -0.5, 0.5)) for shape in network.bias_shapes]
    m = draw(st.none() | st.integers(1, max_batch))
    lead = () if m is None else (m,)
    x = draw(values(lead + (network.widths[0],)))
    target_low = 0.0 if network.loss in ("binary_cross_entropy", "softmax_cross_entropy") else -1.0
    y = draw(values(lead + (network.widths[-1],), target_low, 1.0))
    case = Case(network, weights, biases, x, y)
    assume(well_conditioned(case))
    return case


def max_relative_error(actual: object, expected: object, scale: float = 0.0) -> float:
    """Largest elementwise ``|a - e| / max(|a|, |e|, floor)``.

    The safe floor is ``RELATIVE_FLOOR * max(1, scale, max|e|)``, so entries
    that are zero up to rounding (relative to ``scale``, e.g. the loss for
    finite differences) do not blow the ratio up.
    """
    actual, expected = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if actual.shape != expected.shape:
        return np.inf
    if actual.size == 0:
        return 0.0
    floor = RELATIVE_FLOOR * max(1.0, abs(scale), float(np.max(np.abs(expected))))
    denominator = np.maximum(np.maximum(np.abs(actual), np.abs(expected)), floor)
    return float(np.max(np.abs(actual - expected) / denominator))


def explicit_vs_autodiff_error(trace: BackpropTrace) -> float:
    pairs = list(zip(trace.d_weights, trace.autodiff_d_weights))
    pairs += list(zip(trace.d_biases, trace.autodiff_d_biases))
    pairs.append((trace.d_activations[0], trace.autodiff_d_inputs))
    return max(max_relative_error(explicit, auto) for explicit, auto in pairs)


def flat_arguments(case: Case) -> np.ndarray:
    return np.concatenate([a.ravel() for a in (*case.weights, *case.biases, case.x)])


def unflatten(case: Case, flat: np.ndarray) -> Case:
    parts, start = [], 0
    for a in (*case.weights, *case.biases, case.x):
        parts.append(flat[start : start + a.size].reshape(a.shape))
        start += a.size
    depth = case.network.depth
    return dataclasses.replace(case, weights=parts[:depth], biases=parts[depth : 2 * depth], x=parts[-1])


def finite_difference(case: Case, index: int, step: float = FD_STEP) -> float:
    """Fourth-order central difference of ``network_loss`` along one coordinate."""
    flat = flat_arguments(case)

    def loss_at(offset: float) -> float:
        moved = flat.copy()
        moved[index] += offset
        c = unflatten(case, moved)
        return network_loss(c.network, c.weights, c.biases, c.x, c.y)

    return (-loss_at(2 * step) + 8 * loss_at(step) - 8 * loss_at(-step) + loss_at(-2 * step)) / (12 * step)


def explicit_gradient(trace: BackpropTrace) -> np.ndarray:
    return np.concatenate([g.ravel() for g in (*trace.d_weights, *trace.d_biases, trace.d_activations[0])])


def run(case: Case) -> BackpropTrace:
    return reference_backprop(case.network, case.weights, case.biases, case.x, case.y)


# ---------------------------------------------------------------------------
# An independent, unpadded JAX network (no gradecheck code at all)
# ---------------------------------------------------------------------------


def plain_activation(name: str, z: jax.Array, slope: float) -> jax.Array:
    return {
        "identity": lambda: z,
        "sigmoid": lambda: jax.nn.sigmoid(z),
        "tanh": lambda: jnp.tanh(z),
        "relu": lambda: jnp.maximum(z, 0.0),
        "leaky_relu": lambda: jnp.where(z > 0, z, slope * z),
        "softmax": lambda: jax.nn.softmax(z, axis=-1),
    }[name]()


@functools.partial(jax.jit, static_argnums=0)
def plain_loss_and_gradients(network: Network, weights, biases, x, y):
    """``(E, (dE/dW, dE/db, dE/dx), outputs, zs)`` by plain ``jax.grad``, unpadded."""
    (loss, (outputs, zs)), grads = jax.value_and_grad(plain_loss, argnums=(1, 2, 3), has_aux=True)(
        network, weights, biases, x, y
    )
    return loss, grads, outputs, zs


def plain_loss(network: Network, weights, biases, x, y):
    a, zs = x, []
    for w, b, name in zip(weights, biases, network.activations):
        zs.append(a @ w.T + b)
        a = plain_activation(name, zs[-1], network.negative_slope)
    per_output = {
        "half_sse": lambda: 0.5 * (a - y) ** 2,
        "mse": lambda: (a - y) ** 2 / network.widths[-1],
        "binary_cross_entropy": lambda: -(y * jnp.log(a) + (1 - y) * jnp.log1p(-a)),
        "softmax_cross_entropy": lambda: -y * jnp.log(a),
    }[network.loss]()
    examples = 1 if x.ndim == 1 else x.shape[0]
    return jnp.sum(per_output) / (examples if network.reduction == "mean" else 1), (a, zs)


# ---------------------------------------------------------------------------
# Property tests
# ---------------------------------------------------------------------------


@given(cases())
def test_explicit_backward_matches_autodiff(case: Case) -> None:
    trace = run(case)
    assert explicit_vs_autodiff_error(trace) <= AUTODIFF_TOLERANCE


@given(cases(), st.data())
def test_explicit_backward_matches_finite_differences(case: Case, data: st.DataObject) -> None:
    trace = run(case)
    gradient = explicit_gradient(trace)
    count = min(gradient.size, FD_COORDINATES)
    coordinates = st.integers(0, gradient.size - 1)
    indices = data.draw(st.lists(coordinates, min_size=count, max_size=count, unique=True))
    numeric = np.array([finite_difference(case, i) for i in indices])
    # Rounding in the differences is about 1e-12 * |E|: scale the floor by the loss.
    assert max_relative_error(gradient[indices], numeric, scale=trace.loss) <= FINITE_DIFFERENCE_TOLERANCE


def check_against_plain_network(case: Case) -> None:
    trace = run(case)
    network = case.network
    with float64():
        loss, (d_w, d_b, d_x), outputs, zs = jax.device_get(
            plain_loss_and_gradients(network, case.weights, case.biases, case.x, case.y)
        )
    assert max_relative_error(trace.loss, loss) <= 1e-12
    assert max_relative_error(network_loss(network, case.weights, case.biases, case.x, case.y), loss) <= 1e-12
    for ours, theirs in zip(trace.pre_activations, zs):
        assert max_relative_error(ours, theirs) <= 1e-12
    assert max_relative_error(trace.activations[-1], outputs) <= 1e-12
    assert max_relative_error(network_outputs(network, case.weights, case.biases, case.x), outputs) <= 1e-12
    pairs = [*zip(trace.d_weights, d_w), *zip(trace.d_biases, d_b), (trace.d_activations[0], d_x)]
    for ours, theirs in pairs:
        assert max_relative_error(ours, theirs) <= 1e-10


@settings(max_examples=10)  # each example compiles the plain network anew
@given(cases())
def test_padding_does_not_change_results(case: Case) -> None:
    check_against_plain_network(case)


@settings(max_examples=20)
@given(cases(max_batch=1))
def test_single_example_matches_batch_of_one(case: Case) -> None:
    single = case if case.x.ndim == 1 else dataclasses.replace(case, x=case.x[0], y=case.y[0])
    one, batch = run(single), run(dataclasses.replace(single, x=single.x[None], y=single.y[None]))
    assert one.loss == batch.loss
    for field in ("pre_activations", "activations", "deltas", "d_activations"):
        for vector, rows in zip(getattr(one, field), getattr(batch, field)):
            assert vector.shape == rows.shape[1:] and np.array_equal(vector, rows[0])
    assert one.autodiff_d_inputs.shape == single.x.shape


@settings(max_examples=20)
@given(cases())
def test_mean_is_sum_divided_by_batch_size(case: Case) -> None:
    by_sum = run(dataclasses.replace(case, network=dataclasses.replace(case.network, reduction="sum")))
    by_mean = run(dataclasses.replace(case, network=dataclasses.replace(case.network, reduction="mean")))
    m = 1 if case.x.ndim == 1 else case.x.shape[0]
    assert max_relative_error(by_mean.loss * m, by_sum.loss) <= 1e-12
    for mean_grad, sum_grad in zip(by_mean.d_weights, by_sum.d_weights):
        assert max_relative_error(mean_grad * m, sum_grad) <= 1e-12


# ---------------------------------------------------------------------------
# Shapes, padding buckets, compile count, precision context
# ---------------------------------------------------------------------------


def seeded_case(network: Network, m: int | None, seed: int = 0) -> Case:
    rng = np.random.default_rng(seed)
    weights = [rng.uniform(-1, 1, shape) / np.sqrt(shape[1]) for shape in network.weight_shapes]
    biases = [rng.uniform(-0.5, 0.5, shape) for shape in network.bias_shapes]
    lead = () if m is None else (m,)
    x = rng.uniform(-1, 1, lead + (network.widths[0],))
    y = rng.uniform(0, 1, lead + (network.widths[-1],))
    return Case(network, weights, biases, x, y)


def test_trace_shapes_follow_the_network() -> None:
    network = Network((3, 4, 2), ("tanh", "softmax"), "softmax_cross_entropy", "mean")
    for m in (None, 5):
        trace = run(seeded_case(network, m))
        lead = () if m is None else (m,)
        assert [z.shape for z in trace.pre_activations] == [lead + (4,), lead + (2,)]
        assert [a.shape for a in trace.activations] == [lead + (3,), lead + (4,), lead + (2,)]
        assert [d.shape for d in trace.deltas] == [lead + (4,), lead + (2,)]
        assert [d.shape for d in trace.d_activations] == [lead + (3,), lead + (4,), lead + (2,)]
        assert [w.shape for w in trace.d_weights] == list(network.weight_shapes)
        assert [b.shape for b in trace.d_biases] == list(network.bias_shapes)
        arrays = trace.d_weights + trace.activations + [trace.autodiff_d_inputs]
        assert all(isinstance(a, np.ndarray) and a.dtype == np.float64 for a in arrays)
        assert isinstance(trace.loss, float)


def test_large_buckets_match_the_plain_network() -> None:
    # Widths, depth and batch above the smallest buckets (16 units, 8 layers, 16 rows).
    activations = ("tanh", "leaky_relu", "sigmoid", "identity", "softmax")
    network = Network((9, 3, 2, 2, 2, 17), activations, "mse", "mean")
    check_against_plain_network(seeded_case(network, 9, seed=3))


def test_small_networks_share_one_compilation() -> None:
    rng = np.random.default_rng(1)
    run(seeded_case(Network((2, 2), ("softmax",), "softmax_cross_entropy"), None))  # warm-up
    before = _backprop._trace_count()
    for depth in range(1, 5):
        for m in (None, 1, 8):
            widths = tuple(int(w) for w in rng.integers(1, 9, depth + 1))
            network = Network(widths, ("relu",) * (depth - 1) + ("softmax",), "softmax_cross_entropy")
            run(seeded_case(network, m))
    assert _backprop._trace_count() == before


def test_sigmoid_networks_share_one_smaller_compilation() -> None:
    rng = np.random.default_rng(2)
    run(seeded_case(Network((2, 2), ("sigmoid",)), None))  # warm-up: the sigmoid / half_sse kernel
    before = _backprop._trace_count()
    for depth in range(1, 5):
        widths = tuple(int(w) for w in rng.integers(1, 9, depth + 1))
        run(seeded_case(Network.mlp(widths), None))
    assert _backprop._trace_count() == before
    assert _backprop._family_of(Network.mlp((2, 3, 1))) != _backprop._family_of(Network((2, 1), ("tanh",)))


def test_float64_context_leaves_the_global_flag_alone() -> None:
    case = seeded_case(Network((3, 2), ("sigmoid",)), None)
    for flag in (False, True):
        original = jax.config.jax_enable_x64
        jax.config.update("jax_enable_x64", flag)
        try:
            trace = run(case)
            network_loss(case.network, case.weights, case.biases, case.x, case.y)
            assert jax.config.jax_enable_x64 is flag
        finally:
            jax.config.update("jax_enable_x64", original)
        # float64 throughout: the outputs agree with NumPy to rounding.
        expected = activate("sigmoid", case.x @ case.weights[0].T + case.biases[0])
        assert max_relative_error(trace.activations[-1], expected) <= 1e-15


def test_lists_and_tuples_are_accepted() -> None:
    case = seeded_case(Network((3, 2, 1), ("tanh", "sigmoid")), 2)
    as_arrays = run(case)
    as_lists = reference_backprop(
        case.network,
        tuple(w.tolist() for w in case.weights),
        [b.tolist() for b in case.biases],
        case.x.tolist(),
        tuple(map(tuple, case.y)),
    )
    assert as_lists.loss == as_arrays.loss
    assert all(np.array_equal(p, q) for p, q in zip(as_lists.d_weights, as_arrays.d_weights))


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda c: dataclasses.replace(c, weights=[c.weights[0].T, c.weights[1]]), r"weights\[0\]"),
        (lambda c: dataclasses.replace(c, biases=c.biases[:1]), "expected 2 weight matrices"),
        (lambda c: dataclasses.replace(c, x=np.ones(4)), "expected x of shape"),
        (lambda c: dataclasses.replace(c, y=np.ones((2, 1))), "expected x of shape"),
        (lambda c: dataclasses.replace(c, x=np.array([1.0, np.nan, 0.0])), "NaN"),
        (lambda c: dataclasses.replace(c, x=["a", "b", "c"]), "numbers"),
    ],
)
def test_bad_arguments_raise(change, message: str) -> None:
    case = change(seeded_case(Network((3, 2, 1), ("tanh", "sigmoid")), None))
    with pytest.raises(InvalidArgumentError, match=message):
        reference_backprop(case.network, case.weights, case.biases, case.x, case.y)


def test_network_must_be_a_network() -> None:
    with pytest.raises(InvalidArgumentError, match="Network"):
        network_outputs((3, 2), [np.zeros((2, 3))], [np.zeros(2)], np.zeros(3))


# ---------------------------------------------------------------------------
# Mutation: a wrong delta recursion must be caught by the comparisons above
# ---------------------------------------------------------------------------


def test_a_flipped_delta_is_detected(monkeypatch: pytest.MonkeyPatch) -> None:
    case = seeded_case(Network((3, 4, 2), ("sigmoid", "sigmoid")), 3, seed=5)
    assert explicit_vs_autodiff_error(run(case)) <= AUTODIFF_TOLERANCE
    honest = _backprop._layer_backward
    first_layer = _backprop._Layout.of(case.network, case.x).offset

    def flipped(l, index, z, a, d_a, slope, names):
        delta = honest(l, index, z, a, d_a, slope, names)
        return jnp.where(l == first_layer, delta.at[..., 0].multiply(-1.0), delta)

    monkeypatch.setattr(_backprop, "_layer_backward", flipped)
    monkeypatch.setattr(_backprop, "_COMPILED", {})  # trace again; the originals come back afterwards
    trace = run(case)
    assert explicit_vs_autodiff_error(trace) > 1e-3
    wrong = explicit_gradient(trace)[0]  # dE/dW_1[0, 0], fed by the flipped delta
    assert max_relative_error(wrong, finite_difference(case, 0)) > 1e-3
    # Only the first layer's gradients (and dE/dx) are wrong.
    assert max_relative_error(trace.d_weights[1], trace.autodiff_d_weights[1]) <= AUTODIFF_TOLERANCE


# ---------------------------------------------------------------------------
# Worked values: the lecture's 2-2-1 network
# ---------------------------------------------------------------------------


def two_two_one_by_hand(w: dict[str, float], x1: float, x2: float, target: float) -> dict[str, float]:
    """Plain scalar backprop, weights numbered by input: w1 = x1->h1, w2 = x1->h2,
    w3 = x2->h1, w4 = x2->h2, w5 = h1->y, w6 = h2->y; no biases; E = (t - y)^2 / 2."""

    def s(v: float) -> float:
        return 1.0 / (1.0 + np.exp(-v))

    h1, h2 = s(w["w1"] * x1 + w["w3"] * x2), s(w["w2"] * x1 + w["w4"] * x2)
    out = s(w["w5"] * h1 + w["w6"] * h2)
    delta_out = (out - target) * out * (1 - out)
    delta_h1 = delta_out * w["w5"] * h1 * (1 - h1)
    delta_h2 = delta_out * w["w6"] * h2 * (1 - h2)
    return {
        "E": 0.5 * (target - out) ** 2,
        "w1": delta_h1 * x1, "w2": delta_h2 * x1, "w3": delta_h1 * x2, "w4": delta_h2 * x2,
        "w5": delta_out * h1, "w6": delta_out * h2,
    }  # fmt: skip


def test_two_two_one_worked_values() -> None:
    w = {"w1": 0.1, "w2": 0.5, "w3": 0.4, "w4": 0.3, "w5": 0.2, "w6": 0.6}
    x1, x2, target = 0.23, 0.82, 1.0
    by_hand = two_two_one_by_hand(w, x1, x2, target)

    # The lecture's values fix the layout: weights[0] = [[w1, w3], [w2, w4]]
    # (row i = hidden neuron i; the lecture numbers weights by input first).
    network = Network.mlp((2, 2, 1))
    weights = [np.array([[w["w1"], w["w3"]], [w["w2"], w["w4"]]]), np.array([[w["w5"], w["w6"]]])]
    trace = reference_backprop(network, weights, [np.zeros(2), np.zeros(1)], [x1, x2], [target])
    ours = {
        "w1": trace.d_weights[0][0, 0], "w2": trace.d_weights[0][1, 0],
        "w3": trace.d_weights[0][0, 1], "w4": trace.d_weights[0][1, 1],
        "w5": trace.d_weights[1][0, 0], "w6": trace.d_weights[1][0, 1],
    }  # fmt: skip
    for name, value in ours.items():
        assert value == pytest.approx(by_hand[name], rel=1e-12), name
    assert trace.loss == pytest.approx(by_hand["E"], rel=1e-14)
    assert round(ours["w5"], 4) == -0.0534
    assert round(ours["w1"], 4) == -0.0010

    # The row-major reading h1 = s(w1 x1 + w2 x2) would not give the lecture's dE/dw5.
    row_major = [np.array([[w["w1"], w["w2"]], [w["w3"], w["w4"]]]), weights[1]]
    other = reference_backprop(network, row_major, [np.zeros(2), np.zeros(1)], [x1, x2], [target])
    assert round(other.d_weights[1][0, 0], 4) != -0.0534
