"""Hostile: very slow code, a correct forward and a backward that sleeps for an hour."""
import time

import numpy as np


def forward(weights, inputs, biases):
    W = np.asarray(weights).reshape(3, 4)
    return 1.0 / (1.0 + np.exp(-(W @ inputs + biases)))


def backward(weights, inputs, biases, upstream):
    time.sleep(3600)
