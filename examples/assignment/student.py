"""twelve-weights: one dense sigmoid layer with 4 inputs and 3 neurons (a student's solution)."""

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def forward(weights, inputs, biases):
    """Activations a = sigmoid(W @ inputs + biases), shape (3,), with W = weights.reshape(3, 4)."""
    W = np.reshape(weights, (3, 4))
    return sigmoid(W @ np.asarray(inputs) + np.asarray(biases))


def backward(weights, inputs, biases, upstream):
    """(d_weights (12,), d_biases (3,), d_inputs (4,)) for upstream = dL/da, shape (3,)."""
    W = np.reshape(weights, (3, 4))
    a = forward(weights, inputs, biases)
    # chain rule through the sigmoid: dL/dz = dL/da * sigma'(z) = dL/da * a * (1 - a)
    delta = np.asarray(upstream) * a * (1.0 - a)
    d_weights = np.outer(delta, inputs).ravel()  # W[i, j] multiplies inputs[j] in neuron i
    d_biases = delta
    d_inputs = W.T @ delta
    return d_weights, d_biases, d_inputs
