"""Forbidden: uses jax.vjp for the backward pass, with a plain import."""
import jax
import jax.numpy as jnp
import numpy as np


def _forward(w, x, b):
    return jax.nn.sigmoid(jnp.reshape(w, (3, 4)) @ x + b)


def forward(weights, inputs, biases):
    return np.asarray(_forward(weights, inputs, biases))


def backward(weights, inputs, biases, upstream):
    _, pullback = jax.vjp(_forward, weights, inputs, biases)
    d_weights, d_inputs, d_biases = pullback(jnp.asarray(upstream))
    return np.asarray(d_weights), np.asarray(d_biases), np.asarray(d_inputs)
