# Uses the unbiased variance (divides by n - 1) in forward, and differentiates exactly that in backward.
import numpy as np


class BatchNorm:
    def __init__(self, features, eps=1e-5):
        self.eps = eps
        self.params = {"gamma": np.ones(features), "beta": np.zeros(features)}
        self.grads = {}

    def forward(self, x):
        n = x.shape[0]
        self.x = x
        self.mu = x.mean(axis=0)
        self.var = ((x - self.mu) ** 2).sum(axis=0) / (n - 1)
        self.std = np.sqrt(self.var + self.eps)
        self.xhat = (x - self.mu) / self.std
        return self.params["gamma"] * self.xhat + self.params["beta"]

    def backward(self, dout):
        n = dout.shape[0]
        self.grads["gamma"] = (dout * self.xhat).sum(axis=0)
        self.grads["beta"] = dout.sum(axis=0)
        dxhat = dout * self.params["gamma"]
        dvar = (dxhat * (self.x - self.mu)).sum(axis=0) * -0.5 * self.std**-3
        dmu = -dxhat.sum(axis=0) / self.std
        return dxhat / self.std + dvar * 2.0 * (self.x - self.mu) / (n - 1) + dmu / n
