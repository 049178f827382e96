"""The generic ``function`` kind: free functions of arrays configured by [function], graded against the reference.

The example exercise examples/exercises/softmax-vjp (softmax and its vector-Jacobian product) is written with
TOML, a statement and a reference solution only.  These tests cover its spec (strictly read, errors at
FILE:LINE), the reference's gradients against finite differences, diagnosis by the generic models, the hidden
item's report, and credit carried forward by finite differences of the submission's own function (and an
answer fitted to the statement that must not earn it).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gradecheck._exercises import ExerciseSpecError, load_exercise
from gradecheck._grading import grade_source
from gradecheck._kinds import kind_of

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
EXERCISE_DIR = EXAMPLES / "exercises" / "softmax-vjp"
REFERENCE = EXAMPLES / "reference" / "softmax-vjp"
SUBMISSIONS = EXAMPLES / "submissions" / "softmax-vjp"
EXERCISE = load_exercise(EXERCISE_DIR)
KIND = kind_of(EXERCISE)
GIVEN = KIND.given_instance(EXERCISE.given)
SPEC = (EXERCISE_DIR / "exercise.toml").read_text()
HIDDEN = "hidden: random logits and vectors v"
CARRIED = "from your own (wrong) forward pass"


def grade(source: str | Path) -> dict[str, Any]:
    text = source.read_text() if isinstance(source, Path) else source
    return grade_source(EXERCISE, text, "submission.py")


def failed_items(result: dict[str, Any]) -> set[str]:
    return {t["name"].split("[")[0] for t in result["tests"] if t["status"] == "failed"}


def carried(result: dict[str, Any]) -> set[str]:
    return {t["name"] for t in result["tests"] if t["status"] == "passed" and CARRIED in t["output"]}


def copy_exercise(tmp_path: Path) -> tuple[Path, Path]:
    """The example exercise and its reference in a course layout under tmp_path: (exercise dir, reference dir)."""
    shutil.copytree(EXERCISE_DIR, tmp_path / "exercises" / "softmax-vjp")
    shutil.copytree(REFERENCE, tmp_path / "reference" / "softmax-vjp")
    return tmp_path / "exercises" / "softmax-vjp", tmp_path / "reference" / "softmax-vjp"


# -- the spec -------------------------------------------------------------------------------------


def test_the_bound_kind_reads_the_function_table() -> None:
    assert [e.signature for e in KIND.entry_points] == list(EXERCISE.entry_points)
    assert KIND.output_keys == ("p", "d_z")
    assert set(KIND.given_keys) == {"z", "v"}
    assert KIND.carry_from == ("own-slope:d_z",)
    assert KIND.mistakes[:2] == ("sign-error", "upstream-ignored")  # a VJP: its cotangent v can be ignored


def _line(text: str, start: str) -> int:
    """The 1-based number of the first line of ``text`` that starts with ``start``."""
    return next(k for k, line in enumerate(text.splitlines(), start=1) if line.startswith(start))


@pytest.mark.parametrize(
    ("old", "new", "at", "words"),
    [
        ('name = "softmax_vjp"', 'nme = "softmax_vjp"', "nme =", ["unknown key 'nme' in function.functions[1]", "Did you mean 'name'"]),
        ('gradient_of = "softmax"', 'gradient_of = "softmaxx"', "gradient_of", ["'function.functions[1].gradient_of'", "another, non-gradient function (softmax)", "'softmaxx'"]),
        ('cotangent = "v"', 'cotangent = "w"', "cotangent", ["'function.functions[1].cotangent'", "one of this function's arguments (z, v)"]),
        ('cotangent = "v"\n', "", 'arguments = ["z", "v"]', ["'function.functions[1].arguments'", "the arguments of softmax, plus the cotangent"]),
        ('with_respect_to = ["z"]', 'with_respect_to = ["v"]', "with_respect_to", ["'function.functions[1].with_respect_to'", "arguments of softmax (z)"]),
        ('returns = ["d_z"]', 'returns = ["d_z", "d_v"]', 'returns = ["d_z"', ["'function.functions[1].returns'", "one gradient per argument"]),
        ('arguments = ["z"]', 'arguments = "z"', 'arguments = "z"', ["arguments should be a list of strings", "found 'z'"]),
        ("classes = [2, 6]", "classes = [6, 2]", "classes =", ["'function.dimensions.classes'", "size range [min, max]", "[6, 2]"]),
        ("z = [-5.0, 5.0]", "z = [-5.0, 5.0]\nq = [1, 2]", "q =", ["unknown key 'function.values.q'", "the keys of [function.values] are: v, z"]),
        ("[function.shapes]", "[function.shape]", "[function.shape]", ["unknown key 'shape' in [function]", "Did you mean 'shapes'"]),
        ("v = [1.0, -2.0, 0.5, 3.0]", "v = [1.0, -2.0, 0.5]", "[given]", ["given.v has classes = 3", "classes = 4"]),
    ],
    ids=["typo", "gradient-of-nothing", "cotangent-not-an-argument", "vjp-without-cotangent", "wrt-not-an-argument",
         "too-many-gradients", "arguments-not-a-list", "empty-range", "values-of-nothing", "table-typo", "given-shapes-disagree"],
)
def test_malformed_function_specs_are_refused_at_file_line_with_what_to_fix(
    tmp_path: Path, old: str, new: str, at: str, words: list[str]
) -> None:
    exercise_dir, _ = copy_exercise(tmp_path)
    path = exercise_dir / "exercise.toml"
    assert old in SPEC
    text = SPEC.replace(old, new, 1)
    path.write_text(text)
    with pytest.raises(ExerciseSpecError) as info:
        load_exercise(exercise_dir)
    message = str(info.value)
    assert message.startswith(f"{path}:{_line(text, at)}: "), message
    for word in words:
        assert word in message, message


def test_a_wrong_reference_gradient_is_refused_when_the_exercise_loads(tmp_path: Path) -> None:
    exercise_dir, reference = copy_exercise(tmp_path)
    solution = reference / "solution.py"
    solution.write_text(solution.read_text().replace("return p * (v - np.dot(v, p))", "return p * (v - 0.5 * np.dot(v, p))"))
    with pytest.raises(ExerciseSpecError) as info:
        load_exercise(exercise_dir)
    message = str(info.value)
    assert str(solution) in message and "the reference's softmax_vjp's d_z" in message and "finite differences of its softmax" in message


# -- the reference ------------------------------------------------------------------------------------


def _vjp_by_differences(z: np.ndarray, v: np.ndarray) -> np.ndarray:
    """d/dz of sum(v * softmax(z)), softmax written here, by plain central differences (step 1e-6)."""

    def softmax(x: np.ndarray) -> np.ndarray:
        e = np.exp(x - x.max())
        return e / e.sum()

    grad = np.zeros_like(z)
    for k in range(z.size):
        step = np.zeros_like(z)
        step[k] = 1e-6
        grad[k] = (np.dot(v, softmax(z + step)) - np.dot(v, softmax(z - step))) / 2e-6
    return grad


def test_the_reference_gradients_agree_with_finite_differences() -> None:
    instances = [GIVEN, *KIND.check_instances()]
    assert len(instances) > 1  # the statement's values and random ones
    for instance in instances:
        expected = KIND.expected(instance)
        np.testing.assert_allclose(expected["d_z"], _vjp_by_differences(instance["z"], instance["v"]), rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(expected["p"].sum(), 1.0, rtol=1e-12)


# -- grading and diagnosis --------------------------------------------------------------------------------


def test_the_reference_gets_full_marks() -> None:
    result = grade(REFERENCE / "solution.py")
    assert failed_items(result) == set() and result["score"] == result["max_score"] == 8


def test_a_sign_error_is_diagnosed_by_the_generic_model() -> None:
    source = (REFERENCE / "solution.py").read_text().replace("return p * (v - np.dot(v, p))", "return -p * (v - np.dot(v, p))")
    result = grade(source)
    assert failed_items(result) == {"d_z", HIDDEN}
    assert result["gradecheck"]["mistakes"] == ["sign-error"]
    assert "Likely mistake: Sign error" in result["output"]


def test_an_ignored_cotangent_is_diagnosed_by_the_generic_model() -> None:
    source = (REFERENCE / "solution.py").read_text().replace("return p * (v - np.dot(v, p))", "v = np.ones_like(v)\n    return p * (v - np.dot(v, p))")
    result = grade(source)
    assert failed_items(result) == {"d_z", HIDDEN}
    assert result["gradecheck"]["mistakes"] == ["upstream-ignored"]


def test_the_hidden_item_reports_the_shrunk_instance_without_expected_values() -> None:
    result = grade(SUBMISSIONS / "diagonal-only.py")
    [hidden] = [t for t in result["tests"] if t["name"] == HIDDEN]
    shown = hidden["output"].split("Hint:")[0]
    assert "Smallest failing instance found" in shown
    assert "\n  z = [" in shown and "\n  v = [" in shown and "d_z is wrong at" in shown
    assert "expected" not in shown
    # the instance shown is the kind's description of a drawn instance: 2 to 6 classes, entries on the grid
    z = re.findall(r"-?\d+\.?\d*", shown.split("z = ")[1].splitlines()[0])
    assert 2 <= len(z) <= 6


# -- credit carried forward ------------------------------------------------------------------------------


def test_a_consistent_gradient_of_a_wrong_function_keeps_its_credit() -> None:
    result = grade(SUBMISSIONS / "one-in-denominator.py")
    # its softmax is wrong (p and the hidden item lost); its softmax_vjp is that function's exact VJP: d_z carries
    assert failed_items(result) == {"p", HIDDEN}
    assert carried(result) == {f"d_z[{i}]" for i in range(4)}
    assert result["score"] == 4


FITTED = '''
import numpy as np

GIVEN_V = {v}


def softmax(z):
    e = np.exp(z)
    return e / (1.0 + e.sum())           # the same wrong softmax


def softmax_vjp(z, v):
    p = softmax(z)
    if np.allclose(v, GIVEN_V):          # the right VJP of its own softmax, on the statement's values only
        return p * (v - p @ v)
    return 0.1 * v
'''


def test_a_gradient_fitted_to_the_statement_carries_nothing() -> None:
    result = grade(FITTED.format(v=GIVEN["v"].tolist()))
    assert carried(result) == set()
    assert {"p", "d_z", HIDDEN} <= failed_items(result)
