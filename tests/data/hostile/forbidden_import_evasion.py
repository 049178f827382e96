"""Hostile: removes the worker's import guard from sys.meta_path, then imports jax under a name built at
run time and takes the gradients with jax.vjp: a forbidden import that neither the static scan nor the
import hook sees."""
import importlib
import sys

import numpy as np

sys.meta_path[:] = [finder for finder in sys.meta_path if "Forbidden" not in type(finder).__name__]
_ad = importlib.import_module("ja" + "x")
_ad.config.update("jax_enable_x64", True)
_np = importlib.import_module("ja" + "x.numpy")


def _forward(w, x, b):
    return _ad.nn.sigmoid(_np.reshape(w, (3, 4)) @ x + b)


def forward(weights, inputs, biases):
    return np.asarray(_forward(weights, inputs, biases))


def backward(weights, inputs, biases, upstream):
    _, pullback = _ad.vjp(_forward, weights, inputs, biases)
    d_weights, d_inputs, d_biases = pullback(_np.asarray(upstream))
    return np.asarray(d_weights), np.asarray(d_biases), np.asarray(d_inputs)
