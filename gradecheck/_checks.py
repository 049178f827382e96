"""User-facing gradient checks: functions, layers (C5) and whole backprop functions (C4).

Three levels, each with a ``check_*`` that returns a :class:`CheckResult` and
an ``assert_*`` that raises :class:`~gradecheck.GradientMismatchError` (an
``AssertionError``) carrying the readable report:

* :func:`check_gradients` compares a gradient function with finite differences
  at given inputs;
* :func:`check_layer` draws inputs, parameters and upstream gradients with
  Hypothesis and compares a layer's ``backward`` with finite differences of its
  own ``forward``;
* :func:`check_backprop` draws whole networks with Hypothesis and compares a
  ``backprop(weights, biases, x, y)`` function with the JAX reference.

On failure, the property checks report the counterexample Hypothesis shrank
to: the fewest layers, the smallest shapes, the simplest numbers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from hypothesis import given, settings as Settings, strategies as st

from gradecheck import _layers, strategies as gst
from gradecheck._answer_types import non_number, not_numbers_message
from gradecheck._compare import GradientComparison, Tolerance, compare_gradients, default_tolerance
from gradecheck._errors import GradientMismatchError, InvalidArgumentError
from gradecheck._numeric import FiniteDifference, central_difference
from gradecheck._profiles import grading_settings

__all__ = [
    "CheckResult",
    "REFERENCE_TOLERANCE",
    "check_gradients",
    "assert_gradients",
    "check_layer",
    "assert_layer",
    "check_backprop",
    "assert_backprop",
    "c4_network_cases",
]

#: Tolerance for comparing a hand-written float64 gradient with the float64
#: reference (no finite-difference error involved).
REFERENCE_TOLERANCE = Tolerance(rtol=1e-6, atol=1e-9)
#: Finite-difference error estimates are estimates: allow this multiple of them.
_NOISE_SAFETY = 2.0


@dataclasses.dataclass(frozen=True)
class CheckResult:
    """The verdict of a gradient check.

    Attributes:
        subject: what was checked, e.g. ``"MultiplyGate"``.
        passed: whether every decidable element matched.
        comparisons: the per-array comparisons of the failing (or only) example.
        examples: how many examples were tried (1 for :func:`check_gradients`);
            on failure, the number of the first failing example.
        counterexample: for property checks that failed, the shrunk example as
            readable text; ``None`` otherwise.
        error: a failure that is not a numeric mismatch (an exception raised
            by the code under test, a wrong shape or type), else ``None``.
    """

    subject: str
    passed: bool
    comparisons: tuple[GradientComparison, ...] = ()
    examples: int = 1
    counterexample: str | None = None
    error: str | None = None

    def report(self) -> str:
        """A readable multi-line report; on failure, what is wrong and where."""
        if self.passed:
            return f"{self.subject}: gradients match ({self.examples} example(s) checked)."
        lines = [f"{self.subject}: gradient check FAILED"]
        if self.counterexample is not None:
            lines.append(f"Smallest failing example (first failure at example {self.examples}, then shrunk):")
            lines.extend("  " + line for line in self.counterexample.splitlines())
        if self.error is not None:
            lines.append(self.error)
        for comparison in self.comparisons:
            if not comparison.passed:
                lines.append(comparison.report())
        return "\n".join(lines)

    def raise_for_failure(self) -> None:
        """Raise :class:`GradientMismatchError` with :meth:`report` unless passed."""
        if not self.passed:
            raise GradientMismatchError(self.report(), self)


# ---------------------------------------------------------------------------
# Comparing analytic gradients with finite differences
# ---------------------------------------------------------------------------


def _compare_with_finite_difference(
    name: str, fd: FiniteDifference, analytic: Any, tolerance: Tolerance | None
) -> GradientComparison:
    """Compare, treating kinks where the analytic value is a one-sided slope as undecidable."""
    expected = fd.gradient
    actual = np.asarray(analytic, dtype=np.float64) if _is_numeric(analytic) else analytic
    undecidable = None
    if isinstance(actual, np.ndarray) and actual.shape == expected.shape:
        forward, backward = fd.one_sided
        low, high = np.minimum(forward, backward), np.maximum(forward, backward)
        tol = tolerance or default_tolerance(np.float64)
        slack = tol.atol + tol.rtol * np.maximum(np.abs(low), np.abs(high))
        plausible = (actual >= low - slack) & (actual <= high + slack)
        undecidable = fd.kink & plausible
    return compare_gradients(
        expected,
        actual,
        name=name,
        tolerance=tolerance,
        undecidable=undecidable,
        noise_floor=_NOISE_SAFETY * fd.error_estimate,
    )


def _is_numeric(value: Any) -> bool:
    """Whether ``value`` is numbers (not text, booleans or None that numpy would convert; see ``_answer_types``)."""
    if non_number(value, array_likes=True) is not None:
        return False
    try:
        np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        return False
    return True


def _as_gradient_list(value: Any, n_inputs: int, what: str) -> list[Any]:
    """Normalize a returned gradient (one array, or a list/tuple of arrays)."""
    if n_inputs == 1:
        if isinstance(value, (list, tuple)) and len(value) == 1 and np.ndim(value[0]) > 0:
            return [value[0]]
        return [value]
    if not isinstance(value, (list, tuple)) or len(value) != n_inputs:
        found = f"a {type(value).__name__} of length {len(value)}" if isinstance(value, (list, tuple)) else type(value).__name__
        raise _SubjectError(
            f"{what} should return one gradient per input ({n_inputs} in a list or tuple), got {found}."
        )
    return list(value)


class _SubjectError(AssertionError):
    """The code under test misbehaved (exception, wrong type or shape)."""


def check_gradients(
    f: Callable[..., Any],
    gradient: Callable[..., Any],
    *inputs: Any,
    names: Sequence[str] | None = None,
    tolerance: Tolerance | None = None,
    order: int = 4,
) -> CheckResult:
    """Compare ``gradient(*inputs)`` with central finite differences of ``f``.

    Args:
        f: a scalar function of the inputs, ``f(*inputs) -> float``.
        gradient: returns the gradient of ``f`` with respect to each input:
            one array for one input, a list or tuple of arrays for several,
            each shaped like its input.
        *inputs: the point to check at (array-likes, converted to float64).
        names: a name per input for the report (default ``x0, x1, ...``).
        tolerance: overrides the float64 default :data:`DEFAULT_TOLERANCES`.
        order: finite-difference order, 2 or 4, refined by Richardson extrapolation
            (whose error estimate becomes the per-element noise floor).

    Elements where ``f`` has a kink within the step (a ReLU at 0) and the
    analytic value is one of the one-sided slopes are reported as undecidable.
    """
    if not inputs:
        raise InvalidArgumentError("check_gradients needs at least one input array after f and gradient.")
    arrays = [np.array(x, dtype=np.float64) for x in inputs]
    labels = list(names) if names is not None else [f"x{i}" for i in range(len(arrays))]
    if len(labels) != len(arrays):
        raise InvalidArgumentError(f"names has {len(labels)} entries for {len(arrays)} inputs; give one per input.")
    subject = getattr(gradient, "__name__", "gradient")
    try:
        analytic = _as_gradient_list(gradient(*[a.copy() for a in arrays]), len(arrays), subject)
    except _SubjectError as error:
        return CheckResult(subject, False, error=str(error))
    comparisons = []
    for position, array in enumerate(arrays):
        def along(value: np.ndarray, position: int = position) -> float:
            args = [a.copy() for a in arrays]
            args[position] = value
            return float(f(*args))

        fd = central_difference(along, array, order=order, richardson=True)
        comparisons.append(_compare_with_finite_difference(f"d{labels[position]}", fd, analytic[position], tolerance))
    return CheckResult(subject, all(c.passed for c in comparisons), tuple(comparisons))


def assert_gradients(
    f: Callable[..., Any],
    gradient: Callable[..., Any],
    *inputs: Any,
    names: Sequence[str] | None = None,
    tolerance: Tolerance | None = None,
    order: int = 4,
) -> None:
    """Like :func:`check_gradients`, but raise :class:`GradientMismatchError` on failure."""
    check_gradients(f, gradient, *inputs, names=names, tolerance=tolerance, order=order).raise_for_failure()


# ---------------------------------------------------------------------------
# Property checks driven by Hypothesis
# ---------------------------------------------------------------------------


class _PropertyFailure(AssertionError):
    """Raised inside the Hypothesis test; carries what the report needs."""

    def __init__(self, counterexample: str, comparisons: tuple[GradientComparison, ...], error: str | None):
        super().__init__(error or "gradient mismatch")
        self.counterexample = counterexample
        self.comparisons = comparisons
        self.error = error


def _run_property(
    subject: str, strategy: st.SearchStrategy[Any], body: Callable[[Any], None], settings: Settings
) -> CheckResult:
    """Run ``body`` on examples of ``strategy``; shrink and report the first failure."""
    counter = {"examples": 0, "until_failure": 0}
    failures: list[_PropertyFailure] = []

    @settings
    @given(strategy)
    def property_(example: Any) -> None:
        try:
            body(example)
        except _PropertyFailure as failure:
            counter["examples"] += 1
            if not failures:
                counter["until_failure"] = counter["examples"]
            failures.append(failure)
            raise
        counter["examples"] += 1

    try:
        property_()
    except _PropertyFailure:
        # Hypothesis replays the shrunk example last, so the last failure is the minimal one.
        last = failures[-1]
        return CheckResult(
            subject, False, last.comparisons, counter["until_failure"], last.counterexample, last.error
        )
    return CheckResult(subject, True, (), counter["examples"])


def _format_array(value: Any) -> str:
    array = np.asarray(value)
    text = np.array2string(array, precision=6, separator=", ", suppress_small=False, max_line_width=100)
    return text if array.ndim == 0 else f"{text}  shape {array.shape}"


def _settings_for(settings: Settings | None, max_examples: int | None) -> Settings:
    if settings is None:
        return grading_settings(max_examples=100 if max_examples is None else max_examples)
    if max_examples is not None:
        return Settings(settings, max_examples=max_examples)
    return settings


# ---------------------------------------------------------------------------
# Layers (C5)
# ---------------------------------------------------------------------------


def _call(what: str, function: Callable[..., Any], *args: Any) -> Any:
    try:
        return function(*args)
    except Exception as error:  # the layer's own bug: report it, let Hypothesis shrink it
        raise _SubjectError(f"{what} raised {type(error).__name__}: {error}") from error


def _as_float_array(value: Any, what: str, shape: tuple[int, ...] | None = None, like: str = "its input") -> np.ndarray:
    """``value`` as a float64 array; with ``shape``, it must have that shape, the shape of ``like`` (named in the message)."""
    problem = non_number(value, array_likes=True)
    if problem is not None:
        raise _SubjectError(not_numbers_message(what, shape if shape is not None else np.shape(0), value, problem))
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise _SubjectError(f"{what} should be an array of numbers, got {type(value).__name__}.") from None
    if shape is not None and array.shape != shape:
        raise _SubjectError(f"{what} should have shape {shape} (like {like}), got {array.shape}.")
    if not np.all(np.isfinite(array)):
        raise _SubjectError(f"{what} contains NaN or infinity: {_format_array(array)}")
    return array


class _LayerExample:
    """One drawn example for a layer: inputs, parameter values, upstream gradient."""

    def __init__(self, spec: _layers.LayerSpec) -> None:
        self.spec = spec
        self.inputs: list[np.ndarray] = []
        self.params: dict[str, np.ndarray] = {}
        self.upstream: np.ndarray | None = None

    def describe(self) -> str:
        lines = [f"layer = {self.spec.name}()"]
        lines += [f"{name} = {_format_array(x)}" for name, x in zip(self.spec.input_names, self.inputs)]
        lines += [f"params[{name!r}] = {_format_array(v)}" for name, v in self.params.items()]
        if self.upstream is not None:
            lines.append(f"upstream = {_format_array(self.upstream)}")
        return "\n".join(lines)


def _layer_body(
    factory: Callable[[], Any],
    max_magnitude: float,
    tolerance: Tolerance | None,
    order: int,
    input_shapes: tuple[tuple[int, ...], ...] | None = None,
) -> Callable[[st.DataObject], None]:
    def body(data: st.DataObject) -> None:
        layer = factory()
        spec = _with_shapes(_layers.describe_layer(layer, inputs=None if input_shapes is None else len(input_shapes)), input_shapes)
        example = _LayerExample(spec)
        try:
            comparisons = _check_layer_once(layer, spec, example, data, max_magnitude, tolerance, order)
        except _SubjectError as error:
            raise _PropertyFailure(example.describe(), (), str(error)) from None
        if not all(c.passed for c in comparisons):
            raise _PropertyFailure(example.describe(), comparisons, None)

    return body


def _check_layer_once(
    layer: Any,
    spec: _layers.LayerSpec,
    example: _LayerExample,
    data: st.DataObject,
    max_magnitude: float,
    tolerance: Tolerance | None,
    order: int,
) -> tuple[GradientComparison, ...]:
    shapes = spec.input_shapes
    if shapes is None:
        shapes = (data.draw(gst.array_shapes_for_layers(), label="shape"),) * spec.n_inputs
    example.inputs = [
        data.draw(gst.float64_arrays(shape, max_magnitude=max_magnitude), label=name)
        for shape, name in zip(shapes, spec.input_names)
    ]
    params = getattr(layer, "params", None) or {}
    for name in spec.param_names:
        drawn = data.draw(gst.float64_arrays(params[name].shape, max_magnitude=1.0), label=f"params[{name!r}]")
        _write_param(params, name, drawn)
        example.params[name] = drawn
    inputs = example.inputs
    output = _as_float_array(_call(f"{spec.name}.forward", layer.forward, *[x.copy() for x in inputs]), "forward's output")
    upstream = data.draw(gst.upstream_gradients(output.shape), label="upstream")
    example.upstream = upstream
    raw = _call(f"{spec.name}.backward", layer.backward, upstream.copy())
    returned = _as_gradient_list(raw, spec.n_inputs, f"{spec.name}.backward")
    analytic = [
        _as_float_array(g, f"the gradient for {name}", x.shape, f"the input {name}") for g, name, x in zip(returned, spec.input_names, inputs)
    ]
    param_grads = _read_param_grads(layer, spec, params)

    def loss(*xs: np.ndarray) -> float:
        out = _as_float_array(_call(f"{spec.name}.forward", layer.forward, *xs), "forward's output", output.shape, "its output on the first call")
        return float(np.sum(upstream * out))

    comparisons = []
    for position, (name, x) in enumerate(zip(spec.input_names, inputs)):
        def along_input(value: np.ndarray, position: int = position) -> float:
            args = [a.copy() for a in inputs]
            args[position] = value
            return loss(*args)

        fd = central_difference(along_input, x, order=order, richardson=True)
        comparisons.append(_compare_with_finite_difference(f"d{name}", fd, analytic[position], tolerance))
    for name in spec.param_names:
        original = params[name].copy()

        def along_param(value: np.ndarray, name: str = name) -> float:
            _write_param(params, name, value)
            return loss(*[a.copy() for a in inputs])

        try:
            fd = central_difference(along_param, original, order=order, richardson=True)
        finally:
            _write_param(params, name, original)
        comparisons.append(_compare_with_finite_difference(f"grads[{name!r}]", fd, param_grads[name], tolerance))
    return tuple(comparisons)


def _write_param(params: dict[str, np.ndarray], name: str, value: np.ndarray) -> None:
    """Write ``value`` into the layer's parameter array ``params[name]`` in place.

    In place, so that a layer holding its own reference to the array sees it.
    A sandboxed layer's ``params`` (:class:`gradecheck.pytest_plugin.SandboxedModule`)
    is a copy of the worker's dict: its ``write_back`` sends the value there.
    """
    np.copyto(params[name], value)
    write_back = getattr(params, "write_back", None)
    if callable(write_back):
        write_back(name)


def _read_param_grads(layer: Any, spec: _layers.LayerSpec, params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    if not spec.param_names:
        return {}
    grads = getattr(layer, "grads", None)
    if not isinstance(grads, dict):
        raise _SubjectError(
            f"{spec.name} has params but after backward its grads is {type(grads).__name__}; "
            f"backward should fill a dict grads with the keys {list(spec.param_names)}."
        )
    missing = [name for name in spec.param_names if name not in grads]
    if missing:
        raise _SubjectError(f"{spec.name}.grads lacks {missing} after backward; it has {list(grads)}.")
    return {
        name: _as_float_array(grads[name], f"grads[{name!r}]", params[name].shape, f"params[{name!r}]")
        for name in spec.param_names
    }


def check_layer(
    layer: Any,
    *,
    max_examples: int | None = None,
    settings: Settings | None = None,
    tolerance: Tolerance | None = None,
    max_magnitude: float = 2.0,
    order: int = 4,
    input_shapes: Sequence[Sequence[int]] | None = None,
) -> CheckResult:
    """Property-check a layer (DESIGN.md C5) against finite differences of its forward.

    For each Hypothesis example: draw the inputs (``layer.input_shapes`` or one
    drawn shape shared by all inputs), parameter values (written into
    ``layer.params`` in place), call ``forward``, draw an upstream gradient
    shaped like the output, call ``backward`` and read ``layer.grads``. The
    reference is the finite-difference gradient of ``sum(upstream * forward(...))``.

    Args:
        layer: a layer class, a zero-argument factory, or a layer instance
            (an instance's parameters are restored afterwards).
        max_examples: how many examples to try (default 100).
        settings: Hypothesis settings; default :func:`grading_settings`
            (derandomized: the same layer always gets the same verdict).
        tolerance: overrides the float64 finite-difference tolerance.
        max_magnitude: bound on drawn input values.
        order: finite-difference order, 2 or 4, refined by Richardson extrapolation
            (whose error estimate becomes the per-element noise floor).
        input_shapes: one shape per input of ``forward``, overriding the
            layer's own ``input_shapes`` (e.g. ``[(3, 4)]`` for a LayerNorm(4)
            that does not declare them).

    Returns:
        A :class:`CheckResult`; on failure its ``counterexample`` is the shrunk example.
    """
    shapes = _check_input_shapes(input_shapes)
    factory = _layers.layer_factory(layer)
    probe = factory()
    spec = _with_shapes(_layers.describe_layer(probe, inputs=None if shapes is None else len(shapes)), shapes)
    originals = {name: probe.params[name].copy() for name in spec.param_names}
    try:
        return _run_property(
            spec.name,
            st.data(),
            _layer_body(factory, max_magnitude, tolerance, order, shapes),
            _settings_for(settings, max_examples),
        )
    finally:
        params = probe.params if originals else {}
        for name, value in originals.items():
            _write_param(params, name, value)


def _check_input_shapes(input_shapes: Any) -> tuple[tuple[int, ...], ...] | None:
    if input_shapes is None:
        return None
    try:
        shapes = tuple(tuple(int(side) for side in shape) for shape in input_shapes)
    except (TypeError, ValueError):
        raise InvalidArgumentError(
            f"input_shapes={input_shapes!r} should be a list of shape tuples, one per input, e.g. [(3, 4)]."
        ) from None
    if not shapes or any(side < 1 for shape in shapes for side in shape):
        raise InvalidArgumentError(
            f"input_shapes={input_shapes!r} should list one shape per input with sides >= 1, e.g. [(3, 4)]."
        )
    return shapes


def _with_shapes(spec: _layers.LayerSpec, shapes: tuple[tuple[int, ...], ...] | None) -> _layers.LayerSpec:
    return spec if shapes is None else dataclasses.replace(spec, input_shapes=shapes, n_inputs=len(shapes))


def assert_layer(layer: Any, **options: Any) -> None:
    """Like :func:`check_layer`, but raise :class:`GradientMismatchError` on failure."""
    check_layer(layer, **options).raise_for_failure()


# ---------------------------------------------------------------------------
# Whole networks (C4): backprop(weights, biases, x, y) -> (d_weights, d_biases)
# ---------------------------------------------------------------------------


def c4_network_cases(*, max_depth: int = 4, max_width: int = 8) -> st.SearchStrategy[gst.NetworkCase]:
    """Networks as in DESIGN.md C4: sigmoid on every layer, ``E = 0.5*sum((a_L - y)**2)``, one example."""
    return gst.network_cases(
        architectures=gst.architectures(
            max_depth=max_depth,
            max_width=max_width,
            hidden_activations=("sigmoid",),
            output_activations=("sigmoid",),
            losses=("half_sse",),
            reductions=("sum",),
        ),
        batch_sizes=st.none(),
    )


def _split_backprop_output(value: Any, depth: int) -> tuple[list[Any], list[Any]]:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise _SubjectError(
            f"backprop should return (d_weights, d_biases), a pair of lists; got {type(value).__name__}"
            + (f" of length {len(value)}" if isinstance(value, (list, tuple)) else "")
            + "."
        )
    d_weights, d_biases = value
    for label, part in (("d_weights", d_weights), ("d_biases", d_biases)):
        if not isinstance(part, (list, tuple)) or len(part) != depth:
            size = f"length {len(part)}" if isinstance(part, (list, tuple)) else type(part).__name__
            raise _SubjectError(f"{label} should be a list of {depth} arrays (one per layer), got {size}.")
    return list(d_weights), list(d_biases)


def _first_wrong_layer(comparisons: Sequence[GradientComparison], depth: int) -> str | None:
    wrong = sorted({int(c.name.split("[")[1].rstrip("]")) for c in comparisons if not c.passed})
    if not wrong:
        return None
    deepest = max(wrong)
    if deepest == depth - 1:
        return "The output layer's gradients are already wrong: check dE/da_L and the output activation's derivative."
    right = f"Layer {depth - 1} (the output layer) is" if deepest + 1 == depth - 1 else f"Layers {deepest + 1}..{depth - 1} are"
    return (
        f"{right} right and layer {deepest} is wrong: the error enters while propagating delta backwards "
        f"from layer {deepest + 1} to layer {deepest} (W^T delta, then the activation derivative)."
    )


def _backprop_body(backprop: Callable[..., Any], tolerance: Tolerance) -> Callable[[gst.NetworkCase], None]:
    from gradecheck._backprop import reference_backprop

    def body(case: gst.NetworkCase) -> None:
        reference = reference_backprop(case.network, case.weights, case.biases, case.x, case.y)
        depth = case.network.depth
        try:
            raw = _call(
                "backprop",
                backprop,
                [w.copy() for w in case.weights],
                [b.copy() for b in case.biases],
                case.x.copy(),
                case.y.copy(),
            )
            d_weights, d_biases = _split_backprop_output(raw, depth)
            comparisons = []
            for l in range(depth):
                for label, got, expected in (
                    ("d_weights", d_weights[l], reference.d_weights[l]),
                    ("d_biases", d_biases[l], reference.d_biases[l]),
                ):
                    actual = _as_float_array(got, f"{label}[{l}]", expected.shape, f"{label.replace('d_', '')}[{l}]")
                    comparisons.append(compare_gradients(expected, actual, name=f"{label}[{l}]", tolerance=tolerance))
        except _SubjectError as error:
            raise _PropertyFailure(case.describe(), (), str(error)) from None
        if not all(c.passed for c in comparisons):
            raise _PropertyFailure(case.describe(), tuple(comparisons), _first_wrong_layer(comparisons, depth))

    return body


def check_backprop(
    backprop: Callable[..., Any],
    *,
    cases: st.SearchStrategy[gst.NetworkCase] | None = None,
    max_examples: int | None = None,
    settings: Settings | None = None,
    tolerance: Tolerance = REFERENCE_TOLERANCE,
) -> CheckResult:
    """Property-check ``backprop(weights, biases, x, y) -> (d_weights, d_biases)`` against the JAX reference.

    Args:
        backprop: follows DESIGN.md C4: ``weights[l]`` has shape
            ``(n_{l+1}, n_l)``, ``biases[l]`` ``(n_{l+1},)``, ``x`` ``(n_0,)``,
            ``y`` ``(n_L,)``; returns lists shaped like ``weights`` and ``biases``.
        cases: a strategy of :class:`~gradecheck.strategies.NetworkCase`; the
            default draws C4's networks (sigmoid everywhere, half sum of
            squares, depth 1-4, widths 1-8).
        max_examples: how many networks to try (default 100).
        settings: Hypothesis settings (default: deterministic grading settings).
        tolerance: for comparing with the reference (both are exact float64).
    """
    strategy = cases if cases is not None else c4_network_cases()
    subject = getattr(backprop, "__name__", "backprop")
    return _run_property(subject, strategy, _backprop_body(backprop, tolerance), _settings_for(settings, max_examples))


def assert_backprop(backprop: Callable[..., Any], **options: Any) -> None:
    """Like :func:`check_backprop`, but raise :class:`GradientMismatchError` on failure."""
    check_backprop(backprop, **options).raise_for_failure()
