"""Known-wrong twelve-weights solution: backward assumes upstream = ones. Returns plain lists."""

import math


def forward(weights, inputs, biases):
    return [
        1.0 / (1.0 + math.exp(-(sum(weights[4 * i + j] * inputs[j] for j in range(4)) + biases[i])))
        for i in range(3)
    ]


def backward(weights, inputs, biases, upstream):
    a = forward(weights, inputs, biases)
    d_z = [a[i] * (1.0 - a[i]) for i in range(3)]
    d_weights = [d_z[i] * inputs[j] for i in range(3) for j in range(4)]
    d_inputs = [sum(weights[4 * i + j] * d_z[i] for i in range(3)) for j in range(4)]
    return d_weights, d_z, d_inputs
