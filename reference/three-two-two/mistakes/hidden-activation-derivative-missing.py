"""Known-wrong three-two-two solution: the hidden delta is W2^T delta_y, without h * (1 - h)."""

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _layers(w, b):
    W1 = np.array([[w[0], w[2], w[4]], [w[1], w[3], w[5]]])
    W2 = np.array([[w[6], w[8]], [w[7], w[9]]])
    return W1, np.asarray(b[:2]), W2, np.asarray(b[2:])


def forward(w, b, x):
    W1, b1, W2, b2 = _layers(w, b)
    return sigmoid(W2 @ sigmoid(W1 @ x + b1) + b2)


def loss(w, b, x, target):
    return 0.5 * np.sum((target - forward(w, b, x)) ** 2)


def gradients(w, b, x, target):
    W1, b1, W2, b2 = _layers(w, b)
    h = sigmoid(W1 @ x + b1)
    y = sigmoid(W2 @ h + b2)
    delta_y = (y - target) * y * (1 - y)
    delta_h = W2.T @ delta_y
    dW1, dW2 = np.outer(delta_h, x), np.outer(delta_y, h)
    dw = np.concatenate([dW1.T.reshape(-1), dW2.T.reshape(-1)])
    return dw, np.concatenate([delta_h, delta_y])


def sgd_step(w, b, x, target, learning_rate):
    dw, db = gradients(w, b, x, target)
    return w - learning_rate * dw, b - learning_rate * db
