# Stores each parameter gradient under the other's name: grads["gamma"] is dL/dbeta and grads["beta"] is dL/dgamma.
import numpy as np


class BatchNorm:
    def __init__(self, features, eps=1e-5):
        self.eps = eps
        self.params = {"gamma": np.ones(features), "beta": np.zeros(features)}
        self.grads = {}

    def forward(self, x):
        self.mu = x.mean(axis=0)
        self.std = np.sqrt(((x - self.mu) ** 2).mean(axis=0) + self.eps)
        self.xhat = (x - self.mu) / self.std
        return self.params["gamma"] * self.xhat + self.params["beta"]

    def backward(self, dout):
        self.grads["beta"] = (dout * self.xhat).sum(axis=0)
        self.grads["gamma"] = dout.sum(axis=0)
        dxhat = dout * self.params["gamma"]
        return (dxhat - dxhat.mean(axis=0) - self.xhat * (dxhat * self.xhat).mean(axis=0)) / self.std
