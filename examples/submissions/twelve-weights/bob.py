# gradecheck: exercise=twelve-weights
# Bob's attempt: the forward pass is right, but the backward pass forgets
# that the sigmoid sits between z and a.
import numpy as np


def forward(weights, inputs, biases):
    z = np.reshape(weights, (3, 4)) @ np.asarray(inputs) + np.asarray(biases)
    return 1 / (1 + np.exp(-z))


def backward(weights, inputs, biases, upstream):
    delta = np.asarray(upstream, dtype=float)          # should be upstream * a * (1 - a)
    grad_w = np.outer(delta, inputs).flatten()
    grad_b = delta
    grad_x = np.reshape(weights, (3, 4)).T @ delta
    return grad_w, grad_b, grad_x
