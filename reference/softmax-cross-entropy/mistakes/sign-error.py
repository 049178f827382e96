"""Known-wrong softmax-cross-entropy solution: dL/dz = onehot - p (the sign is flipped)."""

import numpy as np


def softmax(z):
    e = np.exp(z - np.max(z))
    return e / e.sum()


def loss(z, label):
    return -np.log(softmax(z)[label])


def backward(z, label):
    onehot = np.zeros(len(z))
    onehot[label] = 1.0
    return onehot - softmax(z)
