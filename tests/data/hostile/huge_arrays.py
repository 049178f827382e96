"""Hostile: a correct forward, and a backward that returns 100-million-element arrays."""
import numpy as np


def forward(weights, inputs, biases):
    W = np.asarray(weights).reshape(3, 4)
    return 1.0 / (1.0 + np.exp(-(W @ inputs + biases)))


def backward(weights, inputs, biases, upstream):
    big = np.zeros(100_000_000)
    return big, big, big
