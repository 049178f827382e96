"""Broken: backward leaves out the biases parameter; forward takes no biases either."""
import numpy as np


def forward(weights, inputs):
    return 1.0 / (1.0 + np.exp(-(np.asarray(weights).reshape(3, 4) @ inputs)))


def backward(weights, inputs, upstream):
    return np.zeros(12), np.zeros(3), np.zeros(4)
