"""Known-wrong softmax-cross-entropy solution: exp(z) without subtracting max(z) overflows on large logits."""

import numpy as np


def softmax(z):
    exps = np.exp(np.asarray(z, dtype=float))
    return exps / np.sum(exps)


def loss(z, label):
    return -np.log(softmax(z)[int(label)])


def backward(z, label):
    grad = softmax(z)
    grad[int(label)] -= 1.0
    return grad
