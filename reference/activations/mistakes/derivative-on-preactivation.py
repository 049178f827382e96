"""Known-wrong activations solution: sigmoid'(z) computed as z * (1 - z)."""

import numpy as np


def sigmoid_derivative(z):
    return z * (1.0 - z)


def tanh_derivative(z):
    return 1.0 - np.tanh(z) ** 2


def relu_derivative(z):
    return (z > 0).astype(float)


def leaky_relu_derivative(z, alpha):
    return np.where(z > 0, 1.0, alpha)
