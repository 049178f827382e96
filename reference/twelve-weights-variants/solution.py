"""Reference solution for twelve-weights-variants (the same API as twelve-weights), written in the student API."""

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def forward(weights, inputs, biases):
    W = np.asarray(weights, dtype=float).reshape(3, 4)
    return sigmoid(W @ inputs + biases)


def backward(weights, inputs, biases, upstream):
    W = np.asarray(weights, dtype=float).reshape(3, 4)
    a = forward(weights, inputs, biases)
    d_z = upstream * a * (1.0 - a)
    d_weights = np.outer(d_z, inputs).reshape(12)
    return d_weights, d_z, W.T @ d_z
