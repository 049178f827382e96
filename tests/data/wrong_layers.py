"""Layers with one deliberate backprop mistake each (and a few broken ones)."""

import numpy as np


class SwappedMultiplyGate:
    """The local gradients of z = x * y swapped: dx = x * dz instead of y * dz."""

    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y

    def backward(self, dz):
        return [self.x * dz, self.y * dz]


class SigmoidDerivativeOnInput:
    """Applies x (1 - x) to the layer's input instead of a (1 - a) to its output."""

    def forward(self, x):
        self.x = x
        return 1.0 / (1.0 + np.exp(-x))

    def backward(self, upstream):
        return upstream * self.x * (1.0 - self.x)


class DenseWrongBias:
    """A dense layer that treats b like a weight: db = upstream * x[:3] instead of upstream."""

    input_shapes = [(4,)]

    def __init__(self):
        self.params = {"W": np.ones((3, 4)), "b": np.zeros(3)}

    def forward(self, x):
        self.x = x
        return self.params["W"] @ x + self.params["b"]

    def backward(self, upstream):
        self.grads = {"W": np.outer(upstream, self.x), "b": upstream * self.x[:3]}
        return self.params["W"].T @ upstream


class ReluLayer:
    """A correct ReLU (relu'(0) = 0): kinks must not be reported as failures."""

    def forward(self, x):
        self.x = x
        return np.maximum(x, 0.0)

    def backward(self, upstream):
        return upstream * (self.x > 0)


class CrashingBackward:
    """backward raises for inputs with more than one element."""

    def forward(self, x):
        self.x = x
        return 2.0 * x

    def backward(self, upstream):
        if self.x.size > 1:
            raise ValueError("shapes not supported")
        return 2.0 * upstream


class WrongShapeBackward:
    """backward returns a gradient summed to a scalar."""

    def forward(self, x):
        return 3.0 * x

    def backward(self, upstream):
        return np.sum(3.0 * upstream)


def make_dense():
    """A zero-argument factory."""
    return DenseWrongBias()


def backprop_missing_hidden_derivative(weights, biases, x, y):
    """C4 backprop that forgets the sigmoid derivative on hidden layers."""
    activations = [np.asarray(x, dtype=float)]
    for W, b in zip(weights, biases):
        activations.append(1.0 / (1.0 + np.exp(-(W @ activations[-1] + b))))
    a_out = activations[-1]
    delta = (a_out - y) * a_out * (1.0 - a_out)
    d_weights, d_biases = [None] * len(weights), [None] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        d_weights[l] = np.outer(delta, activations[l])
        d_biases[l] = delta
        if l > 0:
            delta = weights[l].T @ delta  # missing * a (1 - a)
    return d_weights, d_biases


def backprop_just_outside_tolerance(weights, biases, x, y):
    """C4 backprop whose output-layer bias gradient is off by a relative 1.7e-6 (the tolerance is 1e-6)."""
    activations = [np.asarray(x, dtype=float)]
    for W, b in zip(weights, biases):
        activations.append(1.0 / (1.0 + np.exp(-(W @ activations[-1] + b))))
    a_out = activations[-1]
    delta = (a_out - y) * a_out * (1.0 - a_out)
    d_weights, d_biases = [None] * len(weights), [None] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        d_weights[l] = np.outer(delta, activations[l])
        d_biases[l] = delta * (1.0 + 1.7e-6) if l == len(weights) - 1 else delta
        if l > 0:
            delta = (weights[l].T @ delta) * activations[l] * (1.0 - activations[l])
    return d_weights, d_biases
