import numpy as np


class MultiplyGate:
    """z = x * y, elementwise; x and y are two floats or two float64 arrays of the same shape."""

    def forward(self, x, y):
        """Return z = x * y (shaped like x) and keep what backward needs."""
        raise NotImplementedError("compute z and store the inputs on self")

    def backward(self, dz):
        """Return [dx, dy], each shaped like x, given dz = dL/dz (shaped like z)."""
        raise NotImplementedError("use the inputs stored by forward")
