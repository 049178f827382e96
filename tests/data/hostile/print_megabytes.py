"""Hostile: prints about 8 MB per call (under the file-size limit), with a wrong (sign-flipped) backward."""
import numpy as np

print("x" * 1_000_000)


def forward(weights, inputs, biases):
    W = np.asarray(weights).reshape(3, 4)
    return 1.0 / (1.0 + np.exp(-(W @ inputs + biases)))


def backward(weights, inputs, biases, upstream):
    print("spam " * 1_600_000)
    W = np.asarray(weights).reshape(3, 4)
    a = forward(weights, inputs, biases)
    d_z = -upstream * a * (1 - a)
    return np.outer(d_z, inputs).reshape(12), d_z, W.T @ d_z
