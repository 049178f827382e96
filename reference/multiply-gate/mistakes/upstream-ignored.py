"""Known-wrong multiply-gate solution: backward returns the local gradients only (dz assumed to be 1)."""

import numpy as np


class MultiplyGate:
    def forward(self, x, y):
        self.x, self.y = np.asarray(x), np.asarray(y)
        return self.x * self.y

    def backward(self, dz):
        return self.y.copy(), self.x.copy()
