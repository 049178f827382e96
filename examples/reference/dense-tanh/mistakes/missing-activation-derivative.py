"""dense-tanh, known wrong: dL/da passed straight through as dL/dz (no 1 - a**2)."""

import numpy as np


def forward(weights, inputs, biases):
    W = np.asarray(weights, dtype=float).reshape(2, 5)
    return np.tanh(W @ inputs + biases)


def backward(weights, inputs, biases, upstream):
    W = np.asarray(weights, dtype=float).reshape(2, 5)
    d_z = np.asarray(upstream, dtype=float)
    return np.outer(d_z, inputs).reshape(10), d_z, W.T @ d_z
