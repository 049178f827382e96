"""Kind ``circuit``: the computational graph ``f(x, y, z) = (x + y) * z``.

Three scalars in, one scalar out, with the intermediate ``q = x + y``.  The
submission defines ``forward(x, y, z)`` -> ``f`` and ``backward(x, y, z)`` ->
``(df/dx, df/dy, df/dz)``: the gradient of ``f`` itself (upstream gradient
``df/df = 1``), no loss.  Every value is a Python float; outputs are 0-d.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from hypothesis import strategies as st

from gradecheck import strategies as gst
from gradecheck._kinds._base import EntryPoint, ExerciseKind, Instance, jax_reference
from gradecheck._kinds._base import SpecKey
from gradecheck._kinds.multiply_gate import SWAPPED_LOCAL_GRADIENTS
from gradecheck._mistakes import Mistake

_FLOATS = ("float", "float", "float")

CHAIN_RULE_MISSING = Mistake(
    "chain-rule-missing",
    "Local gradient used without the upstream gradient",
    "df/dx and df/dy were taken as the add gate's local gradients dq/dx = dq/dy = 1; the chain rule needs "
    "them multiplied by the gradient arriving at q from above, df/dq = z.",
    "df/dx = df/dq * dq/dx = z * 1: multiply each local gradient by the upstream gradient.",
)


def _circuit(x: Any, y: Any, z: Any) -> Any:
    return (x + y) * z


def _value_and_gradients(x: Any, y: Any, z: Any) -> Any:
    import jax

    f, (d_x, d_y, d_z) = jax.value_and_grad(_circuit, argnums=(0, 1, 2))(x, y, z)
    return {"f": f, "d_x": d_x, "d_y": d_y, "d_z": d_z}


_reference = jax_reference(_value_and_gradients)


class Circuit(ExerciseKind):
    entry_points = (
        EntryPoint("forward", ("x", "y", "z"), _FLOATS, ("f",)),
        EntryPoint("backward", ("x", "y", "z"), _FLOATS, ("d_x", "d_y", "d_z")),
    )
    # The gradients (z, z, x + y) do not use the forward's output f: no credit carries forward.
    mistakes = ("chain-rule-missing", "swapped-local-gradients", "sign-error")
    extra_mistakes = (CHAIN_RULE_MISSING, SWAPPED_LOCAL_GRADIENTS)

    given_keys = {
        "x": SpecKey("x", "number", required=True),
        "y": SpecKey("y", "number", required=True),
        "z": SpecKey("z", "number", required=True),
    }
    settings_keys = {"max_magnitude": SpecKey("largest |value| of the random x, y and z", "number", positive=True, default=5.0)}

    def given_instance(self, given: Mapping[str, Any]) -> Instance:
        return {key: np.array(float(given[key]), dtype=np.float64) for key in ("x", "y", "z")}

    def instance_strategy(self, settings: Mapping[str, Any]) -> st.SearchStrategy[Instance]:
        scalar = gst.float64_arrays((), max_magnitude=float(settings.get("max_magnitude", 5.0)))
        return st.fixed_dictionaries({"x": scalar, "y": scalar, "z": scalar})

    def expected(self, instance: Instance) -> dict[str, np.ndarray]:
        return dict(_reference(instance["x"], instance["y"], instance["z"]))

    def mistaken(self, instance: Instance, mistake: str) -> dict[str, np.ndarray] | None:
        x, y, z = (np.asarray(instance[key], dtype=np.float64) for key in ("x", "y", "z"))
        q = x + y
        if mistake == "chain-rule-missing":
            d_x, d_y, d_z = np.ones_like(q), np.ones_like(q), q
        elif mistake == "swapped-local-gradients":
            d_x, d_y, d_z = q, q, z
        elif mistake == "sign-error":
            d_x, d_y, d_z = -z, -z, -q
        else:
            return None
        return {"f": q * z, "d_x": d_x, "d_y": d_y, "d_z": d_z}


KIND = Circuit()
