import numpy as np

# w = (w1, ..., w10) and b = (b1, ..., b4), numbered as in the statement:
#   w1: x1 -> h_a   w2: x1 -> h_b   w3: x2 -> h_a   w4: x2 -> h_b   w5: x3 -> h_a   w6: x3 -> h_b
#   w7: h_a -> y1   w8: h_a -> y2   w9: h_b -> y1   w10: h_b -> y2
#   b1: h_a   b2: h_b   b3: y1   b4: y2


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def forward(w, b, x):
    """The outputs (y1, y2), shape (2,), for w (10,), b (4,) and inputs x = (x1, x2, x3), shape (3,)."""
    raise NotImplementedError("compute h_a, h_b, then y1 and y2")


def loss(w, b, x, target):
    """E = 0.5 * ((t1 - y1)**2 + (t2 - y2)**2) (a number); target = (t1, t2), shape (2,)."""
    raise NotImplementedError("compute the squared error")


def gradients(w, b, x, target):
    """(dE/dw, dE/db): shapes (10,) and (4,), in the same order as w and b."""
    raise NotImplementedError("backpropagate from E to every weight and bias")


def sgd_step(w, b, x, target, learning_rate):
    """(w_new, b_new) after one SGD step p - learning_rate * dE/dp: shapes (10,) and (4,)."""
    raise NotImplementedError("take one gradient-descent step")
