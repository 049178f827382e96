"""Only the diagonal of the softmax Jacobian

Each p_i depends on every z_j, not only on z_i: dp_i/dz_j = p_i (delta_ij - p_j). Using only the diagonal
p_j (1 - p_j) drops how z_j moves the other probabilities.

Hint: (J^T v)_j = sum_i v_i dp_i/dz_j = p_j (v_j - sum_i v_i p_i).
"""

import numpy as np


def softmax(z):
    e = np.exp(z - np.max(z))
    return e / np.sum(e)


def softmax_vjp(z, v):
    p = softmax(z)
    return v * p * (1.0 - p)
