import numpy as np

# w = (w1, ..., w6), numbered as in the statement:
#   w1: x1 -> h_a   w2: x1 -> h_b   w3: x2 -> h_a   w4: x2 -> h_b   w5: h_a -> y   w6: h_b -> y


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def forward(w, x):
    """The network's output y (a number) for weights w, shape (6,), and inputs x = (x1, x2), shape (2,)."""
    raise NotImplementedError("compute h_a, h_b, then y")


def loss(w, x, target):
    """E = 0.5 * (target - y)**2 (a number); target is a float."""
    raise NotImplementedError("compute the squared error")


def gradients(w, x, target):
    """dE/dw, shape (6,), in the same order as w: (dE/dw1, ..., dE/dw6)."""
    raise NotImplementedError("backpropagate from E to every weight")


def sgd_step(w, x, target, learning_rate):
    """The weights after one SGD step, w - learning_rate * dE/dw, shape (6,)."""
    raise NotImplementedError("take one gradient-descent step")
