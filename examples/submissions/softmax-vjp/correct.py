import numpy as np


def softmax(z):
    shifted = z - z.max()
    e = np.exp(shifted)
    return e / e.sum()


def softmax_vjp(z, v):
    p = softmax(z)
    jacobian = np.diag(p) - np.outer(p, p)  # J[i, j] = dp_i / dz_j
    return jacobian.T @ v
