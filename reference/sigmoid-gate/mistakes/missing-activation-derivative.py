"""Known-wrong sigmoid-gate solution: the sigmoid gate's local gradient is left out (df/ds taken as 1)."""

import numpy as np


def forward(w, x):
    return 1.0 / (1.0 + np.exp(-(w[0] * x[0] + w[1] * x[1] + w[2])))


def backward(w, x):
    return np.array([x[0], x[1], 1.0]), np.array([w[0], w[1]])
