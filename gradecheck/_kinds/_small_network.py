"""Small sigmoid networks whose weights are numbered like a lecture picture.

The kinds ``two_two_one`` and ``three_two_two`` share this code.  Their
networks have one hidden layer, the sigmoid on every unit and the loss
``E = 0.5 * sum((target - y)**2)``; the submission takes the weights as one
flat vector ``w = (w1, ..., wN)`` (and the biases as ``b = (b1, ..., bK)``),
numbered the way the seed lecture numbers the edges of its picture:
*source-major*, layer by layer, all edges leaving the first sending unit, then
all edges leaving the second, and so on (:func:`source_major_numbering`).
Biases are numbered unit by unit, hidden units first (:func:`unit_numbering`).

Internally every weight lives at a position ``(layer, row, column)`` of the C4
layout ``weights[layer]`` of shape ``(n_{l+1}, n_l)``: row = receiving unit,
column = sending unit.  Expected values are ``jax.value_and_grad`` of a JAX
float64 forward pass that builds those matrices from the flat ``w`` and ``b``,
so the gradient comes back in the numbering by autodiff.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gradecheck import strategies as gst
from gradecheck._kinds._base import EntryPoint, ExerciseKind, Instance, jax_reference, reproduces, sigmoid
from gradecheck._kinds._base import SpecKey
from gradecheck._mistakes import Mistake

__all__ = [
    "NUMBERING_MIXED_UP",
    "NumberedSigmoidNetwork",
    "bias_vectors",
    "learning_rates",
    "sigmoid",
    "source_major_numbering",
    "target_major_numbering",
    "unit_interval_arrays",
    "unit_numbering",
    "vector_from_given",
    "weight_matrices",
]

Position = tuple[int, int, int]

NUMBERING_MIXED_UP = Mistake(
    "weight-numbering-mixed-up",
    "Weights numbered in the wrong order",
    "The weights were placed unit by receiving unit (the first numbers all going into the first hidden unit) "
    "instead of following the statement's numbering, which lists all edges leaving x1 first (w1: x1 -> h_a, "
    "w2: x1 -> h_b, ...). The forward pass already uses the wrong weights, so y, E and every gradient are wrong.",
    "Build the weight matrices from the statement's table: W[receiving unit, sending unit] = the weight of that "
    "edge, e.g. z_a = x1 * w1 + x2 * w3.",
)


def source_major_numbering(widths: Sequence[int]) -> tuple[Position, ...]:
    """``(layer, row, column)`` of ``w1, w2, ...``: by layer, then sending unit, then receiving unit."""
    return tuple(
        (l, i, j) for l in range(len(widths) - 1) for j in range(widths[l]) for i in range(widths[l + 1])
    )


def target_major_numbering(widths: Sequence[int]) -> tuple[Position, ...]:
    """``(layer, row, column)`` when the weights are read row by row (by receiving unit) instead."""
    return tuple(
        (l, i, j) for l in range(len(widths) - 1) for i in range(widths[l + 1]) for j in range(widths[l])
    )


def unit_numbering(widths: Sequence[int]) -> tuple[tuple[int, int], ...]:
    """``(layer, unit)`` of ``b1, b2, ...``: the hidden units in order, then the outputs."""
    return tuple((l, i) for l in range(len(widths) - 1) for i in range(widths[l + 1]))


def vector_from_given(given: Mapping[str, Any], key: str, size: int, what: str) -> np.ndarray:
    """``given[key]`` as a float64 vector of ``size`` numbers; ``ValueError`` naming ``what`` otherwise."""
    values = np.asarray(given[key], dtype=np.float64).reshape(-1)
    if values.size != size:
        raise ValueError(f"[given] {key} should hold {size} numbers ({what}); found {values.size}")
    return values


def unit_interval_arrays(shape: int | tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    """Arrays of hundredths in ``[0, 1]`` (targets of a sigmoid output); shrink toward 0."""
    return hnp.arrays(np.int64, shape, elements=st.integers(0, 100), fill=st.nothing()).map(lambda k: k / 100.0)


def learning_rates() -> st.SearchStrategy[np.ndarray]:
    """Learning rates ``0.01 .. 1.00`` on a grid of hundredths (0-d arrays); shrink toward 0.01."""
    return st.integers(1, 100).map(lambda k: np.array(k / 100.0))


def weight_matrices(values: np.ndarray, numbering: Sequence[Position], widths: Sequence[int]) -> list[np.ndarray]:
    """The C4 matrices ``weights[l]`` (n_{l+1}, n_l) holding ``values[k]`` at ``numbering[k]``."""
    matrices = [np.zeros((widths[l + 1], widths[l])) for l in range(len(widths) - 1)]
    for value, (l, i, j) in zip(values, numbering):
        matrices[l][i, j] = value
    return matrices


def bias_vectors(values: np.ndarray, numbering: Sequence[tuple[int, int]], widths: Sequence[int]) -> list[np.ndarray]:
    """The C4 vectors ``biases[l]`` (n_{l+1},) holding ``values[k]`` at ``numbering[k]`` (zeros elsewhere)."""
    vectors = [np.zeros(widths[l + 1]) for l in range(len(widths) - 1)]
    for value, (l, i) in zip(values, numbering):
        vectors[l][i] = value
    return vectors


def _reference(
    widths: Sequence[int], numbering: Sequence[Position], bias_numbering: Sequence[tuple[int, int]]
) -> Any:
    """A jitted float64 ``(w, b, x, target, learning_rate) -> outputs`` for one numbered network."""
    depth = len(widths) - 1

    def slots(entries: list[tuple[int, ...]]) -> tuple[np.ndarray, ...] | None:
        # (flat index, row[, column]) tuples -> one index array per field, or None if the layer has none.
        return tuple(np.array(field, dtype=np.int64) for field in zip(*entries)) if entries else None

    weight_slots = [slots([(k, i, j) for k, (l, i, j) in enumerate(numbering) if l == layer]) for layer in range(depth)]
    bias_slots = [slots([(k, i) for k, (l, i) in enumerate(bias_numbering) if l == layer]) for layer in range(depth)]

    def compute(w: Any, b: Any, x: Any, target: Any, learning_rate: Any) -> dict[str, Any]:
        import jax
        import jax.numpy as jnp

        def output(w: Any, b: Any) -> Any:
            a = x
            for layer in range(depth):
                W = jnp.zeros((widths[layer + 1], widths[layer]))
                if weight_slots[layer] is not None:
                    index, rows, columns = weight_slots[layer]
                    W = W.at[rows, columns].set(w[index])
                c = jnp.zeros(widths[layer + 1])
                if bias_slots[layer] is not None:
                    index, units = bias_slots[layer]
                    c = c.at[units].set(b[index])
                a = jax.nn.sigmoid(W @ a + c)
            return a

        def loss(w: Any, b: Any) -> Any:
            return 0.5 * jnp.sum((target - output(w, b)) ** 2)

        E, (dw, db) = jax.value_and_grad(loss, argnums=(0, 1))(w, b)
        return {
            "y": output(w, b),
            "E": E,
            "dw": dw,
            "db": db,
            "w_new": w - learning_rate * dw,
            "b_new": b - learning_rate * db,
        }

    return jax_reference(compute)


class NumberedSigmoidNetwork(ExerciseKind):
    """A one-hidden-layer sigmoid network with numbered weights, ``E = 0.5 * sum((target - y)**2)``.

    Instance keys: ``w`` (N,), ``b`` (K,) when the network has biases, ``x``
    (n_in,), ``target`` (a float for one output, else (n_out,)) and
    ``learning_rate`` (a float).  Outputs: ``y`` (0-d for one output, else
    (n_out,)), ``E`` (0-d), ``dw`` (N,), ``db`` (K,), ``w_new`` (N,),
    ``b_new`` (K,): the gradients and the parameters after one plain SGD step
    ``p <- p - learning_rate * dE/dp``.

    The submission's functions, with ``params`` = ``w`` or ``w, b``::

        forward(params, x) -> y
        loss(params, x, target) -> E
        gradients(params, x, target) -> dw   or  (dw, db)
        sgd_step(params, x, target, learning_rate) -> w_new   or  (w_new, b_new)
    """

    def __init__(self, widths: tuple[int, int, int], *, biases: bool) -> None:
        self.widths = widths
        self.numbering = source_major_numbering(widths)
        self.bias_numbering = unit_numbering(widths) if biases else ()
        self._reference = _reference(widths, self.numbering, self.bias_numbering)
        self.has_biases = biases
        n_out = widths[-1]
        self.target_kind = "float" if n_out == 1 else "array"
        params = ("w", "b") if biases else ("w",)
        arrays = ("array",) * len(params)
        data = params + ("x", "target")
        data_kinds = arrays + ("array", self.target_kind)
        self.entry_points = (
            EntryPoint("forward", params + ("x",), arrays + ("array",), ("y",)),
            EntryPoint("loss", data, data_kinds, ("E",)),
            EntryPoint("gradients", data, data_kinds, ("dw", "db") if biases else ("dw",)),
            EntryPoint(
                "sgd_step",
                data + ("learning_rate",),
                data_kinds + ("float",),
                ("w_new", "b_new") if biases else ("w_new",),
            ),
        )
        self.carry_from = ("y",)
        mistakes = [
            "missing-activation-derivative",
            "hidden-activation-derivative-missing",
            "derivative-on-preactivation",
            "sign-error",
            "factor-two",
            "weight-numbering-mixed-up",
        ]
        if n_out > 1:
            mistakes.insert(0, "hidden-uses-one-output")
        self.mistakes = tuple(mistakes)
        self.extra_mistakes = (NUMBERING_MIXED_UP,)
        given_keys = {"w": SpecKey(f"the {self.weight_count} weights w1 .. w{self.weight_count}", "array", required=True)}
        if biases:
            given_keys["b"] = SpecKey(f"the {self.bias_count} biases b1 .. b{self.bias_count}", "array", required=True)
        given_keys["x"] = SpecKey(f"the {widths[0]} inputs", "array", required=True)
        given_keys["target"] = SpecKey(f"the {n_out} target(s)", "array", required=True)
        given_keys["learning_rate"] = SpecKey("the SGD learning rate", "number", required=True, positive=True)
        self.given_keys = given_keys
        self.settings_keys = {
            "max_weight": SpecKey("largest |value| of random weights and biases", "number", positive=True, default=1.0),
            "max_input": SpecKey("largest |value| of random inputs", "number", positive=True, default=2.0),
        }

    # -- shapes ----------------------------------------------------------------------

    @property
    def weight_count(self) -> int:
        return len(self.numbering)

    @property
    def bias_count(self) -> int:
        return len(self.bias_numbering)

    def _target_vector(self, instance: Instance) -> np.ndarray:
        return np.asarray(instance["target"], dtype=np.float64).reshape(self.widths[-1])

    def _bias_values(self, instance: Instance) -> np.ndarray:
        return np.asarray(instance["b"], dtype=np.float64) if self.has_biases else np.zeros(0)

    def _shape_y(self, y: np.ndarray) -> np.ndarray:
        return np.array(y[0]) if self.widths[-1] == 1 else np.asarray(y)

    # -- hooks ------------------------------------------------------------------------

    def given_instance(self, given: Mapping[str, Any]) -> Instance:
        n_in, _, n_out = self.widths
        instance: Instance = {"w": vector_from_given(given, "w", self.weight_count, f"w1 .. w{self.weight_count}")}
        if self.has_biases:
            instance["b"] = vector_from_given(given, "b", self.bias_count, f"b1 .. b{self.bias_count}")
        instance["x"] = vector_from_given(given, "x", n_in, "the inputs")
        target = vector_from_given(given, "target", n_out, "the targets")
        instance["target"] = np.array(target[0]) if n_out == 1 else target
        instance["learning_rate"] = np.array(float(given["learning_rate"]))
        return instance

    def instance_strategy(self, settings: Mapping[str, Any]) -> st.SearchStrategy[Instance]:
        n_in, _, n_out = self.widths
        weights = float(settings.get("max_weight", 1.0))
        inputs = float(settings.get("max_input", 2.0))
        parts: dict[str, st.SearchStrategy[Any]] = {"w": gst.float64_arrays(self.weight_count, max_magnitude=weights)}
        if self.has_biases:
            parts["b"] = gst.float64_arrays(self.bias_count, max_magnitude=weights)
        parts["x"] = gst.float64_arrays(n_in, max_magnitude=inputs)
        parts["target"] = unit_interval_arrays(() if n_out == 1 else (n_out,))
        parts["learning_rate"] = learning_rates()
        return st.fixed_dictionaries(parts)

    def expected(self, instance: Instance) -> dict[str, np.ndarray]:
        out = self._reference(
            instance["w"],
            self._bias_values(instance),
            instance["x"],
            self._target_vector(instance),
            instance["learning_rate"],
        )
        out["y"] = self._shape_y(out["y"])
        if not self.has_biases:
            del out["db"], out["b_new"]
        return out

    def backward_from_forward(self, instance: Instance, own: Mapping[str, np.ndarray]) -> list[dict[str, np.ndarray]]:
        """The delta rule from the submission's ``y``: ``delta_out = (y - target) * y * (1 - y)``, then back.

        The hidden layer is not among the submission's outputs: its
        activations are the reference's, with the weights read in the
        statement's numbering; and also read unit by receiving unit (the
        weight-numbering-mixed-up mistake) when that network reproduces the
        submission's ``y``: its gradients are then numbered the same way.
        """
        if "y" not in own:
            return []
        w = np.asarray(instance["w"], dtype=np.float64)
        b = self._bias_values(instance)
        x, target = np.asarray(instance["x"], dtype=np.float64), self._target_vector(instance)
        y = np.asarray(own["y"], dtype=np.float64).reshape(self.widths[-1])
        delta_out = (y - target) * y * (1 - y)
        c1, c2 = bias_vectors(b, self.bias_numbering, self.widths)
        rules = []
        for numbering in (self.numbering, target_major_numbering(self.widths)):
            W1, W2 = weight_matrices(w, numbering, self.widths)
            h = sigmoid(W1 @ x + c1)
            if rules and not reproduces(sigmoid(W2 @ h + c2), y):
                continue
            delta_hidden = (W2.T @ delta_out) * h * (1 - h)
            gradients, deltas = [np.outer(delta_hidden, x), np.outer(delta_out, h)], [delta_hidden, delta_out]
            rule = {"dw": np.array([gradients[l][i, j] for l, i, j in numbering])}
            if self.has_biases:
                rule["db"] = np.array([deltas[l][i] for l, i in self.bias_numbering])
            rules.append(rule)
        return rules

    def mistaken(self, instance: Instance, mistake: str) -> dict[str, np.ndarray] | None:
        if mistake not in self.mistakes:
            return None
        w = np.asarray(instance["w"], dtype=np.float64)
        b = self._bias_values(instance)
        numbering = target_major_numbering(self.widths) if mistake == "weight-numbering-mixed-up" else self.numbering
        W1, W2 = weight_matrices(w, numbering, self.widths)
        c1, c2 = bias_vectors(b, self.bias_numbering, self.widths)
        x, target = np.asarray(instance["x"], dtype=np.float64), self._target_vector(instance)
        z1 = W1 @ x + c1
        h = sigmoid(z1)
        z2 = W2 @ h + c2
        y = sigmoid(z2)
        out_local, hidden_local = y * (1 - y), h * (1 - h)
        if mistake == "missing-activation-derivative":
            out_local, hidden_local = np.ones_like(y), np.ones_like(h)
        elif mistake == "hidden-activation-derivative-missing":
            hidden_local = np.ones_like(h)
        elif mistake == "derivative-on-preactivation":
            out_local, hidden_local = z2 * (1 - z2), z1 * (1 - z1)
        delta_out = (y - target) * out_local
        if mistake == "hidden-uses-one-output":
            # The seed's slide: each hidden unit takes only the path through the last output.
            back = W2[-1] * delta_out[-1]
        else:
            back = W2.T @ delta_out
        delta_hidden = back * hidden_local
        scale = {"sign-error": -1.0, "factor-two": 2.0}.get(mistake, 1.0)
        gradients = [scale * np.outer(delta_hidden, x), scale * np.outer(delta_out, h)]
        dw = np.array([gradients[l][i, j] for l, i, j in numbering])
        rate = float(instance["learning_rate"])
        out = {
            "y": self._shape_y(y),
            "E": np.array(0.5 * np.sum((target - y) ** 2)),
            "dw": dw,
            "w_new": w - rate * dw,
        }
        if self.has_biases:
            deltas = [scale * delta_hidden, scale * delta_out]
            db = np.array([deltas[l][i] for l, i in self.bias_numbering])
            out["db"] = db
            out["b_new"] = b - rate * db
        return out
