"""Broken: a syntax error (a missing closing parenthesis)."""
import numpy as np


def forward(weights, inputs, biases):
    return 1.0 / (1.0 + np.exp(-(np.asarray(weights).reshape(3, 4) @ inputs + biases)


def backward(weights, inputs, biases, upstream):
    return None
