"""Known-wrong single-neuron solution: a loop over the examples assigns db instead of adding to it,
so only the last example's contribution survives."""

import math


def _sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


def forward(w, b, X):
    return [_sigmoid(sum(wj * xj for wj, xj in zip(w, row)) + b) for row in X]


def loss(w, b, X, t):
    y = forward(w, b, X)
    return sum((yi - ti) ** 2 for yi, ti in zip(y, t)) / (2 * len(t))


def gradients(w, b, X, t):
    m = len(t)
    y = forward(w, b, X)
    dw = [0.0] * len(w)
    db = 0.0
    for i in range(m):
        r = (y[i] - t[i]) * y[i] * (1 - y[i])
        for j in range(len(w)):
            dw[j] += r * X[i][j]
        db = r
    return [d / m for d in dw], db / m
