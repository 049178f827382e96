"""Known-wrong circuit solution: at the multiply gate, df/dq = q and df/dz = z (each input's own value)."""


def forward(x, y, z):
    return (x + y) * z


def backward(x, y, z):
    q = x + y
    df_dq, df_dz = q, z
    return df_dq, df_dq, df_dz
