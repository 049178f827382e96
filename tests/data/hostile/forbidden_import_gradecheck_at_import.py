"""Hostile: tries to import gradecheck (for its reference solution) at import time, through importlib
and a name built at run time; falls back to a correct numpy solution.  The attempt must cost the credit."""
import importlib

import numpy as np

try:
    cheat = importlib.import_module("".join(["grade", "check"]))
except ImportError:
    cheat = None


def forward(weights, inputs, biases):
    W = np.asarray(weights).reshape(3, 4)
    return 1.0 / (1.0 + np.exp(-(W @ inputs + biases)))


def backward(weights, inputs, biases, upstream):
    W = np.asarray(weights).reshape(3, 4)
    a = forward(weights, inputs, biases)
    d_z = upstream * a * (1 - a)
    return np.outer(d_z, inputs).reshape(12), d_z, W.T @ d_z
