# Broken: this file is Latin-1, not UTF-8 (café below is byte 0xe9).
# café
def forward(weights, inputs, biases):
    return [0.0, 0.0, 0.0]
