"""Broken: returns dicts instead of arrays and tuples."""


def forward(weights, inputs, biases):
    return {"a1": 0.5, "a2": 0.5, "a3": 0.5}


def backward(weights, inputs, biases, upstream):
    return {"d_weights": [0.0] * 12, "d_biases": [0.0] * 3, "d_inputs": [0.0] * 4}
