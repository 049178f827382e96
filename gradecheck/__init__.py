"""gradecheck: verify hand-written backpropagation and grade backprop exercises.

The public API lives here; implementation modules are private.  Importing
``gradecheck`` is cheap: each public name's module (JAX for the reference
backprop, nbformat for notebooks, ...) is imported the first time the name is
used.  Importing it does not import Hypothesis: gradecheck's Hypothesis profiles are
registered when Hypothesis is imported (through Hypothesis's ``hypothesis``
entry point), or here when Hypothesis was imported first.

Hypothesis strategies are in the public submodule :mod:`gradecheck.strategies`; what an exercise
kind written outside gradecheck needs is in :mod:`gradecheck.kinds`; the self-check from inside a
Jupyter notebook is :func:`gradecheck.notebook.check`.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

from gradecheck._version import __version__

if TYPE_CHECKING:
    from gradecheck._audit import (
        AnswerKeyError,
        AuditEntry,
        AuditReport,
        audit_key,
        load_key,
    )
    from gradecheck._backprop import (
        BackpropTrace,
        network_loss,
        network_outputs,
        reference_backprop,
    )
    from gradecheck._batch import (
        BatchSummary,
        grade_batch,
    )
    from gradecheck._checks import (
        CheckResult,
        REFERENCE_TOLERANCE,
        assert_backprop,
        assert_gradients,
        assert_layer,
        check_backprop,
        check_gradients,
        check_layer,
    )
    from gradecheck._compare import (
        ComparisonSet,
        DEFAULT_TOLERANCES,
        GradientComparison,
        Tolerance,
        compare_gradients,
        compare_many,
        default_tolerance,
    )
    from gradecheck._errors import (
        GradecheckError,
        GradientMismatchError,
        InvalidArgumentError,
        LayerProtocolError,
        LoadError,
        SubmissionError,
    )
    from gradecheck._exercises import (
        Exercise,
        ExerciseSpecError,
        ItemSpec,
        exercise_ids,
        load_exercise,
    )
    from gradecheck._prairielearn import prairielearn_result
    from gradecheck._grading import (
        GradingError,
        grade_file,
        grade_source,
    )
    from gradecheck._mistakes import (
        MISTAKES,
        Mistake,
    )
    from gradecheck._network import (
        ACTIVATIONS,
        HIDDEN_ACTIVATIONS,
        LOSSES,
        Network,
        REDUCTIONS,
    )
    from gradecheck._network_fd import (
        NetworkDifferences,
        network_differences,
        network_finite_differences,
    )
    from gradecheck._numeric import (
        FiniteDifference,
        central_difference,
        central_difference_args,
        central_difference_vectorized,
        default_step,
        directional_derivative,
        random_direction,
    )
    from gradecheck._precision import (
        float64,
    )
    from gradecheck._profiles import (
        DEV_PROFILE,
        GRADING_PROFILE,
        grading_settings,
        register_profiles,
    )
    from gradecheck._reports import (
        render_html,
        render_text,
    )
    from gradecheck._sandbox import (
        Limits,
    )
    from gradecheck._submissions import (
        Submission,
        read_submission,
        write_template,
    )


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
    "prairielearn_result",
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

#: Where each public name lives; a module is imported the first time one of its names is used (PEP 562),
#: so ``import gradecheck`` stays cheap (no JAX, Hypothesis engine, nbformat or Jupyter schema until needed).
_LAZY = {
    "ACTIVATIONS": "gradecheck._network",
    "AnswerKeyError": "gradecheck._audit",
    "assert_backprop": "gradecheck._checks",
    "assert_gradients": "gradecheck._checks",
    "assert_layer": "gradecheck._checks",
    "audit_key": "gradecheck._audit",
    "AuditEntry": "gradecheck._audit",
    "AuditReport": "gradecheck._audit",
    "BackpropTrace": "gradecheck._backprop",
    "BatchSummary": "gradecheck._batch",
    "central_difference": "gradecheck._numeric",
    "central_difference_args": "gradecheck._numeric",
    "central_difference_vectorized": "gradecheck._numeric",
    "check_backprop": "gradecheck._checks",
    "check_gradients": "gradecheck._checks",
    "check_layer": "gradecheck._checks",
    "CheckResult": "gradecheck._checks",
    "compare_gradients": "gradecheck._compare",
    "compare_many": "gradecheck._compare",
    "ComparisonSet": "gradecheck._compare",
    "default_step": "gradecheck._numeric",
    "default_tolerance": "gradecheck._compare",
    "DEFAULT_TOLERANCES": "gradecheck._compare",
    "DEV_PROFILE": "gradecheck._profiles",
    "directional_derivative": "gradecheck._numeric",
    "Exercise": "gradecheck._exercises",
    "exercise_ids": "gradecheck._exercises",
    "ExerciseSpecError": "gradecheck._exercises",
    "FiniteDifference": "gradecheck._numeric",
    "float64": "gradecheck._precision",
    "grade_batch": "gradecheck._batch",
    "grade_file": "gradecheck._grading",
    "prairielearn_result": "gradecheck._prairielearn",
    "grade_source": "gradecheck._grading",
    "GradecheckError": "gradecheck._errors",
    "GradientComparison": "gradecheck._compare",
    "GradientMismatchError": "gradecheck._errors",
    "GRADING_PROFILE": "gradecheck._profiles",
    "grading_settings": "gradecheck._profiles",
    "GradingError": "gradecheck._grading",
    "HIDDEN_ACTIVATIONS": "gradecheck._network",
    "InvalidArgumentError": "gradecheck._errors",
    "ItemSpec": "gradecheck._exercises",
    "LayerProtocolError": "gradecheck._errors",
    "Limits": "gradecheck._sandbox",
    "load_exercise": "gradecheck._exercises",
    "load_key": "gradecheck._audit",
    "LoadError": "gradecheck._errors",
    "LOSSES": "gradecheck._network",
    "Mistake": "gradecheck._mistakes",
    "MISTAKES": "gradecheck._mistakes",
    "Network": "gradecheck._network",
    "network_differences": "gradecheck._network_fd",
    "network_finite_differences": "gradecheck._network_fd",
    "network_loss": "gradecheck._backprop",
    "network_outputs": "gradecheck._backprop",
    "NetworkDifferences": "gradecheck._network_fd",
    "random_direction": "gradecheck._numeric",
    "read_submission": "gradecheck._submissions",
    "REDUCTIONS": "gradecheck._network",
    "reference_backprop": "gradecheck._backprop",
    "REFERENCE_TOLERANCE": "gradecheck._checks",
    "register_profiles": "gradecheck._profiles",
    "render_html": "gradecheck._reports",
    "render_text": "gradecheck._reports",
    "Submission": "gradecheck._submissions",
    "SubmissionError": "gradecheck._errors",
    "Tolerance": "gradecheck._compare",
    "write_template": "gradecheck._submissions",
}


#: Public submodules, also reachable as attributes of ``gradecheck``.
_SUBMODULES = ("strategies", "pytest_plugin", "kinds", "notebook")


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"gradecheck.{name}")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'gradecheck' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if "hypothesis" in sys.modules:  # else Hypothesis registers them itself when it is imported (its entry point)
    from gradecheck._profiles import register_profiles as _register_profiles

    _register_profiles()
