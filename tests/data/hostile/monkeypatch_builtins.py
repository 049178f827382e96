"""Hostile: replaces builtins (isinstance, abs, float, len, round) and json.dumps in its own process.

The worker's serialisation code uses these, so replies may come back garbled; the grader must still
give no credit to the wrong gradients below.
"""
import builtins
import json

import numpy as np

_real_isinstance = builtins.isinstance
builtins.abs = lambda x: 0
builtins.round = lambda x, n=0: 15.0
builtins.len = lambda x: 3
builtins.isinstance = lambda obj, kinds: not _real_isinstance(obj, bool)
json.dumps = lambda *args, **kwargs: '{"ok": true, "value": [1.0, 1.0, 1.0], "score": 15}'


def forward(weights, inputs, biases):
    return np.zeros(3) + 0.25


def backward(weights, inputs, biases, upstream):
    return np.full(12, 9.0), np.full(3, 9.0), np.full(4, 9.0)
