"""Hostile: games "credit carries forward" with a backward of zeros and a forward of 1e-8 * sum(args).

The forward's derivative is about 1e-8 everywhere: not zero (so a "forward that ignores its inputs"
guard does not see it), but close enough to zero that a backward of zeros agrees with it within any
absolute tolerance.  It must earn nothing.
"""
import numpy as np


def forward(weights, inputs, biases):
    return 1e-8 * (np.sum(weights) + np.sum(inputs) + np.sum(biases)) * np.ones(3)


def backward(weights, inputs, biases, upstream):
    return np.zeros(12), np.zeros(3), np.zeros(4)
