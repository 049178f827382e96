"""Credit carries forward per kind: only for the reference's method applied to the submission's own forward.

Each kind that carries credit implements ``backward_from_forward``; with the reference's own forward
outputs it must give the reference's backward outputs (else a right-method submission with a wrong
forward would be judged by a wrong rule).  A genuine attempt (a wrong forward, and a backward that
applies the method to that forward's outputs) keeps its backward credit; a backward of zeros with a
forward of ``1e-8 * sum(args)`` (which finite differences of the own forward used to reward) gets none.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from gradecheck._exercises import exercise_ids, load_exercise
from gradecheck._grading import _hidden_sample, item_elements
from gradecheck._kinds import kind_of

CARRIED = "from your own (wrong) forward pass"


def failed_tests(result: dict[str, Any]) -> set[str]:
    return {test["name"] for test in result["tests"] if test["status"] == "failed"}


# -- genuine attempts: a wrong forward, and a backward that applies the method to its outputs ---------

GENUINE = {
    # The output bias is subtracted; backward takes y from that forward, the rest is right.
    "relu-sigmoid": '''
import numpy as np

def forward(W1, b1, W2, b2, x):
    a1 = np.maximum(W1 @ x + b1, 0.0)
    return 1.0 / (1.0 + np.exp(-(W2 @ a1 - b2)[0]))

def loss(W1, b1, W2, b2, x, t):
    y = forward(W1, b1, W2, b2, x)
    return -(t * np.log(y) + (1.0 - t) * np.log(1.0 - y))

def backward(W1, b1, W2, b2, x, t):
    z1 = W1 @ x + b1
    a1 = np.maximum(z1, 0.0)
    delta2 = np.array([forward(W1, b1, W2, b2, x) - t])
    delta1 = (W2.T @ delta2) * (z1 > 0)
    return np.outer(delta1, x), delta1, np.outer(delta2, a1), delta2
''',
    # The bias is forgotten in the forward; gradients apply the rule to that y.
    "single-neuron": '''
import numpy as np

def forward(w, b, X):
    return 1.0 / (1.0 + np.exp(-(X @ w)))

def loss(w, b, X, t):
    return 0.5 * np.mean((forward(w, b, X) - t) ** 2)

def gradients(w, b, X, t):
    y = forward(w, b, X)
    r = (y - t) * y * (1.0 - y) / len(t)
    return X.T @ r, np.sum(r)
''',
    # The bias w2 is forgotten in the forward; backward applies f * (1 - f) to that f.
    "sigmoid-gate": '''
import numpy as np

def forward(w, x):
    return 1.0 / (1.0 + np.exp(-(w[0] * x[0] + w[1] * x[1])))

def backward(w, x):
    f = forward(w, x)
    s = f * (1.0 - f)
    return np.array([s * x[0], s * x[1], s]), np.array([s * w[0], s * w[1]])
''',
    # The softmax normalises with an extra 1 in the sum; backward is p - onehot with that p.
    "softmax-cross-entropy": '''
import numpy as np

def softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max())
    return e / (e.sum() + 0.5)

def loss(z, label):
    return -np.log(softmax(z)[label])

def backward(z, label):
    d_z = softmax(z)
    d_z[label] -= 1.0
    return d_z
''',
    # The weights are read row by row (unit by receiving unit), not in the statement's numbering;
    # everything after is backprop done right for that network.
    "three-two-two": '''
import numpy as np

def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))

def _layers(w, b):
    return np.reshape(w[:6], (2, 3)), np.asarray(b[:2]), np.reshape(w[6:], (2, 2)), np.asarray(b[2:])

def forward(w, b, x):
    W1, b1, W2, b2 = _layers(w, b)
    return sigmoid(W2 @ sigmoid(W1 @ x + b1) + b2)

def loss(w, b, x, target):
    return 0.5 * np.sum((np.asarray(target) - forward(w, b, x)) ** 2)

def gradients(w, b, x, target):
    W1, b1, W2, b2 = _layers(w, b)
    h = sigmoid(W1 @ x + b1)
    y = sigmoid(W2 @ h + b2)
    delta_y = (y - target) * y * (1.0 - y)
    delta_h = (W2.T @ delta_y) * h * (1.0 - h)
    dw = np.concatenate([np.outer(delta_h, x).reshape(6), np.outer(delta_y, h).reshape(4)])
    return dw, np.concatenate([delta_h, delta_y])

def sgd_step(w, b, x, target, learning_rate):
    dw, db = gradients(w, b, x, target)
    return np.asarray(w) - learning_rate * dw, np.asarray(b) - learning_rate * db
''',
}

#: Exercise -> (forward outputs that are wrong, backward outputs that keep their credit) for GENUINE.
GENUINE_OUTPUTS = {
    "relu-sigmoid": ({"y", "E"}, {"dW1", "db1", "dW2", "db2"}),
    "single-neuron": ({"y", "J"}, {"dw", "db"}),
    "sigmoid-gate": ({"f"}, {"d_w", "d_x"}),
    "softmax-cross-entropy": ({"p", "L"}, {"d_z"}),
    "three-two-two": ({"y", "E"}, {"dw", "db"}),
}

# -- gaming: a backward of zeros, with a forward (and loss) of 1e-8 * sum(args) ---------------------

TINY = "1e-8 * sum(float(np.sum(a)) for a in args)"
ZEROS = {
    "relu-sigmoid": f'''
import numpy as np

def forward(*args):
    return {TINY}

def loss(*args):
    return {TINY}

def backward(W1, b1, W2, b2, x, t):
    return np.zeros((4, 3)), np.zeros(4), np.zeros((1, 4)), np.zeros(1)
''',
    "single-neuron": f'''
import numpy as np

def forward(*args):
    return np.full(len(args[2]), {TINY})

def loss(*args):
    return {TINY}

def gradients(w, b, X, t):
    return np.zeros(len(w)), 0.0
''',
    "sigmoid-gate": f'''
import numpy as np

def forward(*args):
    return {TINY}

def backward(w, x):
    return np.zeros(3), np.zeros(2)
''',
    "softmax-cross-entropy": f'''
import numpy as np

def softmax(*args):
    return np.full(len(args[0]), {TINY})

def loss(*args):
    return {TINY}

def backward(z, label):
    return np.zeros(len(z))
''',
    "three-two-two": f'''
import numpy as np

def forward(*args):
    return np.full(2, {TINY})

def loss(*args):
    return {TINY}

def gradients(w, b, x, target):
    return np.zeros(10), np.zeros(4)

def sgd_step(w, b, x, target, learning_rate):
    return w, b
''',
    "two-two-one": f'''
import numpy as np

def forward(*args):
    return {TINY}

def loss(*args):
    return {TINY}

def gradients(w, x, target):
    return np.zeros(6)

def sgd_step(w, x, target, learning_rate):
    return w
''',
}

#: Exercise -> the backward outputs whose credit can carry forward.
BACKWARD_OUTPUTS = {
    "twelve-weights": {"d_weights", "d_biases", "d_inputs"},
    "twelve-weights-variants": {"d_weights", "d_biases", "d_inputs"},
    "relu-sigmoid": {"dW1", "db1", "dW2", "db2"},
    "single-neuron": {"dw", "db"},
    "sigmoid-gate": {"d_w", "d_x"},
    "softmax-cross-entropy": {"d_z", "d_z_large"},
    "two-two-one": {"dw"},
    "three-two-two": {"dw", "db"},
}
CARRYING = [e for e in exercise_ids() if kind_of(load_exercise(e)).carry_from]


def _given_tests(exercise_id: str, keys: set[str]) -> set[str]:
    """The names of the given-value tests of the items that compare any of ``keys``."""
    exercise = load_exercise(exercise_id)
    kind = kind_of(exercise)
    expected = kind.expected(kind.given_instance(exercise.given))
    names: set[str] = set()
    for item in exercise.items:
        if item.instance == "given" and set(item.outputs) & keys:
            names.update(item_elements(item, expected)[0] if item.elements else [item.name])
    return names


def test_every_kind_whose_backward_uses_its_forward_carries() -> None:
    assert sorted(CARRYING) == sorted(BACKWARD_OUTPUTS)
    for exercise_id in CARRYING:
        kind = kind_of(load_exercise(exercise_id))
        instance = kind.given_instance(load_exercise(exercise_id).given)
        assert {key for rule in kind.backward_from_forward(instance, kind.expected(instance)) for key in rule} == (
            BACKWARD_OUTPUTS[exercise_id]
        )
    for exercise_id in set(exercise_ids()) - set(CARRYING):  # circuit, multiply-gate, activations, mlp-backprop
        kind = kind_of(load_exercise(exercise_id))
        instance = kind.given_instance(load_exercise(exercise_id).given)
        assert kind.backward_from_forward(instance, kind.expected(instance)) == []


def _instances(exercise_id: str) -> list[dict[str, Any]]:
    """The given instance and the first ten of the first hidden sample."""
    exercise = load_exercise(exercise_id)
    kind = kind_of(exercise)
    hidden = next(item for item in exercise.items if item.instance == "hidden")
    return [kind.given_instance(exercise.given)] + [i for i, _ in _hidden_sample(exercise, kind, hidden)[:10]]


@pytest.mark.parametrize("exercise_id", CARRYING)
def test_the_method_applied_to_the_reference_forward_gives_the_reference_backward(exercise_id: str) -> None:
    kind = kind_of(load_exercise(exercise_id))
    for instance in _instances(exercise_id):
        expected = kind.expected(instance)
        own = {key: expected[key] for key in kind.carry_from}
        rules = kind.backward_from_forward(instance, own)
        assert rules, "no rule for the reference's own forward"
        for key, value in rules[0].items():  # the statement's reading comes first
            np.testing.assert_allclose(
                np.reshape(value, np.shape(expected[key])), expected[key], rtol=1e-9, atol=1e-12, err_msg=key
            )


@pytest.mark.parametrize(
    ("exercise_id", "mistake"),
    [
        ("twelve-weights", "transposed-weight-layout"),
        ("two-two-one", "weight-numbering-mixed-up"),
        ("three-two-two", "weight-numbering-mixed-up"),
    ],
)
def test_a_catalogued_wrong_reading_of_the_parameters_is_the_submissions_own(exercise_id: str, mistake: str) -> None:
    """Given a forward that reads the parameters the wrong way, the backward done right for that reading is a rule."""
    kind = kind_of(load_exercise(exercise_id))
    for instance in _instances(exercise_id):
        expected, wrong = kind.expected(instance), kind.mistaken(instance, mistake)
        own = {key: np.reshape(wrong[key], np.shape(expected[key])) for key in kind.carry_from}
        rules = kind.backward_from_forward(instance, own)
        assert any(
            all(np.allclose(value, np.reshape(wrong[key], np.shape(value)), rtol=1e-9, atol=1e-12) for key, value in rule.items())
            for rule in rules
        )


@pytest.mark.parametrize("exercise_id", sorted(GENUINE))
def test_a_genuine_attempt_with_a_wrong_forward_keeps_its_backward_credit(grade: Any, exercise_id: str) -> None:
    forward_keys, backward_keys = GENUINE_OUTPUTS[exercise_id]
    assert backward_keys <= BACKWARD_OUTPUTS[exercise_id]
    forward, backward = _given_tests(exercise_id, forward_keys), _given_tests(exercise_id, backward_keys)
    result = grade(exercise_id, GENUINE[exercise_id])
    tests = {test["name"]: test for test in result["tests"]}
    assert forward and all(tests[name]["status"] == "failed" for name in forward)
    assert backward and all(tests[name]["status"] == "passed" for name in backward)
    carried = {name for name in backward if CARRIED in tests[name]["output"] or "carried forward" in tests[name]["output"]}
    # The rest are right anyway: 0 where a ReLU unit is off in both forwards.
    assert carried and all(tests[name]["output"].endswith("is correct") for name in backward - carried)


@pytest.mark.parametrize("exercise_id", sorted(ZEROS))
def test_a_backward_of_zeros_with_a_tiny_forward_gets_no_credit(grade: Any, exercise_id: str) -> None:
    result = grade(exercise_id, ZEROS[exercise_id])
    assert all("carried forward" not in t["output"] and CARRIED not in t["output"] for t in result["tests"])
    backward = _given_tests(exercise_id, BACKWARD_OUTPUTS[exercise_id])
    credited = [t for t in result["tests"] if t["name"] in backward and t["score"] > 0]
    # Only where the right answer happens to be 0 (a ReLU unit that is off): that is right, not carried.
    assert backward and all(t["output"].endswith("is correct") for t in credited)
