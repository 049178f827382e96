import numpy as np


def softmax(z):
    e = np.exp(z - np.max(z))
    return e / e.sum()


def softmax_vjp(z, v):
    p = softmax(z)
    # dp_i/dz_i = p_i (1 - p_i)
    return np.array([v[i] * p[i] * (1 - p[i]) for i in range(len(z))])
