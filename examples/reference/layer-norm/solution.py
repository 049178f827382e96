"""Reference solution for layer-norm, written in the student API (numpy only).

LayerNorm over the last axis: for each row x (one example's features),
x_hat = (x - mean(x)) / sqrt(var(x) + eps) with the biased variance, and
y = gamma * x_hat + beta.
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
        rows = tuple(range(upstream.ndim - 1))  # every axis but the features
        self.grads = {
            "gamma": np.sum(upstream * self.x_hat, axis=rows),
            "beta": np.sum(upstream, axis=rows),
        }
        d_xhat = upstream * self.params["gamma"]
        # x_hat depends on x directly and through the row's mean and variance: subtract both paths' share.
        return self.inv_std * (
            d_xhat
            - d_xhat.mean(axis=-1, keepdims=True)
            - self.x_hat * (d_xhat * self.x_hat).mean(axis=-1, keepdims=True)
        )
