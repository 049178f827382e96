"""Known-wrong relu-sigmoid solution: dE/dz2 = (y - t) * y * (1 - y), the squared-error rule used with cross-entropy."""

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def forward(W1, b1, W2, b2, x):
    return sigmoid(W2 @ np.maximum(W1 @ x + b1, 0.0) + b2)


def loss(W1, b1, W2, b2, x, t):
    y = forward(W1, b1, W2, b2, x)
    return -(t * np.log(y) + (1.0 - t) * np.log(1.0 - y))


def backward(W1, b1, W2, b2, x, t):
    z1 = W1 @ x + b1
    a1 = np.maximum(z1, 0.0)
    y = sigmoid(W2 @ a1 + b2)
    delta2 = (y - t) * y * (1 - y)
    delta1 = (W2.T @ delta2) * (z1 > 0)
    return np.outer(delta1, x), delta1, np.outer(delta2, a1), delta2
