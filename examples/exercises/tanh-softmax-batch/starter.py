import numpy as np

# Shapes: W1 (3, 4), b1 (4,), W2 (4, 3), b2 (3,); X (m, 3): one example per row; Y (m, 3): one-hot targets.


def forward(W1, b1, W2, b2, X):
    """The class probabilities P = softmax(tanh(X @ W1 + b1) @ W2 + b2), shape (m, 3), each row summing to 1."""
    raise NotImplementedError("compute Z1, A1, Z2, then P row by row")


def loss(W1, b1, W2, b2, X, Y):
    """The mean cross-entropy L = -(1/m) * sum(Y * log(P)), a number."""
    raise NotImplementedError("compute the mean cross-entropy over the batch")


def backward(W1, b1, W2, b2, X, Y):
    """(dL/dW1 (3, 4), dL/db1 (4,), dL/dW2 (4, 3), dL/db2 (3,)), each shaped like its parameter."""
    raise NotImplementedError("backpropagate from L through the softmax and the tanh layer")
