"""dense-tanh, known wrong: backward assumes dL/da = 1 and ignores upstream."""

import numpy as np


def forward(weights, inputs, biases):
    W = np.asarray(weights, dtype=float).reshape(2, 5)
    return np.tanh(W @ inputs + biases)


def backward(weights, inputs, biases, upstream):
    W = np.asarray(weights, dtype=float).reshape(2, 5)
    a = forward(weights, inputs, biases)
    d_z = 1.0 - a**2
    return np.outer(d_z, inputs).reshape(10), d_z, W.T @ d_z
