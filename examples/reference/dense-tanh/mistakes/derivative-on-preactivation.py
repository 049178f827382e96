"""dense-tanh, known wrong: tanh's derivative computed as 1 - z**2 from the pre-activation."""

import numpy as np


def forward(weights, inputs, biases):
    W = np.asarray(weights, dtype=float).reshape(2, 5)
    return np.tanh(W @ inputs + biases)


def backward(weights, inputs, biases, upstream):
    W = np.asarray(weights, dtype=float).reshape(2, 5)
    z = W @ inputs + biases
    d_z = upstream * (1.0 - z**2)
    return np.outer(d_z, inputs).reshape(10), d_z, W.T @ d_z
