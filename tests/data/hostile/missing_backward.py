"""Broken: defines a correct forward but no backward at all (a typo in its name)."""
import numpy as np


def forward(weights, inputs, biases):
    W = np.asarray(weights).reshape(3, 4)
    return 1.0 / (1.0 + np.exp(-(W @ inputs + biases)))


def backwrad(weights, inputs, biases, upstream):
    return np.zeros(12), np.zeros(3), np.zeros(4)
