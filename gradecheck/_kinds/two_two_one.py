"""Kind ``two_two_one``: the seed's 2-2-1 sigmoid network without biases, one SGD step.

Weights ``w = (w1, ..., w6)`` numbered as in the lecture picture (see
:mod:`gradecheck._kinds._small_network`): w1: x1 -> h_a, w2: x1 -> h_b,
w3: x2 -> h_a, w4: x2 -> h_b, w5: h_a -> y, w6: h_b -> y.  ``target`` is a
float, ``y`` and ``E`` are 0-d; ``gradients`` returns ``dw`` (6,) and
``sgd_step`` returns ``w_new`` (6,).
"""

from __future__ import annotations

from gradecheck._kinds._small_network import NumberedSigmoidNetwork

KIND = NumberedSigmoidNetwork((2, 2, 1), biases=False)
