"""Known-wrong twelve-weights solution: the sigmoid's derivative written as z * (1 - z), on the pre-activation z."""

import numpy as np


def forward(weights, inputs, biases):
    W = np.asarray(weights, dtype=float).reshape(3, 4)
    return 1.0 / (1.0 + np.exp(-(W @ inputs + biases)))


def backward(weights, inputs, biases, upstream):
    W = np.asarray(weights, dtype=float).reshape(3, 4)
    z = W @ inputs + biases
    d_z = upstream * z * (1.0 - z)  # should be a * (1 - a) with a = sigmoid(z)
    return np.outer(d_z, inputs).reshape(12), d_z, W.T @ d_z
