"""The grading engine, on the twelve-weights exercise (DESIGN.md C2, C3)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pytest

from gradecheck._exercises import load_exercise, reference_dir
from gradecheck._grading import GradingError, element_names, forbidden_imports_in, grade_file, grade_source, rounding_atol
from gradecheck._kinds import kind_of
from gradecheck._sandbox import Limits

EXERCISE = load_exercise("twelve-weights")
HIDDEN = "hidden: random weights, inputs, biases and upstream gradients"

LISTS_SOLUTION = '''
import math

def forward(weights, inputs, biases):
    return [1 / (1 + math.exp(-(sum(weights[4 * i + j] * inputs[j] for j in range(4)) + biases[i]))) for i in range(3)]

def backward(weights, inputs, biases, upstream):
    a = forward(weights, inputs, biases)
    d_z = [upstream[i] * a[i] * (1 - a[i]) for i in range(3)]
    return ([d_z[i] * inputs[j] for i in range(3) for j in range(4)], d_z,
            [sum(weights[4 * i + j] * d_z[i] for i in range(3)) for j in range(4)])
'''

TANH_FORWARD = '''
import numpy as np

def forward(weights, inputs, biases):
    return np.tanh(np.reshape(weights, (3, 4)) @ inputs + biases)

def backward(weights, inputs, biases, upstream):
    W = np.reshape(weights, (3, 4))
    a = forward(weights, inputs, biases)
    d_z = upstream * (1 - a ** 2)
    return np.outer(d_z, inputs).ravel(), d_z, W.T @ d_z
'''


BIAS_FORGOTTEN = '''
import numpy as np

def forward(weights, inputs, biases):
    return 1 / (1 + np.exp(-(np.reshape(weights, (3, 4)) @ inputs)))

def backward(weights, inputs, biases, upstream):
    W = np.reshape(weights, (3, 4))
    a = forward(weights, inputs, biases)
    d_z = upstream * a * (1 - a)
    return np.outer(d_z, inputs).ravel(), d_z, W.T @ d_z
'''

TRANSPOSED_LAYOUT = '''
import numpy as np

def forward(weights, inputs, biases):
    W = np.reshape(weights, (4, 3)).T
    return 1 / (1 + np.exp(-(W @ inputs + biases)))

def backward(weights, inputs, biases, upstream):
    W = np.reshape(weights, (4, 3)).T
    a = 0.5 * (1 + np.tanh(0.5 * (W @ inputs + biases)))
    d_z = upstream * a * (1 - a)
    return np.outer(d_z, inputs).T.ravel(), d_z, W.T @ d_z
'''

BACKWARD_NAMES = [f"dL/dW[{i},{j}]" for i in range(3) for j in range(4)] + [f"dL/db[{i}]" for i in range(3)] + [
    f"dL/dx[{j}]" for j in range(4)
]
CARRIED = "your own (wrong) forward"


def grade(source: str, **options: Any) -> dict[str, Any]:
    return grade_source(EXERCISE, source, "submission.py", **options)


def by_name(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {test["name"]: test for test in result["tests"]}


def reference_source() -> str:
    return (reference_dir(EXERCISE.directory) / "solution.py").read_text()


def test_results_follow_the_gradescope_format() -> None:
    result = grade(reference_source())
    assert set(result) == {"score", "max_score", "execution_time", "output", "tests", "gradecheck"}
    for test in result["tests"]:
        assert set(test) == {"name", "score", "max_score", "status", "output", "visibility"}
        assert test["status"] in ("passed", "failed") and test["visibility"] == "visible"
    assert result["gradecheck"]["exercise"] == "twelve-weights"
    assert result["score"] == result["max_score"] == EXERCISE.max_score
    json.dumps(result, allow_nan=False)


def test_each_weight_gradient_is_an_item_named_like_the_design_sample() -> None:
    tests = by_name(grade(reference_source()))
    names = [f"dL/dW[{i},{j}]" for i in range(3) for j in range(4)]
    assert all(name in tests for name in names)
    assert sum(tests[name]["max_score"] for name in names) == pytest.approx(6.0)


def test_plain_python_lists_get_full_marks() -> None:
    result = grade(LISTS_SOLUTION)
    assert result["score"] == result["max_score"]


def test_ignoring_upstream_passes_the_given_values_but_fails_hidden_items() -> None:
    source = LISTS_SOLUTION.replace("upstream[i] * a[i]", "a[i]")
    tests = by_name(grade(source))
    hidden = tests.pop(HIDDEN)
    assert all(test["status"] == "passed" for test in tests.values())
    assert hidden["status"] == "failed" and hidden["score"] == 0
    assert "upstream" in hidden["output"]


def test_hidden_failures_show_the_instance_but_never_expected_values() -> None:
    source = LISTS_SOLUTION.replace("upstream[i] * a[i]", "a[i]")
    output = by_name(grade(source))[HIDDEN]["output"]
    assert "Smallest failing instance" in output and "upstream = " in output
    assert "expected" not in output.lower()


def test_a_wrong_element_costs_only_that_element() -> None:
    source = reference_source().replace("return d_weights, d_z, W.T @ d_z", "d_weights[9] += 0.1\n    return d_weights, d_z, W.T @ d_z")
    result = grade(source)
    failed = [t["name"] for t in result["tests"] if t["status"] == "failed"]
    assert failed == ["dL/dW[2,1]", HIDDEN]
    assert result["score"] == pytest.approx(EXERCISE.max_score - 0.5 - 5)
    assert "expected 0.201942, got 0.301942" in by_name(result)["dL/dW[2,1]"]["output"]


def test_credit_carries_forward_past_a_wrong_forward() -> None:
    # The forward forgets the biases; backward applies the sigmoid's rule to that forward's a.
    result = grade(BIAS_FORGOTTEN)
    tests = by_name(result)
    assert all(tests[f"a[{i}]"]["status"] == "failed" for i in range(3))
    assert all(tests[name]["status"] == "passed" and CARRIED in tests[name]["output"] for name in BACKWARD_NAMES)
    assert tests[HIDDEN]["status"] == "failed"
    assert result["score"] == pytest.approx(8.5)


def test_credit_carries_forward_past_a_transposed_weight_layout() -> None:
    """W read column by column: its a is that layer's, so its intermediates (W, a) are that layer's too."""
    tests = by_name(grade(TRANSPOSED_LAYOUT))
    assert all(tests[f"a[{i}]"]["status"] == "failed" for i in range(3))
    assert all(tests[name]["status"] == "passed" for name in BACKWARD_NAMES)
    assert sum(CARRIED in tests[name]["output"] for name in BACKWARD_NAMES) >= 15


def test_no_carry_forward_when_the_backward_is_wrong_for_its_own_forward() -> None:
    tests = by_name(grade(BIAS_FORGOTTEN.replace("upstream * a * (1 - a)", "upstream * a")))
    assert all(tests[name]["status"] == "failed" for name in BACKWARD_NAMES)


def test_no_carry_forward_for_another_method_than_the_exercises() -> None:
    """A tanh layer differentiated right is consistent, but it is not the sigmoid's backward rule."""
    tests = by_name(grade(TANH_FORWARD))
    assert all(tests[name]["status"] == "failed" and CARRIED not in tests[name]["output"] for name in BACKWARD_NAMES)


# -- carry-forward cannot be gamed -------------------------------------------------------------

_GIVEN_ARGS = {key: np.asarray(EXERCISE.given[key], dtype=float) for key in ("weights", "inputs", "biases")}
_RNG = np.random.default_rng(7)
GAMING_BACKWARDS = {
    "zeros": (np.zeros(12), np.zeros(3), np.zeros(4)),
    "constants": (np.full(12, 0.1), np.full(3, 0.2), np.full(4, 0.3)),
    "random": (_RNG.uniform(-1, 1, 12), _RNG.uniform(-1, 1, 3), _RNG.uniform(-1, 1, 4)),
}
#: Forwards "tuned" to a backward (B_W, B_b, B_x) that returns fixed numbers: their finite differences,
#: with the given upstream of ones, are those numbers (the old carry-forward rule's test).
GAMING_FORWARDS = {
    # Linear with slopes B.
    "linear": "linear(weights, inputs, biases)",
    "constant": "np.array([0.3, 0.5, 0.7])",
    "tiny slope": "1e-8 * (np.sum(weights) + np.sum(inputs) + np.sum(biases)) * np.ones(3)",
    # Right (off by 1e-5) plus a linear term that makes its slope B + 3e-8 at the given values.
    "almost correct": (
        "sigmoid(z) + 1e-5 - sigmoid(z0) * (1 - sigmoid(z0)) * (z - z0) + linear(weights, inputs, biases) "
        "- linear(GIVEN_W, GIVEN_X, GIVEN_B) + 1e-8 * (np.sum(weights) + np.sum(inputs) + np.sum(biases))"
    ),
}


def _gamed(backward: tuple[np.ndarray, ...], forward: str) -> str:
    d_weights, d_biases, d_inputs = (repr(v.tolist()) for v in backward)
    return f'''
import numpy as np

B_W, B_B, B_X = np.array({d_weights}), np.array({d_biases}), np.array({d_inputs})
GIVEN_W = np.array({_GIVEN_ARGS["weights"].tolist()!r})
GIVEN_X = np.array({_GIVEN_ARGS["inputs"].tolist()!r})
GIVEN_B = np.array({_GIVEN_ARGS["biases"].tolist()!r})

def sigmoid(z):
    return 1 / (1 + np.exp(-z))

def linear(weights, inputs, biases):
    weights, inputs, biases = (np.asarray(v, dtype=float) for v in (weights, inputs, biases))
    return (B_W * weights).reshape(3, 4).sum(axis=1) + B_B * biases + np.sum(B_X * inputs) / 3

def forward(weights, inputs, biases):
    z = np.reshape(weights, (3, 4)) @ inputs + biases
    z0 = GIVEN_W.reshape(3, 4) @ GIVEN_X + GIVEN_B
    return {forward}

def backward(weights, inputs, biases, upstream):
    return B_W, B_B, B_X
'''


def _forward_score(result: dict[str, Any]) -> float:
    return sum(test["score"] for test in result["tests"] if test["name"].startswith("a["))


@pytest.mark.parametrize("forward", sorted(GAMING_FORWARDS))
@pytest.mark.parametrize("backward", sorted(GAMING_BACKWARDS))
def test_a_backward_of_numbers_earns_only_the_forwards_items_whatever_the_forward(backward: str, forward: str) -> None:
    result = grade(_gamed(GAMING_BACKWARDS[backward], GAMING_FORWARDS[forward]))
    assert all(CARRIED not in test["output"] and "carried" not in test["output"] for test in result["tests"])
    assert result["score"] == pytest.approx(_forward_score(result))


HOSTILE_CARRY = sorted((Path(__file__).parent / "data" / "hostile").glob("carry_forward_*.py"))


@pytest.mark.parametrize("path", HOSTILE_CARRY, ids=lambda path: path.stem)
def test_the_hostile_carry_forward_submissions_earn_only_their_forwards_items(path: Path) -> None:
    result = grade_file(EXERCISE, path)
    assert all(CARRIED not in test["output"] and "carried" not in test["output"] for test in result["tests"])
    assert result["score"] == pytest.approx(_forward_score(result))


def test_a_missing_activation_derivative_earns_no_more_with_a_linear_forward() -> None:
    mistake = reference_dir(EXERCISE.directory) / "mistakes" / "missing-activation-derivative.py"
    with_right_forward = grade(mistake.read_text())
    linear = mistake.read_text().replace("return 1.0 / (1.0 + np.exp(-(W @ inputs + biases)))", "return W @ inputs + biases")
    assert linear != mistake.read_text()
    with_linear_forward = grade(linear)
    assert with_right_forward["score"] == pytest.approx(1.5)  # the forward's a items
    assert with_linear_forward["score"] <= with_right_forward["score"]


def _hard_coded_backward(forward_elsewhere: str) -> str:
    """BIAS_FORGOTTEN, with its backward's answers on the given values written in as numbers; zeros elsewhere."""
    namespace: dict[str, Any] = {}
    exec(BIAS_FORGOTTEN, namespace)
    answers = [np.asarray(v).tolist() for v in namespace["backward"](*_GIVEN_ARGS.values(), np.ones(3))]
    given = [v.tolist() for v in _GIVEN_ARGS.values()]
    return BIAS_FORGOTTEN.replace("def forward(", "def _forward(").replace("def backward(", "def _backward(") + f'''

def _is_given(*args):
    return [np.asarray(v, dtype=float).tolist() for v in args] == {given!r}

def forward(weights, inputs, biases):
    if _is_given(weights, inputs, biases):
        return _forward(weights, inputs, biases)
    return {forward_elsewhere}

def backward(weights, inputs, biases, upstream):
    if _is_given(weights, inputs, biases):
        return tuple(np.array(v) for v in {answers!r})
    return np.zeros(12), np.zeros(3), np.zeros(4)
'''


@pytest.mark.parametrize(
    "forward_elsewhere",
    ["_forward(weights, inputs, biases)", "np.zeros(3)"],
    ids=["its forward elsewhere", "zeros elsewhere"],
)
def test_a_backward_fitted_to_the_given_values_does_not_carry(forward_elsewhere: str) -> None:
    """The hidden instances tell an attempt at the method from answers fitted to the given values.

    Elsewhere the backward returns zeros: wrong for its own forward, or (with a forward of zeros there,
    for which the method gives zeros) right but never informative.
    """
    result = grade(_hard_coded_backward(forward_elsewhere))
    assert all(CARRIED not in test["output"] for test in result["tests"])
    assert result["score"] == pytest.approx(_forward_score(result))


def test_missing_function_loses_only_its_items_with_a_clear_message() -> None:
    source = reference_source().split("def backward")[0]
    tests = by_name(grade(source))
    assert all(tests[f"a[{i}]"]["status"] == "passed" for i in range(3))
    message = tests["dL/db[0]"]["output"]
    assert "does not define backward(weights, inputs, biases, upstream)" in message


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("def forward(:\n", "SyntaxError"),
        ("import torch\n", "forbids"),
        ("from jax import grad\n", "forbids"),
        ("raise RuntimeError('boom at import')\n", "boom at import"),
    ],
)
def test_a_submission_that_cannot_load_gets_zero_and_the_reason(source: str, words: str) -> None:
    result = grade(source)
    assert result["score"] == 0 and result["max_score"] == EXERCISE.max_score
    assert words in result["gradecheck"]["error"]
    assert all(words in test["output"] for test in result["tests"])


def test_nan_and_wrong_shapes_are_explained() -> None:
    source = reference_source().replace("return d_weights, d_z, W.T @ d_z", "return d_weights[:5], d_z * float('nan'), W.T @ d_z")
    tests = by_name(grade(source))
    assert "should have shape (12,), got shape (5,)" in tests["dL/dW[0,0]"]["output"]
    assert "got nan" in tests["dL/db[0]"]["output"]
    assert tests["dL/dx[0]"]["status"] == "passed"


def test_a_slow_submission_times_out_with_a_message() -> None:
    source = reference_source() + "\nimport time\n_real = backward\ndef backward(*args):\n    time.sleep(30)\n"
    result = grade(source, limits=Limits(call_timeout=1, total_timeout=4))
    assert result["score"] == 1.5  # the three activations
    assert "Timed out" in by_name(result)["dL/db[0]"]["output"]


def test_self_check_runs_only_the_visible_given_items() -> None:
    result = grade(reference_source(), self_check=True)
    assert HIDDEN not in by_name(result)
    assert result["max_score"] == EXERCISE.max_score - 5


def test_grade_file_reads_notebooks_and_reports_broken_ones(tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("%matplotlib inline\n" + reference_source())]
    good = tmp_path / "good.ipynb"
    nbformat.write(notebook, good)
    result = grade_file(EXERCISE, good)
    assert result["score"] == result["max_score"]
    assert any("matplotlib" in note for note in result["gradecheck"]["notes"])
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json")
    result = grade_file(EXERCISE, broken)
    assert result["score"] == 0 and "not a valid notebook" in result["gradecheck"]["error"]
    assert len(result["tests"]) == len(grade_file(EXERCISE, good)["tests"])


def test_a_grader_failure_is_an_error_not_credit(monkeypatch: pytest.MonkeyPatch) -> None:
    kind = kind_of(EXERCISE)

    def broken(self: Any, instance: Any) -> Any:
        raise ZeroDivisionError("bug in the grader")

    monkeypatch.setattr(type(kind), "expected", broken)
    with pytest.raises(GradingError, match="bug in the grader"):
        grade(reference_source())


def test_rounding_tolerance_accepts_rounded_and_truncated_answers_only() -> None:
    exact = 0.076535
    assert abs(0.0765 - exact) <= rounding_atol(4)  # rounded
    assert abs(0.0764 - exact) <= rounding_atol(4)  # truncated after a rounded product
    assert abs(0.0012 - 0.001984) > rounding_atol(4)  # wrong


def test_static_forbidden_import_scan() -> None:
    source = "import numpy\nimport torch.nn as nn\nfrom jax.numpy import sum\nm = __import__('autograd')\n"
    assert forbidden_imports_in(source, ("torch", "jax", "autograd", "gradecheck")) == ["torch", "jax", "autograd"]
    assert forbidden_imports_in("import numpy as np\n", ("torch",)) == []


def test_element_names_follow_shape_or_pattern() -> None:
    item = next(i for i in EXERCISE.items if i.name == "dL/dW")
    assert element_names(item, (12,))[9] == "dL/dW[2,1]"
    pattern = type(item)(name="dE/dw{i1}", outputs=("x",), points=1, elements=True)
    assert element_names(pattern, (3,)) == ["dE/dw1", "dE/dw2", "dE/dw3"]


def test_worked_values_of_twelve_weights_match_finite_differences() -> None:
    kind = kind_of(EXERCISE)
    instance = kind.given_instance(EXERCISE.given)
    expected = kind.expected(instance)

    def loss(weights: np.ndarray) -> float:
        z = weights.reshape(3, 4) @ instance["inputs"] + instance["biases"]
        return float(np.sum(1 / (1 + np.exp(-z))))

    h = 1e-6
    numeric = [(loss(instance["weights"] + h * e) - loss(instance["weights"] - h * e)) / (2 * h) for e in np.eye(12)]
    np.testing.assert_allclose(expected["d_weights"], numeric, rtol=1e-7)
    assert round(float(expected["d_weights"][9]), 4) == 0.2019


def test_a_correct_submission_is_graded_without_a_hypothesis_search(monkeypatch: pytest.MonkeyPatch) -> None:
    import gradecheck._grading as grading

    grade(reference_source())  # draws the sample, if this process has not yet
    searches = []
    real_search = grading._hidden_search
    monkeypatch.setattr(grading, "_hidden_search", lambda *a: searches.append(a) or real_search(*a))
    result = grade(reference_source())
    assert result["score"] == result["max_score"]
    assert searches == []
    assert by_name(grade(TANH_FORWARD))[HIDDEN]["status"] == "failed"
    assert len(searches) == 1  # a wrong one gets the full search, which shrinks its counterexample


def test_a_submission_wrong_on_one_sampled_instance_fails_there_in_the_search_too() -> None:
    """The search draws the sample's instances in the sample's order, so the fallback finds the same failure."""
    from gradecheck._grading import _hidden_sample

    item = next(item for item in EXERCISE.items if item.name == HIDDEN)
    sample = _hidden_sample(EXERCISE, kind_of(EXERCISE), item)
    k = len(sample) // 2
    target = [np.asarray(sample[k][0][key], dtype=np.float64).tolist() for key in ("weights", "inputs", "biases", "upstream")]
    assert sum(
        [np.asarray(instance[key], dtype=np.float64).tolist() for key in ("weights", "inputs", "biases", "upstream")] == target
        for instance, _ in sample
    ) == 1
    source = reference_source() + f'''

_right_backward = backward

def backward(weights, inputs, biases, upstream):
    d_weights, d_biases, d_inputs = _right_backward(weights, inputs, biases, upstream)
    if [np.asarray(v, dtype=float).tolist() for v in (weights, inputs, biases, upstream)] == {target!r}:
        d_biases = 2 * np.asarray(d_biases)
    return d_weights, d_biases, d_inputs
'''
    hidden = by_name(grade(source))[HIDDEN]
    assert hidden["status"] == "failed"
    assert f"first failure at example {k + 1} of up to {item.examples}" in hidden["output"]
    assert "d_biases is wrong" in hidden["output"]


def _wrong_on_calls(calls: set[int]) -> str:
    """A correct twelve-weights solution whose backward doubles its answer on the given (1-based) calls."""
    return (
        "import numpy as np\n"
        "_calls = [0]\n"
        "def forward(weights, inputs, biases):\n"
        "    return 1 / (1 + np.exp(-(np.reshape(weights, (3, 4)) @ inputs + biases)))\n"
        "def backward(weights, inputs, biases, upstream):\n"
        "    _calls[0] += 1\n"
        "    a = forward(weights, inputs, biases)\n"
        f"    d_z = upstream * a * (1 - a) * (2.0 if _calls[0] in {sorted(calls)!r} else 1.0)\n"
        "    return np.outer(d_z, inputs).ravel(), d_z, np.reshape(weights, (3, 4)).T @ d_z\n"
    )


def test_a_submission_wrong_once_on_a_hidden_instance_loses_the_item_even_if_it_never_fails_again() -> None:
    # Call 1 is the given values; call 20 is the 19th hidden instance of the pre-drawn sample (the first
    # few are mostly zeros, which a doubled answer gets right).
    tests = by_name(grade(_wrong_on_calls({20})))
    assert tests[HIDDEN]["score"] == 0
    assert "change from call to call" in tests[HIDDEN]["output"] and "first failure at example 19" in tests[HIDDEN]["output"]
    assert tests["dL/dW[0,0]"]["score"] > 0


def test_an_inconsistent_failure_inside_the_search_is_a_failed_item_not_a_grader_error() -> None:
    # Wrong on the sample (call 20), then once inside the Hypothesis search, which replays the
    # failing instance and sees it pass: Hypothesis calls that flaky; the item fails with a note.
    sample = EXERCISE.items[-1].examples
    tests = by_name(grade(_wrong_on_calls({20, 20 + sample})))
    assert tests[HIDDEN]["score"] == 0 and "change from call to call" in tests[HIDDEN]["output"]


def test_an_endless_backward_spends_the_budget_once_and_says_so_in_the_result() -> None:
    source = reference_source() + "\ndef backward(*args):\n    while True:\n        pass\n"
    result = grade(source, limits=Limits(total_timeout=3))
    tests = by_name(result)
    assert result["score"] == 1.5  # the three activations, graded before the loop
    info = result["gradecheck"]
    assert info["error_kind"] == "timeout"
    assert "while calling backward(), when the submission's time budget (3 s in all, loading included) ran out" in info["error"]
    assert info["error"] in result["output"]
    not_run = "Not run: the submission's time budget (3 s) was spent while calling backward(), which did not finish."
    assert tests["dL/dW[0,0]"]["output"] == tests["dL/db[0]"]["output"] == info["error"]  # the call that timed out
    assert tests[HIDDEN]["output"].startswith(not_run)


# ---------------------------------------------------------------------------
# Hints: only on wrong answers, and a hint with hint_for only beside its diagnosis
# ---------------------------------------------------------------------------

UPSTREAM_HINT = "Hint: backward receives an arbitrary upstream gradient dL/da, not always ones."
FORWARD_ONLY = """
import numpy as np

def forward(weights, inputs, biases):
    return 1.0 / (1.0 + np.exp(-(np.asarray(weights).reshape(3, 4) @ inputs + biases)))
"""


def _mistake(name: str) -> str:
    return (reference_dir(EXERCISE.directory) / "mistakes" / f"{name}.py").read_text()


def test_a_hint_for_a_mistake_is_shown_where_that_mistake_is_diagnosed() -> None:
    result = grade(_mistake("upstream-ignored"))
    assert result["gradecheck"]["mistakes"] == ["upstream-ignored"]
    assert UPSTREAM_HINT in by_name(result)[HIDDEN]["output"]


@pytest.mark.parametrize("mistake", ["missing-activation-derivative", "sign-error"])
def test_a_hint_for_a_mistake_is_not_shown_beside_another_diagnosis(mistake: str) -> None:
    result = grade(_mistake(mistake))
    assert result["gradecheck"]["mistakes"] == [mistake]
    hidden = by_name(result)[HIDDEN]
    assert hidden["status"] == "failed" and "Hint:" not in hidden["output"]


def test_a_missing_function_is_an_error_with_no_hint_and_no_mistake() -> None:
    result = grade(FORWARD_ONLY)
    info = result["gradecheck"]
    assert info["mistakes"] == [] and info["diagnosis"] == []
    assert info["error_kind"] == "missing-function"
    assert "does not define backward(weights, inputs, biases, upstream)" in info["error"]
    assert info["error"] in result["output"]
    assert result["score"] == 1.5  # the forward's three activations still count
    failed = [t for t in result["tests"] if t["status"] == "failed"]
    assert len(failed) == 20 and not any("Hint:" in t["output"] or "looks like" in t["output"] for t in failed)


def test_a_hint_without_hint_for_is_shown_on_a_wrong_answer_but_not_on_an_error() -> None:
    # Item "a" has a hint and no hint_for: a wrong forward (no sigmoid) gets it; a forward that raises does not.
    wrong = FORWARD_ONLY.replace("1.0 / (1.0 + np.exp(-(", "(((") + "\ndef backward(w, x, b, u):\n    raise ValueError('todo')\n"
    raising = FORWARD_ONLY.replace("    return 1.0", "    raise ValueError('todo')\n    return 1.0")
    raising += "\ndef backward(w, x, b, u):\n    raise ValueError('todo')\n"
    hint = "Hint: a = sigmoid(W @ inputs + biases)"
    assert hint in by_name(grade(wrong, self_check=True))["a[0]"]["output"]
    assert hint not in by_name(grade(raising, self_check=True))["a[0]"]["output"]
