"""Broken: returns NaN and infinities everywhere."""
import numpy as np


def forward(weights, inputs, biases):
    return np.array([np.nan, np.inf, -np.inf])


def backward(weights, inputs, biases, upstream):
    return np.full(12, np.nan), np.array([np.inf, -np.inf, np.nan]), np.full(4, np.inf)
