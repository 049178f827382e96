"""Reference solution for softmax-cross-entropy, written in the student API."""

import numpy as np


def softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max())
    return e / e.sum()


def loss(z, label):
    z = np.asarray(z, dtype=float)
    m = z.max()
    return np.log(np.sum(np.exp(z - m))) + m - z[label]


def backward(z, label):
    d_z = softmax(z)
    d_z[label] -= 1.0
    return d_z
