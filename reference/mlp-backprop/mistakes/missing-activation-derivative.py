"""Known-wrong mlp-backprop solution: no sigmoid derivative anywhere (delta = dE/da on every layer)."""

import numpy as np


def backprop(weights, biases, x, y):
    activations = [x]
    for W, b in zip(weights, biases):
        activations.append(1.0 / (1.0 + np.exp(-(W @ activations[-1] + b))))
    delta = activations[-1] - y
    d_weights, d_biases = [None] * len(weights), [None] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        d_weights[l] = np.outer(delta, activations[l])
        d_biases[l] = delta
        delta = weights[l].T @ delta
    return d_weights, d_biases
