# dense-tanh: the flat weights read column by column (unit i gets weights i, i + 2, i + 4, ...)
import numpy as np


def forward(weights, inputs, biases):
    W = np.reshape(weights, (5, 2)).T
    return np.tanh(W @ inputs + biases)


def backward(weights, inputs, biases, upstream):
    W = np.reshape(weights, (5, 2)).T
    a = forward(weights, inputs, biases)
    dz = upstream * (1 - a ** 2)
    return np.outer(dz, inputs).T.flatten(), dz, W.T @ dz
