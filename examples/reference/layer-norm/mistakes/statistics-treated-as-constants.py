"""Mean and variance treated as constants in backward

The backward pass divides the upstream gradient by the standard deviation and stops there, as if the
row's mean and variance did not depend on x. They do: moving one x[j] moves the mean and the variance of
its row, and through them every output of that row.

Hint: dL/dx = (1/sigma) * (d_xhat - mean(d_xhat) - x_hat * mean(d_xhat * x_hat)), each mean over the row.
"""

import numpy as np


class LayerNorm:
    def __init__(self, features, eps=1e-5):
        self.eps = eps
        self.params = {"gamma": np.ones(features), "beta": np.zeros(features)}
        self.grads = {}

    def forward(self, x):
        centered = x - x.mean(axis=-1, keepdims=True)
        variance = (centered**2).mean(axis=-1, keepdims=True)
        self.inv_std = 1.0 / np.sqrt(variance + self.eps)
        self.x_hat = centered * self.inv_std
        return self.params["gamma"] * self.x_hat + self.params["beta"]

    def backward(self, upstream):
        rows = tuple(range(upstream.ndim - 1))
        self.grads = {
            "gamma": np.sum(upstream * self.x_hat, axis=rows),
            "beta": np.sum(upstream, axis=rows),
        }
        return upstream * self.params["gamma"] * self.inv_std
