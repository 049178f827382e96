"""Known-wrong two-two-one solution: the hidden units' sigmoid derivative is left out."""

import math


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


def forward(w, x):
    h_a = sigmoid(x[0] * w[0] + x[1] * w[2])
    h_b = sigmoid(x[0] * w[1] + x[1] * w[3])
    return sigmoid(h_a * w[4] + h_b * w[5])


def loss(w, x, target):
    return 0.5 * (target - forward(w, x)) ** 2


def gradients(w, x, target):
    h_a = sigmoid(x[0] * w[0] + x[1] * w[2])
    h_b = sigmoid(x[0] * w[1] + x[1] * w[3])
    y = sigmoid(h_a * w[4] + h_b * w[5])
    delta_y = -(target - y) * y * (1 - y)
    delta_a = delta_y * w[4]  # missing * h_a * (1 - h_a)
    delta_b = delta_y * w[5]  # missing * h_b * (1 - h_b)
    return [delta_a * x[0], delta_b * x[0], delta_a * x[1], delta_b * x[1], delta_y * h_a, delta_y * h_b]


def sgd_step(w, x, target, learning_rate):
    return [wi - learning_rate * gi for wi, gi in zip(w, gradients(w, x, target))]
