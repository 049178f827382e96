"""Kind ``sigmoid_gate``: ``f(w, x) = sigmoid(w0*x0 + w1*x1 + w2)``.

``w`` has shape (3,) (``w2`` is a bias: there is no third input), ``x`` has
shape (2,).  The submission defines ``forward(w, x)`` -> ``f`` (a scalar) and
``backward(w, x)`` -> ``(df/dw (3,), df/dx (2,))``: the gradient of ``f``
itself (upstream gradient 1), no loss.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from hypothesis import strategies as st

from gradecheck import strategies as gst
from gradecheck._kinds._base import EntryPoint, ExerciseKind, Instance, jax_reference, sigmoid
from gradecheck._kinds._base import SpecKey
from gradecheck._kinds.multiply_gate import SWAPPED_LOCAL_GRADIENTS

N_W, N_X = 3, 2


def _gate(w: Any, x: Any) -> Any:
    import jax

    return jax.nn.sigmoid(w[0] * x[0] + w[1] * x[1] + w[2])


def _value_and_gradients(w: Any, x: Any) -> Any:
    import jax

    f, (d_w, d_x) = jax.value_and_grad(_gate, argnums=(0, 1))(w, x)
    return {"f": f, "d_w": d_w, "d_x": d_x}


_reference = jax_reference(_value_and_gradients)


class SigmoidGate(ExerciseKind):
    entry_points = (
        EntryPoint("forward", ("w", "x"), ("array", "array"), ("f",)),
        EntryPoint("backward", ("w", "x"), ("array", "array"), ("d_w", "d_x")),
    )
    carry_from = ("f",)
    mistakes = (
        "derivative-on-preactivation",
        "missing-activation-derivative",
        "sign-error",
        "swapped-local-gradients",
    )
    extra_mistakes = (SWAPPED_LOCAL_GRADIENTS,)

    given_keys = {
        "w": SpecKey("the 3 weights (w2 is the bias)", "array", required=True),
        "x": SpecKey("the 2 inputs", "array", required=True),
    }
    settings_keys = {"max_magnitude": SpecKey("largest |value| of the random w and x", "number", positive=True, default=1.5)}

    def given_instance(self, given: Mapping[str, Any]) -> Instance:
        return {
            "w": np.array(given["w"], dtype=np.float64).reshape(N_W),
            "x": np.array(given["x"], dtype=np.float64).reshape(N_X),
        }

    def instance_strategy(self, settings: Mapping[str, Any]) -> st.SearchStrategy[Instance]:
        # |s| <= 2 * m**2 + m stays out of deep saturation for m = 1.5 (|s| <= 6).
        magnitude = float(settings.get("max_magnitude", 1.5))
        return st.fixed_dictionaries(
            {
                "w": gst.float64_arrays(N_W, max_magnitude=magnitude),
                "x": gst.float64_arrays(N_X, max_magnitude=magnitude),
            }
        )

    def expected(self, instance: Instance) -> dict[str, np.ndarray]:
        return dict(_reference(instance["w"], instance["x"]))

    def backward_from_forward(self, instance: Instance, own: Mapping[str, np.ndarray]) -> list[dict[str, np.ndarray]]:
        """``df/ds = f * (1 - f)`` with the submission's ``f``, times each weight's input and each input's weight."""
        if "f" not in own:
            return []
        w, x = np.asarray(instance["w"], dtype=np.float64), np.asarray(instance["x"], dtype=np.float64)
        f = float(np.asarray(own["f"], dtype=np.float64).reshape(()))
        ds = f * (1.0 - f)
        return [{"d_w": np.array([ds * x[0], ds * x[1], ds]), "d_x": np.array([ds * w[0], ds * w[1]])}]

    def mistaken(self, instance: Instance, mistake: str) -> dict[str, np.ndarray] | None:
        w, x = np.asarray(instance["w"], dtype=np.float64), np.asarray(instance["x"], dtype=np.float64)
        s = w[0] * x[0] + w[1] * x[1] + w[2]
        f = sigmoid(s)
        ds = f * (1.0 - f)
        inputs, weights = x, w[:N_X]
        if mistake == "derivative-on-preactivation":
            ds = s * (1.0 - s)
        elif mistake == "missing-activation-derivative":
            ds = 1.0
        elif mistake == "sign-error":
            ds = -ds
        elif mistake == "swapped-local-gradients":
            inputs, weights = w[:N_X], x
        else:
            return None
        d_w = np.array([ds * inputs[0], ds * inputs[1], ds])
        d_x = np.array([ds * weights[0], ds * weights[1]])
        return {"f": np.array(f), "d_w": d_w, "d_x": d_x}


KIND = SigmoidGate()
