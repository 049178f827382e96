"""Exercise softmax-cross-entropy: worked values, large logits, mistakes, the slide's answer key."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradecheck
from gradecheck._audit import audit_key, load_key
from gradecheck._exercises import load_exercise
from gradecheck._kinds import get_kind

EXERCISE = "softmax-cross-entropy"
KEYS_DIR = Path(__file__).parents[1] / "data" / "keys"
MISTAKES_DIR = Path(gradecheck.__file__).resolve().parents[1] / "reference" / EXERCISE / "mistakes"
MISTAKE_IDS = sorted(path.stem for path in MISTAKES_DIR.glob("*.py"))
GIVEN_GRADIENT = {"dL/dz1", "dL/dz2", "dL/dz3"}
HIDDEN_ORDINARY = "hidden: random logits, 2 to 6 classes"
HIDDEN_LARGE = "hidden: large logits (|z| up to about 1000)"

#: A naive softmax: right on ordinary logits, nan/inf once exp overflows or underflows.
OVERFLOWING_SOURCE = """
import numpy as np

def softmax(z):
    e = np.exp(z)
    return e / e.sum()

def loss(z, label):
    return -np.log(softmax(z)[label])

def backward(z, label):
    p = softmax(z)
    p[label] -= 1.0
    return p
"""

KIND = get_kind(load_exercise(EXERCISE).kind)
QUICK = settings(max_examples=40, deadline=None, database=None)


def failed_tests(result: dict[str, Any]) -> set[str]:
    return {test["name"] for test in result["tests"] if test["status"] == "failed"}


def _numpy_loss(z: np.ndarray, label: int) -> float:
    m = z.max()
    return float(np.log(np.sum(np.exp(z - m))) + m - z[label])


def _central_difference(f: Callable[[np.ndarray], float], z: np.ndarray, h: float = 1e-6) -> np.ndarray:
    return np.array([(f(z + h * e) - f(z - h * e)) / (2 * h) for e in np.eye(z.size)])


def _run_source(source: str, z: np.ndarray, label: int) -> dict[str, np.ndarray]:
    namespace: dict[str, Any] = {}
    exec(compile(source, "<variant>", "exec"), namespace)
    with np.errstate(all="ignore"):
        return {
            "p": np.asarray(namespace["softmax"](z.copy()), dtype=np.float64),
            "L": np.asarray(namespace["loss"](z.copy(), label), dtype=np.float64),
            "d_z": np.asarray(namespace["backward"](z.copy(), label), dtype=np.float64),
        }


@pytest.fixture(scope="module")
def graded(grade: Callable[..., dict[str, Any]]) -> dict[str, dict[str, Any]]:
    results = {stem: grade(EXERCISE, MISTAKES_DIR / f"{stem}.py") for stem in MISTAKE_IDS}
    results["overflow"] = grade(EXERCISE, OVERFLOWING_SOURCE)
    return results


def test_worked_values_match_an_independent_numpy_computation() -> None:
    exercise = load_exercise(EXERCISE)
    instance = KIND.given_instance(exercise.given)
    z, label = np.array([1.60, 0.55, 0.98]), 2
    assert np.array_equal(instance["z"], z) and instance["label"] == label
    expected = KIND.expected(instance)
    p = np.exp(z) / np.exp(z).sum()
    np.testing.assert_allclose(expected["p"], p, rtol=1e-12)
    np.testing.assert_allclose(expected["L"], -np.log(p[label]), rtol=1e-12)
    np.testing.assert_allclose(expected["d_z"], _central_difference(lambda v: _numpy_loss(v, label), z), atol=1e-8)
    # The corrected probabilities quoted in docs/notes/seeds.md, to four decimals.
    assert np.round(expected["p"], 4).tolist() == [0.5297, 0.1854, 0.2849]


def test_answers_rounded_to_four_decimals_get_full_marks_on_the_given_values(grade: Callable[..., Any]) -> None:
    exercise = load_exercise(EXERCISE)
    expected = KIND.expected(KIND.given_instance(exercise.given))
    source = (
        f"def softmax(z):\n    return {np.round(expected['p'], 4).tolist()}\n"
        f"def loss(z, label):\n    return {round(float(expected['L']), 4)}\n"
        f"def backward(z, label):\n    return {np.round(expected['d_z'], 4).tolist()}\n"
    )
    result = grade(EXERCISE, source, self_check=True)
    assert result["score"] == result["max_score"] == 7
    slide = source.replace(str(np.round(expected["p"], 4).tolist()), "[0.51, 0.18, 0.31]")
    assert failed_tests(grade(EXERCISE, slide, self_check=True)) == {"p1", "p2", "p3"}


def test_slide_answer_key_is_flagged_on_p1_and_p3_only() -> None:
    report = audit_key(load_exercise(EXERCISE), load_key(KEYS_DIR / "softmax-slide.toml"))
    assert {entry.name for entry in report.wrong} == {"p1", "p3"}
    assert [entry.name for entry in report.entries if entry.correct] == ["p2"]
    assert not report.unknown and not report.ok


@QUICK
@given(KIND.instance_strategy(load_exercise(EXERCISE).settings))
def test_hidden_instances_are_shift_invariant_and_finite(instance: dict[str, Any]) -> None:
    z, label = instance["z"], instance["label"]
    assert 2 <= z.size <= 6 and 0 <= label < z.size
    assert 700 <= abs(instance["shift"]) <= 1000
    np.testing.assert_array_equal(instance["z_large"], z + instance["shift"])
    expected = KIND.expected(instance)
    onehot = np.eye(z.size)[label]
    assert all(np.all(np.isfinite(value)) for value in expected.values())
    np.testing.assert_allclose(expected["p"].sum(), 1.0, rtol=1e-12)
    np.testing.assert_allclose(expected["d_z"], expected["p"] - onehot, atol=1e-12)
    np.testing.assert_allclose(expected["L"], _numpy_loss(z, label), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(expected["p_large"], expected["p"], rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(expected["L_large"], expected["L"], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(expected["d_z_large"], expected["d_z"], rtol=1e-9, atol=1e-12)


@QUICK
@given(KIND.instance_strategy({}), st.sampled_from(MISTAKE_IDS))
def test_modelled_mistakes_reproduce_the_known_wrong_files(instance: dict[str, Any], mistake: str) -> None:
    source = (MISTAKES_DIR / f"{mistake}.py").read_text()
    predicted = KIND.mistaken(instance, mistake)
    assert predicted is not None
    for suffix, key in (("", "z"), ("_large", "z_large")):
        returned = _run_source(source, instance[key], instance["label"])
        for name, value in returned.items():
            np.testing.assert_allclose(value, predicted[name + suffix], rtol=1e-9, atol=1e-12, err_msg=name + suffix)


def test_overflowing_softmax_is_modelled_with_the_same_nonfinite_entries() -> None:
    instance = KIND.given_instance({"z": [1.60, 0.55, 0.98], "label": 2, "shift": 710.0})
    predicted = KIND.mistaken(instance, "softmax-overflow")
    returned = _run_source(OVERFLOWING_SOURCE, instance["z_large"], 2)
    for name, value in returned.items():
        wanted = predicted[f"{name}_large"]
        assert not np.all(np.isfinite(value)), name
        np.testing.assert_array_equal(np.isfinite(value), np.isfinite(wanted), err_msg=name)
    ordinary = _run_source(OVERFLOWING_SOURCE, instance["z"], 2)
    expected = KIND.expected(instance)
    for name, value in ordinary.items():
        np.testing.assert_allclose(value, expected[name], rtol=1e-12, err_msg=name)


@pytest.mark.parametrize(
    ("mistake", "lost"),
    [
        ("sign-error", GIVEN_GRADIENT | {HIDDEN_ORDINARY, HIDDEN_LARGE}),
        ("gradient-wrt-probabilities", GIVEN_GRADIENT | {HIDDEN_ORDINARY, HIDDEN_LARGE}),
        # At the label the diagonal term alone is right: p[label] - 1.
        ("softmax-elementwise", {"dL/dz1", "dL/dz2", HIDDEN_ORDINARY, HIDDEN_LARGE}),
    ],
)
def test_each_mistake_loses_exactly_its_items(graded: dict[str, dict[str, Any]], mistake: str, lost: set[str]) -> None:
    result = graded[mistake]
    assert failed_tests(result) == lost
    assert result["gradecheck"]["mistakes"][0] == mistake


def test_overflowing_softmax_loses_only_the_large_logit_check(graded: dict[str, dict[str, Any]]) -> None:
    result = graded["overflow"]
    assert failed_tests(result) == {HIDDEN_LARGE}
    assert result["score"] == result["max_score"] - 2
    (test,) = [t for t in result["tests"] if t["name"] == HIDDEN_LARGE]
    assert "z_large = z + " in test["output"] or "z_large = z - " in test["output"]
    assert "nan" in test["output"] or "inf" in test["output"]
    assert "max(z)" in test["output"]  # the item's hint names the fix


def test_counterexample_text_names_the_label_and_the_shift() -> None:
    exercise = load_exercise(EXERCISE)
    text = KIND.describe(KIND.given_instance({**exercise.given, "shift": -800.0}))
    assert text.splitlines()[0] == "C = 3 classes, label = 2 (0-based)"
    assert "z_large = z - 800" in text
    assert "z_large" not in KIND.describe(KIND.given_instance(exercise.given))


@pytest.mark.parametrize(
    "given_values", [{"z": [1.0, 2.0], "label": 2}, {"z": [1.0, 2.0], "label": -1}, {"z": [1.0], "label": 0}]
)
def test_bad_given_values_are_refused(given_values: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="label|logits"):
        KIND.given_instance(given_values)
