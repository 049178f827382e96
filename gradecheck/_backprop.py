"""The float64 JAX reference: an explicit forward pass and the delta recursion.

For a :class:`~gradecheck._network.Network` with ``L`` layers, the forward pass
keeps every pre-activation ``z_l = a_{l-1} @ W_l.T + b_l`` and activation
``a_l = s_l(z_l)`` (``a_0 = x``).  The backward pass is the textbook recursion::

    dE/da_L  = reduction of the per-example loss gradients
    delta_l  = dE/dz_l = dE/da_l pushed through s_l  (softmax: its Jacobian)
    dE/dW_l  = delta_l.T @ a_{l-1}        (summed over the batch)
    dE/db_l  = delta_l summed over the batch
    dE/da_{l-1} = delta_l @ W_l           (down to dE/dx = dE/da_0)

``jax.grad`` of the same loss runs in the same compiled call, so every
:class:`BackpropTrace` carries its own cross-check.

Speed: JAX compiles once per array shape, which would cap a Hypothesis run at
about ten networks a second.  So every network is padded into a stack: all
widths up to one bucket ``N`` (a power of two, at least 8), the batch up to a
bucket ``M`` (likewise), and the depth up to a bucket ``D`` (a power of two,
at least 4) by identity layers in front, scanned with ``jax.lax.scan``.  The
activation of each layer and the loss are runtime indices.  One compilation
thus serves every network of up to 4 layers, 8 units and 8 examples.
Padding never changes a result: padded weights, biases and inputs are zero,
identity layers pass ``x`` through exactly, padded output units and padded
examples are masked out of the loss (and out of softmax), and the
reductions use the true ``m`` and ``n_L``.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from gradecheck._errors import InvalidArgumentError
from gradecheck._network import (
    ACTIVATIONS,
    LOSSES,
    Network,
    activate,
    activation_backward,
    loss_gradient_per_example,
    loss_per_example,
)
from gradecheck._precision import float64

__all__ = ["BackpropTrace", "reference_backprop", "network_loss", "network_outputs"]

#: Smallest padded width or batch size; larger ones round up to a power of two.
_MIN_BUCKET = 8
#: Smallest padded depth (identity layers fill the gap), also a power of two.
_MIN_DEPTH_BUCKET = 4
#: Padded output units and padded examples take this harmless value in the
#: loss (finite loss and gradient for every loss), then are masked out.
_SAFE_FILL = 0.5


@dataclasses.dataclass(frozen=True)
class BackpropTrace:
    """Everything the reference computed for one network and one input.

    All arrays are host NumPy float64.  For a single example ``x`` of shape
    ``(n_0,)`` the per-layer arrays have shape ``(n_l,)``; for a batch of ``m``
    they have shape ``(m, n_l)``.

    Attributes:
        loss: the (reduced) loss ``E``.
        pre_activations: ``[z_1, ..., z_L]``.
        activations: ``[a_0 = x, a_1, ..., a_L]``.
        deltas: ``[dE/dz_1, ..., dE/dz_L]``.
        d_activations: ``[dE/da_0 = dE/dx, ..., dE/da_L]``.
        d_weights: ``dE/dW_l``, shaped like ``weights`` (explicit backward).
        d_biases: ``dE/db_l``, shaped like ``biases`` (explicit backward).
        autodiff_d_weights: ``jax.grad`` of the same loss w.r.t. the weights.
        autodiff_d_biases: ``jax.grad`` w.r.t. the biases.
        autodiff_d_inputs: ``jax.grad`` w.r.t. ``x`` (shaped like ``x``).
    """

    loss: float
    pre_activations: list[np.ndarray]
    activations: list[np.ndarray]
    deltas: list[np.ndarray]
    d_activations: list[np.ndarray]
    d_weights: list[np.ndarray]
    d_biases: list[np.ndarray]
    autodiff_d_weights: list[np.ndarray]
    autodiff_d_biases: list[np.ndarray]
    autodiff_d_inputs: np.ndarray


# ---------------------------------------------------------------------------
# Traced kernels.  Everything is padded and stacked over layers: weights
# (D, N, N), biases (D, N), x, y and activations (M, N).  ``spec`` holds the
# runtime choices and masks built by :func:`_prepare`.
# ---------------------------------------------------------------------------

_TRACE_COUNT = 0

#: The activations and losses a kernel is compiled for (a static argument).
_Family = tuple[tuple[str, ...], tuple[str, ...]]
_EVERYTHING: _Family = (tuple(ACTIVATIONS), tuple(LOSSES))
#: The lectures' network (sigmoid everywhere, half sum of squares, DESIGN.md C4):
#: a kernel without the other branches compiles in about half the time.
_SIGMOID_SSE: _Family = (("identity", "sigmoid"), ("half_sse",))


def _family_of(network: Network) -> _Family:
    """The smallest of the two kernels that covers ``network``: at most two compilations in all."""
    small_acts, small_losses = _SIGMOID_SSE
    if set(network.activations) <= set(small_acts) and network.loss in small_losses:
        return _SIGMOID_SSE
    return _EVERYTHING


def _count_trace() -> None:
    global _TRACE_COUNT
    _TRACE_COUNT += 1


def _choose(index: Any, names: Sequence[str], branch: Any, *operands: Any) -> Any:
    """``branch(names[index], *operands)`` for a traced ``index``.

    Measured on CPU, a select compiles faster than ``jax.lax.switch`` and runs
    about as fast at these sizes.  Every branch is evaluated, then one result is selected.  The branches not
    chosen see the harmless constant ``_SAFE_FILL`` instead of the operands, so
    neither they nor their (zero) gradients can produce NaN or infinity.
    """
    if len(names) == 1:
        return branch(names[0], *operands)
    results = []
    for k, name in enumerate(names):
        chosen = index == k
        results.append(branch(name, *(jnp.where(chosen, op, _SAFE_FILL) for op in operands)))
    return jax.lax.select_n(index, *results)


def _activation_forward(index: Any, z: Any, unit_mask: Any, slope: Any, names: Sequence[str]) -> Any:
    def branch(name: str, z: Any, unit_mask: Any) -> Any:
        if name == "softmax":
            z = jnp.where(unit_mask > 0, z, -jnp.inf)
        return activate(name, z, jnp, negative_slope=slope)

    return _choose(index, names, branch, z, unit_mask)


def _forward(weights: Any, biases: Any, x: Any, spec: dict[str, Any], family: _Family) -> tuple[Any, Any]:
    """Return ``(zs, activations)`` stacked over layers: ``z_1..z_D`` and ``a_1..a_D``."""

    def layer(a_prev: Any, params: tuple[Any, ...]) -> tuple[Any, tuple[Any, Any]]:
        w, b, index, unit_mask = params
        z = a_prev @ w.T + b
        a = _activation_forward(index, z, unit_mask, spec["slope"], family[0])
        return a, (z, a)

    _, (zs, activations) = jax.lax.scan(
        layer, x, (weights, biases, spec["activation"], spec["unit_masks"])
    )
    return zs, activations


def _masked_output(a: Any, y: Any, spec: dict[str, Any]) -> tuple[Any, Any, Any]:
    mask = spec["row_mask"][:, None] & spec["unit_masks"][-1][None, :]
    return jnp.where(mask, a, _SAFE_FILL), jnp.where(mask, y, _SAFE_FILL), mask


def _loss_from_output(a: Any, y: Any, spec: dict[str, Any], family: _Family) -> Any:
    """The reduced loss.  Losses are evaluated per output unit (a trailing
    axis of one), masked, summed, then scaled; see :func:`_unit_scale`."""
    a, y, mask = _masked_output(a, y, spec)

    def branch(name: str, a: Any, y: Any) -> Any:
        return loss_per_example(name, a[..., None], y[..., None], jnp)

    per_unit = _choose(spec["loss"], family[1], branch, a, y)
    return jnp.sum(jnp.where(mask, per_unit, 0.0)) * spec["scale"]


def _loss_gradient(a: Any, y: Any, spec: dict[str, Any], family: _Family) -> Any:
    """``dE/da_L`` with padded units and examples set to zero."""
    a, y, mask = _masked_output(a, y, spec)

    def branch(name: str, a: Any, y: Any) -> Any:
        return loss_gradient_per_example(name, a[..., None], y[..., None], jnp)[..., 0]

    per_unit = _choose(spec["loss"], family[1], branch, a, y)
    return jnp.where(mask, per_unit, 0.0) * spec["scale"]


def _layer_backward(l: Any, index: Any, z: Any, a: Any, d_a: Any, slope: Any, names: Sequence[str]) -> Any:
    """``delta_l = dE/dz_l`` from ``dE/da_l`` for the (traced) stacked layer ``l``."""

    def branch(name: str, z: Any, a: Any, d_a: Any) -> Any:
        return activation_backward(name, z, a, d_a, jnp, negative_slope=slope)

    return _choose(index, names, branch, z, a, d_a)


def _explicit_backward(weights: Any, x: Any, zs: Any, activations: Any, y: Any, spec: dict[str, Any], family: _Family):
    """The delta recursion, from the output layer down to ``dE/dx``.

    Returns ``(deltas, d_activations, d_weights, d_biases)`` stacked over
    layers; ``d_activations`` holds ``dE/da_0 .. dE/da_D``.
    """
    inputs = jnp.concatenate([x[None], activations[:-1]])
    d_output = _loss_gradient(activations[-1], y, spec, family)

    def layer(d_a: Any, params: tuple[Any, ...]) -> tuple[Any, tuple[Any, ...]]:
        l, index, w, z, a, a_prev = params
        delta = _layer_backward(l, index, z, a, d_a, spec["slope"], family[0])
        d_a_prev = delta @ w
        return d_a_prev, (delta, d_a_prev, delta.T @ a_prev, jnp.sum(delta, axis=0))

    layers = (jnp.arange(weights.shape[0]), spec["activation"], weights, zs, activations, inputs)
    _, (deltas, d_inputs, d_weights, d_biases) = jax.lax.scan(layer, d_output, layers, reverse=True)
    d_activations = jnp.concatenate([d_inputs, d_output[None]])
    return deltas, d_activations, d_weights, d_biases


def _trace_kernel(weights, biases, x, y, spec, family):
    _count_trace()

    def forward_and_loss(weights, biases, x):
        zs, activations = _forward(weights, biases, x, spec, family)
        return _loss_from_output(activations[-1], y, spec, family), (zs, activations)

    # One forward pass feeds both backward passes: the explicit recursion and
    # JAX's own reverse mode (the cross-check).
    loss, pullback, (zs, activations) = jax.vjp(forward_and_loss, weights, biases, x, has_aux=True)
    auto = pullback(jnp.ones_like(loss))
    deltas, d_activations, d_weights, d_biases = _explicit_backward(weights, x, zs, activations, y, spec, family)
    return loss, zs, activations, deltas, d_activations, d_weights, d_biases, auto


def _loss_kernel(weights, biases, x, y, spec, family):
    _count_trace()
    return _loss_from_output(_forward(weights, biases, x, spec, family)[1][-1], y, spec, family)


def _outputs_kernel(weights, biases, x, spec, family):
    _count_trace()
    return _forward(weights, biases, x, spec, family)[1][-1]


_KERNELS = {"trace": _trace_kernel, "loss": _loss_kernel, "outputs": _outputs_kernel}
_COMPILED: dict[str, Any] = {}


def _compiler_options() -> dict[str, Any]:
    # On CPU, skipping LLVM's optimizations halves compile time and costs
    # nothing measurable at these sizes; other backends keep their defaults.
    return {"xla_backend_optimization_level": 0} if jax.default_backend() == "cpu" else {}


def _compiled(kind: str) -> Any:
    """The jitted kernel ``kind``; JAX caches one compilation per shape."""
    compiled = _COMPILED.get(kind)
    if compiled is None:
        kernel = _KERNELS[kind]
        # A fresh wrapper, so that a cleared entry really traces again (JAX
        # also caches traces by the identity of the wrapped function).
        compiled = jax.jit(
            lambda *args, family: kernel(*args, family), static_argnames=("family",), compiler_options=_compiler_options()
        )
        _COMPILED[kind] = compiled
    return compiled


def _clear_compiled() -> None:
    """Forget every compiled kernel (the next call traces again)."""
    _COMPILED.clear()


def _trace_count() -> int:
    """How many times a kernel has been traced (one per compilation)."""
    return _TRACE_COUNT


# ---------------------------------------------------------------------------
# Host side: validation, padding, unpadding.
# ---------------------------------------------------------------------------


def _bucket(n: int, smallest: int = _MIN_BUCKET) -> int:
    return max(smallest, 1 << (n - 1).bit_length())


def _as_float64(value: Any, name: str) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InvalidArgumentError(
            f"{name} should be an array (or nested lists) of numbers, got {type(value).__name__}: {error}"
        ) from None
    if not np.all(np.isfinite(array)):
        raise InvalidArgumentError(f"{name} contains NaN or infinity; pass finite numbers.")
    return array


@functools.lru_cache(maxsize=None)
def _unit_scale(loss: str, n_out: int) -> float:
    """The factor turning the sum of per-unit losses into the per-example loss.

    1 for losses that sum over the outputs, ``1 / n_out`` for ``mse``;
    measured on a probe rather than hard-coded per loss name.
    """
    a, y = np.full(n_out, 0.6), np.full(n_out, 0.3)
    whole = float(loss_per_example(loss, a, y))
    per_unit = float(np.sum(loss_per_example(loss, a[:, None], y[:, None])))
    return whole / per_unit


@dataclasses.dataclass(frozen=True)
class _Layout:
    """How a network sits in the padded stack.

    The stack has ``depth`` layers of ``width x width`` weights and ``rows``
    examples.  The network's layer ``l`` (zero-based) is stacked layer
    ``offset + l``; the ``offset`` layers before it are identity layers
    (``W = I``, ``b = 0``, identity activation) that pass ``x`` through
    exactly.
    """

    depth: int
    width: int
    rows: int
    offset: int
    m: int
    single: bool

    @classmethod
    def of(cls, network: Network, x: np.ndarray) -> _Layout:
        single = x.ndim == 1
        m = 1 if single else x.shape[0]
        depth = _bucket(network.depth, _MIN_DEPTH_BUCKET)
        return cls(depth, _bucket(max(network.widths)), _bucket(m), depth - network.depth, m, single)

    def unpad(self, array: np.ndarray, n: int) -> np.ndarray:
        """Rows ``[:m]`` and units ``[:n]`` of a padded ``(rows, width)`` array."""
        array = np.array(array[: self.m, :n], dtype=np.float64)
        return array[0] if self.single else array


def _stack(network: Network, layout: _Layout, weights: list[np.ndarray], biases: list[np.ndarray], family: _Family):
    """Padded ``(depth, width, width)`` weights, ``(depth, width)`` biases, masks."""
    depth, width, offset = layout.depth, layout.width, layout.offset
    stacked_w = np.zeros((depth, width, width))
    stacked_w[:offset] = np.eye(width)
    stacked_b = np.zeros((depth, width))
    activation = np.full(depth, family[0].index("identity"), dtype=np.int32)
    unit_masks = np.zeros((depth, width), dtype=bool)
    unit_masks[:offset, : network.widths[0]] = True
    for l, (w, b) in enumerate(zip(weights, biases)):
        stacked_w[offset + l, : w.shape[0], : w.shape[1]] = w
        stacked_b[offset + l, : b.shape[0]] = b
        activation[offset + l] = family[0].index(network.activations[l])
        unit_masks[offset + l, : w.shape[0]] = True
    return stacked_w, stacked_b, activation, unit_masks


def _pad_rows(layout: _Layout, array: np.ndarray) -> np.ndarray:
    padded = np.zeros((layout.rows, layout.width))
    padded[: layout.m, : array.shape[-1]] = array.reshape(layout.m, -1)
    return padded


def _prepare(network: Network, weights: Any, biases: Any, x: Any, y: Any | None):
    """Validate, convert and pad; return the kernel arguments and the layout."""
    if not isinstance(network, Network):
        raise InvalidArgumentError(
            f"network should be a gradecheck Network, got {type(network).__name__}; "
            f"build one with Network(widths, activations, ...) or Network.mlp(widths)."
        )
    try:
        weights, biases = list(weights), list(biases)
    except TypeError:
        raise InvalidArgumentError(
            f"weights and biases should be lists of arrays (one per layer), got "
            f"{type(weights).__name__} and {type(biases).__name__}."
        ) from None
    network.check_parameters(weights, biases)
    weights = [_as_float64(w, f"weights[{l}]") for l, w in enumerate(weights)]
    biases = [_as_float64(b, f"biases[{l}]") for l, b in enumerate(biases)]
    x = _as_float64(x, "x")
    network.check_data(x, np.zeros(x.shape[:-1] + (network.widths[-1],)) if y is None else y)
    layout = _Layout.of(network, x)
    family = _family_of(network)
    stacked_w, stacked_b, activation, unit_masks = _stack(network, layout, weights, biases, family)
    scale = _unit_scale(network.loss, network.widths[-1])
    spec = {
        "activation": activation,
        "loss": np.int32(family[1].index(network.loss)),
        "unit_masks": unit_masks,
        "row_mask": np.arange(layout.rows) < layout.m,
        "scale": np.float64(scale / layout.m if network.reduction == "mean" else scale),
        "slope": np.float64(network.negative_slope),
    }
    args = {"weights": stacked_w, "biases": stacked_b, "x": _pad_rows(layout, x), "spec": spec, "family": family}
    if y is not None:
        args["y"] = _pad_rows(layout, _as_float64(y, "y"))
    return args, layout, x


def reference_backprop(network: Network, weights: Any, biases: Any, x: Any, y: Any) -> BackpropTrace:
    """Run the explicit forward and backward pass (and ``jax.grad``) in float64.

    Args:
        network: the architecture, activations, loss and reduction.
        weights: ``L`` matrices, ``weights[l]`` of shape ``(n_{l+1}, n_l)``
            (lists, tuples or arrays of numbers).
        biases: ``L`` vectors, ``biases[l]`` of shape ``(n_{l+1},)``.
        x: one example ``(n_0,)`` or a batch ``(m, n_0)``.
        y: the target, ``(n_L,)`` or ``(m, n_L)`` to match ``x``.

    Returns:
        A :class:`BackpropTrace` of host float64 arrays.

    Raises:
        InvalidArgumentError: if a shape does not fit ``network`` or a value is
            not a finite number.
    """
    args, layout, x = _prepare(network, weights, biases, x, y)
    with float64():
        out = _compiled("trace")(args["weights"], args["biases"], args["x"], args["y"], args["spec"], family=args["family"])
        loss, zs, acts, deltas, d_acts, d_w, d_b, (auto_w, auto_b, auto_x) = jax.device_get(out)
    widths, offset = network.widths, layout.offset
    layers = [(offset + l, widths[l + 1], widths[l]) for l in range(network.depth)]
    return BackpropTrace(
        loss=float(loss),
        pre_activations=[layout.unpad(zs[k], n) for k, n, _ in layers],
        activations=[x.copy()] + [layout.unpad(acts[k], n) for k, n, _ in layers],
        deltas=[layout.unpad(deltas[k], n) for k, n, _ in layers],
        d_activations=[layout.unpad(d_acts[offset + l], n) for l, n in enumerate(widths)],
        d_weights=[np.array(d_w[k, :n, :n_in]) for k, n, n_in in layers],
        d_biases=[np.array(d_b[k, :n]) for k, n, _ in layers],
        autodiff_d_weights=[np.array(auto_w[k, :n, :n_in]) for k, n, n_in in layers],
        autodiff_d_biases=[np.array(auto_b[k, :n]) for k, n, _ in layers],
        autodiff_d_inputs=layout.unpad(auto_x, widths[0]),
    )


def network_loss(network: Network, weights: Any, biases: Any, x: Any, y: Any) -> float:
    """The loss ``E`` of ``network`` on ``(x, y)``, in float64 (see :func:`reference_backprop`)."""
    args, _, _ = _prepare(network, weights, biases, x, y)
    with float64():
        loss = _compiled("loss")(args["weights"], args["biases"], args["x"], args["y"], args["spec"], family=args["family"])
        return float(loss)


def network_outputs(network: Network, weights: Any, biases: Any, x: Any) -> np.ndarray:
    """The outputs ``a_L``: shape ``(n_L,)`` for one example, ``(m, n_L)`` for a batch."""
    args, layout, _ = _prepare(network, weights, biases, x, None)
    with float64():
        outputs = _compiled("outputs")(args["weights"], args["biases"], args["x"], args["spec"], family=args["family"])
        outputs = jax.device_get(outputs)
    return layout.unpad(outputs, network.widths[-1])
