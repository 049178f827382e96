"""Known-wrong mlp-backprop solution: dE/dW_l pairs delta with the layer's output a_{l+1}, not its input a_l."""

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def backprop(weights, biases, x, y):
    activations = [x]
    for W, b in zip(weights, biases):
        activations.append(sigmoid(W @ activations[-1] + b))
    a_out = activations[-1]
    delta = (a_out - y) * a_out * (1.0 - a_out)
    d_weights, d_biases = [None] * len(weights), [None] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        d_weights[l] = np.outer(delta, activations[l + 1])
        d_biases[l] = delta
        a = activations[l]
        delta = (weights[l].T @ delta) * a * (1.0 - a)
    return d_weights, d_biases
