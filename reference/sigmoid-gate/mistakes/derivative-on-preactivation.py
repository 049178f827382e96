"""Known-wrong sigmoid-gate solution: the sigmoid's derivative is computed as s * (1 - s) from the sum s."""

import numpy as np


def forward(w, x):
    return 1.0 / (1.0 + np.exp(-(w[0] * x[0] + w[1] * x[1] + w[2])))


def backward(w, x):
    s = w[0] * x[0] + w[1] * x[1] + w[2]
    df_ds = s * (1.0 - s)
    return [df_ds * x[0], df_ds * x[1], df_ds], [df_ds * w[0], df_ds * w[1]]
