"""Broken: returns arrays of the wrong sizes: a (4,) forward, and (13,), (2,), (5,) gradients."""
import numpy as np


def forward(weights, inputs, biases):
    return np.full(4, 0.5)


def backward(weights, inputs, biases, upstream):
    return np.zeros(13), np.zeros(2), np.zeros(5)
