"""Known-wrong twelve-weights solution: dL/dz = dL/da (the sigmoid's derivative is missing)."""

import numpy as np


def forward(weights, inputs, biases):
    W = np.asarray(weights, dtype=float).reshape(3, 4)
    return 1.0 / (1.0 + np.exp(-(W @ inputs + biases)))


def backward(weights, inputs, biases, upstream):
    W = np.asarray(weights, dtype=float).reshape(3, 4)
    d_z = np.asarray(upstream, dtype=float)
    return np.outer(d_z, inputs).reshape(12), d_z, W.T @ d_z
