"""Hostile: games "credit carries forward" with a forward that has nothing to do with the layer.

forward returns weights[:3] + biases (no product with the inputs, no sigmoid), and backward returns
the exact derivatives of that: upstream for the first three weights and for the biases, zeros
elsewhere.  Both are trivially consistent, and nothing about the layer is computed.
"""
import numpy as np


def forward(weights, inputs, biases):
    return np.asarray(weights)[:3] + biases


def backward(weights, inputs, biases, upstream):
    d_weights = np.zeros(12)
    d_weights[:3] = upstream
    return d_weights, np.asarray(upstream), np.zeros(4)
