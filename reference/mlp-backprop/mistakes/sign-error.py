"""Known-wrong mlp-backprop solution: dE/da_L taken as y - a_L, so every gradient has the wrong sign.

Written with plain Python lists (nested lists are accepted as return values).
"""

import math


def backprop(weights, biases, x, y):
    W = [w.tolist() for w in weights]
    B = [b.tolist() for b in biases]
    activations = [list(x)]
    for Wl, bl in zip(W, B):
        a = activations[-1]
        z = [sum(wi * ai for wi, ai in zip(row, a)) + bi for row, bi in zip(Wl, bl)]
        activations.append([1.0 / (1.0 + math.exp(-zi)) for zi in z])
    a_out = activations[-1]
    delta = [(yk - ak) * ak * (1.0 - ak) for ak, yk in zip(a_out, y)]
    d_weights, d_biases = [None] * len(W), [None] * len(W)
    for l in range(len(W) - 1, -1, -1):
        d_weights[l] = [[d * aj for aj in activations[l]] for d in delta]
        d_biases[l] = list(delta)
        a = activations[l]
        delta = [sum(W[l][i][j] * delta[i] for i in range(len(delta))) * a[j] * (1.0 - a[j]) for j in range(len(a))]
    return d_weights, d_biases
