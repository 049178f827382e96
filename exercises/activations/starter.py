import numpy as np


def sigmoid_derivative(z):
    """d/dz sigmoid(z), elementwise; z is a float64 array of any shape, the result has the same shape."""
    raise NotImplementedError


def tanh_derivative(z):
    """d/dz tanh(z), elementwise; same shape as z."""
    raise NotImplementedError


def relu_derivative(z):
    """d/dz max(0, z), elementwise; same shape as z. Convention: relu'(0) = 0."""
    raise NotImplementedError


def leaky_relu_derivative(z, alpha):
    """d/dz of (z if z > 0 else alpha * z), elementwise; same shape as z. Convention: leaky_relu'(0) = alpha."""
    raise NotImplementedError
