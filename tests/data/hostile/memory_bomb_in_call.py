"""Hostile: a correct forward, and a backward that asks for a 1 TB array (a memory bomb inside a call)."""
import numpy as np


def forward(weights, inputs, biases):
    W = np.asarray(weights).reshape(3, 4)
    return 1.0 / (1.0 + np.exp(-(W @ inputs + biases)))


def backward(weights, inputs, biases, upstream):
    scratch = np.ones(125_000_000_000)
    return scratch[:12], scratch[:3], scratch[:4]
