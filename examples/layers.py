"""Hand-written layers that follow gradcheck's layer protocol.

Each layer keeps what its backward pass needs during forward, and backward
returns the gradient of the loss with respect to each input, given the
gradient with respect to the output (``upstream``).

Try:  gradecheck verify examples/layers.py:Dense
"""

import numpy as np


class MultiplyGate:
    """z = x * y (element-wise)."""

    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y

    def backward(self, dz):
        dx = self.y * dz  # dz/dx = y
        dy = self.x * dz  # dz/dy = x
        return [dx, dy]


class Sigmoid:
    """a = 1 / (1 + exp(-x)), element-wise."""

    def forward(self, x):
        self.out = 1.0 / (1.0 + np.exp(-x))
        return self.out

    def backward(self, upstream):
        return upstream * self.out * (1.0 - self.out)  # sigma'(x) = a (1 - a)


class Dense:
    """z = W @ x + b for one example x of shape (4,); W is (3, 4), b is (3,)."""

    input_shapes = [(4,)]

    def __init__(self, n_in=4, n_out=3, seed=0):
        rng = np.random.default_rng(seed)
        self.params = {"W": rng.normal(size=(n_out, n_in)), "b": np.zeros(n_out)}
        self.input_shapes = [(n_in,)]

    def forward(self, x):
        self.x = x
        return self.params["W"] @ x + self.params["b"]

    def backward(self, upstream):
        self.grads = {"W": np.outer(upstream, self.x), "b": upstream.copy()}
        return self.params["W"].T @ upstream
