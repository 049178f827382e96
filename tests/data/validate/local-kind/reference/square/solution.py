"""Reference solution of the square exercise."""

import numpy as np


def forward(x):
    return float(np.sum(np.asarray(x) ** 2))


def backward(x):
    return 2 * np.asarray(x)
