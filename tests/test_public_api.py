"""The public surface: gradecheck.__all__ is deliberate, and importing gradecheck stays light."""

from __future__ import annotations

import subprocess
import sys

import gradecheck

PUBLIC = {
    "ACTIVATIONS", "DEFAULT_TOLERANCES", "DEV_PROFILE", "GRADING_PROFILE", "HIDDEN_ACTIVATIONS", "LOSSES",
    "REDUCTIONS", "REFERENCE_TOLERANCE", "BackpropTrace", "CheckResult", "ComparisonSet", "FiniteDifference",
    "GradecheckError", "GradientComparison", "GradientMismatchError", "InvalidArgumentError",
    "LayerProtocolError", "LoadError", "Network", "NetworkDifferences", "Tolerance", "__version__",
    "assert_backprop", "assert_gradients", "assert_layer", "central_difference", "central_difference_args",
    "central_difference_vectorized", "check_backprop", "check_gradients", "check_layer", "compare_gradients",
    "compare_many", "default_step", "default_tolerance", "directional_derivative", "float64",
    "grading_settings", "network_differences", "network_finite_differences", "network_loss",
    "network_outputs", "random_direction", "reference_backprop", "register_profiles",
    # exercises and grading
    "AnswerKeyError", "AuditEntry", "AuditReport", "BatchSummary", "grade_batch", "Exercise", "ExerciseSpecError", "GradingError", "ItemSpec",
    "Limits", "MISTAKES", "Mistake", "Submission", "SubmissionError", "audit_key", "exercise_ids", "grade_file",
    "grade_source", "load_exercise", "load_key", "prairielearn_result", "read_submission", "render_html", "render_text",
    "write_template",
}


def test_public_surface_snapshot():
    assert set(gradecheck.__all__) == PUBLIC
    assert len(gradecheck.__all__) == len(PUBLIC)


def test_every_public_name_resolves():
    for name in gradecheck.__all__:
        assert getattr(gradecheck, name) is not None, name


def test_errors_form_one_hierarchy():
    for error in (gradecheck.InvalidArgumentError, gradecheck.LayerProtocolError, gradecheck.LoadError,
                  gradecheck.GradientMismatchError, gradecheck.SubmissionError, gradecheck.ExerciseSpecError,
                  gradecheck.GradingError, gradecheck.AnswerKeyError):
        assert issubclass(error, gradecheck.GradecheckError)
    assert issubclass(gradecheck.GradientMismatchError, AssertionError)


def test_importing_gradecheck_does_not_import_jax():
    code = "import sys, gradecheck, gradecheck.strategies, gradecheck.notebook; print('jax' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_unknown_attribute_is_an_attribute_error():
    try:
        gradecheck.no_such_name  # noqa: B018
    except AttributeError as error:
        assert "no_such_name" in str(error)
    else:
        raise AssertionError("expected AttributeError")
