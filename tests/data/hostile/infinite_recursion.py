"""Broken: a correct forward, and a backward that recurses without a base case (RecursionError)."""
import numpy as np


def forward(weights, inputs, biases):
    W = np.asarray(weights).reshape(3, 4)
    return 1.0 / (1.0 + np.exp(-(W @ inputs + biases)))


def backward(weights, inputs, biases, upstream):
    return backward(weights, inputs, biases, upstream)
