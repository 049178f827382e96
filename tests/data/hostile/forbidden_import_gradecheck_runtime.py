"""Hostile: looks for the answers by importing gradecheck (its reference solution) with importlib
and a name built at run time, inside backward; falls back to a wrong answer when refused."""
import importlib

import numpy as np

PACKAGE = "".join(["grade", "check"])


def forward(weights, inputs, biases):
    W = np.asarray(weights).reshape(3, 4)
    return 1.0 / (1.0 + np.exp(-(W @ inputs + biases)))


def backward(weights, inputs, biases, upstream):
    try:
        reference = importlib.import_module(PACKAGE + ".reference")
        return reference.backward(weights, inputs, biases, upstream)
    except ImportError:
        return np.zeros(12), np.zeros(3), np.zeros(4)
