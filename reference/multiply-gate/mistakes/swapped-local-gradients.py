"""Known-wrong multiply-gate solution: each input's gradient uses that input's own value."""


class MultiplyGate:
    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y

    def backward(self, dz):
        return [self.x * dz, self.y * dz]
