"""Kind ``multiply_gate``: the seed's ``MultiplyGate`` under the layer protocol (DESIGN.md C5).

The submission defines a class ``MultiplyGate``; an instance's
``forward(x, y)`` returns ``x * y`` (elementwise, ``x`` and ``y`` of equal
shape, or two Python floats) and keeps what ``backward`` needs;
``backward(dz)`` then returns ``[dx, dy]`` with ``dx = y * dz`` and
``dy = x * dz`` (``dz = dL/dz``, same shape as ``x``).

An instance holds two cases, each run on a fresh gate: scalars ``x, y, dz``
(stored as 0-d arrays, passed as Python floats; outputs ``z, d_x, d_y``) and
float64 arrays ``X, Y, dZ`` of one shape (outputs ``Z, d_X, d_Y``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st

from gradecheck import strategies as gst
from gradecheck._kinds._base import EntryPoint, ExerciseKind, Instance, jax_reference
from gradecheck._kinds._base import SpecKey
from gradecheck._mistakes import Mistake
from gradecheck._sandbox import SandboxedSubmission, SubmissionFailure

CLASS_NAME = "MultiplyGate"
#: The two cases of an instance: (input keys x, y, upstream) -> (output keys z, dx, dy).
CASES = ((("x", "y", "dz"), ("z", "d_x", "d_y")), (("X", "Y", "dZ"), ("Z", "d_X", "d_Y")))
#: The JAX reference works on flat arrays padded to a multiple of this, so it compiles once.
_PAD = 64

SWAPPED_LOCAL_GRADIENTS = Mistake(
    "swapped-local-gradients",
    "Local gradients of a product swapped",
    "At a multiply gate z = x * y the local gradient with respect to one input is the OTHER input "
    "(dz/dx = y, dz/dy = x: the gate 'switches' its inputs). The backward pass multiplied the upstream "
    "gradient by each input's own value instead.",
    "For a product a * b, d/da = b and d/db = a: multiply the upstream gradient by the other factor.",
)


def _padded(value: Any, size: int) -> np.ndarray:
    flat = np.asarray(value, dtype=np.float64).reshape(-1)
    return np.concatenate([flat, np.zeros(size - flat.size)])


def _gate_vjp(x: Any, y: Any, dz: Any) -> Any:
    import jax

    z, pullback = jax.vjp(lambda a, b: a * b, x, y)
    dx, dy = pullback(dz)
    return z, dx, dy


_reference = jax_reference(_gate_vjp)


class MultiplyGateKind(ExerciseKind):
    # Entry names are qualified so that the generic function-call path never
    # mistakes a top-level function for the gate's method.
    entry_points = (
        EntryPoint(f"{CLASS_NAME}.forward", ("x", "y"), ("float", "float"), ("z",)),
        EntryPoint(f"{CLASS_NAME}.backward", ("dz",), ("float",), ("d_x", "d_y")),
        EntryPoint(f"{CLASS_NAME}.forward", ("X", "Y"), ("array", "array"), ("Z",)),
        EntryPoint(f"{CLASS_NAME}.backward", ("dZ",), ("array",), ("d_X", "d_Y")),
    )
    # The gradients (y * dz, x * dz) do not use the forward's output: no credit carries forward.
    mistakes = ("swapped-local-gradients", "upstream-ignored", "sign-error")
    extra_mistakes = (SWAPPED_LOCAL_GRADIENTS,)

    given_keys = {
        "x": SpecKey("the scalar x", "number", required=True),
        "y": SpecKey("the scalar y", "number", required=True),
        "dz": SpecKey("the upstream gradient of the scalar call (default 1)", "number"),
        "X": SpecKey("the array X", "array", required=True),
        "Y": SpecKey("the array Y, shaped like X", "array", required=True),
        "dZ": SpecKey("the upstream gradient of the array call, shaped like X", "array", required=True),
    }
    settings_keys = {
        "max_magnitude": SpecKey("largest |value| of the random scalars and arrays", "number", positive=True, default=2.0),
        "max_side": SpecKey("the longest side of a random array", "integer", minimum=1, default=4),
    }

    def given_instance(self, given: Mapping[str, Any]) -> Instance:
        scalars = {key: np.array(float(given[key]), dtype=np.float64) for key in ("x", "y")}
        scalars["dz"] = np.array(float(given.get("dz", 1.0)), dtype=np.float64)
        arrays = {key: np.array(given[key], dtype=np.float64) for key in ("X", "Y", "dZ")}
        shapes = {key: value.shape for key, value in arrays.items()}
        if len(set(shapes.values())) != 1:
            raise ValueError(f"X, Y and dZ must have the same shape; found {shapes}")
        return {**scalars, **arrays}

    def instance_strategy(self, settings: Mapping[str, Any]) -> st.SearchStrategy[Instance]:
        magnitude = float(settings.get("max_magnitude", 2.0))
        max_side = int(settings.get("max_side", 4))
        scalar = gst.float64_arrays((), max_magnitude=magnitude)
        arrays = gst.array_shapes_for_layers(min_dims=1, max_dims=2, max_side=max_side).flatmap(
            lambda shape: gst.layer_inputs([shape] * 3, max_magnitude=magnitude)
        )
        return st.builds(
            lambda x, y, dz, XYdZ: {"x": x, "y": y, "dz": dz, "X": XYdZ[0], "Y": XYdZ[1], "dZ": XYdZ[2]},
            scalar,
            scalar,
            scalar,
            arrays,
        )

    def expected(self, instance: Instance) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for inputs, outputs in CASES:
            shape = np.shape(instance[inputs[0]])
            count = int(np.prod(shape, dtype=np.int64))
            size = _PAD * max(1, -(-count // _PAD))
            values = _reference(*(_padded(instance[key], size) for key in inputs))
            for key, value in zip(outputs, values):
                out[key] = value[:count].reshape(shape)
        return out

    def mistaken(self, instance: Instance, mistake: str) -> dict[str, np.ndarray] | None:
        out: dict[str, np.ndarray] = {}
        for (kx, ky, kdz), (kz, kdx, kdy) in CASES:
            x, y, dz = (np.asarray(instance[key], dtype=np.float64) for key in (kx, ky, kdz))
            if mistake == "swapped-local-gradients":
                dx, dy = x * dz, y * dz
            elif mistake == "upstream-ignored":
                dx, dy = y, x
            elif mistake == "sign-error":
                dx, dy = -y * dz, -x * dz
            else:
                return None
            out[kz], out[kdx], out[kdy] = x * y, dx, dy
        return out

    def run(
        self,
        submission: SandboxedSubmission,
        instance: Instance,
        keys: Sequence[str],
        expected: Mapping[str, np.ndarray],
    ) -> dict[str, np.ndarray | str]:
        """One fresh gate per case: ``new``, then ``forward``, then ``backward`` on the same object."""
        results: dict[str, np.ndarray | str] = {}
        forward_entries, backward_entries = self.entry_points[0::2], self.entry_points[1::2]
        for forward, backward in zip(forward_entries, backward_entries):
            wanted = [key for key in forward.returns + backward.returns if key in keys]
            if not wanted:
                continue
            if submission.names.get(CLASS_NAME) is None:
                message = f"the submission does not define a class {CLASS_NAME} (with methods forward(x, y) and backward(dz))"
                results.update({key: message for key in wanted})
                continue
            try:
                handle = submission.new(CLASS_NAME)
                z = submission.method(handle, "forward", self.arguments(forward, instance), forward.kinds)
            except SubmissionFailure as failure:
                results.update({key: str(failure) for key in wanted})
                continue
            results.update(self.parse_return(forward, z, [k for k in wanted if k in forward.returns], expected))
            backward_wanted = [key for key in wanted if key in backward.returns]
            if not backward_wanted:
                continue
            try:
                grads = submission.method(handle, "backward", self.arguments(backward, instance), backward.kinds)
            except SubmissionFailure as failure:
                results.update({key: str(failure) for key in backward_wanted})
                continue
            results.update(self.parse_return(backward, grads, backward_wanted, expected))
        return results


KIND = MultiplyGateKind()
