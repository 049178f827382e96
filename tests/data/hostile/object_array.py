"""Broken: returns numpy object arrays holding things that are not numbers."""
import numpy as np


def forward(weights, inputs, biases):
    return np.array([0.5, {1, 2}, None], dtype=object)


def backward(weights, inputs, biases, upstream):
    weird = np.empty(12, dtype=object)
    weird[:] = [object()] * 12
    return weird, np.array(["x", "y", "z"], dtype=object), np.array([1j, 2, 3, 4], dtype=object)
