"""Kind ``mlp_backprop`` (DESIGN.md C4): backprop through an L-layer sigmoid network.

The submission defines ``backprop(weights, biases, x, y)`` -> ``(d_weights,
d_biases)``: ``weights[l]`` has shape ``(n_{l+1}, n_l)`` (row i holds the
weights into unit i of layer l+1), ``biases[l]`` ``(n_{l+1},)``, ``x``
``(n_0,)``, ``y`` ``(n_L,)``; every layer applies the sigmoid and the loss is
``E = 0.5 * sum((a_L - y)**2)`` for one example.  It returns two lists of ``L``
arrays shaped like ``weights`` and ``biases``.

Depth varies between instances (1 to :data:`MAX_DEPTH`), so output keys count
layers from the output: ``d_weights[L-1]`` is the output layer's gradient
(the submission's ``d_weights[-1]``), ``d_weights[L-2]`` the layer before, and
so on.  Keys of layers a network does not have hold empty arrays, which every
comparison accepts.  This lets one graded item cover the output layer and
another the hidden layers on every architecture.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st

from gradecheck._answer_types import non_number, not_numbers_message
from gradecheck._kinds._base import EntryPoint, ExerciseKind, Instance, sigmoid
from gradecheck._kinds._base import SpecKey

__all__ = ["KIND", "MAX_DEPTH", "MlpBackprop", "weight_key", "bias_key"]

#: The deepest network an instance may have (the number of output keys per list).
MAX_DEPTH = 4


def _no_layer() -> np.ndarray:
    """The value of a key whose layer the network does not have."""
    return np.zeros((0,))


def weight_key(from_output: int) -> str:
    """Output key of the weight gradient ``from_output`` layers below the top (1 = the output layer)."""
    return f"d_weights[L-{from_output}]"


def bias_key(from_output: int) -> str:
    """Output key of the bias gradient ``from_output`` layers below the top (1 = the output layer)."""
    return f"d_biases[L-{from_output}]"


_KEYS = tuple(key for k in range(1, MAX_DEPTH + 1) for key in (weight_key(k), bias_key(k)))


def _numpy_backprop(instance: Instance, mistake: str | None) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The delta recursion in numpy, optionally making ``mistake`` (returns what such a submission returns)."""
    weights = [np.asarray(w, dtype=np.float64) for w in instance["weights"]]
    biases = [np.asarray(b, dtype=np.float64) for b in instance["biases"]]
    activations = [np.asarray(instance["x"], dtype=np.float64)]
    for w, b in zip(weights, biases):
        activations.append(sigmoid(w @ activations[-1] + b))
    a_out = activations[-1]
    output_slope = 1.0 if mistake == "missing-activation-derivative" else a_out * (1.0 - a_out)
    delta = (a_out - np.asarray(instance["y"], dtype=np.float64)) * output_slope
    depth = len(weights)
    d_weights: list[np.ndarray] = [np.empty(0)] * depth
    d_biases: list[np.ndarray] = [np.empty(0)] * depth
    for l in range(depth - 1, -1, -1):
        # layers-reversed: the layer's own output a_{l+1} instead of its input a_l.
        a_in = activations[l + 1] if mistake == "layers-reversed" else activations[l]
        d_weights[l] = np.outer(a_in, delta) if mistake == "transposed-weight-gradient" else np.outer(delta, a_in)
        d_biases[l] = delta
        if l > 0:
            back = weights[l].T @ delta
            if mistake in ("missing-activation-derivative", "hidden-activation-derivative-missing"):
                delta = back
            else:
                delta = back * activations[l] * (1.0 - activations[l])
    if mistake == "sign-error":
        d_weights, d_biases = [-g for g in d_weights], [-g for g in d_biases]
    return d_weights, d_biases


def _layer_array(value: Any, name: str, shape: tuple[int, ...]) -> np.ndarray | str:
    """``value`` as a float64 array of ``shape``, or a message saying why it is not one.

    A vector may come as ``(n,)``, ``(n, 1)`` or ``(1, n)``; a weight matrix
    must have the layer's shape (a transposed matrix is refused, since
    reshaping it would silently scramble its entries).
    """
    problem = non_number(value)
    if problem is not None:
        return not_numbers_message(name, shape, value, problem)
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        return f"{name} should be an array of numbers of shape {shape}, got a {type(value).__name__} that is not one"
    if array.shape == shape:
        return array
    squeezed, wanted = tuple(n for n in array.shape if n != 1), tuple(n for n in shape if n != 1)
    if array.size == int(np.prod(shape)) and squeezed == wanted:
        return array.reshape(shape)
    message = f"{name} should have shape {shape}, got shape {array.shape}"
    if len(shape) == 2 and array.shape == shape[::-1]:
        message += (
            ": a transposed weight gradient. Shape it like the weight matrix (rows = units of the layer above), "
            "i.e. np.outer(delta, a_prev)"
        )
    return message


def _split_lists(
    value: Any, weight_shapes: Sequence[tuple[int, ...]], bias_shapes: Sequence[tuple[int, ...]]
) -> dict[str, np.ndarray | str]:
    """``(d_weights, d_biases)`` as returned by ``backprop`` -> one entry per output key."""
    depth = len(weight_shapes)
    results: dict[str, np.ndarray | str] = {key: _no_layer() for key in _KEYS}
    layer_keys = {
        "d_weights": [weight_key(depth - l) for l in range(depth)],
        "d_biases": [bias_key(depth - l) for l in range(depth)],
    }
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        found = f"{len(value)} values" if isinstance(value, (list, tuple)) else f"a {type(value).__name__}"
        message = (
            f"backprop should return (d_weights, d_biases), two lists of {depth} arrays (one per layer); got {found}"
        )
        results.update({key: message for keys in layer_keys.values() for key in keys})
        return results
    for (label, keys), part, shapes in zip(layer_keys.items(), value, (weight_shapes, bias_shapes)):
        if not isinstance(part, (list, tuple)) or len(part) != depth:
            found = f"length {len(part)}" if isinstance(part, (list, tuple)) else f"a {type(part).__name__}"
            message = (
                f"{label} should be a list of {depth} arrays, one per layer of this {depth}-layer network; got {found}"
            )
            results.update({key: message for key in keys})
            continue
        for l, (key, shape) in enumerate(zip(keys, shapes)):
            results[key] = _layer_array(part[l], f"{label}[{l}]", tuple(shape))
    return results


def _format(array: Any) -> str:
    return repr(np.asarray(array, dtype=np.float64).tolist())


class MlpBackprop(ExerciseKind):
    entry_points = (
        EntryPoint("backprop", ("weights", "biases", "x", "y"), ("arrays", "arrays", "array", "array"), _KEYS),
    )
    mistakes = (
        "hidden-activation-derivative-missing",
        "missing-activation-derivative",
        "layers-reversed",
        "transposed-weight-gradient",
        "sign-error",
    )

    given_keys = {
        "weights": SpecKey("the weight matrices weights[l], shape (n_{l+1}, n_l)", "array", required=True),
        "biases": SpecKey("the bias vectors biases[l], shape (n_{l+1},)", "array", required=True),
        "x": SpecKey("the input, shape (n_0,)", "array", required=True),
        "y": SpecKey("the target, shape (n_L,)", "array", required=True),
    }
    settings_keys = {
        "max_depth": SpecKey("the deepest random network (layers)", "integer", minimum=1, maximum=MAX_DEPTH, default=MAX_DEPTH),
        "max_width": SpecKey("the widest random layer", "integer", minimum=1, default=8),
    }

    def given_instance(self, given: Mapping[str, Any]) -> Instance:
        weights = tuple(np.array(w, dtype=np.float64) for w in given["weights"])
        biases = tuple(np.array(b, dtype=np.float64) for b in given["biases"])
        x, y = np.array(given["x"], dtype=np.float64), np.array(given["y"], dtype=np.float64)
        instance = {"weights": weights, "biases": biases, "x": x, "y": y}
        network = self.network(instance)
        network.check_parameters(weights, biases)
        network.check_data(instance["x"], instance["y"])
        return instance

    def instance_strategy(self, settings: Mapping[str, Any]) -> st.SearchStrategy[Instance]:
        from gradecheck._checks import c4_network_cases

        max_depth = int(settings.get("max_depth", MAX_DEPTH))
        if not 1 <= max_depth <= MAX_DEPTH:
            raise ValueError(f"settings.max_depth should be in 1..{MAX_DEPTH}, got {max_depth}")
        cases = c4_network_cases(max_depth=max_depth, max_width=int(settings.get("max_width", 8)))
        return cases.map(lambda case: {"weights": case.weights, "biases": case.biases, "x": case.x, "y": case.y})

    @staticmethod
    def network(instance: Instance) -> Any:
        """The C4 :class:`~gradecheck._network.Network` (sigmoid everywhere, half sum of squares) of ``instance``."""
        from gradecheck._network import Network

        widths = (np.shape(instance["x"])[0], *(np.shape(w)[0] for w in instance["weights"]))
        if len(widths) - 1 > MAX_DEPTH:
            raise ValueError(f"networks may have at most {MAX_DEPTH} layers, got {len(widths) - 1}")
        return Network.mlp(widths)

    def expected(self, instance: Instance) -> dict[str, np.ndarray]:
        from gradecheck._backprop import reference_backprop

        network = self.network(instance)
        trace = reference_backprop(network, instance["weights"], instance["biases"], instance["x"], instance["y"])
        out = {key: _no_layer() for key in _KEYS}
        depth = len(trace.d_weights)
        for l in range(depth):
            out[weight_key(depth - l)] = trace.d_weights[l]
            out[bias_key(depth - l)] = trace.d_biases[l]
        return out

    def mistaken(self, instance: Instance, mistake: str) -> dict[str, np.ndarray] | None:
        if mistake not in self.mistakes:
            return None
        d_weights, d_biases = _numpy_backprop(instance, mistake)
        # Parsed like a submission's return value, so shapes a submission would be refused for drop out.
        parsed = _split_lists(
            [d_weights, d_biases],
            [np.shape(w) for w in instance["weights"]],
            [np.shape(b) for b in instance["biases"]],
        )
        return {key: value for key, value in parsed.items() if isinstance(value, np.ndarray)}

    def parse_return(
        self, entry: EntryPoint, value: Any, wanted: Sequence[str], expected: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray | str]:
        depth = sum(1 for k in range(1, MAX_DEPTH + 1) if expected[weight_key(k)].size)
        weight_shapes = [expected[weight_key(depth - l)].shape for l in range(depth)]
        bias_shapes = [expected[bias_key(depth - l)].shape for l in range(depth)]
        parsed = _split_lists(value, weight_shapes, bias_shapes)
        return {key: parsed[key] for key in wanted}

    def describe(self, instance: Instance) -> str:
        weights, biases = instance["weights"], instance["biases"]
        depth = len(weights)
        widths = "-".join(str(n) for n in (np.shape(instance["x"])[0], *(np.shape(w)[0] for w in weights)))
        lines = [f"L = {depth} layer{'s' if depth > 1 else ''}, widths n_0-...-n_L = {widths}, sigmoid on every layer, "
                 f"E = 0.5 * sum((a_L - y)**2)"]
        for l, (w, b) in enumerate(zip(weights, biases)):
            role = " (the output layer)" if l == depth - 1 else ""
            lines.append(f"weights[{l}] = {_format(w)}, biases[{l}] = {_format(b)}"
                         f"  -> {weight_key(depth - l)}, {bias_key(depth - l)}{role}")
        lines += [f"x = {_format(instance['x'])}", f"y = {_format(instance['y'])}"]
        return "\n".join(lines)

    def explain_failure(
        self, instance: Instance, got: Mapping[str, Any], expected: Mapping[str, np.ndarray]
    ) -> str | None:
        """A sentence to follow a hidden counterexample: where the error enters the backward pass."""
        return self.first_wrong_layer(got, expected)

    def first_wrong_layer(self, got: Mapping[str, Any], expected: Mapping[str, np.ndarray]) -> str | None:
        """Where the error enters the backward pass, in words (``None`` if every layer is right).

        Layers are walked from the output down, as backprop computes them; the
        first one with a wrong (or unreadable) weight or bias gradient is named
        by its index in the submission's lists.
        """
        depth = sum(1 for k in range(1, MAX_DEPTH + 1) if expected[weight_key(k)].size)
        for k in range(1, depth + 1):
            layer_ok = True
            for key in (weight_key(k), bias_key(k)):
                if key not in got:
                    continue  # not compared by this item (another item checks it)
                value = got.get(key)
                if not isinstance(value, np.ndarray) or value.shape != expected[key].shape:
                    layer_ok = False
                elif not np.allclose(value, expected[key], rtol=1e-6, atol=1e-9):
                    layer_ok = False
            if layer_ok:
                continue
            layer = depth - k
            if k == 1:
                return (f"The first wrong layer is layer {layer}, the output layer: check dE/da_L = a_L - y and the "
                        f"output sigmoid's derivative.")
            right = f"Layer {depth - 1} (the output layer) is" if k == 2 else f"Layers {layer + 1}..{depth - 1} are"
            return (f"{right} right and layer {layer} is wrong: the error enters when delta is carried back from "
                    f"layer {layer + 1} to layer {layer} (W^T delta, then the sigmoid's derivative).")
        return None


KIND = MlpBackprop()
