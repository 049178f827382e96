def forward(x, y, z):
    """f = (x + y) * z for three floats; returns a float."""
    raise NotImplementedError("compute q = x + y, then f")


def backward(x, y, z):
    """(df/dx, df/dy, df/dz) for three floats: the gradient of f itself (df/df = 1)."""
    raise NotImplementedError("backpropagate from f through the multiply gate, then the add gate")
