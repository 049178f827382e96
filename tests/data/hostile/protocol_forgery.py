"""Hostile: writes forged protocol replies straight to every pipe it inherited (the grader's channel).

The worker keeps the protocol on private duplicates of stdin/stdout, but they are still open in the
submission's own process.  A forged reply can only carry values the submission could have returned
anyway; the grader must stay in control and give no unearned credit.
"""
import json
import os
import stat

FORGED = [
    {"ok": True, "names": {"forward": "function", "backward": "function"}, "forbidden_attempts": []},
    {"ok": True, "value": [0.5, 0.5, 0.5]},
    {"ok": True, "value": [[0.0] * 12, [0.0] * 3, [0.0] * 4]},
]
for fd in range(3, 64):
    try:
        if not stat.S_ISFIFO(os.fstat(fd).st_mode):
            continue
        for reply in FORGED:
            os.write(fd, (json.dumps(reply) + "\n").encode())
    except OSError:
        pass


def forward(weights, inputs, biases):
    return [0.5, 0.5, 0.5]


def backward(weights, inputs, biases, upstream):
    return [1.0] * 12, [1.0] * 3, [1.0] * 4
