"""Hostile: a correct forward, and a backward that never returns (an endless loop)."""
import numpy as np


def forward(weights, inputs, biases):
    W = np.asarray(weights).reshape(3, 4)
    return 1.0 / (1.0 + np.exp(-(W @ inputs + biases)))


def backward(weights, inputs, biases, upstream):
    n = 0
    while True:
        n += 1
