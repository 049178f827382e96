"""Known-wrong relu-sigmoid solution: ReLU applied to the incoming gradient instead of masking it by z1 > 0."""

import numpy as np


def relu(z):
    return np.maximum(z, 0.0)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def forward(W1, b1, W2, b2, x):
    return float(sigmoid(W2 @ relu(W1 @ x + b1) + b2)[0])


def loss(W1, b1, W2, b2, x, t):
    y = forward(W1, b1, W2, b2, x)
    return -(t * np.log(y) + (1.0 - t) * np.log(1.0 - y))


def backward(W1, b1, W2, b2, x, t):
    a1 = relu(W1 @ x + b1)
    y = sigmoid(W2 @ a1 + b2)
    delta2 = y - t
    delta1 = relu(W2.T @ delta2)
    return np.outer(delta1, x), delta1, np.outer(delta2, a1), delta2
