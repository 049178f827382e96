"""Kind ``activations``: elementwise derivatives of sigmoid, tanh, ReLU and leaky ReLU.

The submission defines ``sigmoid_derivative(z)``, ``tanh_derivative(z)``,
``relu_derivative(z)`` and ``leaky_relu_derivative(z, alpha)``; each returns
an array shaped like ``z`` (any shape, float64).

Convention at the kink (the left derivative, as in gradecheck's reference
network, JAX and PyTorch): ``relu'(0) = 0`` and ``leaky_relu'(0) = alpha``,
i.e. ``relu(z) = where(z > 0, z, 0)`` and ``leaky_relu(z) = where(z > 0, z, alpha*z)``.
Hidden instances keep every ``|z| >= 0.05`` so only the given values test the kink.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from hypothesis import strategies as st

from gradecheck import strategies as gst
from gradecheck._kinds._base import EntryPoint, ExerciseKind, Instance, format_value, jax_reference, sigmoid
from gradecheck._kinds._base import SpecKey
from gradecheck._mistakes import Mistake

OUTPUTS = ("d_sigmoid", "d_tanh", "d_relu", "d_leaky_relu")
#: Hidden inputs keep at least this distance from the ReLU kink at 0.
KINK_MARGIN = 0.05
#: The JAX reference works on flat arrays padded to a multiple of this, so it compiles once.
_PAD = 64

TANH_DERIVATIVE_ON_PREACTIVATION = Mistake(
    "tanh-derivative-on-preactivation",
    "tanh derivative applied to z instead of tanh(z)",
    "tanh_derivative returned 1 - z**2; the identity tanh'(z) = 1 - a**2 needs the activation a = tanh(z), "
    "not the input z (the two agree only at z = 0).",
    "Compute a = np.tanh(z) first, then return 1 - a**2.",
)
RELU_DERIVATIVE_AT_ZERO = Mistake(
    "relu-derivative-at-zero",
    "ReLU derivative at 0 uses the other convention",
    "Away from 0 the ReLU and leaky ReLU derivatives are right, but at z = 0 they return 1 (a z >= 0 test). "
    "This exercise fixes the left derivative there: relu'(0) = 0 and leaky_relu'(0) = alpha, as JAX, PyTorch "
    "and gradecheck's reference network do.",
    "Test z > 0, not z >= 0: np.where(z > 0, 1.0, 0.0) and np.where(z > 0, 1.0, alpha).",
)


def _derivatives(z: Any, alpha: Any) -> Any:
    import jax
    import jax.numpy as jnp

    functions = {
        "d_sigmoid": jax.nn.sigmoid,
        "d_tanh": jnp.tanh,
        # Written with z > 0 so that autodiff takes the left branch at 0 (the stated convention).
        "d_relu": lambda v: jnp.where(v > 0, v, 0.0),
        "d_leaky_relu": lambda v: jnp.where(v > 0, v, alpha * v),
    }
    return {key: jax.vmap(jax.grad(function))(z) for key, function in functions.items()}


_reference = jax_reference(_derivatives)


def _away_from_kink(z: np.ndarray) -> np.ndarray:
    """Move every nonzero grid value ``v`` outward by ``KINK_MARGIN - 0.01`` (staying on the 0.01 grid)."""
    return np.round((z + np.sign(z) * (KINK_MARGIN - 0.01)) * 100.0) / 100.0


class Activations(ExerciseKind):
    entry_points = (
        EntryPoint("sigmoid_derivative", ("z",), ("array",), ("d_sigmoid",)),
        EntryPoint("tanh_derivative", ("z",), ("array",), ("d_tanh",)),
        EntryPoint("relu_derivative", ("z",), ("array",), ("d_relu",)),
        EntryPoint("leaky_relu_derivative", ("z", "alpha"), ("array", "float"), ("d_leaky_relu",)),
    )
    mistakes = ("derivative-on-preactivation", "tanh-derivative-on-preactivation", "relu-derivative-at-zero")
    extra_mistakes = (TANH_DERIVATIVE_ON_PREACTIVATION, RELU_DERIVATIVE_AT_ZERO)

    given_keys = {
        "z": SpecKey("the pre-activations the derivatives are taken at", "array", required=True),
        "alpha": SpecKey("the leaky ReLU's slope for z <= 0", "number", required=True),
    }
    settings_keys = {
        "max_magnitude": SpecKey("largest |value| of the random z", "number", positive=True, default=4.0),
        "max_side": SpecKey("the longest side of a random array", "integer", minimum=1, default=5),
        "max_alpha": SpecKey("the largest random leaky ReLU slope", "number", positive=True, default=0.3),
    }

    def given_instance(self, given: Mapping[str, Any]) -> Instance:
        return {"z": np.array(given["z"], dtype=np.float64), "alpha": np.array(float(given["alpha"]))}

    def instance_strategy(self, settings: Mapping[str, Any]) -> st.SearchStrategy[Instance]:
        magnitude = float(settings.get("max_magnitude", 4.0))
        shapes = gst.array_shapes_for_layers(min_dims=1, max_dims=2, max_side=int(settings.get("max_side", 5)))
        z = gst.float64_arrays(shapes, max_magnitude=magnitude - KINK_MARGIN, nonzero=True).map(_away_from_kink)
        alpha = gst.float64_arrays((), max_magnitude=float(settings.get("max_alpha", 0.3)), nonzero=True).map(np.abs)
        return st.fixed_dictionaries({"z": z, "alpha": alpha})

    def expected(self, instance: Instance) -> dict[str, np.ndarray]:
        z = np.asarray(instance["z"], dtype=np.float64)
        size = _PAD * max(1, -(-z.size // _PAD))
        padded = np.concatenate([z.reshape(-1), np.zeros(size - z.size)])
        values = _reference(padded, instance["alpha"])
        return {key: values[key][: z.size].reshape(z.shape) for key in OUTPUTS}

    def describe(self, instance: Instance) -> str:
        return f"z = {format_value(instance['z'])}\nalpha = {format_value(instance['alpha'])} (used by leaky_relu_derivative only)"

    def mistaken(self, instance: Instance, mistake: str) -> dict[str, np.ndarray] | None:
        z = np.asarray(instance["z"], dtype=np.float64)
        alpha = float(instance["alpha"])
        s, t = sigmoid(z), np.tanh(z)
        out = {
            "d_sigmoid": s * (1.0 - s),
            "d_tanh": 1.0 - t**2,
            "d_relu": np.where(z > 0, 1.0, 0.0),
            "d_leaky_relu": np.where(z > 0, 1.0, alpha),
        }
        if mistake == "derivative-on-preactivation":
            out["d_sigmoid"] = z * (1.0 - z)
        elif mistake == "tanh-derivative-on-preactivation":
            out["d_tanh"] = 1.0 - z**2
        elif mistake == "relu-derivative-at-zero":
            out["d_relu"] = np.where(z >= 0, 1.0, 0.0)
            out["d_leaky_relu"] = np.where(z >= 0, 1.0, alpha)
        else:
            return None
        return out


KIND = Activations()
