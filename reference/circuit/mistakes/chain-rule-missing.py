"""Known-wrong circuit solution: the add gate's local gradients are not multiplied by df/dq = z."""


def forward(x, y, z):
    return (x + y) * z


def backward(x, y, z):
    return 1.0, 1.0, x + y
