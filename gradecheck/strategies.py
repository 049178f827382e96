"""Hypothesis strategies for networks, their parameters and data, and layers.

Use them like :mod:`hypothesis.strategies`::

    from hypothesis import given
    import gradecheck.strategies as gst

    @given(gst.network_cases())
    def test_backprop(case):
        d_weights, d_biases = backprop(case.weights, case.biases, case.x, case.y)
        ...

Every array is a NumPy ``float64`` array.  By default numbers are drawn from a
grid of hundredths (``k / 100``), so a shrunk counterexample reads like a
textbook exercise (``0.25``, ``-1.5``) instead of ``0.2500000000000001``.
Shapes follow :mod:`gradecheck._network`: ``weights[l]`` is
``(n_{l+1}, n_l)``, ``biases[l]`` is ``(n_{l+1},)``, ``x`` is ``(n_0,)`` or a
batch ``(m, n_0)``.

Bounds are keyword-only and checked when a strategy is built, raising
:class:`~gradecheck._errors.InvalidArgumentError`.  This module imports NumPy
and Hypothesis only (no JAX).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gradecheck._errors import InvalidArgumentError
from gradecheck._network import (
    HIDDEN_ACTIVATIONS,
    KINKED_ACTIVATIONS,
    LOSSES,
    REDUCTIONS,
    Network,
    activate,
)

__all__ = [
    "DEFAULT_HIDDEN_ACTIVATIONS",
    "DEFAULT_OUTPUT_ACTIVATIONS",
    "NetworkCase",
    "architectures",
    "array_shapes_for_layers",
    "float64_arrays",
    "layer_inputs",
    "network_cases",
    "network_inputs",
    "network_parameters",
    "network_targets",
    "upstream_gradients",
]

#: Hidden activations in shrinking order: examples shrink toward the first.
DEFAULT_HIDDEN_ACTIVATIONS: tuple[str, ...] = ("sigmoid", "tanh", "relu", "leaky_relu", "identity")
#: Output activations in shrinking order (``softmax`` only for the output layer).
DEFAULT_OUTPUT_ACTIVATIONS: tuple[str, ...] = DEFAULT_HIDDEN_ACTIVATIONS + ("softmax",)
_OUTPUT_ACTIVATIONS = frozenset(DEFAULT_OUTPUT_ACTIVATIONS)
#: The output activation each loss requires (losses not listed take any).
_REQUIRED_OUTPUT = {"binary_cross_entropy": "sigmoid", "softmax_cross_entropy": "softmax"}
_DEFAULT_RESOLUTION = 0.01
#: Soft probability targets are nonnegative integer weights up to this, normalized.
_MAX_TARGET_WEIGHT = 4


# ---------------------------------------------------------------------------
# Argument validation (messages name the argument, its value and its type).
# ---------------------------------------------------------------------------


def _describe(name: str, value: object) -> str:
    return f"{name}={value!r} (type {type(value).__name__})"


def _check_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InvalidArgumentError(f"Expected an integer for {name}, but got {_describe(name, value)}.")
    if value < minimum:
        raise InvalidArgumentError(f"{_describe(name, value)} must be at least {minimum}.")
    return int(value)


def _check_real(name: str, value: object, *, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InvalidArgumentError(f"Expected a number for {name}, but got {_describe(name, value)}.")
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = "at least 0" if allow_zero else "greater than 0"
        raise InvalidArgumentError(f"{_describe(name, value)} must be a finite number {bound}.")
    return float(value)


def _check_order(low_name: str, low: float, high_name: str, high: float) -> None:
    if high < low:
        raise InvalidArgumentError(f"Cannot have {high_name}={high!r} < {low_name}={low!r}.")


def _check_names(name: str, values: object, allowed: Sequence[str]) -> tuple[str, ...]:
    if isinstance(values, str) or not isinstance(values, Sequence):
        raise InvalidArgumentError(
            f"Expected a sequence of names for {name}, but got {_describe(name, values)}; "
            f"write e.g. {name}=({values!r},) for a single name."
        )
    for position, value in enumerate(values):
        if value not in allowed:
            raise InvalidArgumentError(
                f"{name}[{position}]={value!r} is not one of {', '.join(map(repr, allowed))}."
            )
    return tuple(dict.fromkeys(values))


def _check_strategy(name: str, value: object) -> None:
    if not isinstance(value, st.SearchStrategy):
        raise InvalidArgumentError(
            f"Expected a Hypothesis strategy for {name}, but got {_describe(name, value)}; "
            f"wrap a fixed value with hypothesis.strategies.just()."
        )


def _check_network(value: object) -> Network:
    if not isinstance(value, Network):
        raise InvalidArgumentError(
            f"Expected a gradecheck Network for network, but got {_describe('network', value)}."
        )
    return value


def _check_batch_size(value: object) -> int | None:
    return None if value is None else _check_int("batch_size", value, 1)


def _check_shape(value: object) -> Any:
    if isinstance(value, st.SearchStrategy):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (_check_int("shape", value, 0),)
    if isinstance(value, tuple):
        return tuple(_check_int(f"shape[{i}]", side, 0) for i, side in enumerate(value))
    raise InvalidArgumentError(
        f"Expected an int, a tuple of ints or a strategy for shape, but got {_describe('shape', value)}."
    )


# ---------------------------------------------------------------------------
# Numbers: a grid of multiples of ``resolution`` (or any float when it is 0).
# ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Grid:
    """Multiples of ``resolution``; ``resolution == 0`` means any float."""

    resolution: float

    @property
    def continuous(self) -> bool:
        return self.resolution == 0.0

    @property
    def _denominator(self) -> int | None:
        # k / 100 prints as 0.07 where k * 0.01 prints as 0.07000000000000001.
        inverse = 1.0 / self.resolution
        return round(inverse) if abs(inverse - round(inverse)) < 1e-9 * inverse else None

    def from_ticks(self, k: Any) -> Any:
        k = np.asarray(k, dtype=np.float64)
        denominator = self._denominator
        return k / denominator if denominator is not None else k * self.resolution

    def to_ticks(self, values: Any) -> Any:
        return np.rint(np.asarray(values) / self.resolution)

    def max_ticks(self, magnitude: float) -> int:
        """The largest ``k`` with ``|from_ticks(k)| <= magnitude``."""
        k = math.floor(magnitude / self.resolution + 1e-9)
        while k > 0 and self.from_ticks(k) > magnitude:
            k -= 1
        return k

    def smallest_at_least(self, value: float) -> float:
        """The smallest grid value ``>= value`` (``value`` itself when continuous)."""
        if self.continuous:
            return value
        k = math.ceil(value / self.resolution - 1e-9)
        while self.from_ticks(k) < value:
            k += 1
        return float(self.from_ticks(k))

    def halve(self, values: Any) -> Any:
        """Halve toward zero, staying on the grid."""
        if self.continuous:
            return np.asarray(values) / 2.0
        return self.from_ticks(np.trunc(self.to_ticks(values) / 2.0))

    @functools.lru_cache(maxsize=1024)  # noqa: B019 (grids are few and immutable)
    def arrays(self, shape: Any, low: float, high: float, nonzero: bool = False) -> st.SearchStrategy:
        """``float64`` arrays with entries in ``[low, high]`` (``low <= 0 < high``)."""
        if self.continuous:
            if nonzero:
                tiny = float(np.finfo(np.float64).tiny)
                magnitudes = st.floats(tiny, max(high, -low))
                elements = st.tuples(st.booleans(), magnitudes).map(lambda t: -t[1] if t[0] else t[1])
                elements = elements.filter(lambda v: low <= v <= high)
            else:
                elements = st.floats(low, high, allow_subnormal=False)
            return hnp.arrays(np.float64, shape, elements=elements, fill=st.nothing())
        k_low, k_high = -self.max_ticks(-low), self.max_ticks(high)
        if nonzero:
            ticks = hnp.arrays(np.int64, shape, elements=st.integers(k_low, k_high - 1), fill=st.nothing())
            return ticks.map(lambda k: self.from_ticks(np.where(k >= 0, k + 1, k)))
        ticks = hnp.arrays(np.int64, shape, elements=st.integers(k_low, k_high), fill=st.nothing())
        return ticks.map(self.from_ticks)


def _grid(resolution: float | None, max_magnitude: float, *, name: str = "max_magnitude") -> _Grid:
    if resolution is None:
        resolution = _DEFAULT_RESOLUTION
    resolution = _check_real("resolution", resolution, allow_zero=True)
    grid = _Grid(resolution)
    if not grid.continuous and grid.max_ticks(max_magnitude) < 1:
        raise InvalidArgumentError(
            f"Cannot have {name}={max_magnitude!r} < resolution={resolution!r}: the grid would "
            f"hold only 0.  Lower resolution or raise {name}."
        )
    return grid


def float64_arrays(
    shape: int | tuple[int, ...] | st.SearchStrategy[tuple[int, ...]],
    *,
    max_magnitude: float = 2.0,
    resolution: float | None = None,
    nonzero: bool = False,
) -> st.SearchStrategy[np.ndarray]:
    """Arrays of "simple numbers" that shrink toward 0 and print readably.

    Args:
        shape: an int, a shape tuple or a strategy of shapes.
        max_magnitude: every entry satisfies ``|v| <= max_magnitude``.
        resolution: entries are multiples of this (``None``: ``0.01``, so values
            print like ``0.25`` or ``-1.5``); ``0`` draws any float64.
        nonzero: if true, no entry is exactly 0.

    Returns:
        A strategy of ``float64`` arrays of the given shape.
    """
    shape = _check_shape(shape)
    max_magnitude = _check_real("max_magnitude", max_magnitude)
    grid = _grid(resolution, max_magnitude)
    return grid.arrays(shape, -max_magnitude, max_magnitude, bool(nonzero))


def upstream_gradients(
    shape: int | tuple[int, ...] | st.SearchStrategy[tuple[int, ...]],
    *,
    max_magnitude: float = 2.0,
    resolution: float | None = None,
) -> st.SearchStrategy[np.ndarray]:
    """Upstream gradients ``dL/d(output)`` of the given shape (see :func:`float64_arrays`)."""
    return float64_arrays(shape, max_magnitude=max_magnitude, resolution=resolution)


# ---------------------------------------------------------------------------
# Architectures.
# ---------------------------------------------------------------------------


def architectures(
    *,
    min_depth: int = 1,
    max_depth: int = 4,
    min_width: int = 1,
    max_width: int = 8,
    hidden_activations: Sequence[str] = DEFAULT_HIDDEN_ACTIVATIONS,
    output_activations: Sequence[str] | None = None,
    losses: Sequence[str] = LOSSES,
    reductions: Sequence[str] = REDUCTIONS,
    negative_slope: float = 0.01,
) -> st.SearchStrategy[Network]:
    """Valid :class:`~gradecheck._network.Network` specifications.

    Examples shrink toward the fewest layers, the narrowest widths and the
    first-listed activation, loss and reduction (by default a sigmoid network
    with ``half_sse``, summed).  Only valid combinations are drawn:
    ``binary_cross_entropy`` with a sigmoid output, ``softmax_cross_entropy``
    with a softmax output; a softmax output layer has at least 2 units when
    ``max_width >= 2``.

    Args:
        min_depth, max_depth: bounds on the number of layers ``L``.
        min_width, max_width: bounds on every width ``n_0 .. n_L``.
        hidden_activations: choices for layers ``1 .. L-1``.
        output_activations: choices for layer ``L``; ``None`` allows every
            activation that the drawn loss accepts.
        losses: choices of loss; those no allowed output activation fits are
            never drawn.
        reductions: choices of batch reduction.
        negative_slope: the leaky ReLU slope of every drawn network.
    """
    min_depth = _check_int("min_depth", min_depth, 1)
    max_depth = _check_int("max_depth", max_depth, 1)
    _check_order("min_depth", min_depth, "max_depth", max_depth)
    min_width = _check_int("min_width", min_width, 1)
    max_width = _check_int("max_width", max_width, 1)
    _check_order("min_width", min_width, "max_width", max_width)
    hidden = _check_names("hidden_activations", hidden_activations, HIDDEN_ACTIVATIONS)
    if not hidden and max_depth > 1:
        raise InvalidArgumentError(
            f"hidden_activations=() is empty but max_depth={max_depth} allows hidden layers; "
            f"give at least one of {', '.join(map(repr, HIDDEN_ACTIVATIONS))} or set max_depth=1."
        )
    outputs = DEFAULT_OUTPUT_ACTIVATIONS if output_activations is None else output_activations
    outputs = _check_names("output_activations", outputs, DEFAULT_OUTPUT_ACTIVATIONS)
    losses = _check_names("losses", losses, LOSSES)
    reductions = _check_names("reductions", reductions, REDUCTIONS)
    for name, values in (("losses", losses), ("output_activations", outputs), ("reductions", reductions)):
        if not values:
            raise InvalidArgumentError(f"{name}=() is empty; give at least one choice.")
    real = isinstance(negative_slope, (int, float, np.integer, np.floating))
    if isinstance(negative_slope, bool) or not real or not math.isfinite(negative_slope):
        raise InvalidArgumentError(f"{_describe('negative_slope', negative_slope)} must be a finite number.")
    usable = {
        loss: [o for o in outputs if _REQUIRED_OUTPUT.get(loss, o) == o] for loss in losses
    }
    usable = {loss: tuple(choices) for loss, choices in usable.items() if choices}
    if not usable:
        raise InvalidArgumentError(
            f"No loss in losses={losses!r} fits output_activations={outputs!r}: "
            f"binary_cross_entropy needs 'sigmoid' and softmax_cross_entropy needs 'softmax'."
        )
    return _architectures(
        (min_depth, max_depth), (min_width, max_width), hidden, usable, reductions, float(negative_slope)
    )


_default_architectures = architectures


@st.composite
def _architectures(
    draw: Any,
    depths: tuple[int, int],
    widths: tuple[int, int],
    hidden: tuple[str, ...],
    usable: dict[str, tuple[str, ...]],
    reductions: tuple[str, ...],
    negative_slope: float,
) -> Network:
    # Activations are drawn in layer order and the output list starts like the
    # hidden one, so lowering the depth turns the first hidden choice into the
    # output choice: the shrinker finds a 1-layer relu net from a 2-layer one.
    depth = draw(st.integers(*depths))
    loss = draw(st.sampled_from(tuple(usable)))
    hidden_choices = tuple(draw(st.sampled_from(hidden)) for _ in range(depth - 1))
    output = draw(st.sampled_from(usable[loss]))
    activations = hidden_choices + (output,)
    min_width, max_width = widths
    layer_widths = [draw(st.integers(min_width, max_width)) for _ in range(depth)]
    output_min = max(min_width, 2) if output == "softmax" and max_width >= 2 else min_width
    layer_widths.append(draw(st.integers(output_min, max_width)))
    reduction = draw(st.sampled_from(reductions))
    return Network(tuple(layer_widths), activations, loss, reduction, negative_slope)


# ---------------------------------------------------------------------------
# Parameters, inputs and targets of one network.
# ---------------------------------------------------------------------------


def network_parameters(
    network: Network, *, max_magnitude: float = 1.0, resolution: float | None = None
) -> st.SearchStrategy[tuple[list[np.ndarray], list[np.ndarray]]]:
    """``(weights, biases)``: lists of arrays shaped ``network.weight_shapes`` and ``bias_shapes``."""
    network = _check_network(network)
    max_magnitude = _check_real("max_magnitude", max_magnitude)
    grid = _grid(resolution, max_magnitude)
    bound = max_magnitude
    layers = [
        st.tuples(grid.arrays(w, -bound, bound), grid.arrays(b, -bound, bound))
        for w, b in zip(network.weight_shapes, network.bias_shapes)
    ]
    return st.tuples(*layers).map(lambda pairs: ([w for w, _ in pairs], [b for _, b in pairs]))


def _data_shape(network: Network, width: int, batch_size: int | None) -> tuple[int, ...]:
    return (width,) if batch_size is None else (batch_size, width)


def network_inputs(
    network: Network,
    *,
    batch_size: int | None = None,
    max_magnitude: float = 2.0,
    resolution: float | None = None,
) -> st.SearchStrategy[np.ndarray]:
    """Inputs ``x``: shape ``(n_0,)``, or ``(batch_size, n_0)`` for a batch."""
    network = _check_network(network)
    shape = _data_shape(network, network.widths[0], _check_batch_size(batch_size))
    return float64_arrays(shape, max_magnitude=max_magnitude, resolution=resolution)


def network_targets(
    network: Network,
    *,
    batch_size: int | None = None,
    max_magnitude: float = 2.0,
    resolution: float | None = None,
) -> st.SearchStrategy[np.ndarray]:
    """Targets ``y`` valid for the network's loss, shaped ``(n_L,)`` or ``(batch_size, n_L)``.

    ``half_sse`` and ``mse``: reals with ``|y| <= max_magnitude``.
    ``binary_cross_entropy``: entries in ``[0, 1]``.  ``softmax_cross_entropy``:
    each example's target is a probability vector (nonnegative, summing to 1),
    one-hot or soft; it shrinks toward one-hot on the first class.
    """
    network = _check_network(network)
    batch_size = _check_batch_size(batch_size)
    max_magnitude = _check_real("max_magnitude", max_magnitude)
    shape = _data_shape(network, network.widths[-1], batch_size)
    if network.loss == "binary_cross_entropy":
        return _grid(resolution, 1.0, name="the largest binary target").arrays(shape, 0.0, 1.0)
    if network.loss == "softmax_cross_entropy":
        return _probability_vectors(shape)
    return _grid(resolution, max_magnitude).arrays(shape, -max_magnitude, max_magnitude)


@st.composite
def _probability_vectors(draw: Any, shape: tuple[int, ...]) -> np.ndarray:
    rows = shape[0] if len(shape) == 2 else 1
    width = shape[-1]
    classes = draw(hnp.arrays(np.int64, (rows,), elements=st.integers(0, width - 1)))
    soft = draw(hnp.arrays(np.bool_, (rows,), elements=st.booleans()))
    counts = st.integers(0, _MAX_TARGET_WEIGHT)
    weights = draw(hnp.arrays(np.int64, (rows, width), elements=counts, fill=st.nothing()))
    one_hot = np.zeros((rows, width), dtype=np.int64)
    one_hot[np.arange(rows), classes] = 1
    weights = np.where(soft[:, None], weights + one_hot, one_hot).astype(np.float64)
    return (weights / weights.sum(axis=1, keepdims=True)).reshape(shape)


# ---------------------------------------------------------------------------
# Whole cases: a network with parameters, inputs and targets.
# ---------------------------------------------------------------------------


def _format(array: np.ndarray) -> str:
    return repr(np.asarray(array).tolist())


@dataclasses.dataclass(frozen=True, eq=False)
class NetworkCase:
    """A network with its parameters and one example or a batch.

    Attributes:
        network: the architecture, activations and loss.
        weights: ``weights[l]`` of shape ``(n_{l+1}, n_l)``, one per layer.
        biases: ``biases[l]`` of shape ``(n_{l+1},)``.
        x: ``(n_0,)`` or a batch ``(m, n_0)``.
        y: ``(n_L,)`` or ``(m, n_L)``, valid for ``network.loss``.
    """

    network: Network
    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    x: np.ndarray
    y: np.ndarray

    def __post_init__(self) -> None:
        _check_network(self.network)

        def as_float64(a: Any) -> np.ndarray:
            return np.asarray(a, dtype=np.float64)

        object.__setattr__(self, "weights", tuple(as_float64(w) for w in self.weights))
        object.__setattr__(self, "biases", tuple(as_float64(b) for b in self.biases))
        object.__setattr__(self, "x", as_float64(self.x))
        object.__setattr__(self, "y", as_float64(self.y))
        self.network.check_parameters(self.weights, self.biases)
        self.network.check_data(self.x, self.y)

    @property
    def batch_size(self) -> int | None:
        """``m`` for a batch, ``None`` for a single example."""
        return None if self.x.ndim == 1 else self.x.shape[0]

    def copy(self) -> NetworkCase:
        """The same case with fresh arrays (safe to hand to code that writes in place)."""
        return NetworkCase(
            self.network, tuple(w.copy() for w in self.weights), tuple(b.copy() for b in self.biases),
            self.x.copy(), self.y.copy(),
        )

    def describe(self) -> str:
        """Several lines: the architecture, then every array as a nested list."""
        size = "one example" if self.batch_size is None else f"batch of {self.batch_size}"
        head = f"{self.network.describe()}, {size}"
        if "leaky_relu" in self.network.activations:
            head += f", negative_slope={self.network.negative_slope!r}"
        lines = [head]
        for l, (w, b) in enumerate(zip(self.weights, self.biases)):
            lines += [f"weights[{l}] = {_format(w)}", f"biases[{l}] = {_format(b)}"]
        lines += [f"x = {_format(self.x)}", f"y = {_format(self.y)}"]
        return "\n".join(lines)

    def __repr__(self) -> str:
        body = "\n".join("    " + line for line in self.describe().splitlines())
        return f"NetworkCase(\n{body}\n)"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # Hypothesis (and IPython) print dataclasses field by field unless told otherwise.
        for position, line in enumerate(repr(self).splitlines()):
            if position:
                printer.break_()
            printer.text(line)


@dataclasses.dataclass(frozen=True)
class _Safety:
    """How drawn parameters are repaired; see :func:`network_cases`."""

    grid: _Grid
    max_parameter: float
    bound: float | None
    margin: float | None

    def step(self) -> float:
        return self.margin if self.grid.continuous else self.grid.resolution


def network_cases(
    *,
    architectures: st.SearchStrategy[Network] | None = None,
    batch_sizes: st.SearchStrategy[int | None] | None = None,
    max_parameter_magnitude: float = 1.0,
    max_data_magnitude: float = 2.0,
    resolution: float | None = None,
    avoid_kinks: bool = True,
    kink_margin: float = 1e-3,
    max_preactivation: float | None = 6.0,
) -> st.SearchStrategy[NetworkCase]:
    """Networks with parameters, inputs and targets, safe for gradient checks.

    Draws are repaired rather than rejected, so no examples are filtered out:
    layer by layer, a unit whose pre-activation ``|z|`` exceeds
    ``max_preactivation`` on some example has its weights and bias halved
    (toward zero, on the grid) until it fits; a ReLU or leaky ReLU unit whose
    ``|z|`` is below ``kink_margin`` on some example has its bias moved to the
    nearest grid value that clears the kink on every example (halving the unit
    further if needed).  Bounding ``|z|`` keeps sigmoid and tanh out of
    saturation and the outputs of cross-entropy losses away from 0 and 1.

    Args:
        architectures: a strategy of networks (default :func:`architectures`).
        batch_sizes: a strategy of ``None`` (one example) or batch sizes
            (default ``st.none() | st.integers(1, 8)``).
        max_parameter_magnitude: bound on every weight and bias.
        max_data_magnitude: bound on every input and real-valued target.
        resolution: the grid step (see :func:`float64_arrays`).
        avoid_kinks: keep ReLU/leaky ReLU pre-activations off their kink.
        kink_margin: the least ``|z|`` allowed on a kinked unit.
        max_preactivation: the largest ``|z|`` allowed on any unit; ``None``
            for no bound.
    """
    if architectures is None:
        architectures = _default_architectures()
    _check_strategy("architectures", architectures)
    if batch_sizes is None:
        batch_sizes = st.none() | st.integers(1, 8)
    _check_strategy("batch_sizes", batch_sizes)
    max_parameter = _check_real("max_parameter_magnitude", max_parameter_magnitude)
    max_data = _check_real("max_data_magnitude", max_data_magnitude)
    grid = _grid(resolution, max_parameter, name="max_parameter_magnitude")
    _grid(resolution, max_data, name="max_data_magnitude")
    bound = None if max_preactivation is None else _check_real("max_preactivation", max_preactivation)
    margin = _check_real("kink_margin", kink_margin) if avoid_kinks else None
    if margin is not None:
        room = min(max_parameter, math.inf if bound is None else bound)
        if grid.smallest_at_least(margin) > room:
            raise InvalidArgumentError(
                f"Cannot have kink_margin={kink_margin!r} with max_parameter_magnitude="
                f"{max_parameter_magnitude!r}, max_preactivation={max_preactivation!r} and "
                f"resolution={grid.resolution!r}: no bias clears the kink.  Lower kink_margin."
            )
    safety = _Safety(grid, max_parameter, bound, margin)
    return _network_cases(architectures, batch_sizes, safety, max_data)


@st.composite
def _network_cases(
    draw: Any,
    architectures: st.SearchStrategy[Network],
    batch_sizes: st.SearchStrategy[int | None],
    safety: _Safety,
    max_data: float,
) -> NetworkCase:
    network = draw(architectures)
    if not isinstance(network, Network):
        raise InvalidArgumentError(
            f"architectures drew {_describe('network', network)}; it must draw gradecheck Networks."
        )
    batch_size = draw(batch_sizes)
    if batch_size is not None:
        batch_size = _check_int("batch_sizes (a drawn value)", batch_size, 1)
    parameters, inputs, targets = _case_parts(network, batch_size, safety, max_data)
    weights, biases = draw(parameters)
    x, y = draw(inputs), draw(targets)
    _repair(network, weights, biases, x, safety)
    return NetworkCase(network, tuple(weights), tuple(biases), x, y)


@functools.lru_cache(maxsize=512)
def _case_parts(
    network: Network, batch_size: int | None, safety: _Safety, max_data: float
) -> tuple[st.SearchStrategy, st.SearchStrategy, st.SearchStrategy]:
    # Cached: building and validating fresh strategies for every example is slow.
    resolution = safety.grid.resolution
    return (
        network_parameters(network, max_magnitude=safety.max_parameter, resolution=resolution),
        network_inputs(network, batch_size=batch_size, max_magnitude=max_data, resolution=resolution),
        network_targets(network, batch_size=batch_size, max_magnitude=max_data, resolution=resolution),
    )


def _repair(network: Network, weights: list, biases: list, x: np.ndarray, safety: _Safety) -> None:
    """Repair ``weights`` and ``biases`` in place, layer by layer (see :func:`network_cases`)."""
    a = np.atleast_2d(x)
    for l, name in enumerate(network.activations):
        w, b = weights[l], biases[l]
        kinked = safety.margin is not None and name in KINKED_ACTIVATIONS
        z = a @ w.T + b
        bad = np.zeros(w.shape[0], dtype=bool)
        if safety.bound is not None:
            bad |= np.any(np.abs(z) > safety.bound, axis=0)
        if kinked:
            bad |= np.any(np.abs(z) < safety.margin, axis=0)
        for i in np.flatnonzero(bad):
            w[i], b[i] = _repair_unit(a, w[i], b[i], kinked, safety)
        a = activate(name, a @ w.T + b, np, negative_slope=network.negative_slope)


def _repair_unit(
    a: np.ndarray, w: np.ndarray, b: float, kinked: bool, safety: _Safety
) -> tuple[np.ndarray, float]:
    """One unit's ``(w, b)`` with ``|z| <= bound`` (and ``|z| >= margin`` if kinked) on every row of ``a``."""
    for _ in range(64):
        z0 = a @ w
        if safety.bound is not None and np.max(np.abs(z0 + b)) > safety.bound:
            w, b = safety.grid.halve(w), float(safety.grid.halve(b))
            continue
        if not kinked:
            return w, b
        shifted = _clear_kink(z0, b, safety)
        if shifted is not None:
            return w, shifted
        w, b = safety.grid.halve(w), float(safety.grid.halve(b))
    # A zero row with this bias satisfies every bound (checked when the strategy was built).
    return np.zeros_like(w), safety.grid.smallest_at_least(safety.margin) if kinked else 0.0


def _clear_kink(z0: np.ndarray, b: float, safety: _Safety) -> float | None:
    """The bias nearest ``b`` on the grid with ``margin <= |z0 + bias| <= bound``, or ``None``."""
    step = safety.step()
    reach = len(z0) * (math.ceil(2 * safety.margin / step) + 1) + 1
    offsets = np.zeros(2 * reach + 1)
    offsets[1::2] = np.arange(1, reach + 1)
    offsets[2::2] = -np.arange(1, reach + 1)
    if safety.grid.continuous:
        candidates = b + step * offsets
    else:
        candidates = safety.grid.from_ticks(safety.grid.to_ticks(b) + offsets)
    z = np.abs(z0[None, :] + candidates[:, None])
    ok = np.all(z >= safety.margin, axis=1) & (np.abs(candidates) <= safety.max_parameter)
    if safety.bound is not None:
        ok &= np.all(z <= safety.bound, axis=1)
    hits = np.flatnonzero(ok)
    return float(candidates[hits[0]]) if hits.size else None


# ---------------------------------------------------------------------------
# Inputs for layers following the layer protocol (DESIGN.md C5).
# ---------------------------------------------------------------------------


def array_shapes_for_layers(
    *, min_dims: int = 1, max_dims: int = 2, min_side: int = 1, max_side: int = 5
) -> st.SearchStrategy[tuple[int, ...]]:
    """One array shape, to be used for every input of a layer; shrinks toward ``(1,)``."""
    min_dims = _check_int("min_dims", min_dims, 0)
    max_dims = _check_int("max_dims", max_dims, 0)
    _check_order("min_dims", min_dims, "max_dims", max_dims)
    min_side = _check_int("min_side", min_side, 1)
    max_side = _check_int("max_side", max_side, 1)
    _check_order("min_side", min_side, "max_side", max_side)
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def layer_inputs(
    shapes: Sequence[tuple[int, ...]],
    *,
    max_magnitude: float = 2.0,
    resolution: float | None = None,
    nonzero: bool = False,
) -> st.SearchStrategy[tuple[np.ndarray, ...]]:
    """One ``float64`` array per entry of ``shapes``, as a tuple for ``layer.forward(*inputs)``.

    For a layer without ``input_shapes``, draw one shape and use it for every
    input: ``array_shapes_for_layers().flatmap(lambda s: layer_inputs([s] * n))``.
    """
    if isinstance(shapes, (str, bytes)) or not isinstance(shapes, Sequence):
        raise InvalidArgumentError(
            f"Expected a sequence of shape tuples for shapes, but got {_describe('shapes', shapes)}."
        )
    arrays = []
    for position, shape in enumerate(shapes):
        if not isinstance(shape, (tuple, list)):
            raise InvalidArgumentError(
                f"Expected a shape tuple for shapes[{position}], but got "
                f"{_describe(f'shapes[{position}]', shape)}; for one input of shape (2, 3) "
                f"write shapes=[(2, 3)]."
            )
        arrays.append(
            float64_arrays(tuple(shape), max_magnitude=max_magnitude, resolution=resolution, nonzero=nonzero)
        )
    return st.tuples(*arrays)
