import numpy as np

# X has shape (m, n): one example per row. w has shape (n,), b is a float, t has shape (m,).


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def forward(w, b, X):
    """The neuron's outputs y = sigmoid(X @ w + b) for the m examples, shape (m,)."""
    raise NotImplementedError("compute one output per example")


def loss(w, b, X, t):
    """J = 1/(2m) * sum((y - t)**2), a number."""
    raise NotImplementedError("compute the cost over the batch")


def gradients(w, b, X, t):
    """(dJ/dw, dJ/db): shape (n,) and a number."""
    raise NotImplementedError("apply the chain rule for every example and combine them")
