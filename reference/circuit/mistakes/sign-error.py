"""Known-wrong circuit solution: every gradient has the wrong sign."""


def forward(x, y, z):
    return (x + y) * z


def backward(x, y, z):
    q = x + y
    return -z, -z, -q
