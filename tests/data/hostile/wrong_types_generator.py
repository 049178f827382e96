"""Broken: returns generators instead of arrays."""


def forward(weights, inputs, biases):
    return (0.5 for _ in range(3))


def backward(weights, inputs, biases, upstream):
    return (0.0 for _ in range(12)), (0.0 for _ in range(3)), (0.0 for _ in range(4))
