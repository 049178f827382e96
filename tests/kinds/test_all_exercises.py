"""Every shipped exercise: the spec loads, the reference gets full marks, each
known-wrong variant loses marks and is diagnosed, grading is deterministic, and
every derivative output of the JAX reference agrees with finite differences of
its forward output."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import gradecheck
from gradecheck._exercises import exercise_ids, load_exercise
from gradecheck._kinds import kind_of

REFERENCE_DIR = Path(gradecheck.__file__).resolve().parents[1] / "reference"
EXERCISES = exercise_ids()
#: Exercise -> output key -> (forward output, instance key, cotangent key or None): the output is
#: d/d instance[key] of sum(cotangent * forward output), for the reference's self-consistency check.
DERIVATIVES: dict[str, dict[str, tuple[str, str, str | None]]] = {
    "twelve-weights": {
        "d_weights": ("a", "weights", "upstream"),
        "d_biases": ("a", "biases", "upstream"),
        "d_inputs": ("a", "inputs", "upstream"),
    },
    "relu-sigmoid": {"dW1": ("E", "W1", None), "db1": ("E", "b1", None), "dW2": ("E", "W2", None), "db2": ("E", "b2", None)},
    "circuit": {"d_x": ("f", "x", None), "d_y": ("f", "y", None), "d_z": ("f", "z", None)},
    "softmax-cross-entropy": {"d_z": ("L", "z", None), "d_z_large": ("L_large", "z_large", None)},
    "two-two-one": {"dw": ("E", "w", None)},
    "three-two-two": {"dw": ("E", "w", None), "db": ("E", "b", None)},
    "sigmoid-gate": {"d_w": ("f", "w", None), "d_x": ("f", "x", None)},
    "multiply-gate": {
        "d_x": ("z", "x", "dz"),
        "d_y": ("z", "y", "dz"),
        "d_X": ("Z", "X", "dZ"),
        "d_Y": ("Z", "Y", "dZ"),
    },
    "single-neuron": {"dw": ("J", "w", None), "db": ("J", "b", None)},
}
WITH_DERIVATIVES = [e for e in EXERCISES if e in DERIVATIVES]
MISTAKE_FILES = sorted(REFERENCE_DIR.glob("*/mistakes/*.py"))


def _without_timing(result: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in result.items() if key != "execution_time"}


def test_the_seed_exercises_ship() -> None:
    assert "twelve-weights" in EXERCISES
    for exercise_id in EXERCISES:
        assert (REFERENCE_DIR / exercise_id / "solution.py").is_file(), f"{exercise_id} has no reference solution"
        assert list((REFERENCE_DIR / exercise_id / "mistakes").glob("*.py")), f"{exercise_id} has no known-wrong variant"


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_reference_solution_gets_full_marks(grade: Any, exercise_id: str) -> None:
    result = grade(exercise_id, REFERENCE_DIR / exercise_id / "solution.py")
    failed = [(t["name"], t["output"]) for t in result["tests"] if t["status"] != "passed"]
    assert failed == []
    assert result["score"] == result["max_score"] > 0
    assert result["gradecheck"]["error"] is None


@pytest.mark.parametrize("path", MISTAKE_FILES, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_known_wrong_variant_loses_marks_and_is_diagnosed(grade: Any, path: Path) -> None:
    result = grade(path.parent.parent.name, path)
    assert result["score"] < result["max_score"]
    assert result["gradecheck"]["mistakes"] == [path.stem], result["output"]  # its diagnosis and no other
    titles = [entry["title"] for entry in result["gradecheck"]["diagnosis"]]
    assert titles and all(title in result["output"] for title in titles)


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_grading_twice_gives_identical_results(grade: Any, exercise_id: str) -> None:
    wrong = sorted((REFERENCE_DIR / exercise_id / "mistakes").glob("*.py"))[0]
    assert _without_timing(grade(exercise_id, wrong)) == _without_timing(grade(exercise_id, wrong))


@pytest.mark.parametrize("exercise_id", [e for e in EXERCISES if any(i.instance == "hidden" for i in load_exercise(e).items)])
def test_the_presampled_fast_path_grades_like_the_hypothesis_search(
    grade: Any, exercise_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A correct submission is graded on the pre-drawn sample; the search would have drawn the very same instances."""
    import gradecheck._grading as grading

    fast = grade(exercise_id, REFERENCE_DIR / exercise_id / "solution.py")
    assert fast["score"] == fast["max_score"]
    exercise = load_exercise(exercise_id)
    kind = kind_of(exercise)
    seen: list[Any] = []
    searched: list[Any] = []
    real_expected = type(kind).expected
    real_search = grading._Grader._search
    # Every hidden item goes to the search, as if the sample had failed; the search must find nothing wrong.
    monkeypatch.setattr(grading._Grader, "_sample_failure", lambda grader, item, sample: (sample[0][0], {}, {}, "forced"))
    monkeypatch.setattr(grading._Grader, "_search", lambda grader, item: searched.append(real_search(grader, item)))
    monkeypatch.setattr(type(kind), "expected", lambda self, instance: seen.append(instance) or real_expected(self, instance))
    grade(exercise_id, REFERENCE_DIR / exercise_id / "solution.py")
    assert searched and all(found is None for found in searched), searched
    sampled = [
        instance
        for item in exercise.items
        if item.instance == "hidden"
        for instance, _ in grading._hidden_sample(exercise, kind, item)
    ]
    hidden_seen = seen[len(seen) - len(sampled):]  # after the given-values items' calls
    assert len(hidden_seen) == len(sampled) > 0
    assert [_plain(instance) for instance in hidden_seen] == [_plain(instance) for instance in sampled]


def _plain(value: Any) -> Any:
    """Instances as comparable plain values (arrays, lists of arrays, numbers)."""
    if isinstance(value, np.ndarray):
        return ("array", value.shape, value.tolist())
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {key: _plain(v) for key, v in value.items()}
    return value


@pytest.mark.parametrize("exercise_id", WITH_DERIVATIVES)
def test_derivative_outputs_match_finite_differences_of_the_forward(exercise_id: str) -> None:
    exercise = load_exercise(exercise_id)
    kind = kind_of(exercise)
    instance = kind.given_instance(exercise.given)
    expected = kind.expected(instance)
    for key, (forward, wrt, cotangent_key) in DERIVATIVES[exercise_id].items():
        base = np.asarray(instance[wrt], dtype=np.float64)
        cotangent = np.asarray(instance[cotangent_key]) if cotangent_key else 1.0
        numeric = np.zeros(base.size)
        for k in range(base.size):
            step = 1e-6 * max(1.0, abs(base.reshape(-1)[k]))
            values = []
            for sign in (1.0, -1.0):
                moved = base.reshape(-1).copy()
                moved[k] += sign * step
                out = kind.expected({**instance, wrt: moved.reshape(base.shape)})[forward]
                values.append(float(np.sum(cotangent * out)))
            numeric[k] = (values[0] - values[1]) / (2 * step)
        np.testing.assert_allclose(np.asarray(expected[key]).reshape(-1), numeric, rtol=1e-6, atol=1e-8, err_msg=key)
