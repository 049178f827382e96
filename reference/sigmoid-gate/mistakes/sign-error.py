"""Known-wrong sigmoid-gate solution: d(1/u)/du taken as +1/u**2, which flips every gradient's sign."""

import math


def forward(w, x):
    return 1.0 / (1.0 + math.exp(-(w[0] * x[0] + w[1] * x[1] + w[2])))


def backward(w, x):
    s = w[0] * x[0] + w[1] * x[1] + w[2]
    u = 1.0 + math.exp(-s)
    d_u = 1.0 / u**2  # should be -1 / u**2
    df_ds = d_u * math.exp(-s) * -1.0
    return [df_ds * x[0], df_ds * x[1], df_ds], [df_ds * w[0], df_ds * w[1]]
