"""Hostile: computes the right answers, then returns them as decimal strings ("0.0517...").

numpy converts such text to numbers (np.array(["0.5"], dtype=float) is array([0.5])), so a grader
that converts without looking would give full marks to text.  Answers are numbers: no credit.
"""
import numpy as np


def _as_text(values):
    return [repr(float(v)) for v in np.asarray(values, dtype=float).reshape(-1)]


def _forward(weights, inputs, biases):
    W = np.asarray(weights, dtype=float).reshape(3, 4)
    return 1.0 / (1.0 + np.exp(-(W @ inputs + biases)))


def forward(weights, inputs, biases):
    return _as_text(_forward(weights, inputs, biases))


def backward(weights, inputs, biases, upstream):
    W = np.asarray(weights, dtype=float).reshape(3, 4)
    a = _forward(weights, inputs, biases)
    d_z = upstream * a * (1.0 - a)
    return _as_text(np.outer(d_z, inputs)), _as_text(d_z), _as_text(W.T @ d_z)
