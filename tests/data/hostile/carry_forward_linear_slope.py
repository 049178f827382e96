"""Hostile: games "credit carries forward" with a backward of constants and a linear forward tuned to it.

backward returns the same numbers whatever its arguments.  forward is linear in every argument, with
exactly those numbers as its slopes (weighted for the given upstream of ones), so finite differences
of the submission's own forward "agree" with the constant backward.  Nothing about the layer (no
product W @ inputs, no sigmoid, no chain rule) is computed.  It must earn nothing: its forward is
wrong, and a constant backward is no attempt at the method.
"""
import numpy as np

D_WEIGHTS = np.full(12, 0.1)
D_BIASES = np.full(3, 0.2)
D_INPUTS = np.full(4, 0.3)


def forward(weights, inputs, biases):
    weights, inputs, biases = (np.asarray(v, dtype=float) for v in (weights, inputs, biases))
    per_unit = (D_WEIGHTS * weights).reshape(3, 4).sum(axis=1) + D_BIASES * biases
    return per_unit + np.sum(D_INPUTS * inputs) / 3.0


def backward(weights, inputs, biases, upstream):
    return D_WEIGHTS, D_BIASES, D_INPUTS
