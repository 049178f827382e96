"""Kind ``twelve_weights`` (DESIGN.md C3): one dense sigmoid layer, 4 inputs, 3 neurons.

``W = weights.reshape(3, 4)`` (row i holds neuron i's four input weights),
``a = sigmoid(W @ inputs + biases)``; ``backward`` returns the gradients of
``L`` with ``dL/da = upstream``: ``(d_weights (12,), d_biases (3,), d_inputs (4,))``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from hypothesis import strategies as st

from gradecheck import strategies as gst
from gradecheck._kinds._base import EntryPoint, ExerciseKind, Instance, jax_reference, reproduces, sigmoid
from gradecheck._kinds._base import SpecKey

N_OUT, N_IN = 3, 4
_ARRAYS = ("array",) * 4


def _forward_and_vjp(weights: Any, inputs: Any, biases: Any, upstream: Any) -> Any:
    import jax
    import jax.numpy as jnp

    def forward(w: Any, x: Any, b: Any) -> Any:
        return jax.nn.sigmoid(jnp.reshape(w, (N_OUT, N_IN)) @ x + b)

    a, pullback = jax.vjp(forward, weights, inputs, biases)
    d_weights, d_inputs, d_biases = pullback(upstream)
    return {"a": a, "d_weights": d_weights, "d_biases": d_biases, "d_inputs": d_inputs}


_reference = jax_reference(_forward_and_vjp)


class TwelveWeights(ExerciseKind):
    entry_points = (
        EntryPoint("forward", ("weights", "inputs", "biases"), _ARRAYS[:3], ("a",)),
        EntryPoint("backward", ("weights", "inputs", "biases", "upstream"), _ARRAYS, ("d_weights", "d_biases", "d_inputs")),
    )
    carry_from = ("a",)
    mistakes = (
        "missing-activation-derivative",
        "derivative-on-preactivation",
        "sign-error",
        "transposed-weight-gradient",
        "transposed-weight-layout",
        "upstream-ignored",
    )

    given_keys = {
        "weights": SpecKey("the 12 weights; row i of weights.reshape(3, 4) is neuron i's", "array", required=True),
        "inputs": SpecKey("the 4 inputs", "array", required=True),
        "biases": SpecKey("the 3 biases", "array", required=True),
        "upstream": SpecKey("dL/da, 3 numbers (default: ones)", "array"),
    }
    settings_keys = {"max_magnitude": SpecKey("largest |value| of the random weights, inputs, biases and upstream gradients", "number", positive=True, default=2.0)}

    def given_instance(self, given: Mapping[str, Any]) -> Instance:
        instance = {
            "weights": np.array(given["weights"], dtype=np.float64).reshape(N_OUT * N_IN),
            "inputs": np.array(given["inputs"], dtype=np.float64).reshape(N_IN),
            "biases": np.array(given["biases"], dtype=np.float64).reshape(N_OUT),
            "upstream": np.array(given.get("upstream", [1.0] * N_OUT), dtype=np.float64).reshape(N_OUT),
        }
        return instance

    def instance_strategy(self, settings: Mapping[str, Any]) -> st.SearchStrategy[Instance]:
        magnitude = float(settings.get("max_magnitude", 2.0))
        return st.fixed_dictionaries(
            {
                "weights": gst.float64_arrays(N_OUT * N_IN, max_magnitude=magnitude),
                "inputs": gst.float64_arrays(N_IN, max_magnitude=magnitude),
                "biases": gst.float64_arrays(N_OUT, max_magnitude=magnitude),
                "upstream": gst.upstream_gradients(N_OUT, max_magnitude=magnitude),
            }
        )

    def expected(self, instance: Instance) -> dict[str, np.ndarray]:
        return dict(_reference(instance["weights"], instance["inputs"], instance["biases"], instance["upstream"]))

    def backward_from_forward(self, instance: Instance, own: Mapping[str, np.ndarray]) -> list[dict[str, np.ndarray]]:
        """``dz = upstream * a * (1 - a)`` with the submission's ``a``, then the weight, bias and input gradients.

        With ``W`` read from ``weights`` row by row, as the statement says; and
        also column by column (the transposed-weight-layout mistake) when that
        layer reproduces the submission's ``a``: its weight gradient is then
        laid out the same way.
        """
        if "a" not in own:
            return []
        a = own["a"]
        weights, inputs, biases, upstream = (np.asarray(instance[k], dtype=np.float64) for k in ("weights", "inputs", "biases", "upstream"))
        dz = upstream * a * (1 - a)
        grad_W = np.outer(dz, inputs)
        W = weights.reshape(N_OUT, N_IN)
        rules = [{"d_weights": grad_W.reshape(-1), "d_biases": dz, "d_inputs": W.T @ dz}]
        transposed = weights.reshape(N_IN, N_OUT).T
        if reproduces(sigmoid(transposed @ inputs + biases), a):
            rules.append({"d_weights": grad_W.T.reshape(-1), "d_biases": dz, "d_inputs": transposed.T @ dz})
        return rules

    def mistaken(self, instance: Instance, mistake: str) -> dict[str, np.ndarray] | None:
        weights, inputs, biases, upstream = (instance[k] for k in ("weights", "inputs", "biases", "upstream"))
        W = weights.reshape(N_OUT, N_IN)
        if mistake == "transposed-weight-layout":
            W = weights.reshape(N_IN, N_OUT).T
        z = W @ inputs + biases
        a = sigmoid(z)
        local = a * (1 - a)
        sign = 1.0
        if mistake == "missing-activation-derivative":
            local = np.ones_like(a)
        elif mistake == "derivative-on-preactivation":
            local = z * (1 - z)
        elif mistake == "sign-error":
            sign = -1.0
        elif mistake == "upstream-ignored":
            upstream = np.ones_like(upstream)
        elif mistake not in ("transposed-weight-gradient", "transposed-weight-layout"):
            return None
        dz = sign * upstream * local
        grad_W = np.outer(dz, inputs)
        transposed = mistake in ("transposed-weight-gradient", "transposed-weight-layout")
        d_weights = (grad_W.T if transposed else grad_W).reshape(-1)
        return {"a": a, "d_weights": d_weights, "d_biases": dz, "d_inputs": W.T @ dz}


KIND = TwelveWeights()
