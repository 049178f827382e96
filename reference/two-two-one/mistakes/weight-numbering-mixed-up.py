"""Known-wrong two-two-one solution: w1, w2 read as h_a's weights and w3, w4 as h_b's (row by row)."""

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def forward(w, x):
    W1 = np.reshape(w[:4], (2, 2))
    return sigmoid(w[4:] @ sigmoid(W1 @ x))


def loss(w, x, target):
    return 0.5 * (target - forward(w, x)) ** 2


def gradients(w, x, target):
    W1 = np.reshape(w[:4], (2, 2))
    h = sigmoid(W1 @ x)
    y = sigmoid(w[4:] @ h)
    delta_y = (y - target) * y * (1 - y)
    delta_h = w[4:] * delta_y * h * (1 - h)
    return np.concatenate([np.outer(delta_h, x).reshape(4), delta_y * h])


def sgd_step(w, x, target, learning_rate):
    return w - learning_rate * gradients(w, x, target)
