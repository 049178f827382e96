import numpy as np


def softmax(z):
    """p = softmax(z) for logits z of shape (C,)."""
    ...


def softmax_vjp(z, v):
    """J^T v, where J[i, j] = dp_i/dz_j at z and v = dL/dp has shape (C,); returns dL/dz, shape (C,)."""
    ...
