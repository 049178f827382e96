"""Hostile: returns objects of its own class, which pretend to be numbers and arrays."""


class Sneaky:
    def __float__(self):
        return 0.5

    def __len__(self):
        return 3

    def __getitem__(self, index):
        return 0.5

    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("should never be converted in the grader")


def forward(weights, inputs, biases):
    return Sneaky()


def backward(weights, inputs, biases, upstream):
    return Sneaky(), Sneaky(), Sneaky()
