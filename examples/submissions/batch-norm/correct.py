# Batch normalization (training mode), with the backward pass written out step by step (the "computational graph" way).
import numpy as np


class BatchNorm:
    def __init__(self, features, eps=1e-5):
        self.eps = eps
        self.params = {"gamma": np.ones(features), "beta": np.zeros(features)}
        self.grads = {"gamma": np.zeros(features), "beta": np.zeros(features)}

    def forward(self, x):
        self.x = x
        self.mu = np.mean(x, axis=0)
        self.var = np.mean((x - self.mu) ** 2, axis=0)
        self.std = np.sqrt(self.var + self.eps)
        self.xhat = (x - self.mu) / self.std
        return self.params["gamma"] * self.xhat + self.params["beta"]

    def backward(self, dout):
        n = self.x.shape[0]
        self.grads["gamma"] = np.sum(dout * self.xhat, axis=0)
        self.grads["beta"] = np.sum(dout, axis=0)
        dxhat = dout * self.params["gamma"]
        dvar = np.sum(dxhat * (self.x - self.mu), axis=0) * -0.5 * self.std**-3
        dmu = -np.sum(dxhat, axis=0) / self.std + dvar * np.mean(-2.0 * (self.x - self.mu), axis=0)
        return dxhat / self.std + dvar * 2.0 * (self.x - self.mu) / n + dmu / n
