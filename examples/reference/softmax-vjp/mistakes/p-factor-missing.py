"""The factor p_j missing from the product

The vector-Jacobian product is p_j (v_j - sum_i v_i p_i); the answer leaves out the factor p_j in front.

Hint: dp_i/dz_j = p_i (delta_ij - p_j): every term carries a factor p.
"""

import numpy as np


def softmax(z):
    e = np.exp(z - np.max(z))
    return e / np.sum(e)


def softmax_vjp(z, v):
    p = softmax(z)
    return v - np.dot(v, p)
