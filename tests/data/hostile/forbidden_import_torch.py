"""Forbidden: imports torch to get the gradients by autodiff (torch need not be installed)."""
import numpy as np

try:
    import torch
except ImportError:
    torch = None


def forward(weights, inputs, biases):
    W = np.asarray(weights).reshape(3, 4)
    return 1.0 / (1.0 + np.exp(-(W @ inputs + biases)))


def backward(weights, inputs, biases, upstream):
    W = np.asarray(weights).reshape(3, 4)
    a = forward(weights, inputs, biases)
    d_z = upstream * a * (1 - a)
    return np.outer(d_z, inputs).reshape(12), d_z, W.T @ d_z
