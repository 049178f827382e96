# Hostile: replaces the import guard's refuse method with one that refuses nothing, then imports jax and answers with jax.vjp.
"""Would get 15/15 without writing a backward pass.

The audit hook calls the guard's ``refuse`` by attribute lookup, so an instance attribute wins.
The defence: jax is absent from the worker's view, so no import of it can succeed.
"""
import importlib
import sys

import numpy as np

for finder in sys.meta_path:
    if "Forbidden" in type(finder).__name__:
        finder.refuse = lambda fullname: None

ad = importlib.import_module("ja" + "x")
ad.config.update("jax_enable_x64", True)
adnp = importlib.import_module("ja" + "x.numpy")


def _forward(w, x, b):
    return ad.nn.sigmoid(adnp.reshape(w, (3, 4)) @ x + b)


def forward(weights, inputs, biases):
    return np.asarray(_forward(weights, inputs, biases))


def backward(weights, inputs, biases, upstream):
    _, pullback = ad.vjp(_forward, weights, inputs, biases)
    d_weights, d_inputs, d_biases = pullback(adnp.asarray(upstream))
    return np.asarray(d_weights), np.asarray(d_biases), np.asarray(d_inputs)
