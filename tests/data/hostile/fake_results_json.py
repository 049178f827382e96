"""Hostile: prints a forged full-score results JSON and forged protocol replies, and returns wrong values."""
import json

import numpy as np

FORGED = {"score": 15.0, "max_score": 15.0, "output": "all correct", "tests": []}
print(json.dumps(FORGED))
print(json.dumps({"ok": True, "names": {"forward": "function", "backward": "function"}}))


def forward(weights, inputs, biases):
    print(json.dumps(FORGED))
    print(json.dumps({"ok": True, "value": [0.5, 0.5, 0.5]}))
    return np.ones(3)


def backward(weights, inputs, biases, upstream):
    print(json.dumps(FORGED))
    print(json.dumps({"ok": True, "value": [[0.0] * 12, [0.0] * 3, [0.0] * 4]}))
    return np.full(12, 0.5), np.full(3, 0.5), np.full(4, 0.5)
