"""Known-wrong two-two-one solution: dE/dy = 2 (y - target), as if the loss had no factor 1/2."""

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def forward(w, x):
    W1 = np.array([[w[0], w[2]], [w[1], w[3]]])
    return sigmoid(np.dot(w[4:], sigmoid(W1 @ x)))


def loss(w, x, target):
    return 0.5 * (target - forward(w, x)) ** 2


def gradients(w, x, target):
    W1 = np.array([[w[0], w[2]], [w[1], w[3]]])
    h = sigmoid(W1 @ x)
    y = sigmoid(np.dot(w[4:], h))
    delta_y = 2 * (y - target) * y * (1 - y)
    delta_h = w[4:] * delta_y * h * (1 - h)
    dW1 = np.outer(delta_h, x)
    return np.concatenate([dW1.T.reshape(4), delta_y * h])


def sgd_step(w, x, target, learning_rate):
    return w - learning_rate * gradients(w, x, target)
