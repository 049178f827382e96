import numpy as np

# Shapes: W1 (4, 3), b1 (4,), W2 (1, 4), b2 (1,), x (3,); t is a float between 0 and 1.


def relu(z):
    return np.maximum(z, 0.0)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def forward(W1, b1, W2, b2, x):
    """The output y = sigmoid(W2 @ relu(W1 @ x + b1) + b2), a number."""
    raise NotImplementedError("compute z1, a1, z2, then y")


def loss(W1, b1, W2, b2, x, t):
    """The binary cross-entropy E = -(t log y + (1 - t) log(1 - y)), a number."""
    raise NotImplementedError("compute the cross-entropy")


def backward(W1, b1, W2, b2, x, t):
    """(dE/dW1 (4, 3), dE/db1 (4,), dE/dW2 (1, 4), dE/db2 (1,)), each shaped like its parameter."""
    raise NotImplementedError("backpropagate from E through the sigmoid and the ReLU")
