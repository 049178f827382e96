"""Known-wrong twelve-weights solution: dL/dW = np.outer(inputs, d_z), shaped (4, 3) and flattened, not delta x inputs."""

import numpy as np


def forward(weights, inputs, biases):
    W = np.asarray(weights, dtype=float).reshape(3, 4)
    return 1.0 / (1.0 + np.exp(-(W @ inputs + biases)))


def backward(weights, inputs, biases, upstream):
    W = np.asarray(weights, dtype=float).reshape(3, 4)
    a = forward(weights, inputs, biases)
    d_z = upstream * a * (1.0 - a)
    return np.outer(inputs, d_z).reshape(12), d_z, W.T @ d_z
