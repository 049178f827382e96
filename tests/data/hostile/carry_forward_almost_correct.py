"""Hostile: games "credit carries forward" with a backward of zeros and a forward that is almost right.

forward is the right sigmoid layer, off by 1e-5 (so it is "wrong"), plus a linear term that cancels its
slope at the statement's given values: there, finite differences of this forward are about 1e-8 * 3,
which a backward of zeros "matches".  Its values are nearly right, its backward is no attempt at all.
It must earn nothing for the backward.
"""
import numpy as np

GIVEN_W = np.array([0.80, 0.87, 0.16, 0.96, 0.89, 0.87, 0.31, 0.08, 0.09, 0.69, 0.03, 0.42]).reshape(3, 4)
GIVEN_X = np.array([0.75, 0.98, 0.74, 0.28])
GIVEN_B = np.array([0.68, 0.83, 0.01])


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def forward(weights, inputs, biases):
    W = np.asarray(weights, dtype=float).reshape(3, 4)
    inputs, biases = np.asarray(inputs, dtype=float), np.asarray(biases, dtype=float)
    z, z0 = W @ inputs + biases, GIVEN_W @ GIVEN_X + GIVEN_B
    a0 = _sigmoid(z0)
    cancel = a0 * (1 - a0) * (z - z0)  # the slope of the sigmoid at the given values, taken away again
    tiny = 1e-8 * (np.sum(weights) + np.sum(inputs) + np.sum(biases))
    return _sigmoid(z) - cancel + tiny + 1e-5


def backward(weights, inputs, biases, upstream):
    return np.zeros(12), np.zeros(3), np.zeros(4)
