"""Known-wrong three-two-two solution, the mistake of the seed's printed table: each hidden
unit's gradient takes only the path through y2 (w8 and w10), dropping the path through y1."""

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _hidden(w, b, x):
    return sigmoid(np.array([x[0] * w[0] + x[1] * w[2] + x[2] * w[4] + b[0],
                             x[0] * w[1] + x[1] * w[3] + x[2] * w[5] + b[1]]))


def forward(w, b, x):
    h = _hidden(w, b, x)
    return sigmoid(np.array([h[0] * w[6] + h[1] * w[8] + b[2], h[0] * w[7] + h[1] * w[9] + b[3]]))


def loss(w, b, x, target):
    y = forward(w, b, x)
    return 0.5 * ((target[0] - y[0]) ** 2 + (target[1] - y[1]) ** 2)


def gradients(w, b, x, target):
    h = _hidden(w, b, x)
    y = forward(w, b, x)
    d1 = (y[0] - target[0]) * y[0] * (1 - y[0])
    d2 = (y[1] - target[1]) * y[1] * (1 - y[1])
    da = d2 * w[7] * h[0] * (1 - h[0])  # the y1 path, d1 * w[6], is missing
    db_ = d2 * w[9] * h[1] * (1 - h[1])  # the y1 path, d1 * w[8], is missing
    dw = [da * x[0], db_ * x[0], da * x[1], db_ * x[1], da * x[2], db_ * x[2],
          d1 * h[0], d2 * h[0], d1 * h[1], d2 * h[1]]
    return dw, [da, db_, d1, d2]


def sgd_step(w, b, x, target, learning_rate):
    dw, db = gradients(w, b, x, target)
    return ([p - learning_rate * g for p, g in zip(w, dw)], [p - learning_rate * g for p, g in zip(b, db)])
