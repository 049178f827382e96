"""Hostile: a backward that misses the sigmoid's derivative, with a linear forward to match it.

backward uses dL/dz = dL/da (the sigmoid's derivative is missing: a catalogued mistake); forward drops
the sigmoid, a = W @ inputs + biases, so that backward is the exact derivative of this forward.  Leaving
the sigmoid out of the forward must not buy the backward its credit back: this earns no more than the
same backward with the right forward (1.5 of 15 points, the forward's own items), here nothing.
"""
import numpy as np


def forward(weights, inputs, biases):
    return np.asarray(weights, dtype=float).reshape(3, 4) @ inputs + biases


def backward(weights, inputs, biases, upstream):
    W = np.asarray(weights, dtype=float).reshape(3, 4)
    d_z = np.asarray(upstream, dtype=float)
    return np.outer(d_z, inputs).reshape(12), d_z, W.T @ d_z
