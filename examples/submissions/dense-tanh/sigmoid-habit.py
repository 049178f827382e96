# dense-tanh: the sigmoid's derivative a * (1 - a), out of habit
import numpy as np


def forward(weights, inputs, biases):
    W = np.reshape(weights, (2, 5))
    return np.tanh(W @ inputs + biases)


def backward(weights, inputs, biases, upstream):
    W = np.reshape(weights, (2, 5))
    a = forward(weights, inputs, biases)
    dz = upstream * a * (1 - a)
    return np.outer(dz, inputs).flatten(), dz, W.T @ dz
