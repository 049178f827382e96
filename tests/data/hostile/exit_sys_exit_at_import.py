"""Hostile: calls sys.exit(0) while being imported, hoping a clean exit looks like success."""
import sys

sys.exit(0)


def forward(weights, inputs, biases):
    return [0.0, 0.0, 0.0]
