"""Known-wrong mlp-backprop solution: the hidden layers' sigmoid derivative is missing.

The output layer is right (so one-layer networks pass); below it delta_l = W_{l+1}^T delta_{l+1}.
"""

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def backprop(weights, biases, x, y):
    activations = [x]
    for W, b in zip(weights, biases):
        activations.append(sigmoid(W @ activations[-1] + b))
    a_out = activations[-1]
    delta = (a_out - y) * a_out * (1.0 - a_out)
    d_weights, d_biases = [], []
    for l in reversed(range(len(weights))):
        d_weights.insert(0, np.outer(delta, activations[l]))
        d_biases.insert(0, delta)
        delta = weights[l].T @ delta
    return d_weights, d_biases
