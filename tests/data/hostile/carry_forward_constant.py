"""Hostile: games "credit carries forward" with no work at all.

forward returns a constant, so the derivative of the submission's own forward is zero, and backward
returns zeros, which "match" it.  Nothing here computes anything about the layer; it should get no
credit beyond what a constant answer earns by chance (none).
"""
import numpy as np


def forward(weights, inputs, biases):
    return np.zeros(3)


def backward(weights, inputs, biases, upstream):
    return np.zeros(12), np.zeros(3), np.zeros(4)
