"""Broken: returns strings that are not numbers."""


def forward(weights, inputs, biases):
    return "a1 a2 a3"


def backward(weights, inputs, biases, upstream):
    return "dW", ["db1", "db2", "db3"], "dx"
