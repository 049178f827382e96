"""The ``[network]`` table of a ``kind = "network"`` exercise: parsing, strict validation, presentation.

Everything here is numpy only (no JAX), so that loading and validating an
exercise stays cheap.  Conventions (docs/exercise-format.md, "The network
kind", is the reference for instructors):

* ``sizes = [n_0, n_1, ..., n_L]``: ``n_0`` inputs, ``L`` layers.  Layers are
  numbered ``1 .. L`` as in the lectures (``W_1`` is the first weight
  matrix); in a quantity name a negative number counts from the output
  (``a[-1]`` is ``a[L]``).
* Internally (*canonical* form) ``W_l`` has shape ``(n_l, n_{l-1})`` (row =
  receiving unit, column = sending unit), ``b_l`` shape ``(n_l,)``, and every
  per-example array has a leading example axis: ``x`` ``(m, n_0)``, ``z_l``,
  ``a_l`` ``(m, n_l)``; a single example is ``m = 1``.
* How a quantity reaches the submission (its *presentation*): a single
  example drops the example axis; ``layout = "in_out"`` transposes every
  weight matrix; ``parameters = "flat"`` passes all weights as one vector
  (each layer's matrix, in ``layout``, flattened in ``order``, layer after
  layer) and all biases as one vector (unit by unit, layer after layer);
  an explicit ``shape`` reshapes (row-major) a quantity with that many
  numbers, and ``shape = []`` makes it a number.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from gradecheck._errors import GradecheckError
from gradecheck._kinds._base import SpecProblem
from gradecheck._network import ACTIVATIONS, LOSSES

__all__ = [
    "ARGUMENT_QUANTITIES",
    "Canonical",
    "Function",
    "NETWORK_KEYS",
    "NetworkSpec",
    "OUTPUT_QUANTITIES",
    "Quantity",
    "SETTINGS_KEYS",
    "Sampling",
    "parse_network",
]

#: Keys of the ``[network]`` table -> what each holds (a kind's ``section_keys`` entry; docs/exercise-format.md).
NETWORK_KEYS: Mapping[str, str] = {
    "sizes": "[n_0, n_1, ..., n_L]: inputs, then the units of each layer (required)",
    "activations": "one activation per layer, or one name for all: identity, sigmoid, tanh, relu, leaky_relu, "
                   "softmax (output layer only) (required)",
    "negative_slope": "leaky_relu's slope for z <= 0 (default 0.01; only with leaky_relu)",
    "loss": "half_sse, mse, binary_cross_entropy, softmax_cross_entropy, or 'upstream': no loss, dL/da_L is an "
            "argument (required)",
    "batch": "the given batch size B; absent: one example (no example axis)",
    "reduction": "'sum' or 'mean' of a batch's per-example losses (default 'sum'; only with batch)",
    "biases": "whether the layers have biases (default true)",
    "layout": "'out_in' (default): W_l has shape (n_l, n_{l-1}); 'in_out': (n_{l-1}, n_l)",
    "parameters": "'list' (default): whole weights/biases are lists of arrays; 'flat': one vector each",
    "order": "with parameters = 'flat': each layer's matrix flattened 'row_major' (default) or 'column_major'",
    "learning_rate": "the SGD step of weights_new / biases_new, when no argument is the learning rate",
    "mistakes": "the mistake ids to diagnose, in this order (default: every one the outputs can show)",
    "arguments": "table: parameter name -> quantity (x, target, upstream, learning_rate, weights, biases, "
                 "weights[l], biases[l]), or { quantity = ..., shape = [...] }",
    "outputs": "table: output key -> quantity (z[l], a[l], delta[l], d_a[l], d_weights[l], d_biases[l], "
               "d_weights, d_biases, d_inputs, loss, weights_new, biases_new, ...), or { quantity, shape }",
    "returns": "table: function name -> the output keys it returns, in order (a nested list: a returned list)",
}
#: Keys of ``[settings]`` (how hidden instances are drawn) -> what each holds.
SETTINGS_KEYS: Mapping[str, str] = {
    "max_parameter": "bound on every weight and bias of a hidden instance (default 1.0)",
    "max_input": "bound on every input, and on real-valued targets (default 2.0)",
    "max_upstream": "bound on every upstream gradient entry (default 2.0; loss = 'upstream')",
    "learning_rates": "[low, high]: range of hidden learning rates, in hundredths (default [0.01, 1.0])",
    "batch_sizes": "[low, high]: range of hidden batch sizes (default: network.batch; only with batch)",
    "sizes": "per entry of network.sizes, a width or a range [low, high] for hidden instances (default: network.sizes)",
    "kink_margin": "relu/leaky_relu units keep |z| >= this on given and hidden instances; 0 allows exact kinks "
                   "(default 0.001)",
    "max_preactivation": "hidden instances keep every |z| <= this (default 6.0; false: no bound)",
}
#: ``loss = "upstream"``: no loss; the gradient dL/da_L is an argument (quantity ``upstream``).
UPSTREAM = "upstream"

#: Quantities that need a layer number: ``z[l]``, ``a[l]``, ``delta[l]`` (dL/dz_l), ``d_a[l]`` (dL/da_l).
_LAYERED = ("z", "a", "delta", "d_a")
#: Per-layer parameters and their gradients and updates: whole (all layers) or ``name[l]``.
_PARAMETERS = ("weights", "biases", "d_weights", "d_biases", "weights_new", "biases_new")
#: What an argument of the submission may hold.
ARGUMENT_QUANTITIES = ("x", "target", "upstream", "learning_rate", "weights", "biases")
#: What an output of the submission may be.
OUTPUT_QUANTITIES = (
    "z[l]", "a[l]", "delta[l]", "d_a[l]", "d_weights", "d_weights[l]", "d_biases", "d_biases[l]",
    "d_inputs", "loss", "weights_new", "weights_new[l]", "biases_new", "biases_new[l]",
)
_QUANTITY = re.compile(r"^([a-z_]+)(?:\[(-?\d+)\])?$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SIGNATURE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\((.*)\)\s*$")
_LAYOUTS = ("out_in", "in_out")
_FORMS = ("list", "flat")
_ORDERS = ("row_major", "column_major")
_REDUCTIONS = ("sum", "mean")


class SpecError(SpecProblem):
    """A ``[network]``, ``[settings]`` or ``[given]`` value that does not fit; the loader adds the file and line."""


def _where(key: str) -> tuple[str | int, ...]:
    """``("network", "activations", 1)`` for ``"network.activations[1]"``: the key's place in the spec."""
    where: list[str | int] = []
    for part in key.split("."):
        name, *indexes = part.split("[")
        if name:
            where.append(name)
        where.extend(int(index.rstrip("]")) for index in indexes if index.rstrip("]").isdigit())
    return tuple(where)


def _fail(key: str, expected: str, found: Any = dataclasses.MISSING, advice: str = "") -> SpecError:
    got = "it is missing" if found is dataclasses.MISSING else f"found {found!r}"
    return SpecError(f"key {key!r} should be {expected}; {got}.{' ' + advice if advice else ''}", *_where(key))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


# ---------------------------------------------------------------------------
# Quantities and functions
# ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Quantity:
    """A reference quantity, as named in the spec (``"d_weights[2]"``, ``"x"``).

    Attributes:
        name: the base name (``"d_weights"``).
        layer: the layer number ``1 .. L`` (negative numbers already resolved),
            or ``None`` for a whole quantity.
        shape: an explicit presentation shape (may hold one ``-1``), or ``None``.
        text: the quantity as written in the spec, for messages.
    """

    name: str
    layer: int | None
    shape: tuple[int, ...] | None
    text: str

    @property
    def is_list(self) -> bool:
        """Whole weights or biases (or their gradients/updates) in the ``list`` form need a list of arrays."""
        return self.layer is None and self.name in _PARAMETERS

    @property
    def is_gradient(self) -> bool:
        """A backward quantity: its credit may carry forward (see ``NetworkKind.backward_from_forward``)."""
        return self.name in ("delta", "d_a", "d_weights", "d_biases", "d_inputs")


@dataclasses.dataclass(frozen=True)
class Function:
    """One function the submission defines.

    Attributes:
        name: its name, e.g. ``"backward"``.
        parameters: its parameter names, in order (the keys of an instance).
        returns: what it returns: output keys, or tuples of output keys for a
            returned list of arrays; one entry means the function returns that
            value itself, several a tuple of them.
    """

    name: str
    parameters: tuple[str, ...]
    returns: tuple[str | tuple[str, ...], ...]

    @property
    def keys(self) -> tuple[str, ...]:
        """The output keys it returns, flattened."""
        return tuple(key for entry in self.returns for key in ((entry,) if isinstance(entry, str) else entry))

    @property
    def signature(self) -> str:
        return f"{self.name}({', '.join(self.parameters)})"


def _parse_quantity(text: Any, key: str, depth: int, allowed: Sequence[str], shape: Any = None) -> Quantity:
    """``text`` (e.g. ``"d_weights[-1]"``) as a :class:`Quantity` of a network with ``depth`` layers."""
    listed = ", ".join(allowed)
    if not isinstance(text, str) or not _QUANTITY.match(text.strip()):
        raise _fail(key, f"a quantity name ({listed})", text)
    match = _QUANTITY.match(text.strip())
    assert match is not None
    name, index = match.group(1), match.group(2)
    bases = {entry.split("[")[0] for entry in allowed}
    if name not in bases:
        raise _fail(key, f"one of {listed}", text)
    layer: int | None = None
    if index is not None:
        if f"{name}[l]" not in allowed:
            raise _fail(key, f"one of {listed}", text, f"{name} takes no layer number.")
        number = int(index)
        if not (1 <= number <= depth or -depth <= number <= -1):
            raise _fail(
                key,
                f"a layer number 1 .. {depth} (or -1 .. -{depth}, counted from the output)",
                text,
                "Layers are numbered from 1 (W_1 is the first weight matrix); the input x is not a layer.",
            )
        layer = number if number > 0 else depth + 1 + number
    elif name not in allowed:
        raise _fail(key, f"one of {listed}", text, f"{name} needs a layer number, e.g. {name}[1].")
    parsed_shape = None
    if shape is not None:
        if not isinstance(shape, list) or not all(_is_int(n) and (n >= 1 or n == -1) for n in shape) or shape.count(-1) > 1:
            raise _fail(f"{key}.shape", "a list of positive integers with at most one -1 (e.g. [-1] or [])", shape)
        parsed_shape = tuple(shape)
    return Quantity(name, layer, parsed_shape, text.strip())


def _parse_signature(text: Any, position: int) -> tuple[str, tuple[str, ...]]:
    key = f"submission.entry_points[{position}]"
    match = _SIGNATURE.match(text) if isinstance(text, str) else None
    if match is None:
        raise _fail(key, "a function signature such as 'forward(weights, x)'", text)
    inside = match.group(2).strip()
    parameters = tuple(p.strip() for p in inside.split(",")) if inside else ()
    for parameter in parameters:
        if not _IDENTIFIER.match(parameter):
            raise _fail(key, "a function signature with plain parameter names, e.g. 'forward(weights, x)'", text)
    if len(set(parameters)) != len(parameters):
        raise _fail(key, "a signature whose parameter names differ", text)
    return match.group(1), parameters


# ---------------------------------------------------------------------------
# The spec
# ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Sampling:
    """How hidden instances are drawn (the ``[settings]`` table).

    Attributes:
        sizes: per position of ``sizes``, the inclusive range of widths drawn.
        batch_sizes: the inclusive range of batch sizes, or ``None`` for one example.
        max_parameter: bound on every weight and bias.
        max_input: bound on every input, and on real-valued targets.
        max_upstream: bound on every entry of an upstream gradient.
        learning_rates: the inclusive range of learning rates (hundredths).
        kink_margin: ReLU / leaky ReLU units keep ``|z| >= kink_margin``
            (given values closer to the kink are refused); 0 allows exact
            kinks, graded by the convention ``relu'(0) = 0``.
        max_preactivation: every ``|z|`` is kept at most this (``None``: no bound).
    """

    sizes: tuple[tuple[int, int], ...]
    batch_sizes: tuple[int, int] | None
    max_parameter: float
    max_input: float
    max_upstream: float
    learning_rates: tuple[float, float]
    kink_margin: float
    max_preactivation: float | None

    @property
    def varies(self) -> bool:
        """Whether hidden instances may have other sizes or batch sizes than the given one."""
        return any(low != high for low, high in self.sizes) or (
            self.batch_sizes is not None and self.batch_sizes[0] != self.batch_sizes[1]
        )


@dataclasses.dataclass(frozen=True)
class NetworkSpec:
    """A parsed, validated ``[network]`` table (see the module docstring for conventions).

    Attributes:
        sizes: ``(n_0, ..., n_L)`` of the given instance.
        activations: one per layer.
        negative_slope: leaky ReLU's slope for ``z <= 0``.
        loss: one of ``gradecheck._network.LOSSES`` or ``"upstream"``.
        batch: ``None`` (one example) or the given batch size ``B``.
        reduction: ``"sum"`` or ``"mean"`` over a batch's examples.
        biases: whether the layers have biases.
        layout: ``"out_in"`` or ``"in_out"``: the shape of a presented weight matrix.
        parameters: ``"list"`` or ``"flat"``: how whole ``weights`` and ``biases`` are presented.
        order: ``"row_major"`` or ``"column_major"``: the flat numbering of each layer's matrix.
        learning_rate: the SGD step when it is not an argument.
        mistakes: the mistakes to model, in diagnosis order (``None``: every one that applies).
        arguments: every parameter name of every function -> its quantity.
        outputs: every output key -> its quantity.
        functions: the submission's functions, in the spec's order.
        sampling: how hidden instances are drawn.
    """

    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    negative_slope: float
    loss: str
    batch: int | None
    reduction: str
    biases: bool
    layout: str
    parameters: str
    order: str
    learning_rate: float | None
    mistakes: tuple[str, ...] | None
    arguments: Mapping[str, Quantity]
    outputs: Mapping[str, Quantity]
    functions: tuple[Function, ...]
    sampling: Sampling

    @property
    def depth(self) -> int:
        return len(self.sizes) - 1

    @property
    def upstream(self) -> bool:
        """No loss: the gradient dL/da_L arrives as an argument."""
        return self.loss == UPSTREAM

    @property
    def flat_weights_argument(self) -> str | None:
        """The parameter holding all weights as one flat vector, if any."""
        return next(
            (name for name, q in self.arguments.items() if q.name == "weights" and q.layer is None and self.parameters == "flat"),
            None,
        )

    def describe(self) -> str:
        """One line, e.g. ``4-3 sigmoid, upstream gradient given`` or ``3-2-2 sigmoid/sigmoid, half_sse, batch of 4 (mean)``."""
        text = f"{'-'.join(map(str, self.sizes))} {'/'.join(self.activations)}, "
        text += "upstream gradient given" if self.upstream else self.loss
        if self.batch is not None:
            text += f", batch of {self.batch} ({self.reduction})"
        return text


def _table(value: Any, key: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(key, "a table", value)
    return value


def _choice(table: Mapping[str, Any], key: str, choices: Sequence[str], default: str) -> str:
    value = table.get(key, default)
    if value not in choices:
        raise _fail(f"network.{key}", f"one of {', '.join(map(repr, choices))}", value)
    return value


def _range(value: Any, key: str, low: int, what: str) -> tuple[int, int]:
    if _is_int(value) and value >= low:
        return (value, value)
    if isinstance(value, list) and len(value) == 2 and all(_is_int(v) and v >= low for v in value) and value[0] <= value[1]:
        return (value[0], value[1])
    raise _fail(key, f"{what}: an integer >= {low} or a range [low, high] of them", value)


def _positive(settings: Mapping[str, Any], key: str, default: float, *, allow_zero: bool = False) -> float:
    value = settings.get(key, default)
    if not _is_number(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise _fail(f"settings.{key}", f"a finite number {bound}", value)
    return float(value)


def _parse_sampling(settings: Mapping[str, Any], sizes: tuple[int, ...], batch: int | None, activations: Sequence[str]) -> Sampling:
    ranges = tuple((n, n) for n in sizes)
    if "sizes" in settings:
        raw = settings["sizes"]
        if not isinstance(raw, list) or len(raw) != len(sizes):
            raise _fail("settings.sizes", f"a list of {len(sizes)} entries, one per entry of network.sizes", raw)
        ranges = tuple(_range(v, f"settings.sizes[{k}]", 1, "a width") for k, v in enumerate(raw))
    batch_sizes = None if batch is None else (batch, batch)
    if "batch_sizes" in settings:
        if batch is None:
            raise _fail(
                "settings.batch_sizes", "absent for a single example", settings["batch_sizes"],
                "Set network.batch to the given batch size first.",
            )
        batch_sizes = _range(settings["batch_sizes"], "settings.batch_sizes", 1, "a batch size")
    rates = settings.get("learning_rates", [0.01, 1.0])
    if not (isinstance(rates, list) and len(rates) == 2 and all(_is_number(r) and r > 0 for r in rates) and rates[0] <= rates[1]):
        raise _fail("settings.learning_rates", "a range [low, high] of numbers > 0", rates)
    max_pre = settings.get("max_preactivation", 6.0)
    if max_pre is not False and (not _is_number(max_pre) or max_pre <= 0):
        raise _fail("settings.max_preactivation", "a finite number > 0, or false for no bound", max_pre)
    sampling = Sampling(
        sizes=ranges,
        batch_sizes=batch_sizes,
        max_parameter=_positive(settings, "max_parameter", 1.0),
        max_input=_positive(settings, "max_input", 2.0),
        max_upstream=_positive(settings, "max_upstream", 2.0),
        learning_rates=(float(rates[0]), float(rates[1])),
        kink_margin=_positive(settings, "kink_margin", 0.001, allow_zero=True),
        max_preactivation=None if max_pre is False else float(max_pre),
    )
    for name, value in (("max_parameter", sampling.max_parameter), ("max_input", sampling.max_input),
                        ("max_upstream", sampling.max_upstream)):
        if value < 0.01:
            raise _fail(f"settings.{name}", "at least 0.01 (hidden values are hundredths)", value)
    if any(a in ("relu", "leaky_relu") for a in activations) and sampling.kink_margin > sampling.max_parameter:
        raise _fail("settings.kink_margin", f"at most settings.max_parameter ({sampling.max_parameter})", sampling.kink_margin)
    return sampling


def parse_network(table: Any, entry_points: Sequence[str], settings: Mapping[str, Any]) -> NetworkSpec:
    """Parse and validate the ``[network]`` table (with ``[submission] entry_points`` and ``[settings]``).

    ``mistakes`` is only checked for its form here: which mistakes a network
    can make is the kind's business (``NetworkKind``).

    Raises:
        SpecError: naming the key, what was expected and what was found.
    """
    if table is None:
        raise SpecError(
            "kind 'network' needs a [network] table: at least sizes = [n_0, ..., n_L], activations = [...] "
            "and [network.returns]; see docs/exercise-format.md, 'The network kind'."
        )
    table = _table(table, "network")
    sizes = table.get("sizes", dataclasses.MISSING)
    if not isinstance(sizes, list) or len(sizes) < 2 or not all(_is_int(n) and n >= 1 for n in sizes):
        raise _fail("network.sizes", "a list [n_0, n_1, ..., n_L] of at least two positive integers", sizes)
    sizes = tuple(sizes)
    depth = len(sizes) - 1
    activations = table.get("activations", dataclasses.MISSING)
    if isinstance(activations, str):
        activations = [activations] * depth
    if not isinstance(activations, list) or len(activations) != depth:
        raise _fail(
            "network.activations", f"a list of {depth} activation name(s), one per layer (or one name for all)", activations
        )
    for l, name in enumerate(activations):
        if name not in ACTIVATIONS:
            raise _fail(f"network.activations[{l}]", f"one of {', '.join(ACTIVATIONS)}", name)
        if name == "softmax" and l != depth - 1:
            raise _fail(f"network.activations[{l}]", "an element-wise activation: softmax is for the output layer only", name)
    activations = tuple(activations)
    slope = table.get("negative_slope", 0.01)
    if not _is_number(slope) or not 0 <= slope < 1:
        raise _fail("network.negative_slope", "a number in [0, 1)", slope)
    if "negative_slope" in table and "leaky_relu" not in activations:
        raise _fail("network.negative_slope", "absent: no layer is leaky_relu", slope)
    loss = table.get("loss", dataclasses.MISSING)
    if loss not in LOSSES + (UPSTREAM,):
        raise _fail(
            "network.loss", f"one of {', '.join(map(repr, LOSSES + (UPSTREAM,)))}", loss,
            "Use 'upstream' for a layer graded with a given upstream gradient dL/da and no loss.",
        )
    if loss == "binary_cross_entropy" and activations[-1] != "sigmoid":
        raise _fail("network.loss", "a loss that fits the output activation", loss,
                    "binary_cross_entropy needs a sigmoid output layer.")
    if loss == "softmax_cross_entropy" and activations[-1] != "softmax":
        raise _fail("network.loss", "a loss that fits the output activation", loss,
                    "softmax_cross_entropy needs a softmax output layer.")
    batch = table.get("batch", None)
    if batch is not None and not (_is_int(batch) and batch >= 1):
        raise _fail("network.batch", "a batch size B >= 1 (leave it out for a single example)", batch)
    if "reduction" in table and batch is None:
        raise _fail("network.reduction", "absent for a single example", table["reduction"],
                    "A reduction combines a batch's losses: set network.batch.")
    if "reduction" in table and loss == UPSTREAM:
        raise _fail("network.reduction", "absent with loss = 'upstream' (the upstream gradient is given per example)",
                    table["reduction"])
    reduction = _choice(table, "reduction", _REDUCTIONS, "sum")
    biases = table.get("biases", True)
    if not isinstance(biases, bool):
        raise _fail("network.biases", "true or false", biases)
    layout = _choice(table, "layout", _LAYOUTS, "out_in")
    parameters = _choice(table, "parameters", _FORMS, "list")
    order = _choice(table, "order", _ORDERS, "row_major")
    if "order" in table and parameters != "flat":
        raise _fail("network.order", "absent unless parameters = 'flat'", order)
    learning_rate = table.get("learning_rate", None)
    if learning_rate is not None and (not _is_number(learning_rate) or learning_rate <= 0):
        raise _fail("network.learning_rate", "a number > 0", learning_rate)

    functions, arguments, outputs = _parse_functions(table, entry_points, depth)
    _check_presentations(arguments, outputs, biases, parameters, loss)
    _check_complete(arguments, outputs, biases, loss, learning_rate, depth)

    mistakes = table.get("mistakes", None)
    if mistakes is not None:
        if not isinstance(mistakes, list) or not all(isinstance(m, str) for m in mistakes) or len(set(mistakes)) != len(mistakes):
            raise _fail("network.mistakes", "a list of distinct mistake ids", mistakes)
        mistakes = tuple(mistakes)
    sampling = _parse_sampling(settings, sizes, batch, activations)
    return NetworkSpec(
        sizes=sizes,
        activations=activations,
        negative_slope=float(slope),
        loss=loss,
        batch=batch,
        reduction=reduction,
        biases=biases,
        layout=layout,
        parameters=parameters,
        order=order,
        learning_rate=None if learning_rate is None else float(learning_rate),
        mistakes=mistakes,
        arguments=arguments,
        outputs=outputs,
        functions=functions,
        sampling=sampling,
    )


def _mapping_entry(value: Any, key: str) -> tuple[Any, Any]:
    """A mapping entry: ``"quantity"`` or ``{ quantity = "...", shape = [...] }`` -> (quantity, shape)."""
    if isinstance(value, Mapping):
        extra = sorted(set(value) - {"quantity", "shape"})
        if extra or "quantity" not in value:
            raise _fail(key, "a quantity name, or a table { quantity = \"...\", shape = [...] }", dict(value))
        return value["quantity"], value.get("shape")
    return value, None


def _parse_functions(
    table: Mapping[str, Any], entry_points: Sequence[str], depth: int
) -> tuple[tuple[Function, ...], dict[str, Quantity], dict[str, Quantity]]:
    if not entry_points:
        raise _fail("submission.entry_points", "the submission's functions, e.g. [\"forward(weights, x)\"]", [])
    signatures = [_parse_signature(text, k) for k, text in enumerate(entry_points)]
    names = [name for name, _ in signatures]
    if len(set(names)) != len(names):
        raise _fail("submission.entry_points", "functions with distinct names", list(entry_points))
    returns = _table(table.get("returns", {}), "network.returns")
    missing = [name for name in names if name not in returns]
    extra = [name for name in returns if name not in names]
    if missing:
        raise SpecError(
            f"submission.entry_points names {', '.join(missing)}, which [network.returns] does not define; the functions "
            f"this exercise grades are {', '.join(returns) or 'none'} ([network.returns]). Name them in entry_points "
            f"with their parameters, e.g. {next(iter(returns), 'forward')}(...), or add the function to [network.returns].",
            "submission",
            "entry_points",
        )
    if extra:
        raise _fail(
            "network.returns",
            f"one entry per function of submission.entry_points ({', '.join(names)})",
            sorted(returns),
            f"Missing: {', '.join(missing) or 'none'}; not a function of entry_points: {', '.join(extra) or 'none'}.",
        )
    argument_table = _table(table.get("arguments", {}), "network.arguments")
    output_table = _table(table.get("outputs", {}), "network.outputs")
    all_parameters = [p for _, parameters in signatures for p in parameters]
    for name in argument_table:
        if name not in all_parameters:
            raise _fail(f"network.arguments.{name}", f"a parameter of a function in submission.entry_points "
                        f"({', '.join(dict.fromkeys(all_parameters)) or 'none'})", name)
    arguments: dict[str, Quantity] = {}
    for parameter in dict.fromkeys(all_parameters):
        key = f"network.arguments.{parameter}"
        if parameter in argument_table:
            text, shape = _mapping_entry(argument_table[parameter], key)
        elif parameter in ARGUMENT_QUANTITIES:
            text, shape = parameter, None
        else:
            raise SpecError(
                f"parameter {parameter!r} of submission.entry_points is not a quantity name; map it in "
                f"[network.arguments], e.g. {parameter} = \"x\" (quantities: {', '.join(ARGUMENT_QUANTITIES)}, "
                f"weights[l], biases[l]).",
                "submission",
                "entry_points",
            )
        arguments[parameter] = _parse_quantity(
            text, key, depth, ARGUMENT_QUANTITIES + ("weights[l]", "biases[l]"), shape
        )
    functions = []
    outputs: dict[str, Quantity] = {}
    used: list[str] = []
    for (name, parameters) in signatures:
        raw = returns[name]
        key = f"network.returns.{name}"
        if isinstance(raw, str):
            raw = [raw]
        if not isinstance(raw, list) or not raw:
            raise _fail(key, "a list of output keys (a nested list for a returned list of arrays)", raw)
        entries: list[str | tuple[str, ...]] = []
        for position, entry in enumerate(raw):
            if isinstance(entry, str):
                entries.append(entry)
            elif isinstance(entry, list) and entry and all(isinstance(e, str) for e in entry):
                entries.append(tuple(entry))
            else:
                raise _fail(f"{key}[{position}]", "an output key, or a list of output keys", entry)
        function = Function(name, parameters, tuple(entries))
        for output in function.keys:
            if output in used:
                raise _fail(key, "output keys that no other function returns", output)
            used.append(output)
        functions.append(function)
    for name in output_table:
        if name not in used:
            raise _fail(f"network.outputs.{name}", f"an output key returned in [network.returns] ({', '.join(used)})", name)
    for output in used:
        key = f"network.outputs.{output}"
        if output in output_table:
            text, shape = _mapping_entry(output_table[output], key)
        else:
            text, shape = output, None
            if not _QUANTITY.match(output):
                raise SpecError(
                    f"output key {output!r} of [network.returns] is not a quantity name; map it in "
                    f"[network.outputs], e.g. {output} = \"d_weights[1]\" (quantities: {', '.join(OUTPUT_QUANTITIES)})."
                )
        outputs[output] = _parse_quantity(text, key, depth, OUTPUT_QUANTITIES, shape)
    return tuple(functions), arguments, outputs


def _check_presentations(
    arguments: Mapping[str, Quantity], outputs: Mapping[str, Quantity], biases: bool, form: str, loss: str
) -> None:
    for label, mapping in (("arguments", arguments), ("outputs", outputs)):
        for name, q in mapping.items():
            key = f"network.{label}.{name}"
            if not biases and q.name in ("biases", "d_biases", "biases_new"):
                raise _fail(key, "a quantity of this network", q.text, "network.biases is false: the layers have no biases.")
            if q.is_list and form == "list":
                if label == "outputs":
                    raise _fail(
                        key, "one array", q.text,
                        f"With parameters = 'list', {q.name} is a list of arrays: name one output key per layer "
                        f"({q.name}[1], {q.name}[2], ...) and return them as a list, e.g. returns.f = [[\"{q.name}[1]\", "
                        f"\"{q.name}[2]\"]]; or set parameters = 'flat'.",
                    )
                if q.shape is not None:
                    raise _fail(f"{key}.shape", "absent: a list of matrices keeps each layer's shape", list(q.shape))
            if loss == UPSTREAM and q.name in ("target", "loss"):
                raise _fail(key, "a quantity of this network", q.text, "loss = 'upstream' has no target and no loss value.")
            if loss != UPSTREAM and q.name == "upstream":
                raise _fail(key, "a quantity of this network", q.text, "only loss = 'upstream' takes an upstream gradient.")


def _check_complete(
    arguments: Mapping[str, Quantity], outputs: Mapping[str, Quantity], biases: bool, loss: str,
    learning_rate: float | None, depth: int,
) -> None:
    """Every value the reference needs comes from exactly one argument."""
    covered: dict[str, str] = {}

    def cover(slot: str, parameter: str) -> None:
        if slot in covered:
            raise SpecError(
                f"{slot} is given twice, by parameters {covered[slot]!r} and {parameter!r}; map each value to one "
                f"parameter name in [network.arguments] (one name may appear in several functions)."
            )
        covered[slot] = parameter

    for parameter, q in arguments.items():
        if q.name in ("weights", "biases"):
            layers = range(1, depth + 1) if q.layer is None else (q.layer,)
            for l in layers:
                cover(f"{q.name}[{l}]", parameter)
        else:
            cover(q.name, parameter)
    needed = [f"weights[{l}]" for l in range(1, depth + 1)] + ["x"]
    if biases:
        needed += [f"biases[{l}]" for l in range(1, depth + 1)]
    names = {q.name for q in outputs.values()}
    backward = names - {"z", "a"}
    if backward:
        needed.append("upstream" if loss == UPSTREAM else "target")
    if names & {"weights_new", "biases_new"} and learning_rate is None:
        needed.append("learning_rate")
    if "learning_rate" in covered and learning_rate is not None:
        raise SpecError(
            f"the learning rate is both network.learning_rate ({learning_rate}) and the argument "
            f"{covered['learning_rate']!r}; keep one."
        )
    if "learning_rate" in covered and not names & {"weights_new", "biases_new"}:
        raise SpecError(
            f"argument {covered['learning_rate']!r} is the learning rate, but no output is an SGD update "
            f"(weights_new, biases_new)."
        )
    missing = [slot for slot in needed if slot not in covered]
    if missing:
        raise SpecError(
            f"the submission's functions never receive {', '.join(missing)}, which the graded outputs need; add a "
            f"parameter for it to submission.entry_points (mapped in [network.arguments])"
            + (" or set network.learning_rate" if missing == ["learning_rate"] else "")
            + "."
        )


# ---------------------------------------------------------------------------
# Canonical values and their presentation
# ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class Canonical:
    """One instance's values in canonical form (see the module docstring).

    Attributes:
        weights: ``W_l`` of shape ``(n_l, n_{l-1})``, ``l = 1 .. L`` (index ``l - 1``).
        biases: ``b_l`` of shape ``(n_l,)`` (zeros for a network without biases).
        x: ``(m, n_0)``.
        target: ``(m, n_L)``, or ``None`` with an upstream gradient.
        upstream: ``(m, n_L)``, or ``None`` with a loss.
        learning_rate: the SGD step, or ``None``.
        single: whether the submission sees one example (no example axis).
    """

    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    x: np.ndarray
    target: np.ndarray | None
    upstream: np.ndarray | None
    learning_rate: float | None
    single: bool

    @property
    def sizes(self) -> tuple[int, ...]:
        return (self.x.shape[1], *(w.shape[0] for w in self.weights))

    @property
    def m(self) -> int:
        return self.x.shape[0]


def matrix(spec: NetworkSpec, W: np.ndarray) -> np.ndarray:
    """A canonical ``(n_l, n_{l-1})`` matrix in the spec's layout."""
    return W if spec.layout == "out_in" else W.T


def flatten_weights(spec: NetworkSpec, matrices: Sequence[np.ndarray], order: str | None = None) -> np.ndarray:
    """All layers' canonical matrices as one vector, numbered as the spec says (or in ``order``)."""
    numpy_order = "C" if (order or spec.order) == "row_major" else "F"
    return np.concatenate([matrix(spec, W).reshape(-1, order=numpy_order) for W in matrices])


def unflatten_weights(spec: NetworkSpec, vector: np.ndarray, sizes: Sequence[int], order: str | None = None) -> list[np.ndarray]:
    """The inverse of :func:`flatten_weights` for a network of ``sizes``."""
    numpy_order = "C" if (order or spec.order) == "row_major" else "F"
    matrices, offset = [], 0
    for l in range(1, len(sizes)):
        shape = (sizes[l], sizes[l - 1]) if spec.layout == "out_in" else (sizes[l - 1], sizes[l])
        count = shape[0] * shape[1]
        block = vector[offset : offset + count].reshape(shape, order=numpy_order)
        matrices.append(block if spec.layout == "out_in" else block.T)
        offset += count
    return matrices


def flat_positions(spec: NetworkSpec, sizes: Sequence[int], order: str | None = None) -> tuple[tuple[int, int, int], ...]:
    """``(layer index 0 .. L-1, row, column)`` of the canonical ``W`` entry behind each flat index."""
    positions = []
    for l in range(1, len(sizes)):
        marks = np.arange(sizes[l] * sizes[l - 1]).reshape(sizes[l], sizes[l - 1])
        flat = flatten_weights(spec, [marks.astype(np.float64)], order).astype(np.int64)
        positions += [(l - 1, int(k) // sizes[l - 1], int(k) % sizes[l - 1]) for k in flat]
    return tuple(positions)


def reshape_presented(q: Quantity, value: np.ndarray, key: str) -> np.ndarray:
    """``value`` reshaped to ``q``'s explicit shape (row-major), if it has one."""
    if q.shape is None:
        return value
    try:
        return value.reshape(q.shape)
    except ValueError:
        raise SpecError(
            f"{key} = {q.text!r} has {value.size} number(s) here, which do not fit shape {list(q.shape)}"
        ) from None


def present(spec: NetworkSpec, q: Quantity, values: Mapping[str, Any], single: bool, key: str, order: str | None = None) -> Any:
    """Quantity ``q`` as the submission sees it, from canonical ``values``.

    ``values`` maps ``x``, ``target``, ``upstream``, ``learning_rate``,
    ``loss`` to arrays and ``z``, ``a``, ``delta``, ``d_a``, ``weights``,
    ``biases``, ``d_weights``, ``d_biases``, ``weights_new``, ``biases_new``
    to lists over layers ``1 .. L`` (index ``l - 1``); ``d_inputs`` to an
    ``(m, n_0)`` array.  Whole parameters in the ``list`` form come back as a
    list of arrays; everything else as one array.
    """
    name = q.name
    if name in ("weights", "d_weights", "weights_new"):
        layers = values[name]
        if q.layer is not None:
            result = matrix(spec, layers[q.layer - 1])
        elif spec.parameters == "flat":
            result = flatten_weights(spec, layers, order)
        else:
            return [matrix(spec, W) for W in layers]
    elif name in ("biases", "d_biases", "biases_new"):
        layers = values[name]
        if q.layer is not None:
            result = np.asarray(layers[q.layer - 1])
        elif spec.parameters == "flat":
            result = np.concatenate([np.asarray(b).reshape(-1) for b in layers])
        else:
            return [np.asarray(b) for b in layers]
    elif name in ("z", "a", "delta", "d_a"):
        result = values[name][q.layer - 1]
        result = result[0] if single else result
    elif name in ("x", "target", "upstream", "d_inputs"):
        result = values[name]
        result = result[0] if single else result
    else:  # loss, learning_rate
        result = np.asarray(values[name], dtype=np.float64).reshape(())
    return reshape_presented(q, np.asarray(result, dtype=np.float64), key)


# ---------------------------------------------------------------------------
# From an instance (the submission's arguments) back to canonical values
# ---------------------------------------------------------------------------


def _count(spec: NetworkSpec, q: Quantity, sizes: Sequence[int], m: int) -> int:
    """How many numbers argument ``q`` holds for a network of ``sizes`` and ``m`` examples."""
    if q.name == "x":
        return m * sizes[0]
    if q.name in ("target", "upstream"):
        return m * sizes[-1]
    if q.name == "learning_rate":
        return 1
    if q.name == "weights":
        layers = range(1, len(sizes)) if q.layer is None else (q.layer,)
        return sum(sizes[l] * sizes[l - 1] for l in layers)
    layers = range(1, len(sizes)) if q.layer is None else (q.layer,)
    return sum(sizes[l] for l in layers)


def infer_shape(spec: NetworkSpec, instance: Mapping[str, Any]) -> tuple[tuple[int, ...], int]:
    """``(sizes, m)`` of an instance, read from the shapes and sizes of its arguments.

    Arguments without an explicit ``shape`` give their dimensions directly
    (``x`` of shape ``(m, n_0)``, ``W_l``, ...); the others give equations
    (``w`` of shape ``(-1,)`` holds ``n_l * n_{l-1}`` numbers) that are solved
    for a size still unknown.  Sizes nothing determines are the spec's (they
    cannot vary: validation checks that every varying size is determined).

    Raises:
        ValueError: the arguments do not fit one network, or a size is undetermined.
    """
    depth = spec.depth
    sizes: list[int | None] = [None] * (depth + 1)
    m: int | None = None if spec.batch is not None else 1

    def assign(index: int | None, value: int, name: str) -> None:
        nonlocal m
        current = m if index is None else sizes[index]
        if current is not None and current != value:
            what = "the number of examples" if index is None else f"n_{index}"
            raise ValueError(f"{name} implies {what} = {value}, but other values imply {current}")
        if index is None:
            m = value
        else:
            sizes[index] = value

    single = spec.batch is None
    for name, q in spec.arguments.items():
        value = instance[name]
        if q.is_list and spec.parameters == "list":
            if not isinstance(value, (list, tuple)) or len(value) != depth:
                raise ValueError(f"{name} should be a list of {depth} arrays, one per layer")
            for l, part in enumerate(value, start=1):
                shape = np.shape(part)
                if q.name == "weights":
                    if len(shape) != 2:
                        raise ValueError(f"{name}[{l - 1}] should be a matrix; found shape {shape}")
                    rows, columns = shape if spec.layout == "out_in" else shape[::-1]
                    assign(l, rows, name)
                    assign(l - 1, columns, name)
                else:
                    if len(shape) != 1:
                        raise ValueError(f"{name}[{l - 1}] should be a vector; found shape {shape}")
                    assign(l, shape[0], name)
            continue
        if q.shape is not None:
            continue
        shape = np.shape(value)
        if q.name in ("x", "target", "upstream"):
            unit = 0 if q.name == "x" else depth
            if len(shape) != (1 if single else 2):
                wanted = f"({'n_0' if unit == 0 else 'n_L'},)" if single else f"(m, {'n_0' if unit == 0 else 'n_L'})"
                raise ValueError(f"{name} should have shape {wanted}; found shape {shape}")
            if not single:
                assign(None, shape[0], name)
            assign(unit, shape[-1], name)
        elif q.name == "weights" and q.layer is not None:
            if len(shape) != 2:
                raise ValueError(f"{name} should be a matrix; found shape {shape}")
            rows, columns = shape if spec.layout == "out_in" else shape[::-1]
            assign(q.layer, rows, name)
            assign(q.layer - 1, columns, name)
        elif q.name == "biases" and q.layer is not None:
            if len(shape) != 1:
                raise ValueError(f"{name} should be a vector; found shape {shape}")
            assign(q.layer, shape[0], name)
    # Equations from the reshaped and flat arguments: solve each one that has a single unknown.
    counted = [(name, q) for name, q in spec.arguments.items() if not (q.is_list and spec.parameters == "list")]
    progress = True
    while progress and (None in sizes or m is None):
        progress = False
        for name, q in counted:
            size = int(np.size(instance[name]))
            unknown = [k for k, n in enumerate(sizes) if n is None and _involves(q, k, depth)]
            unknown_m = m is None and q.name in ("x", "target", "upstream")
            if len(unknown) + unknown_m != 1:
                continue
            candidates = []
            for guess in range(1, size + 1):
                trial = [n if n is not None else 1 for n in sizes]
                trial_m = m if m is not None else 1
                if unknown:
                    trial[unknown[0]] = guess
                else:
                    trial_m = guess
                if _count(spec, q, trial, trial_m) == size:
                    candidates.append(guess)
            if len(candidates) == 1:
                assign(unknown[0] if unknown else None, candidates[0], name)
                progress = True
    for k, n in enumerate(sizes):
        if n is None:
            low, high = spec.sampling.sizes[k]
            if low != high:
                raise ValueError(f"no argument shows n_{k}, which varies between instances")
            sizes[k] = spec.sizes[k]
    if m is None:
        if spec.sampling.batch_sizes is not None and spec.sampling.batch_sizes[0] != spec.sampling.batch_sizes[1]:
            raise ValueError("no argument shows the number of examples, which varies between instances")
        m = spec.batch or 1
    complete = tuple(int(n) for n in sizes if n is not None)
    for name, q in counted:
        size, wanted = int(np.size(instance[name])), _count(spec, q, complete, m)
        if size != wanted:
            raise ValueError(f"{name} ({q.text}) should hold {wanted} number(s) for a {'-'.join(map(str, complete))} "
                             f"network{'' if single else f' and {m} examples'}; found {size}")
    return complete, int(m)


def _involves(q: Quantity, k: int, depth: int) -> bool:
    """Whether argument ``q``'s element count depends on ``n_k``."""
    if q.name == "x":
        return k == 0
    if q.name in ("target", "upstream"):
        return k == depth
    if q.name == "learning_rate":
        return False
    if q.layer is None:
        return q.name == "weights" or k >= 1
    return k in ((q.layer, q.layer - 1) if q.name == "weights" else (q.layer,))


def absorb(spec: NetworkSpec, instance: Mapping[str, Any], order: str | None = None) -> Canonical:
    """The canonical values of an instance (``order``: read flat weights in that numbering instead).

    Raises:
        ValueError: the arguments do not fit the network (see :func:`infer_shape`).
    """
    sizes, m = infer_shape(spec, instance)
    depth = len(sizes) - 1
    weights: list[np.ndarray | None] = [None] * depth
    biases: list[np.ndarray] = [np.zeros(sizes[l]) for l in range(1, depth + 1)]
    values: dict[str, Any] = {}
    for name, q in spec.arguments.items():
        value = instance[name]
        if q.name == "weights":
            if q.layer is not None:
                M = np.asarray(value, dtype=np.float64)
                shape = (sizes[q.layer], sizes[q.layer - 1]) if spec.layout == "out_in" else (sizes[q.layer - 1], sizes[q.layer])
                M = M.reshape(shape)
                weights[q.layer - 1] = M if spec.layout == "out_in" else M.T
            elif spec.parameters == "flat":
                weights = list(unflatten_weights(spec, np.asarray(value, dtype=np.float64).reshape(-1), sizes, order))
            else:
                weights = [np.asarray(M, dtype=np.float64) if spec.layout == "out_in" else np.asarray(M, dtype=np.float64).T
                           for M in value]
        elif q.name == "biases":
            if q.layer is not None:
                biases[q.layer - 1] = np.asarray(value, dtype=np.float64).reshape(sizes[q.layer])
            elif spec.parameters == "flat":
                flat = np.asarray(value, dtype=np.float64).reshape(-1)
                edges = np.cumsum([0, *sizes[1:]])
                biases = [flat[edges[l]:edges[l + 1]] for l in range(depth)]
            else:
                biases = [np.asarray(b, dtype=np.float64).reshape(-1) for b in value]
        elif q.name == "x":
            values["x"] = np.asarray(value, dtype=np.float64).reshape(m, sizes[0])
        elif q.name in ("target", "upstream"):
            values[q.name] = np.asarray(value, dtype=np.float64).reshape(m, sizes[-1])
        else:
            values["learning_rate"] = float(np.asarray(value, dtype=np.float64).reshape(()))
    assert all(W is not None for W in weights)
    return Canonical(
        weights=tuple(weights),  # type: ignore[arg-type]
        biases=tuple(biases),
        x=values["x"],
        target=values.get("target"),
        upstream=values.get("upstream"),
        learning_rate=values.get("learning_rate", spec.learning_rate),
        single=spec.batch is None,
    )


def zeros(spec: NetworkSpec, sizes: Sequence[int] | None = None, m: int | None = None) -> Canonical:
    """A canonical instance of zeros (of the spec's sizes and batch, unless given): for shapes."""
    sizes = tuple(sizes or spec.sizes)
    m = m if m is not None else (spec.batch or 1)
    depth = len(sizes) - 1
    return Canonical(
        weights=tuple(np.zeros((sizes[l], sizes[l - 1])) for l in range(1, depth + 1)),
        biases=tuple(np.zeros(sizes[l]) for l in range(1, depth + 1)),
        x=np.zeros((m, sizes[0])),
        target=None if spec.upstream else np.zeros((m, sizes[-1])),
        upstream=np.zeros((m, sizes[-1])) if spec.upstream else None,
        learning_rate=spec.learning_rate if spec.learning_rate is not None else 0.0,
        single=spec.batch is None,
    )


def argument_values(c: Canonical) -> dict[str, Any]:
    """The canonical values of the argument quantities, for :func:`present`."""
    return {
        "x": c.x, "target": c.target, "upstream": c.upstream, "learning_rate": c.learning_rate,
        "weights": list(c.weights), "biases": list(c.biases),
    }


def instance_of(spec: NetworkSpec, c: Canonical) -> dict[str, Any]:
    """The instance (parameter name -> what the submission receives) holding canonical values ``c``."""
    values = argument_values(c)
    return {name: present(spec, q, values, c.single, f"network.arguments.{name}") for name, q in spec.arguments.items()}
