"""Known-wrong activations solution: tanh'(z) computed as 1 - z**2."""

import numpy as np


def sigmoid_derivative(z):
    s = 1.0 / (1.0 + np.exp(-z))
    return s * (1.0 - s)


def tanh_derivative(z):
    return 1.0 - z**2


def relu_derivative(z):
    return np.where(z > 0, 1.0, 0.0)


def leaky_relu_derivative(z, alpha):
    return np.where(z > 0, 1.0, alpha)
