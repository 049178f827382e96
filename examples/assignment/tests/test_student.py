"""Instructor tests for the twelve-weights assignment, graded with the gradecheck pytest plugin.

    pytest                                                  # a learner checks their student.py
    pytest --gradecheck-sandbox --gradecheck-results results.json   # grading untrusted code

Total: 20 points (15 from the exercise's graded items, 5 from the tests below).
"""

import numpy as np
import pytest
from hypothesis import given

from gradecheck import strategies as gst
from gradecheck.pytest_plugin import assert_gradients, exercise_tests

# One test per graded item of the shipped exercise (each activation and each
# gradient element on the statement's values, plus the hidden random checks):
# 15 points, graded once per session in gradecheck's sandbox.
test_twelve_weights = exercise_tests("twelve-weights")

WEIGHTS = np.array([0.80, 0.87, 0.16, 0.96, 0.89, 0.87, 0.31, 0.08, 0.09, 0.69, 0.03, 0.42])
INPUTS = np.array([0.75, 0.98, 0.74, 0.28])
BIASES = np.array([0.68, 0.83, 0.01])


@pytest.mark.points(1)
def test_forward_returns_three_activations(submission):
    a = np.asarray(submission.forward(WEIGHTS, INPUTS, BIASES), dtype=float)
    assert a.shape == (3,), "forward should return the 3 activations"
    assert np.all((a > 0) & (a < 1)), "sigmoid activations lie strictly between 0 and 1"


@pytest.mark.points(2)
def test_backward_matches_finite_differences(submission):
    """Every gradient agrees with finite differences of the student's own forward, for a random upstream."""
    rng = np.random.default_rng(12)
    weights, inputs, biases, upstream = rng.normal(size=12), rng.normal(size=4), rng.normal(size=3), rng.normal(size=3)

    def loss(weights, inputs, biases):
        return float(np.dot(upstream, submission.forward(weights, inputs, biases)))

    def gradients(weights, inputs, biases):
        d_weights, d_biases, d_inputs = submission.backward(weights, inputs, biases, upstream)
        return d_weights, d_inputs, d_biases

    assert_gradients(loss, gradients, weights, inputs, biases, names=["weights", "inputs", "biases"])


@pytest.mark.points(2)
@pytest.mark.visibility("after_due_date")
@given(biases=gst.float64_arrays(3, max_magnitude=4.0), upstream=gst.upstream_gradients(3))
def test_bias_gradient_is_upstream_times_sigmoid_slope(submission, biases, upstream):
    """A property (Hypothesis): dL/db = upstream * a * (1 - a), whatever the biases and upstream."""
    a = np.asarray(submission.forward(WEIGHTS, INPUTS, biases), dtype=float)
    _, d_biases, _ = submission.backward(WEIGHTS, INPUTS, biases, upstream)
    np.testing.assert_allclose(np.asarray(d_biases, dtype=float), upstream * a * (1 - a), rtol=1e-9, atol=1e-12)
