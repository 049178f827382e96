"""Known-wrong twelve-weights solution: the flat weights read column-wise (neuron i uses weights i, i+3, i+6, i+9),
in the forward pass and, numbered the same way, in the weight gradient."""

import numpy as np


def _matrix(weights):
    return np.asarray(weights, dtype=float).reshape(4, 3).T  # should be reshape(3, 4)


def forward(weights, inputs, biases):
    return 1.0 / (1.0 + np.exp(-(_matrix(weights) @ inputs + biases)))


def backward(weights, inputs, biases, upstream):
    W = _matrix(weights)
    a = forward(weights, inputs, biases)
    d_z = upstream * a * (1.0 - a)
    return np.outer(d_z, inputs).T.reshape(12), d_z, W.T @ d_z
