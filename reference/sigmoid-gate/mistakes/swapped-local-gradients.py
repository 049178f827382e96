"""Known-wrong sigmoid-gate solution: df/dw_i uses w_i and df/dx_i uses x_i (the product's inputs not switched)."""

import numpy as np


def forward(w, x):
    return 1.0 / (1.0 + np.exp(-(w[0] * x[0] + w[1] * x[1] + w[2])))


def backward(w, x):
    f = forward(w, x)
    df_ds = f * (1.0 - f)
    return np.array([df_ds * w[0], df_ds * w[1], df_ds]), np.array([df_ds * x[0], df_ds * x[1]])
