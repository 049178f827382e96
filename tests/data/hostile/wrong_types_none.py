"""Broken: forgets to return, so both functions return None."""
import numpy as np


def forward(weights, inputs, biases):
    a = 1.0 / (1.0 + np.exp(-(np.asarray(weights).reshape(3, 4) @ inputs + biases)))


def backward(weights, inputs, biases, upstream):
    d_weights = np.zeros(12)
