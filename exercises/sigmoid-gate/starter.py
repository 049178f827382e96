import numpy as np


def forward(w, x):
    """f = sigmoid(w[0]*x[0] + w[1]*x[1] + w[2]) for w of shape (3,) and x of shape (2,); returns a float."""
    raise NotImplementedError("compute the weighted sum s, then the sigmoid")


def backward(w, x):
    """(df/dw, df/dx) of shapes (3,) and (2,): the gradient of f itself (df/df = 1)."""
    raise NotImplementedError("backpropagate through the sigmoid, then through the weighted sum")
