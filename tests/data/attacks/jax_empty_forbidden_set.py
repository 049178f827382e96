# Hostile: empties the import guard's set of forbidden names, then imports jax (by a name built at run time) and answers with jax.vjp.
"""Would get 15/15 without writing a backward pass.

The guard and the audit hook both consult ``names``, an attribute the submission can replace.
The defence: jax is absent from the worker's view, so no import of it can succeed.
"""
import importlib
import sys

import numpy as np

for finder in sys.meta_path:
    if "Forbidden" in type(finder).__name__:
        finder.names = frozenset()

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
