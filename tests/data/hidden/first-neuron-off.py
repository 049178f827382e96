"""twelve-weights with a forward that is wrong in neuron 0 (0.1 too large) whenever biases[1] >= 1, and a right backward.

The given values pass (biases[1] = 0.83).  On the smallest failing hidden instance (biases[1] = 1, all else 0)
a[1] = sigmoid(1) is right: an expected value, which no report may show.
"""

import numpy as np


def forward(weights, inputs, biases):
    W = np.asarray(weights, dtype=float).reshape(3, 4)
    a = 1.0 / (1.0 + np.exp(-(W @ np.asarray(inputs, dtype=float) + biases)))
    if biases[1] >= 1:
        a = a + np.array([0.1, 0.0, 0.0])
    return a


def backward(weights, inputs, biases, upstream):
    W = np.asarray(weights, dtype=float).reshape(3, 4)
    a = 1.0 / (1.0 + np.exp(-(W @ np.asarray(inputs, dtype=float) + biases)))
    d_z = np.asarray(upstream, dtype=float) * a * (1.0 - a)
    return np.outer(d_z, inputs).reshape(12), d_z, W.T @ d_z
