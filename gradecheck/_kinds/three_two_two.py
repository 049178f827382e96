"""Kind ``three_two_two``: the seed's 3-2-2 sigmoid network with biases, one SGD step.

Weights ``w = (w1, ..., w10)`` numbered as in the lecture (see
:mod:`gradecheck._kinds._small_network`): w1: x1 -> h_a, w2: x1 -> h_b,
w3: x2 -> h_a, w4: x2 -> h_b, w5: x3 -> h_a, w6: x3 -> h_b, w7: h_a -> y1,
w8: h_a -> y2, w9: h_b -> y1, w10: h_b -> y2; biases ``b = (b1, b2, b3, b4)``
of h_a, h_b, y1, y2.  ``target`` and ``y`` have shape (2,); ``gradients``
returns ``(dw (10,), db (4,))`` and ``sgd_step`` returns ``(w_new, b_new)``.
"""

from __future__ import annotations

from gradecheck._kinds._small_network import NumberedSigmoidNetwork

KIND = NumberedSigmoidNetwork((3, 2, 2), biases=True)
