"""Hostile: a correct solution that prints 64 MB at import, far more than the grader keeps of its output."""
import sys

chunk = "y" * (1 << 20)
for _ in range(64):
    sys.stdout.write(chunk)
sys.stdout.flush()

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
