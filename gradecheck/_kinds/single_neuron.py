"""Kind ``single_neuron``: one sigmoid neuron trained on a batch with the 1/(2m) squared error.

``X`` (m, n) holds one example per row, ``w`` (n,), ``b`` a float, ``t`` (m,)::

    y = sigmoid(X @ w + b)                    shape (m,)
    J = 1/(2m) * sum((y - t)**2)              a number

``gradients`` returns ``(dJ/dw (n,), dJ/db)``.  Hidden instances draw the
batch size ``m`` and the feature count ``n`` too.  The expected values are
``jax.value_and_grad`` of ``J`` in float64, on arrays zero-padded to at least
8 examples and 4 features (padded examples are masked out of ``J``, padded
features are zero columns), so one compilation serves every small batch.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from hypothesis import strategies as st

from gradecheck import strategies as gst
from gradecheck._kinds._base import EntryPoint, ExerciseKind, Instance, jax_reference, sigmoid
from gradecheck._kinds._base import SpecKey
from gradecheck._kinds._small_network import unit_interval_arrays

#: Smallest padded batch size and feature count; larger ones double until they fit.
_MIN_EXAMPLES, _MIN_FEATURES = 8, 4


def _padded(size: int, smallest: int) -> int:
    padded = smallest
    while padded < size:
        padded *= 2
    return padded


def _value_and_gradients(w: Any, b: Any, X: Any, t: Any, mask: Any, m: Any) -> dict[str, Any]:
    import jax
    import jax.numpy as jnp

    def cost(w: Any, b: Any) -> Any:
        y = jax.nn.sigmoid(X @ w + b)
        return 0.5 * jnp.sum(mask * (y - t) ** 2) / m

    J, (dw, db) = jax.value_and_grad(cost, argnums=(0, 1))(w, b)
    return {"y": jax.nn.sigmoid(X @ w + b), "J": J, "dw": dw, "db": db}


_reference = jax_reference(_value_and_gradients)


class SingleNeuron(ExerciseKind):
    entry_points = (
        EntryPoint("forward", ("w", "b", "X"), ("array", "float", "array"), ("y",)),
        EntryPoint("loss", ("w", "b", "X", "t"), ("array", "float", "array", "array"), ("J",)),
        EntryPoint("gradients", ("w", "b", "X", "t"), ("array", "float", "array", "array"), ("dw", "db")),
    )
    carry_from = ("y",)
    mistakes = (
        "batch-mean-mismatch",
        "factor-two",
        "missing-activation-derivative",
        "derivative-on-preactivation",
        "bias-not-summed",
        "sign-error",
    )

    given_keys = {
        "X": SpecKey("the batch, one example per row, shape (m, n)", "array", required=True),
        "t": SpecKey("the m targets", "array", required=True),
        "w": SpecKey("the n weights", "array", required=True),
        "b": SpecKey("the bias", "number", required=True),
    }
    settings_keys = {
        "max_examples": SpecKey("the largest random batch size m", "integer", minimum=1, default=6),
        "max_features": SpecKey("the largest random number of features n", "integer", minimum=1, default=3),
        "max_parameter": SpecKey("largest |value| of random w and b", "number", positive=True, default=1.0),
        "max_input": SpecKey("largest |value| of a random X", "number", positive=True, default=2.0),
    }

    def given_instance(self, given: Mapping[str, Any]) -> Instance:
        X = np.asarray(given["X"], dtype=np.float64)
        if X.ndim != 2 or X.size == 0:
            raise ValueError(f"X should be a non-empty table (m, n), one example per row; found shape {X.shape}")
        m, n = X.shape
        w = np.asarray(given["w"], dtype=np.float64).reshape(-1)
        t = np.asarray(given["t"], dtype=np.float64).reshape(-1)
        if w.size != n:
            raise ValueError(f"w should hold one weight per column of X ({n}); found {w.size}")
        if t.size != m:
            raise ValueError(f"t should hold one target per row of X ({m}); found {t.size}")
        return {"w": w, "b": np.array(float(given["b"])), "X": X, "t": t}

    def instance_strategy(self, settings: Mapping[str, Any]) -> st.SearchStrategy[Instance]:
        max_m = int(settings.get("max_examples", 6))
        max_n = int(settings.get("max_features", 3))
        parameter = float(settings.get("max_parameter", 1.0))
        data = float(settings.get("max_input", 2.0))

        def batch(shape: tuple[int, int]) -> st.SearchStrategy[Instance]:
            m, n = shape
            return st.fixed_dictionaries(
                {
                    "w": gst.float64_arrays(n, max_magnitude=parameter),
                    "b": gst.float64_arrays((), max_magnitude=parameter),
                    "X": gst.float64_arrays((m, n), max_magnitude=data),
                    "t": unit_interval_arrays(m),
                }
            )

        return st.tuples(st.integers(1, max_m), st.integers(1, max_n)).flatmap(batch)

    def expected(self, instance: Instance) -> dict[str, np.ndarray]:
        X = np.asarray(instance["X"], dtype=np.float64)
        m, n = X.shape
        rows, columns = _padded(m, _MIN_EXAMPLES), _padded(n, _MIN_FEATURES)
        padded_X = np.zeros((rows, columns))
        padded_X[:m, :n] = X
        padded_w, padded_t, mask = np.zeros(columns), np.zeros(rows), np.zeros(rows)
        padded_w[:n] = instance["w"]
        padded_t[:m] = instance["t"]
        mask[:m] = 1.0
        out = _reference(padded_w, instance["b"], padded_X, padded_t, mask, np.float64(m))
        return {"y": out["y"][:m], "J": out["J"], "dw": out["dw"][:n], "db": out["db"]}

    def backward_from_forward(self, instance: Instance, own: Mapping[str, np.ndarray]) -> list[dict[str, np.ndarray]]:
        """``dJ/dz_i = (y_i - t_i) * y_i * (1 - y_i) / m`` with the submission's ``y``; ``dw = X.T @ dJ/dz``, ``db`` its sum."""
        if "y" not in own:
            return []
        X, t = np.asarray(instance["X"], dtype=np.float64), np.asarray(instance["t"], dtype=np.float64)
        y = np.asarray(own["y"], dtype=np.float64).reshape(t.shape)
        r = (y - t) * y * (1 - y) / X.shape[0]
        return [{"dw": X.T @ r, "db": np.array(np.sum(r))}]

    def mistaken(self, instance: Instance, mistake: str) -> dict[str, np.ndarray] | None:
        if mistake not in self.mistakes:
            return None
        X, w, t = (np.asarray(instance[key], dtype=np.float64) for key in ("X", "w", "t"))
        b = float(instance["b"])
        m = X.shape[0]
        z = X @ w + b
        y = sigmoid(z)
        local = {"missing-activation-derivative": np.ones_like(y), "derivative-on-preactivation": z * (1 - z)}.get(
            mistake, y * (1 - y)
        )
        scale = {"batch-mean-mismatch": float(m), "factor-two": 2.0, "sign-error": -1.0}.get(mistake, 1.0)
        r = scale * (y - t) * local / m  # dJ/dz for each example
        # A loop that assigns db = r_i instead of adding keeps only the last example.
        db = r[-1] if mistake == "bias-not-summed" else np.sum(r)
        return {"y": y, "J": np.array(0.5 * np.mean((y - t) ** 2)), "dw": X.T @ r, "db": np.array(db)}


KIND = SingleNeuron()
