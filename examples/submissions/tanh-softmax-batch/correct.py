# tanh-softmax-batch: forward pass keeps its intermediate results for backward
import numpy as np


def softmax(Z):
    Z = Z - np.max(Z, axis=1, keepdims=True)
    expZ = np.exp(Z)
    return expZ / np.sum(expZ, axis=1, keepdims=True)


def forward_pass(W1, b1, W2, b2, X):
    Z1 = X @ W1 + b1
    A1 = np.tanh(Z1)
    Z2 = A1 @ W2 + b2
    return A1, softmax(Z2)


def forward(W1, b1, W2, b2, X):
    return forward_pass(W1, b1, W2, b2, X)[1]


def loss(W1, b1, W2, b2, X, Y):
    P = forward(W1, b1, W2, b2, X)
    return -np.mean(np.sum(Y * np.log(P), axis=1))


def backward(W1, b1, W2, b2, X, Y):
    m = X.shape[0]
    A1, P = forward_pass(W1, b1, W2, b2, X)
    dZ2 = (P - Y) / m
    dW2 = A1.T @ dZ2
    db2 = np.sum(dZ2, axis=0)
    dA1 = dZ2 @ W2.T
    dZ1 = dA1 * (1 - A1 ** 2)
    dW1 = X.T @ dZ1
    db1 = np.sum(dZ1, axis=0)
    return dW1, db1, dW2, db2
