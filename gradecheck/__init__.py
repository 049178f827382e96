"""gradecheck: verify hand-written backpropagation and grade backprop exercises.

The public API lives here; implementation modules are private.  Importing
``gradecheck`` does not import JAX: the JAX reference (:func:`reference_backprop`
and friends) is loaded the first time one of its names is used.

Hypothesis strategies are in the public submodule :mod:`gradecheck.strategies`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from gradecheck._checks import (
    REFERENCE_TOLERANCE,
    CheckResult,
    assert_backprop,
    assert_gradients,
    assert_layer,
    check_backprop,
    check_gradients,
    check_layer,
)
from gradecheck._compare import (
    DEFAULT_TOLERANCES,
    ComparisonSet,
    GradientComparison,
    Tolerance,
    compare_gradients,
    compare_many,
    default_tolerance,
)
from gradecheck._version import __version__  # noqa: I001  (first: other modules read it)
from gradecheck._audit import AnswerKeyError, AuditEntry, AuditReport, audit_key, load_key
from gradecheck._errors import (
    GradecheckError,
    GradientMismatchError,
    InvalidArgumentError,
    LayerProtocolError,
    LoadError,
    SubmissionError,
)
from gradecheck._exercises import Exercise, ExerciseSpecError, ItemSpec, exercise_ids, load_exercise
from gradecheck._batch import BatchSummary, grade_batch
from gradecheck._grading import GradingError, grade_file, grade_source
from gradecheck._mistakes import MISTAKES, Mistake
from gradecheck._reports import render_html, render_text
from gradecheck._sandbox import Limits
from gradecheck._submissions import Submission, read_submission, write_template
from gradecheck._network import ACTIVATIONS, HIDDEN_ACTIVATIONS, LOSSES, REDUCTIONS, Network
from gradecheck._network_fd import NetworkDifferences, network_differences, network_finite_differences
from gradecheck._numeric import (
    FiniteDifference,
    central_difference,
    central_difference_args,
    central_difference_vectorized,
    default_step,
    directional_derivative,
    random_direction,
)
from gradecheck._precision import float64
from gradecheck._profiles import DEV_PROFILE, GRADING_PROFILE, grading_settings, register_profiles

if TYPE_CHECKING:
    from gradecheck._backprop import BackpropTrace, network_loss, network_outputs, reference_backprop


__all__ = [
    "ACTIVATIONS",
    "AnswerKeyError",
    "AuditEntry",
    "AuditReport",
    "BatchSummary",
    "Exercise",
    "ExerciseSpecError",
    "GradingError",
    "ItemSpec",
    "Limits",
    "MISTAKES",
    "Mistake",
    "Submission",
    "SubmissionError",
    "audit_key",
    "exercise_ids",
    "grade_batch",
    "grade_file",
    "grade_source",
    "load_exercise",
    "load_key",
    "read_submission",
    "render_html",
    "render_text",
    "write_template",
    "DEFAULT_TOLERANCES",
    "DEV_PROFILE",
    "GRADING_PROFILE",
    "HIDDEN_ACTIVATIONS",
    "LOSSES",
    "REDUCTIONS",
    "REFERENCE_TOLERANCE",
    "BackpropTrace",
    "CheckResult",
    "ComparisonSet",
    "FiniteDifference",
    "GradecheckError",
    "GradientComparison",
    "GradientMismatchError",
    "InvalidArgumentError",
    "LayerProtocolError",
    "LoadError",
    "Network",
    "NetworkDifferences",
    "Tolerance",
    "__version__",
    "assert_backprop",
    "assert_gradients",
    "assert_layer",
    "central_difference",
    "central_difference_args",
    "central_difference_vectorized",
    "check_backprop",
    "check_gradients",
    "check_layer",
    "compare_gradients",
    "compare_many",
    "default_step",
    "default_tolerance",
    "directional_derivative",
    "float64",
    "grading_settings",
    "network_differences",
    "network_finite_differences",
    "network_loss",
    "network_outputs",
    "random_direction",
    "reference_backprop",
    "register_profiles",
]

#: Names whose modules import JAX: loaded on first use (PEP 562).
_LAZY = {
    "BackpropTrace": "gradecheck._backprop",
    "network_loss": "gradecheck._backprop",
    "network_outputs": "gradecheck._backprop",
    "reference_backprop": "gradecheck._backprop",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'gradecheck' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


register_profiles()
