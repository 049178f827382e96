"""Network specifications: architecture, activations, loss and batch reduction.

This module is pure Python and NumPy (no JAX), so that Hypothesis strategies,
the command line and the pytest plugin can describe networks without paying
for a JAX import.

Conventions (shared by every part of gradecheck):

* A network with depth ``L`` has widths ``(n_0, n_1, ..., n_L)``; ``n_0`` is
  the number of inputs and ``n_L`` the number of outputs.
* ``weights[l]`` has shape ``(n_{l+1}, n_l)`` (row ``i`` holds the incoming
  weights of unit ``i`` of layer ``l+1``) and ``biases[l]`` has shape
  ``(n_{l+1},)``, for ``l = 0 .. L-1``.
* One example ``x`` has shape ``(n_0,)`` and its target ``y`` shape ``(n_L,)``;
  a batch of ``m`` examples has shapes ``(m, n_0)`` and ``(m, n_L)``.
* Layer ``l`` computes ``z_l = a_{l-1} @ W_l.T + b_l`` and ``a_l = s_l(z_l)``,
  with ``a_0 = x``.
* The loss of one example is one of :data:`LOSSES` (see :func:`loss_per_example`);
  a batch's loss is the ``sum`` or the ``mean`` of its examples' losses.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from gradecheck._errors import InvalidArgumentError

__all__ = [
    "ACTIVATIONS",
    "HIDDEN_ACTIVATIONS",
    "KINKED_ACTIVATIONS",
    "LOSSES",
    "REDUCTIONS",
    "Network",
    "activate",
    "activation_backward",
    "loss_per_example",
    "loss_gradient_per_example",
]

#: Every activation gradcheck knows.  ``softmax`` is for the output layer only.
ACTIVATIONS: tuple[str, ...] = ("identity", "sigmoid", "tanh", "relu", "leaky_relu", "softmax")
#: Activations allowed on any layer (element-wise ones).
HIDDEN_ACTIVATIONS: tuple[str, ...] = ("identity", "sigmoid", "tanh", "relu", "leaky_relu")
#: Activations that are not differentiable at ``z = 0``.
KINKED_ACTIVATIONS: tuple[str, ...] = ("relu", "leaky_relu")
#: Per-example losses; see :func:`loss_per_example`.
LOSSES: tuple[str, ...] = ("half_sse", "mse", "binary_cross_entropy", "softmax_cross_entropy")
#: How the per-example losses of a batch are combined.
REDUCTIONS: tuple[str, ...] = ("sum", "mean")


def _choice_error(argument: str, value: object, choices: Sequence[str]) -> InvalidArgumentError:
    return InvalidArgumentError(
        f"{argument}={value!r} is not one of {', '.join(map(repr, choices))}; "
        f"pick one of those names."
    )


@dataclasses.dataclass(frozen=True)
class Network:
    """A fully connected feed-forward network: shapes, activations and loss.

    Attributes:
        widths: ``(n_0, ..., n_L)``, every width at least 1, at least two entries.
        activations: one activation name per layer (``L`` names); ``softmax``
            only on the last layer.
        loss: one of :data:`LOSSES`.  ``binary_cross_entropy`` needs a sigmoid
            output layer and ``softmax_cross_entropy`` a softmax one.
        reduction: ``"sum"`` or ``"mean"`` over the examples of a batch.  A
            single example (``x`` of shape ``(n_0,)``) is a batch of one.
        negative_slope: the slope of ``leaky_relu`` for ``z <= 0``.

    Derivative conventions at the kink: ``relu'(0) = 0`` and
    ``leaky_relu'(0) = negative_slope`` (the left derivative).
    """

    widths: tuple[int, ...]
    activations: tuple[str, ...]
    loss: str = "half_sse"
    reduction: str = "sum"
    negative_slope: float = 0.01

    def __post_init__(self) -> None:
        widths = tuple(int(w) for w in self.widths)
        activations = tuple(self.activations)
        object.__setattr__(self, "widths", widths)
        object.__setattr__(self, "activations", activations)
        if len(widths) < 2:
            raise InvalidArgumentError(
                f"widths={widths!r} needs at least two entries (inputs and outputs), "
                f"e.g. widths=(3, 2, 2)."
            )
        if any(w < 1 for w in widths):
            raise InvalidArgumentError(f"widths={widths!r} has a width below 1; every layer needs a unit.")
        if len(activations) != len(widths) - 1:
            raise InvalidArgumentError(
                f"activations has {len(activations)} entries but widths={widths!r} describes "
                f"{len(widths) - 1} layers; give one activation per layer."
            )
        for position, name in enumerate(activations):
            if name not in ACTIVATIONS:
                raise _choice_error(f"activations[{position}]", name, ACTIVATIONS)
            if name == "softmax" and position != len(activations) - 1:
                raise InvalidArgumentError(
                    f"activations[{position}]='softmax' is only supported on the output layer "
                    f"(position {len(activations) - 1})."
                )
        if self.loss not in LOSSES:
            raise _choice_error("loss", self.loss, LOSSES)
        if self.reduction not in REDUCTIONS:
            raise _choice_error("reduction", self.reduction, REDUCTIONS)
        output = activations[-1]
        if self.loss == "binary_cross_entropy" and output != "sigmoid":
            raise InvalidArgumentError(
                f"loss='binary_cross_entropy' needs outputs in (0, 1): use a 'sigmoid' output "
                f"layer, not {output!r}."
            )
        if self.loss == "softmax_cross_entropy" and output != "softmax":
            raise InvalidArgumentError(
                f"loss='softmax_cross_entropy' needs a 'softmax' output layer, not {output!r}."
            )
        if not np.isfinite(self.negative_slope):
            raise InvalidArgumentError(f"negative_slope={self.negative_slope!r} must be a finite number.")

    @classmethod
    def mlp(
        cls,
        widths: Sequence[int],
        *,
        hidden: str = "sigmoid",
        output: str = "sigmoid",
        loss: str = "half_sse",
        reduction: str = "sum",
        negative_slope: float = 0.01,
    ) -> Network:
        """A network whose hidden layers share one activation.

        ``Network.mlp((3, 2, 2))`` is the seeds' 3-2-2 sigmoid network with
        ``E = 0.5 * sum((a_L - y)**2)``.
        """
        depth = len(widths) - 1
        activations = (hidden,) * max(depth - 1, 0) + (output,)
        return cls(tuple(widths), activations, loss, reduction, negative_slope)

    @property
    def depth(self) -> int:
        """The number of layers ``L`` (weight matrices)."""
        return len(self.widths) - 1

    @property
    def weight_shapes(self) -> tuple[tuple[int, int], ...]:
        """``((n_1, n_0), ..., (n_L, n_{L-1}))``."""
        return tuple((self.widths[l + 1], self.widths[l]) for l in range(self.depth))

    @property
    def bias_shapes(self) -> tuple[tuple[int], ...]:
        """``((n_1,), ..., (n_L,))``."""
        return tuple((self.widths[l + 1],) for l in range(self.depth))

    @property
    def parameter_count(self) -> int:
        """The number of weights and biases together."""
        return sum(o * i + o for o, i in self.weight_shapes)

    def describe(self) -> str:
        """A one-line human description, e.g. ``3-2-2 sigmoid/sigmoid, half_sse (sum)``."""
        shape = "-".join(str(w) for w in self.widths)
        return f"{shape} {'/'.join(self.activations)}, {self.loss} ({self.reduction})"

    def check_parameters(self, weights: Sequence[Any], biases: Sequence[Any]) -> None:
        """Raise :class:`InvalidArgumentError` unless the shapes fit this network."""
        if len(weights) != self.depth or len(biases) != self.depth:
            raise InvalidArgumentError(
                f"expected {self.depth} weight matrices and {self.depth} bias vectors for "
                f"{self.describe()}, got {len(weights)} and {len(biases)}."
            )
        for l, (w, b) in enumerate(zip(weights, biases)):
            if tuple(np.shape(w)) != self.weight_shapes[l]:
                raise InvalidArgumentError(
                    f"weights[{l}] should have shape {self.weight_shapes[l]}, got {tuple(np.shape(w))}."
                )
            if tuple(np.shape(b)) != self.bias_shapes[l]:
                raise InvalidArgumentError(
                    f"biases[{l}] should have shape {self.bias_shapes[l]}, got {tuple(np.shape(b))}."
                )

    def check_data(self, x: Any, y: Any) -> None:
        """Raise :class:`InvalidArgumentError` unless ``x`` and ``y`` fit this network."""
        x_shape, y_shape = tuple(np.shape(x)), tuple(np.shape(y))
        n_in, n_out = self.widths[0], self.widths[-1]
        single = x_shape == (n_in,) and y_shape == (n_out,)
        batch = len(x_shape) == 2 and len(y_shape) == 2 and x_shape[1] == n_in and y_shape[1] == n_out
        if not (single or (batch and x_shape[0] == y_shape[0] and x_shape[0] >= 1)):
            raise InvalidArgumentError(
                f"expected x of shape ({n_in},) with y of shape ({n_out},), or a batch "
                f"(m, {n_in}) with (m, {n_out}); got x {x_shape} and y {y_shape}."
            )


# ---------------------------------------------------------------------------
# Activations and losses, written once for any NumPy-like array namespace
# (``numpy`` or ``jax.numpy``).  The last axis is the unit axis.
# ---------------------------------------------------------------------------


def activate(name: str, z: Any, xp: Any = np, *, negative_slope: float = 0.01) -> Any:
    """Apply activation ``name`` to pre-activations ``z`` (softmax over the last axis)."""
    if name == "identity":
        return z
    if name == "sigmoid":
        return 1.0 / (1.0 + xp.exp(-z))
    if name == "tanh":
        return xp.tanh(z)
    if name == "relu":
        return xp.where(z > 0, z, 0.0 * z)
    if name == "leaky_relu":
        return xp.where(z > 0, z, negative_slope * z)
    if name == "softmax":
        shifted = z - xp.max(z, axis=-1, keepdims=True)
        e = xp.exp(shifted)
        return e / xp.sum(e, axis=-1, keepdims=True)
    raise _choice_error("activation", name, ACTIVATIONS)


def activation_backward(
    name: str, z: Any, a: Any, d_a: Any, xp: Any = np, *, negative_slope: float = 0.01
) -> Any:
    """Return ``dE/dz`` from ``dE/da`` for ``a = activation(z)``.

    Element-wise activations multiply by their derivative (``relu'(0) = 0``,
    ``leaky_relu'(0) = negative_slope``); softmax applies its Jacobian:
    ``dE/dz = a * (dE/da - sum(a * dE/da))`` along the last axis.
    """
    if name == "identity":
        return d_a
    if name == "sigmoid":
        return d_a * a * (1.0 - a)
    if name == "tanh":
        return d_a * (1.0 - a * a)
    if name == "relu":
        return d_a * xp.where(z > 0, 1.0, 0.0)
    if name == "leaky_relu":
        return d_a * xp.where(z > 0, 1.0, negative_slope)
    if name == "softmax":
        return a * (d_a - xp.sum(a * d_a, axis=-1, keepdims=True))
    raise _choice_error("activation", name, ACTIVATIONS)


def loss_per_example(name: str, a: Any, y: Any, xp: Any = np) -> Any:
    """The loss of each example; sums over the last (output) axis.

    * ``half_sse``: ``0.5 * sum((a - y)**2)``
    * ``mse``: ``mean((a - y)**2)`` over the ``n_L`` outputs
    * ``binary_cross_entropy``: ``-sum(y*log(a) + (1-y)*log(1-a))``
    * ``softmax_cross_entropy``: ``-sum(y*log(a))`` with ``a`` the softmax output
    """
    if name == "half_sse":
        return 0.5 * xp.sum((a - y) ** 2, axis=-1)
    if name == "mse":
        return xp.mean((a - y) ** 2, axis=-1)
    if name == "binary_cross_entropy":
        return -xp.sum(y * xp.log(a) + (1.0 - y) * xp.log(1.0 - a), axis=-1)
    if name == "softmax_cross_entropy":
        return -xp.sum(y * xp.log(a), axis=-1)
    raise _choice_error("loss", name, LOSSES)


def loss_gradient_per_example(name: str, a: Any, y: Any, xp: Any = np) -> Any:
    """``d loss_per_example / d a`` (same shape as ``a``)."""
    if name == "half_sse":
        return a - y
    if name == "mse":
        return 2.0 * (a - y) / a.shape[-1]
    if name == "binary_cross_entropy":
        return (a - y) / (a * (1.0 - a))
    if name == "softmax_cross_entropy":
        return -y / a
    raise _choice_error("loss", name, LOSSES)
