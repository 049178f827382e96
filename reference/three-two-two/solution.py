"""Reference solution for three-two-two, written in the student API."""

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _layers(w, b):
    # Rows are receiving units, columns sending units (see the statement's table).
    W1 = np.array([[w[0], w[2], w[4]], [w[1], w[3], w[5]]])
    W2 = np.array([[w[6], w[8]], [w[7], w[9]]])
    return W1, np.array(b[:2], dtype=float), W2, np.array(b[2:], dtype=float)


def _flatten(dW1, dW2):
    return np.array([dW1[0, 0], dW1[1, 0], dW1[0, 1], dW1[1, 1], dW1[0, 2], dW1[1, 2],
                     dW2[0, 0], dW2[1, 0], dW2[0, 1], dW2[1, 1]])


def forward(w, b, x):
    W1, b1, W2, b2 = _layers(w, b)
    return sigmoid(W2 @ sigmoid(W1 @ x + b1) + b2)


def loss(w, b, x, target):
    return 0.5 * np.sum((np.asarray(target) - forward(w, b, x)) ** 2)


def gradients(w, b, x, target):
    W1, b1, W2, b2 = _layers(w, b)
    h = sigmoid(W1 @ x + b1)
    y = sigmoid(W2 @ h + b2)
    delta_y = (y - target) * y * (1.0 - y)
    delta_h = (W2.T @ delta_y) * h * (1.0 - h)
    dw = _flatten(np.outer(delta_h, x), np.outer(delta_y, h))
    return dw, np.concatenate([delta_h, delta_y])


def sgd_step(w, b, x, target, learning_rate):
    dw, db = gradients(w, b, x, target)
    return np.asarray(w) - learning_rate * dw, np.asarray(b) - learning_rate * db
