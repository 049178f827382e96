"""Kind ``relu_sigmoid``: a two-layer network, ReLU hidden layer, sigmoid output, cross-entropy.

Sizes 3 inputs, 4 hidden units, 1 output; the C4 layout (``W1`` (4, 3), ``b1``
(4,), ``W2`` (1, 4), ``b2`` (1,), ``x`` (3,)) and a float label ``t`` in
``[0, 1]``::

    z1 = W1 @ x + b1,  a1 = relu(z1),  z2 = W2 @ a1 + b2,  y = sigmoid(z2)
    E  = -(t * log(y) + (1 - t) * log(1 - y))        (so dE/dz2 = y - t)

``relu'(0) = 0``, as in :class:`gradecheck._network.Network`; given values and
hidden instances keep every hidden pre-activation at least :data:`KINK_MARGIN`
away from 0, so the convention never decides a graded number.  Expected values
are ``jax.value_and_grad`` of this forward pass in float64.  ``y`` and
``E`` are 0-d; ``backward`` returns ``(dW1, db1, dW2, db2)`` shaped like the
parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from hypothesis import strategies as st

from gradecheck import strategies as gst
from gradecheck._kinds._base import EntryPoint, ExerciseKind, Instance, jax_reference, sigmoid
from gradecheck._kinds._base import SpecKey
from gradecheck._mistakes import Mistake
from gradecheck._network import Network

N_IN, N_HIDDEN, N_OUT = 3, 4, 1
#: The least |z1| of any hidden unit, on the given values and on hidden instances.
KINK_MARGIN = 0.05
NETWORK = Network((N_IN, N_HIDDEN, N_OUT), ("relu", "sigmoid"), "binary_cross_entropy", "sum")
PARAMETERS = ("W1", "b1", "W2", "b2")
SHAPES = {"W1": (N_HIDDEN, N_IN), "b1": (N_HIDDEN,), "W2": (N_OUT, N_HIDDEN), "b2": (N_OUT,), "x": (N_IN,)}

RELU_MASK_FROM_GRADIENT = Mistake(
    "relu-mask-from-gradient",
    "ReLU mask taken from the gradient",
    "The ReLU's backward pass must zero dE/da1 where the unit was off in the forward pass (z1 <= 0). Here the "
    "gradient itself was clipped at 0 instead (its negative entries dropped, as if ReLU were applied to dE/da1), "
    "so the first-layer gradients are wrong.",
    "dE/dz1 = dE/da1 * (z1 > 0): the mask comes from the forward pre-activation z1, not from the sign of the gradient.",
)
EXTRA_SIGMOID_DERIVATIVE = Mistake(
    "extra-sigmoid-derivative",
    "Sigmoid derivative applied on top of the cross-entropy gradient",
    "With a sigmoid output and cross-entropy loss, dE/dz2 = y - t: the factor y(1 - y) of the sigmoid cancels "
    "against the loss's 1/(y(1 - y)). Multiplying y - t by y(1 - y) again, as for squared error, shrinks every "
    "gradient.",
    "For a sigmoid output with cross-entropy, use dE/dz2 = y - t directly.",
)


def _as_instance(values: Mapping[str, Any]) -> Instance:
    instance: Instance = {}
    for key in PARAMETERS + ("x",):
        array = np.asarray(values[key], dtype=np.float64)
        if array.size != int(np.prod(SHAPES[key])):
            size = int(np.prod(SHAPES[key]))
            raise ValueError(f"{key} should have shape {SHAPES[key]} ({size} numbers); found {array.size}")
        instance[key] = array.reshape(SHAPES[key])
    t = float(values["t"])
    if not 0.0 <= t <= 1.0:
        raise ValueError(f"t should be a label between 0 and 1; found {t}")
    instance["t"] = np.array(t)
    return instance


def _value_and_gradients(W1: Any, b1: Any, W2: Any, b2: Any, x: Any, t: Any) -> dict[str, Any]:
    import jax
    import jax.numpy as jnp

    def output(W1: Any, b1: Any, W2: Any, b2: Any) -> Any:
        return jax.nn.sigmoid(W2 @ jax.nn.relu(W1 @ x + b1) + b2)[0]  # jax.nn.relu has relu'(0) = 0

    def loss(*parameters: Any) -> Any:
        y = output(*parameters)
        return -(t * jnp.log(y) + (1.0 - t) * jnp.log(1.0 - y))

    E, (dW1, db1, dW2, db2) = jax.value_and_grad(loss, argnums=(0, 1, 2, 3))(W1, b1, W2, b2)
    return {"y": output(W1, b1, W2, b2), "E": E, "dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


_reference = jax_reference(_value_and_gradients)


def hidden_preactivations(instance: Instance) -> np.ndarray:
    """``z1 = W1 @ x + b1``, shape (4,)."""
    return np.asarray(instance["W1"]) @ np.asarray(instance["x"]) + np.asarray(instance["b1"])


class ReluSigmoid(ExerciseKind):
    _ARGS = PARAMETERS + ("x",)
    entry_points = (
        EntryPoint("forward", _ARGS, ("array",) * 5, ("y",)),
        EntryPoint("loss", _ARGS + ("t",), ("array",) * 5 + ("float",), ("E",)),
        EntryPoint("backward", _ARGS + ("t",), ("array",) * 5 + ("float",), ("dW1", "db1", "dW2", "db2")),
    )
    carry_from = ("y",)
    mistakes = (
        "hidden-activation-derivative-missing",
        "relu-mask-from-gradient",
        "extra-sigmoid-derivative",
        "sign-error",
        "transposed-weight-gradient",
    )
    extra_mistakes = (RELU_MASK_FROM_GRADIENT, EXTRA_SIGMOID_DERIVATIVE)

    given_keys = {
        **{key: SpecKey(f"{key}, shape {SHAPES[key]}", "array", required=True) for key in PARAMETERS + ("x",)},
        "t": SpecKey("the label, between 0 and 1", "number", required=True, minimum=0, maximum=1),
    }
    settings_keys = {
        "max_parameter": SpecKey("largest |value| of random W1, b1, W2, b2", "number", positive=True, default=1.0),
        "max_input": SpecKey("largest |value| of a random input x", "number", positive=True, default=2.0),
    }

    def given_instance(self, given: Mapping[str, Any]) -> Instance:
        instance = _as_instance(given)
        z1 = hidden_preactivations(instance)
        close = np.flatnonzero(np.abs(z1) < KINK_MARGIN)
        if close.size:
            raise ValueError(
                f"hidden unit(s) {', '.join(str(int(i) + 1) for i in close)} have z1 = "
                f"{', '.join(f'{z1[i]:.4g}' for i in close)}, within {KINK_MARGIN} of ReLU's kink at 0; "
                f"change W1 or b1 so that every |z1| >= {KINK_MARGIN}"
            )
        return instance

    def instance_strategy(self, settings: Mapping[str, Any]) -> st.SearchStrategy[Instance]:
        cases = gst.network_cases(
            architectures=st.just(NETWORK),
            batch_sizes=st.none(),
            max_parameter_magnitude=float(settings.get("max_parameter", 1.0)),
            max_data_magnitude=float(settings.get("max_input", 2.0)),
            kink_margin=KINK_MARGIN,
        )
        return cases.map(
            lambda case: _as_instance(
                {"W1": case.weights[0], "b1": case.biases[0], "W2": case.weights[1], "b2": case.biases[1],
                 "x": case.x, "t": case.y[0]}
            )
        )

    def expected(self, instance: Instance) -> dict[str, np.ndarray]:
        return dict(_reference(*(instance[key] for key in self._ARGS + ("t",))))

    def backward_from_forward(self, instance: Instance, own: Mapping[str, np.ndarray]) -> list[dict[str, np.ndarray]]:
        """``dE/dz2 = y - t`` with the submission's ``y``, back through ``W2`` and the ReLU mask of ``z1``.

        The hidden layer is not among the submission's outputs: its ``a1`` and
        mask are the reference's.
        """
        if "y" not in own:
            return []
        W1, b1, W2, b2, x = (np.asarray(instance[key], dtype=np.float64) for key in self._ARGS)
        z1 = W1 @ x + b1
        a1 = np.where(z1 > 0, z1, 0.0)
        delta2 = np.asarray(own["y"], dtype=np.float64).reshape(N_OUT) - float(instance["t"])
        delta1 = (W2.T @ delta2) * (z1 > 0)
        return [{"dW1": np.outer(delta1, x), "db1": delta1, "dW2": np.outer(delta2, a1), "db2": delta2}]

    def mistaken(self, instance: Instance, mistake: str) -> dict[str, np.ndarray] | None:
        if mistake not in self.mistakes:
            return None
        W1, b1, W2, b2, x = (np.asarray(instance[key], dtype=np.float64) for key in self._ARGS)
        t = float(instance["t"])
        z1 = W1 @ x + b1
        a1 = np.where(z1 > 0, z1, 0.0)
        y = sigmoid(W2 @ a1 + b2)
        delta2 = y - t
        if mistake == "extra-sigmoid-derivative":
            delta2 = delta2 * y * (1 - y)
        elif mistake == "sign-error":
            delta2 = -delta2
        d_a1 = W2.T @ delta2
        if mistake == "hidden-activation-derivative-missing":
            delta1 = d_a1
        elif mistake == "relu-mask-from-gradient":
            delta1 = np.where(d_a1 > 0, d_a1, 0.0)
        else:
            delta1 = d_a1 * (z1 > 0)
        if mistake == "transposed-weight-gradient":
            # outer(x, delta1) has shape (3, 4); read back row-major into W1's shape (4, 3).
            dW1, dW2 = np.outer(x, delta1).reshape(W1.shape), np.outer(a1, delta2).reshape(W2.shape)
        else:
            dW1, dW2 = np.outer(delta1, x), np.outer(delta2, a1)
        E = -(t * np.log(y[0]) + (1 - t) * np.log(1 - y[0]))
        return {"y": np.array(y[0]), "E": np.array(E), "dW1": dW1, "db1": delta1, "dW2": dW2, "db2": delta2}


KIND = ReluSigmoid()
