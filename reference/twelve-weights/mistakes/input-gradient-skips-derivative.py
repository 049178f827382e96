"""Known-wrong twelve-weights solution: dL/dx = W^T upstream, from dL/da instead of dL/dz (the sigmoid's
derivative is left out of the input gradient only)."""

import numpy as np


def forward(weights, inputs, biases):
    W = np.asarray(weights, dtype=float).reshape(3, 4)
    return 1.0 / (1.0 + np.exp(-(W @ inputs + biases)))


def backward(weights, inputs, biases, upstream):
    W = np.asarray(weights, dtype=float).reshape(3, 4)
    a = forward(weights, inputs, biases)
    d_z = upstream * a * (1.0 - a)
    return np.outer(d_z, inputs).reshape(12), d_z, W.T @ upstream  # should be W.T @ d_z
