"""Tests for gradecheck._numeric: finite differences, steps, kinks, vectorized path."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gradecheck._errors import InvalidArgumentError
from gradecheck._numeric import (
    FiniteDifference,
    central_difference,
    central_difference_args,
    central_difference_vectorized,
    default_step,
    directional_derivative,
    random_direction,
)

EPS = np.finfo(np.float64).eps


def _sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


# name -> (f, analytic gradient), all smooth
SMOOTH = {
    "poly": (lambda v: np.sum(v**5 - 2.0 * v**3 + v), lambda v: 5.0 * v**4 - 6.0 * v**2 + 1.0),
    "sin": (lambda v: np.sum(np.sin(v)), np.cos),
    "exp": (lambda v: np.sum(np.exp(v)), np.exp),
    "sigmoid": (lambda v: np.sum(_sigmoid(v)), lambda v: _sigmoid(v) * (1.0 - _sigmoid(v))),
    "square": (lambda v: np.sum(v**2), lambda v: 2.0 * v),
    "cos": (lambda v: np.sum(np.cos(v)), lambda v: -np.sin(v)),
    "quartic": (lambda v: np.sum(v**3 + v**4), lambda v: 3.0 * v**2 + 4.0 * v**3),
    "coupled": (
        lambda v: np.sum(v) * np.sum(np.sin(v)),
        lambda v: np.sum(np.sin(v)) + np.sum(v) * np.cos(v),
    ),
}
ACCURACY = ("poly", "sin", "exp", "sigmoid")
MODERATE = np.array([-1.7, -0.9, -0.35, 0.2, 0.55, 1.1, 1.6])
MODES = [(2, False), (4, False), (2, True), (4, True)]


def _relative_error(estimate: np.ndarray, exact: np.ndarray) -> float:
    return float(np.max(np.abs(estimate - exact)) / np.max(np.abs(exact)))


# ---------------------------------------------------------------------------
# Accuracy
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ACCURACY)
def test_order_two_is_accurate_at_moderate_x(name):
    f, grad = SMOOTH[name]
    fd = central_difference(f, MODERATE)
    assert isinstance(fd, FiniteDifference)
    assert _relative_error(fd.gradient, grad(MODERATE)) <= 1e-8


@pytest.mark.parametrize("name", ACCURACY)
def test_higher_order_and_richardson_are_markedly_tighter(name):
    f, grad = SMOOTH[name]
    exact = grad(MODERATE)
    err = {mode: _relative_error(central_difference(f, MODERATE, order=mode[0], richardson=mode[1]).gradient, exact)
           for mode in MODES}  # fmt: skip
    assert err[(4, False)] <= err[(2, False)] / 10
    assert err[(2, True)] <= err[(2, False)] / 10
    assert err[(4, True)] <= 1e-11
    assert max(err.values()) <= 1e-8


@pytest.mark.parametrize("order, richardson", MODES)
@pytest.mark.parametrize("name", ACCURACY)
def test_error_estimate_bounds_the_actual_error(name, order, richardson):
    f, grad = SMOOTH[name]
    x = np.concatenate([MODERATE, [0.0, 1e-3, np.sqrt(0.6), -np.sqrt(0.6)]])  # sin'' and poly'' vanish
    fd = central_difference(f, x, order=order, richardson=richardson)
    actual = np.abs(fd.gradient - grad(x))
    assert np.all(actual <= fd.error_estimate)


def test_error_estimate_is_tighter_with_richardson_and_order_four():
    f, _ = SMOOTH["sin"]
    plain = central_difference(f, MODERATE).error_estimate
    assert np.all(central_difference(f, MODERATE, richardson=True).error_estimate < plain / 10)
    order_four = central_difference(f, MODERATE, order=4).error_estimate
    assert np.all(order_four < plain) and np.sum(order_four) < np.sum(plain) / 10


@given(hnp.arrays(np.float64, st.integers(1, 5), elements=st.floats(-3, 3)), st.sampled_from(list(SMOOTH)))
def test_gradient_matches_analytic_everywhere(x, name):
    f, grad = SMOOTH[name]
    fd = central_difference(f, x, order=4)
    exact = grad(x)
    assert np.all(np.abs(fd.gradient - exact) <= 1e-7 * np.maximum(1.0, np.abs(exact)) + fd.error_estimate)


def test_any_shape_is_supported():
    x = np.arange(6.0).reshape(2, 3) / 5.0
    fd = central_difference(lambda v: np.sum(np.sin(v) * v), x)
    assert fd.gradient.shape == fd.step.shape == fd.kink.shape == (2, 3)
    assert _relative_error(fd.gradient, np.cos(x) * x + np.sin(x)) <= 1e-8
    scalar = central_difference(lambda v: float(v) ** 3, 2.0)
    assert scalar.gradient.shape == ()
    assert abs(float(scalar.gradient) - 12.0) <= 1e-8 * 12.0


# ---------------------------------------------------------------------------
# Steps
# ---------------------------------------------------------------------------


def test_large_x_still_gives_accurate_derivatives():
    x = np.array([1e6, -3e6, 2.5e6])

    def cube(v):
        return np.sum(v**3)

    def log(v):
        return np.sum(np.log(np.abs(v)))

    for f, exact in ((cube, 3.0 * x**2), (log, 1.0 / x)):
        assert _relative_error(central_difference(f, x).gradient, exact) <= 1e-8
        assert _relative_error(central_difference(f, x, order=4).gradient, exact) <= 1e-10
    # An unscaled step drowns in rounding at this magnitude: the scaling matters.
    unscaled = central_difference(cube, x, step=EPS ** (1 / 3)).gradient
    assert _relative_error(unscaled, 3.0 * x**2) > 100 * _relative_error(central_difference(cube, x).gradient, 3.0 * x**2)


@given(st.floats(-1e12, 1e12, allow_subnormal=False), st.sampled_from([2, 4, 6]))
@example(x=0.99999, order=2)  # x + 2h crosses into the next binade
@example(x=-(2.0 - 1e-6), order=4)
@example(x=1e-20, order=2)  # |x| far below the step
def test_default_steps_are_scaled_and_exactly_representable(x, order):
    h = float(default_step(np.array([x]), order=order)[0])
    h0 = EPS ** (1 / (order + 1))
    target = h0 * max(1.0, abs(x))
    assert h > 0
    assert abs(h - target) <= 2 * np.spacing(abs(x)) + 4 * EPS * target
    for m in (0.5, 1.0, 2.0):
        for sign in (1.0, -1.0):
            moved = (x + sign * m * h) - x
            same_binade = sign * x < 0 or np.spacing(abs(x) + m * h) == np.spacing(abs(x))
            if abs(x) >= 2 * h and same_binade:
                assert moved == sign * m * h
            else:
                assert abs(moved - sign * m * h) <= np.spacing(abs(x) + 2 * h)


def test_custom_step_is_used_and_validated():
    x = np.array([0.5, 2.0])
    fd = central_difference(lambda v: np.sum(v**3), x, step=1e-3)
    assert np.allclose(fd.step, 1e-3, rtol=1e-12)
    # central difference of a cubic: error exactly h**2 (f''' = 6, error h^2 f'''/6)
    assert np.allclose(fd.gradient - 3 * x**2, fd.step**2, rtol=1e-6)
    for bad in (0.0, -1.0, np.nan, np.array([1e-3, 1e-3, 1e-3])):
        with pytest.raises(InvalidArgumentError):
            central_difference(lambda v: np.sum(v), x, step=bad)
    with pytest.raises(InvalidArgumentError):
        default_step(x, order=3)


# ---------------------------------------------------------------------------
# Kinks and one-sided differences
# ---------------------------------------------------------------------------

KINKED_X = np.array([0.0, 0.8, -1.3, 0.0, 2e-3, -5e-3])


@pytest.mark.parametrize("order, richardson", MODES)
@pytest.mark.parametrize("kind", ["relu", "abs", "scaled_relu_plus_smooth"])
def test_kinks_are_flagged_exactly_at_zero(kind, order, richardson):
    f = {
        "relu": lambda v: np.sum(np.maximum(v, 0.0)),
        "abs": lambda v: np.sum(np.abs(v)),
        "scaled_relu_plus_smooth": lambda v: 1e-3 * np.sum(np.maximum(v, 0.0)) + np.sum(np.sin(v) ** 2),
    }[kind]
    fd = central_difference(f, KINKED_X, order=order, richardson=richardson)
    np.testing.assert_array_equal(fd.kink, KINKED_X == 0.0)


def test_one_sided_differences_at_relu_kink():
    fd = central_difference(lambda v: np.sum(np.maximum(v, 0.0)), KINKED_X)
    d_plus, d_minus = fd.one_sided
    slope = (KINKED_X > 0).astype(float)
    at_kink = KINKED_X == 0
    np.testing.assert_allclose(d_plus[at_kink], 1.0, rtol=1e-9)
    np.testing.assert_allclose(d_minus[at_kink], 0.0, atol=1e-12)
    np.testing.assert_allclose(d_plus[~at_kink], slope[~at_kink], rtol=1e-9)
    np.testing.assert_allclose(d_minus[~at_kink], slope[~at_kink], rtol=1e-9)
    # the central difference at a kink is the mean slope, and the error estimate covers the jump
    np.testing.assert_allclose(fd.gradient[at_kink], 0.5, rtol=1e-9)
    assert np.all(fd.error_estimate[at_kink] >= 0.5 - 1e-9)


@given(
    hnp.arrays(np.float64, st.integers(1, 6), elements=st.floats(-4, 4)),
    st.sampled_from(list(SMOOTH)),
    st.sampled_from(MODES),
)
def test_smooth_functions_are_not_flagged(x, name, mode):
    f, _ = SMOOTH[name]
    fd = central_difference(f, x, order=mode[0], richardson=mode[1])
    assert not np.any(fd.kink)


# ---------------------------------------------------------------------------
# Evaluations and the black-box contract
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("order, richardson, per_element", [(2, False, 2), (4, False, 4), (2, True, 4), (4, True, 6)])
def test_evaluation_count(order, richardson, per_element):
    calls = []

    def f(v):  # no stationary point, so order 2 examines no suspected kink
        calls.append(1)
        return np.sum(np.exp(v))

    fd = central_difference(f, MODERATE, order=order, richardson=richardson)
    assert fd.evaluations == len(calls) == 1 + per_element * MODERATE.size


def test_order_two_confirms_suspected_kinks_with_two_more_evaluations():
    calls = []

    def f(v):
        calls.append(1)
        return np.sum(np.maximum(v, 0.0))

    fd = central_difference(f, KINKED_X)
    suspects = int(np.count_nonzero(KINKED_X == 0.0))
    assert fd.evaluations == len(calls) == 1 + 2 * KINKED_X.size + 2 * suspects


def test_f_gets_fresh_copies_and_x_is_left_alone():
    x = np.array([0.3, -1.2, 2.5])
    original = x.copy()
    seen = []

    def nasty(v):
        value = np.sum(np.sin(v))
        seen.append(v)  # keep it ...
        v[...] = 1e9  # ... and scribble on it
        return value

    fd = central_difference(nasty, x, order=4)
    np.testing.assert_array_equal(x, original)
    assert _relative_error(fd.gradient, np.cos(original)) <= 1e-10
    assert len({id(v) for v in seen}) == len(seen)


def test_f_sees_one_element_moved_at_a_time():
    x = np.array([0.3, -1.2, 2.5])
    seen = []
    central_difference(lambda v: seen.append(v.copy()) or float(np.sum(v)), x)
    np.testing.assert_array_equal(seen[0], x)
    for v in seen[1:]:
        assert np.count_nonzero(v != x) == 1


@pytest.mark.parametrize(
    "bad_x", [np.array([1.0, np.nan]), np.array(["a", "b"]), np.array([1 + 2j]), [1.0, np.inf]]
)
def test_invalid_points_are_rejected(bad_x):
    with pytest.raises(InvalidArgumentError):
        central_difference(lambda v: np.sum(v), bad_x)


def test_non_scalar_f_and_bad_order_are_rejected():
    with pytest.raises(InvalidArgumentError, match="scalar"):
        central_difference(lambda v: v * 2.0, np.ones(3))
    with pytest.raises(InvalidArgumentError, match="order"):
        central_difference(lambda v: np.sum(v), np.ones(3), order=3)


# ---------------------------------------------------------------------------
# Directional derivatives
# ---------------------------------------------------------------------------


@given(
    hnp.arrays(np.float64, st.integers(1, 6), elements=st.floats(-3, 3)),
    st.integers(0, 2**32 - 1),
    st.sampled_from([2, 4]),
)
def test_directional_derivative_agrees_with_gradient_dot_direction(x, seed, order):
    f, grad = SMOOTH["coupled"]
    v = random_direction(x.shape, seed)
    expected = float(np.dot(grad(x), v))
    scale = max(1.0, float(np.linalg.norm(grad(x))))
    assert abs(directional_derivative(f, x, v, order=order) - expected) <= 1e-8 * scale


def test_directional_derivative_uses_few_evaluations():
    calls = []
    x = MODERATE

    def f(v):
        calls.append(1)
        return np.sum(np.exp(v))

    directional_derivative(f, x, random_direction(x.shape, 1))
    assert len(calls) == 2
    directional_derivative(f, x, random_direction(x.shape, 1), order=4)
    assert len(calls) == 6
    with pytest.raises(InvalidArgumentError):
        directional_derivative(f, x, np.zeros_like(x))
    with pytest.raises(InvalidArgumentError):
        directional_derivative(f, x, np.ones(3))


@given(st.lists(st.integers(1, 4), min_size=0, max_size=3), st.integers(0, 2**32 - 1))
def test_random_direction_is_unit_and_seeded(shape, seed):
    v = random_direction(tuple(shape), seed)
    assert v.shape == tuple(shape)
    assert abs(np.linalg.norm(v) - 1.0) <= 1e-12
    np.testing.assert_array_equal(v, random_direction(tuple(shape), seed))
    if v.size > 1:
        assert not np.array_equal(v, random_direction(tuple(shape), seed + 1))


def test_random_direction_rejects_empty_shapes():
    with pytest.raises(InvalidArgumentError):
        random_direction((0, 3), 0)


# ---------------------------------------------------------------------------
# Several arguments
# ---------------------------------------------------------------------------


def test_central_difference_args_matches_analytic_gradients():
    rng = np.random.default_rng(7)
    w, x, b = rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=3)

    def f(w, x, b):
        return np.sum(_sigmoid(w @ x + b))

    s = _sigmoid(w @ x + b)
    ds = s * (1 - s)
    exact = [np.outer(ds, x), w.T @ ds, ds]
    results = central_difference_args(f, (w, x, b), order=4)
    assert len(results) == 3
    for fd, g in zip(results, exact):
        assert fd.gradient.shape == g.shape
        assert _relative_error(fd.gradient, g) <= 1e-10
    only_bias = central_difference_args(f, (w, x, b), argnums=[2])
    assert len(only_bias) == 1 and _relative_error(only_bias[0].gradient, ds) <= 1e-8
    with pytest.raises(InvalidArgumentError):
        central_difference_args(f, (w, x, b), argnums=[3])


# ---------------------------------------------------------------------------
# Vectorized (JAX) path
# ---------------------------------------------------------------------------


def _traced_jax_function(kind: str):
    import jax
    import jax.numpy as jnp

    traces = []

    def f(v):
        traces.append(1)  # runs once per trace, not per evaluation
        if kind == "relu":
            return jnp.sum(jnp.maximum(v, 0.0)) + jnp.sum(v**2)
        return jnp.sum(jnp.sin(v) * v**2) + jnp.prod(jnp.cos(v))

    return f, jax.jit(f), traces


@pytest.mark.parametrize("order, richardson", MODES)
def test_vectorized_agrees_with_loop_and_compiles_once(order, richardson):
    f, jitted, traces = _traced_jax_function("smooth")
    x = np.linspace(-1.5, 1.3, 7).reshape(7)
    loop = central_difference(jitted, x, order=order, richardson=richardson)
    traces.clear()
    fast = central_difference_vectorized(f, x, order=order, richardson=richardson, chunk_size=4)
    assert len(traces) == 1  # at least 4 chunks, one trace
    assert fast.evaluations == loop.evaluations
    np.testing.assert_array_equal(fast.step, loop.step)
    np.testing.assert_allclose(fast.gradient, loop.gradient, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(fast.kink, loop.kink)


def test_vectorized_kink_follow_up_reuses_the_compiled_function():
    f, jitted, traces = _traced_jax_function("relu")
    x = KINKED_X.reshape(2, 3)
    loop = central_difference(jitted, x)
    traces.clear()
    fast = central_difference_vectorized(f, x, chunk_size=5)
    assert len(traces) == 1
    np.testing.assert_array_equal(fast.kink, x == 0.0)
    np.testing.assert_array_equal(fast.kink, loop.kink)
    np.testing.assert_allclose(fast.gradient, loop.gradient, rtol=0, atol=1e-12)
    assert fast.evaluations == loop.evaluations


def test_vectorized_rejects_bad_chunks_and_non_scalar_f():
    import jax.numpy as jnp

    with pytest.raises(InvalidArgumentError):
        central_difference_vectorized(lambda v: jnp.sum(v), np.ones(3), chunk_size=0)
    with pytest.raises(InvalidArgumentError, match="scalar"):
        central_difference_vectorized(lambda v: v * 2.0, np.ones(3), chunk_size=8)
