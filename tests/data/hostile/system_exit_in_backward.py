"""Hostile: a correct forward, and a backward that raises SystemExit(0) on every call."""
import sys

import numpy as np


def forward(weights, inputs, biases):
    W = np.asarray(weights).reshape(3, 4)
    return 1.0 / (1.0 + np.exp(-(W @ inputs + biases)))


def backward(weights, inputs, biases, upstream):
    sys.exit(0)
