"""Reference solution for relu-sigmoid, written in the student API."""

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def forward(W1, b1, W2, b2, x):
    a1 = np.maximum(W1 @ x + b1, 0.0)
    return sigmoid(W2 @ a1 + b2)[0]


def loss(W1, b1, W2, b2, x, t):
    y = forward(W1, b1, W2, b2, x)
    return -(t * np.log(y) + (1.0 - t) * np.log(1.0 - y))


def backward(W1, b1, W2, b2, x, t):
    z1 = W1 @ x + b1
    a1 = np.maximum(z1, 0.0)
    y = sigmoid(W2 @ a1 + b2)
    delta2 = y - t                       # dE/dz2, shape (1,)
    delta1 = (W2.T @ delta2) * (z1 > 0)  # dE/dz1, shape (4,); ReLU'(0) = 0
    return np.outer(delta1, x), delta1, np.outer(delta2, a1), delta2
