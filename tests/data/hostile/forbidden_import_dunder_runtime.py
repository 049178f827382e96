"""Forbidden: tries __import__ with a name built at run time (invisible to a static scan), then falls
back to a correct numpy solution.  The attempt alone must cost the credit."""
import numpy as np

try:
    autodiff = __import__("ja" + "x")
except ImportError:
    autodiff = None


def forward(weights, inputs, biases):
    W = np.asarray(weights).reshape(3, 4)
    return 1.0 / (1.0 + np.exp(-(W @ inputs + biases)))


def backward(weights, inputs, biases, upstream):
    W = np.asarray(weights).reshape(3, 4)
    a = forward(weights, inputs, biases)
    d_z = upstream * a * (1 - a)
    return np.outer(d_z, inputs).reshape(12), d_z, W.T @ d_z
