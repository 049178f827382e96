"""Known-wrong multiply-gate solution: both gradients have the wrong sign."""


class MultiplyGate:
    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y

    def backward(self, dz):
        return [-self.y * dz, -self.x * dz]
