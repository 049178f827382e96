"""Kind ``softmax_cross_entropy``: softmax over ``C`` logits and the cross-entropy loss.

The submission defines, for logits ``z`` of shape ``(C,)`` and an integer class
``label`` in ``0 .. C-1`` (0-based):

- ``softmax(z)`` -> ``p = exp(z) / sum(exp(z))``, shape ``(C,)``;
- ``loss(z, label)`` -> ``L = -log(p[label])`` (natural log), a scalar;
- ``backward(z, label)`` -> ``dL/dz = p - onehot(label)``, shape ``(C,)``.

Each instance carries two logit vectors: ``z`` (ordinary values) and
``z_large = z + shift`` with ``700 <= |shift| <= 1000``.  Softmax and the loss
do not change under a shift, but ``exp`` overflows float64 above about 709.78
and underflows to 0 below about -745, so only a numerically stable softmax
(computed from ``z - max(z)``) gets the ``*_large`` outputs right; a naive one
returns ``nan`` or ``inf`` there.  The functions are called on ``z`` for the
outputs ``p``, ``L``, ``d_z`` and on ``z_large`` for ``p_large``, ``L_large``,
``d_z_large``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from hypothesis import strategies as st

from gradecheck import strategies as gst
from gradecheck._kinds._base import EntryPoint, ExerciseKind, Instance, format_value, jax_reference
from gradecheck._kinds._base import SpecKey
from gradecheck._mistakes import Mistake

#: Largest number of classes a hidden instance draws; the JAX reference pads to this.
MAX_CLASSES = 8
#: Padding logits sit this far below the smallest real logit: exp of it is exactly 0.0 in float64,
#: so padded classes add nothing to the sum and the reference compiles once for every C.
_PAD_GAP = 1.0e4

GRADIENT_WRT_PROBABILITIES = Mistake(
    "gradient-wrt-probabilities",
    "Gradient taken with respect to the probabilities, not the logits",
    "backward returned dL/dp = -onehot / p, the derivative of -log(p[label]) with respect to p. The exercise "
    "asks for dL/dz: the chain rule must still go through the softmax, whose Jacobian is diag(p) - p p^T.",
    "Multiply dL/dp by the softmax Jacobian (or use the simplification dL/dz = p - onehot).",
)
SOFTMAX_ELEMENTWISE = Mistake(
    "softmax-elementwise",
    "Softmax treated as elementwise",
    "dL/dz is right at the label but 0 for every other class: the softmax Jacobian was taken as diagonal, as "
    "if p[label] depended only on z[label]. Every logit enters the normalising sum, so "
    "dp[label]/dz[j] = -p[label] * p[j] for j != label.",
    "Keep the off-diagonal terms of the softmax Jacobian; the result is dL/dz = p - onehot.",
)
SOFTMAX_OVERFLOW = Mistake(
    "softmax-overflow",
    "Softmax overflows on large logits",
    "On ordinary logits the answers are right, but for logits near or beyond +-710 exp(z) overflows to inf "
    "(or underflows to 0) in float64, and softmax returns nan or inf.",
    "Subtract max(z) before exponentiating: softmax(z) = softmax(z - max(z)); for the loss use "
    "log(sum(exp(z - m))) + m - z[label] with m = max(z).",
)


def _padded(z: np.ndarray) -> np.ndarray:
    z = np.asarray(z, dtype=np.float64).reshape(-1)
    return np.concatenate([z, np.full(MAX_CLASSES - z.size, z.min() - _PAD_GAP)])


def _outputs(z: Any, z_large: Any, onehot: Any) -> Any:
    import jax
    import jax.numpy as jnp

    def loss(v: Any) -> Any:
        return -jnp.sum(onehot * jax.nn.log_softmax(v))

    out = {}
    for suffix, logits in (("", z), ("_large", z_large)):
        value, gradient = jax.value_and_grad(loss)(logits)
        out[f"p{suffix}"] = jax.nn.softmax(logits)
        out[f"L{suffix}"] = value
        out[f"d_z{suffix}"] = gradient
    return out


_reference = jax_reference(_outputs)


def _numpy_outputs(z: np.ndarray, label: int, *, stable: bool = True) -> dict[str, np.ndarray]:
    """``p``, ``L`` and ``dL/dz`` in numpy; ``stable=False`` exponentiates ``z`` as it is (may give nan/inf)."""
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        e = np.exp(z - z.max()) if stable else np.exp(z)
        p = e / e.sum()
        loss = -np.log(p[label])
    return {"p": p, "L": np.array(loss), "d_z": p - np.eye(z.size)[label]}


class SoftmaxCrossEntropy(ExerciseKind):
    entry_points = (
        EntryPoint("softmax", ("z",), ("array",), ("p",)),
        EntryPoint("loss", ("z", "label"), ("array", "int"), ("L",)),
        EntryPoint("backward", ("z", "label"), ("array", "int"), ("d_z",)),
        EntryPoint("softmax", ("z_large",), ("array",), ("p_large",)),
        EntryPoint("loss", ("z_large", "label"), ("array", "int"), ("L_large",)),
        EntryPoint("backward", ("z_large", "label"), ("array", "int"), ("d_z_large",)),
    )
    carry_from = ("p", "p_large")
    mistakes = ("sign-error", "gradient-wrt-probabilities", "softmax-elementwise", "softmax-overflow")
    extra_mistakes = (GRADIENT_WRT_PROBABILITIES, SOFTMAX_ELEMENTWISE, SOFTMAX_OVERFLOW)

    given_keys = {
        "z": SpecKey(f"the logits, 2 to {MAX_CLASSES} of them", "array", required=True),
        "label": SpecKey("the true class, a 0-based index into z", "integer", required=True, minimum=0),
        "shift": SpecKey("added to z for the large-logit checks on given values (default 0)", "number"),
    }
    settings_keys = {
        "max_classes": SpecKey("the most classes of a random instance", "integer", minimum=2, maximum=MAX_CLASSES, default=6),
        "max_logit": SpecKey("largest |value| of a random logit", "number", positive=True, default=20.0),
        "min_shift": SpecKey("the smallest |shift| of the large-logit checks", "integer", minimum=0, default=700),
        "max_shift": SpecKey("the largest |shift| of the large-logit checks (>= min_shift)", "integer", minimum=0, default=1000),
    }

    def given_instance(self, given: Mapping[str, Any]) -> Instance:
        z = np.array(given["z"], dtype=np.float64).reshape(-1)
        label = given["label"]
        if isinstance(label, bool) or not isinstance(label, int) or not 0 <= label < z.size:
            raise ValueError(f"label should be an integer class index in 0..{z.size - 1} (0-based), got {label!r}")
        if not 2 <= z.size <= MAX_CLASSES:
            raise ValueError(f"z should have 2 to {MAX_CLASSES} logits, got {z.size}")
        shift = float(given.get("shift", 0.0))
        return {"z": z, "label": label, "shift": shift, "z_large": z + shift}

    def instance_strategy(self, settings: Mapping[str, Any]) -> st.SearchStrategy[Instance]:
        max_classes = int(settings.get("max_classes", 6))
        if not 2 <= max_classes <= MAX_CLASSES:
            raise ValueError(f"settings.max_classes should be in 2..{MAX_CLASSES}, got {max_classes}")
        magnitude = float(settings.get("max_logit", 20.0))
        low, high = int(settings.get("min_shift", 700)), int(settings.get("max_shift", 1000))
        if low > high:
            raise ValueError(f"settings.min_shift ({low}) should be at most settings.max_shift ({high})")
        # Shrinks toward +low: the smallest shift of the large-logit checks.
        shifts = st.tuples(st.integers(low, high), st.booleans()).map(lambda t: float(-t[0] if t[1] else t[0]))

        def for_classes(classes: int) -> st.SearchStrategy[Instance]:
            return st.fixed_dictionaries(
                {
                    "z": gst.float64_arrays(classes, max_magnitude=magnitude),
                    "label": st.integers(0, classes - 1),
                    "shift": shifts,
                }
            ).map(lambda d: {**d, "z_large": d["z"] + d["shift"]})

        return st.integers(2, max_classes).flatmap(for_classes)

    def expected(self, instance: Instance) -> dict[str, np.ndarray]:
        z, z_large = (np.asarray(instance[key], dtype=np.float64) for key in ("z", "z_large"))
        classes = z.size
        onehot = np.zeros(MAX_CLASSES)
        onehot[int(instance["label"])] = 1.0
        values = _reference(_padded(z), _padded(z_large), onehot)
        return {key: value[:classes] if value.ndim else value for key, value in values.items()}

    def backward_from_forward(self, instance: Instance, own: Mapping[str, np.ndarray]) -> list[dict[str, np.ndarray]]:
        """``dL/dz = p - onehot(label)`` with the submission's ``p`` (and ``p_large`` for ``d_z_large``)."""
        out = {}
        for suffix in ("", "_large"):
            p = own.get(f"p{suffix}")
            if p is not None:
                p = np.asarray(p, dtype=np.float64).reshape(-1)
                out[f"d_z{suffix}"] = p - np.eye(p.size)[int(instance["label"])]
        return [out] if out else []

    def mistaken(self, instance: Instance, mistake: str) -> dict[str, np.ndarray] | None:
        if mistake not in self.mistakes:
            return None
        label = int(instance["label"])
        out: dict[str, np.ndarray] = {}
        for suffix, key in (("", "z"), ("_large", "z_large")):
            z = np.asarray(instance[key], dtype=np.float64)
            values = _numpy_outputs(z, label, stable=mistake != "softmax-overflow")
            p, onehot = values["p"], np.eye(z.size)[label]
            if mistake == "sign-error":
                values["d_z"] = -values["d_z"]
            elif mistake == "gradient-wrt-probabilities":
                values["d_z"] = -onehot / p
            elif mistake == "softmax-elementwise":
                values["d_z"] = onehot * (p - 1.0)
            out.update({f"{name}{suffix}": value for name, value in values.items()})
        return out

    def describe(self, instance: Instance) -> str:
        z = np.asarray(instance["z"], dtype=np.float64)
        shift = float(instance["shift"])
        lines = [f"C = {z.size} classes, label = {int(instance['label'])} (0-based)", f"z = {format_value(z)}"]
        if shift:
            lines.append(
                f"z_large = z {'+' if shift > 0 else '-'} {abs(shift):g} = {format_value(instance['z_large'])} "
                f"(the input of the *_large outputs)"
            )
        return "\n".join(lines)


KIND = SoftmaxCrossEntropy()
