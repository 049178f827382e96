"""The catalog of typical backprop mistakes, and matching a wrong answer to one.

Each mistake is a transformation of the reference: an exercise kind computes
what a submission making that mistake would return (``kind.mistaken``).  A
submission is diagnosed with a mistake when the mistake reproduces every output
the submission returned, right and wrong ones alike, on every instance seen,
and explains at least one wrong output.  Feedback names the mistake in plain
words, says where the first wrong quantity is, and gives a hint; it never
shows hidden expected values.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["MISTAKES", "Mistake", "diagnose", "mistake_info"]


@dataclasses.dataclass(frozen=True)
class Mistake:
    """A named mistake: ``title`` (short), ``explanation`` (what goes wrong and where), ``hint``."""

    id: str
    title: str
    explanation: str
    hint: str


_CATALOG = (
    Mistake(
        "missing-activation-derivative",
        "Activation derivative missing",
        "dL/da is passed straight through as dL/dz: the factor s'(z) of the activation is missing. "
        "The first wrong quantity is dL/dz, so every gradient computed from it (weights, biases, inputs) is wrong.",
        "Multiply the upstream gradient by the activation's derivative, e.g. a * (1 - a) for the sigmoid.",
    ),
    Mistake(
        "hidden-activation-derivative-missing",
        "Hidden-layer activation derivative missing",
        "The output layer's gradients are right, but when delta is carried back into a hidden layer the factor "
        "s'(z) of that layer is missing: W^T delta is used as delta directly.",
        "In the recursion delta_l = (W_{l+1}^T delta_{l+1}) * s'(z_l), do not forget the s'(z_l) factor.",
    ),
    Mistake(
        "derivative-on-preactivation",
        "Sigmoid derivative applied to z instead of a",
        "dL/da is right but dL/dz is wrong: the sigmoid's derivative was computed as z * (1 - z) from the "
        "pre-activation z; the identity s'(z) = a * (1 - a) needs the activation a = s(z).",
        "Use the layer's output a = sigmoid(z) in a * (1 - a), not its input z.",
    ),
    Mistake(
        "sign-error",
        "Sign error",
        "The gradients have the right size but the wrong sign.",
        "Check the sign of dL/da (for squared error it is a - y, not y - a) and of each local derivative.",
    ),
    Mistake(
        "transposed-weight-gradient",
        "Weight gradient transposed",
        "The weight gradient holds the right numbers in the wrong places: dL/dW was computed as "
        "inputs x delta (transposed) instead of delta x inputs.",
        "dL/dW[i, j] = delta[i] * input[j]: use np.outer(delta, inputs), shaped like W.",
    ),
    Mistake(
        "transposed-weight-layout",
        "Weights read in the wrong layout",
        "The flat weight vector was reshaped column-wise (neuron j using weights j, j+3, j+6, j+9), so even the "
        "forward pass is wrong.",
        "Use W = weights.reshape(3, 4): row i holds the four weights of neuron i.",
    ),
    Mistake(
        "upstream-ignored",
        "Upstream gradient ignored",
        "The backward pass assumes dL/da = 1 instead of using the upstream gradient it is given; that is right "
        "only when upstream is all ones (as in the worked example).",
        "Multiply by the upstream gradient dL/da that backward receives.",
    ),
    Mistake(
        "input-gradient-skips-derivative",
        "Input gradient skips the activation derivative",
        "The weight and bias gradients are right, but dL/dx was computed from dL/da instead of dL/dz: "
        "W^T dL/da leaves out the activation's derivative, which dL/dW and dL/db include.",
        "dL/dx = W^T dL/dz, with the same dL/dz = dL/da * s'(z) you used for dL/dW and dL/db.",
    ),
    Mistake(
        "factor-two",
        "Factor 2 in the loss derivative",
        "The gradients are twice the expected ones: the derivative of 0.5 * (a - y)**2 is (a - y), not 2 * (a - y).",
        "Check the constant in front of the loss and in its derivative.",
    ),
    Mistake(
        "batch-mean-mismatch",
        "1/m batch factor wrong",
        "The gradients are off by the batch size m: the loss averages over the batch (1/m), the gradient must too.",
        "Divide the summed gradient by m exactly once, matching the loss.",
    ),
    Mistake(
        "layers-reversed",
        "Layers in the wrong order",
        "The backward pass pairs a layer's delta with the wrong layer's weights or activations.",
        "Walk the layers from the last to the first, and for layer l use W_{l+1} in the recursion and a_{l-1} in dL/dW_l.",
    ),
    Mistake(
        "bias-not-summed",
        "Bias gradient not summed over the batch",
        "The bias gradient uses one example's delta instead of the sum over the batch.",
        "dL/db = sum of delta over the examples (axis 0), like dL/dW sums delta_i * x_i.",
    ),
    Mistake(
        "regularization-in-gradient-only",
        "Regularization in the gradient but not in the loss",
        "The weight gradient contains a weight-decay term lambda * W although the loss has no penalty term.",
        "Either add the penalty to the loss or remove lambda * W from the gradient.",
    ),
    Mistake(
        "hidden-uses-one-output",
        "Hidden gradient uses only one output",
        "The output-layer gradients are right, but a hidden unit's gradient takes only one output's path; "
        "a hidden unit feeds every output, so dE/dh is the sum over all outputs.",
        "dE/dh_j = sum over outputs k of dE/dz_k * w_jk: add the contributions of every output.",
    ),
)

MISTAKES: Mapping[str, Mistake] = {mistake.id: mistake for mistake in _CATALOG}


def mistake_info(kind: Any, mistake: str) -> Mistake:
    """The catalog entry for ``mistake``: the kind's own ``extra_mistakes`` first, then :data:`MISTAKES`."""
    for entry in getattr(kind, "extra_mistakes", ()):
        if entry.id == mistake:
            return entry
    return MISTAKES[mistake]


def _close(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> bool:
    """Equal within tolerance, where NaN and infinities must sit at the same places (a mistake
    that overflows predicts them)."""
    if a.shape != b.shape:
        return False
    finite_a, finite_b = np.isfinite(a), np.isfinite(b)
    if not np.array_equal(finite_a, finite_b):
        return False
    both = finite_a
    return bool(np.all(np.abs(a[both] - b[both]) <= atol + rtol * np.abs(b[both])))


def diagnose(
    kind: Any,
    evidence: Sequence[tuple[Mapping[str, Any], Mapping[str, Any], Mapping[str, np.ndarray]]],
    *,
    rtol: float = 1e-5,
    atol: float = 1e-8,
) -> list[str]:
    """The ids of ``kind``'s mistakes that explain the submission's answers.

    Args:
        kind: the exercise kind (its ``mistakes`` and ``mistaken``).
        evidence: ``(instance, got, expected)`` triples; ``got`` maps output
            keys to the submission's arrays (other values are skipped).
    """
    found = []
    for mistake in kind.mistakes:
        explains_wrong = False
        consistent = True
        for instance, got, expected in evidence:
            predicted = kind.mistaken(instance, mistake)
            if predicted is None:
                consistent = False
                break
            for key, value in got.items():
                if not isinstance(value, np.ndarray) or key not in predicted or key not in expected:
                    continue
                prediction = np.asarray(predicted[key], dtype=np.float64)
                if not _close(value, prediction, rtol, atol):
                    consistent = False
                    break
                if not _close(value, expected[key], rtol, atol):
                    explains_wrong = True
            if not consistent:
                break
        if consistent and explains_wrong:
            found.append(mistake)
    return found
