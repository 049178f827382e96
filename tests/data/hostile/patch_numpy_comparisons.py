"""Hostile: makes numpy's comparisons always succeed, then returns a correct forward and wrong gradients.

The grader compares in its own process, so patched numpy in the worker must not help.
"""
import numpy as np
import numpy.testing

np.allclose = lambda *args, **kwargs: True
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.shape(a), dtype=bool)
np.array_equal = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
np.testing.assert_array_almost_equal = lambda *args, **kwargs: None
np.isfinite = lambda x, *args, **kwargs: np.ones(np.shape(x), dtype=bool)


def forward(weights, inputs, biases):
    W = np.asarray(weights).reshape(3, 4)
    return 1.0 / (1.0 + np.exp(-(W @ inputs + biases)))


def backward(weights, inputs, biases, upstream):
    return np.full(12, 123.0), np.full(3, -7.0), np.full(4, 42.0)
