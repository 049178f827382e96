import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def backprop(weights, biases, x, y):
    """Gradients of E = 0.5 * sum((a_L - y)**2) for an L-layer network with a sigmoid on every layer.

    weights: list of L arrays, weights[l] of shape (n_{l+1}, n_l)
    biases:  list of L arrays, biases[l] of shape (n_{l+1},)
    x: input, shape (n_0,);  y: target, shape (n_L,)

    Returns (d_weights, d_biases): two lists of L arrays, d_weights[l] shaped like
    weights[l] and d_biases[l] shaped like biases[l].
    """
    raise NotImplementedError("run the forward pass, then carry delta back layer by layer")
