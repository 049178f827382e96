"""Known-wrong two-two-one solution: dE/dy taken as (target - y), so every gradient has the wrong sign."""

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def forward(w, x):
    h = sigmoid(np.array([x[0] * w[0] + x[1] * w[2], x[0] * w[1] + x[1] * w[3]]))
    return sigmoid(h[0] * w[4] + h[1] * w[5])


def loss(w, x, target):
    return 0.5 * (target - forward(w, x)) ** 2


def gradients(w, x, target):
    h = sigmoid(np.array([x[0] * w[0] + x[1] * w[2], x[0] * w[1] + x[1] * w[3]]))
    y = sigmoid(h[0] * w[4] + h[1] * w[5])
    delta_y = (target - y) * y * (1 - y)
    delta_h = delta_y * np.array([w[4], w[5]]) * h * (1 - h)
    first = [delta_h[0] * x[0], delta_h[1] * x[0], delta_h[0] * x[1], delta_h[1] * x[1]]
    return np.array(first + [delta_y * h[0], delta_y * h[1]])


def sgd_step(w, x, target, learning_rate):
    return np.asarray(w) - learning_rate * gradients(w, x, target)
