"""Hostile: games "credit carries forward" with a backward of random numbers and a forward tuned to them.

backward returns seeded random numbers that have nothing to do with the layer; forward is linear with
those same numbers as its slopes (for the given upstream of ones), so its finite differences "agree"
with the backward.  It must earn nothing: a random backward is no attempt at the method.
"""
import numpy as np


def _random():
    rng = np.random.default_rng(20240509)
    return rng.uniform(-1, 1, 12), rng.uniform(-1, 1, 3), rng.uniform(-1, 1, 4)


def forward(weights, inputs, biases):
    d_weights, d_biases, d_inputs = _random()
    weights, inputs, biases = (np.asarray(v, dtype=float) for v in (weights, inputs, biases))
    per_unit = (d_weights * weights).reshape(3, 4).sum(axis=1) + d_biases * biases
    return per_unit + np.sum(d_inputs * inputs) / 3.0


def backward(weights, inputs, biases, upstream):
    return _random()
