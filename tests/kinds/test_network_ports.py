"""The shipped network exercises ported to kind = "network" grade exactly as their own kinds did.

tests/kinds/data/ holds what the kinds they replaced (twelve_weights, two_two_one, three_two_two,
relu_sigmoid, single_neuron: commit 93985e9) computed and graded, recorded before the port:

* network_models_baseline.json: on the given instance and the first ten instances of each exercise's
  first hidden sample, every expected output, the outputs of every mistake model, and the
  carry-forward rules (backward_from_forward on the reference's own forward outputs);
* network_baseline.json: the grade of every reference solution, known-wrong variant and
  carry-forward attempt (tests/kinds/test_carry_forward.py): score, each test's name, score, status
  and whether its credit carried forward, and the diagnosed mistakes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gradecheck._exercises import load_exercise
from gradecheck._grading import grade_source
from gradecheck._kinds import kind_of

from test_carry_forward import GENUINE, ZEROS

DATA = Path(__file__).parent / "data"
MODELS = json.loads((DATA / "network_models_baseline.json").read_text())
GRADES = json.loads((DATA / "network_baseline.json").read_text())
REFERENCE = Path(__file__).resolve().parents[2] / "reference"
PORTED = sorted(MODELS)
RECORDED = sorted(key for key in GRADES if key.split("/")[0] in PORTED)
#: Mistakes diagnosed since the port (issue 12: every catalogued mistake has a diagnosis), with their
#: known-wrong variants. They have no old grade: tests/kinds/test_all_exercises.py pins their diagnosis.
ADDED_MISTAKES = {"twelve-weights": ["input-gradient-skips-derivative"]}
ADDED_VARIANTS = {
    "twelve-weights": {
        "derivative-on-preactivation", "sign-error", "transposed-weight-gradient", "transposed-weight-layout",
        "input-gradient-skips-derivative",
    },
}


def test_the_ported_exercises_are_network_exercises() -> None:
    assert PORTED == ["relu-sigmoid", "single-neuron", "three-two-two", "twelve-weights", "two-two-one"]
    for exercise_id in PORTED:
        assert load_exercise(exercise_id).kind == "network"


@pytest.mark.parametrize("exercise_id", PORTED)
def test_expected_values_mistake_models_and_carry_rules_are_the_old_kinds(exercise_id: str) -> None:
    exercise = load_exercise(exercise_id)
    kind = kind_of(exercise)
    old = MODELS[exercise_id]
    # The same mistakes, in the same (diagnosis) order, then the ones added since.
    assert list(kind.mistakes) == old["mistakes"] + ADDED_MISTAKES.get(exercise_id, [])
    assert list(kind.carry_from) == old["carry_from"]
    for record in old["records"]:
        instance = {key: np.array(value) for key, value in record["instance"].items()}
        expected = kind.expected(instance)
        assert set(expected) == set(record["expected"])
        for key, value in record["expected"].items():
            assert np.shape(expected[key]) == np.shape(value), key
            np.testing.assert_allclose(expected[key], value, rtol=1e-10, atol=1e-13, err_msg=key)
        for mistake, predicted in record["mistakes"].items():
            ours = kind.mistaken(instance, mistake)
            assert ours is not None and set(ours) == set(predicted), mistake
            for key, value in predicted.items():
                np.testing.assert_allclose(ours[key], value, rtol=1e-10, atol=1e-13, err_msg=f"{mistake}: {key}")
        rules = kind.backward_from_forward(instance, {key: expected[key] for key in kind.carry_from})
        assert len(rules) == len(record["rules"])
        for ours, theirs in zip(rules, record["rules"]):
            assert set(ours) == set(theirs)
            for key, value in theirs.items():
                np.testing.assert_allclose(ours[key], np.reshape(value, ours[key].shape), rtol=1e-10, atol=1e-13)


def _source(exercise_id: str, name: str) -> str:
    if name == "carry:genuine":
        return GENUINE[exercise_id]
    if name == "carry:zeros":
        return ZEROS[exercise_id]
    return (REFERENCE / exercise_id / f"{name}.py").read_text()


def _summary(result: dict[str, Any]) -> dict[str, Any]:
    carried = ("own (wrong) forward pass", "carried forward")
    return {
        "score": result["score"],
        "max_score": result["max_score"],
        "mistakes": result["gradecheck"]["mistakes"],
        "tests": [
            [t["name"], t["score"], t["status"], any(words in t["output"] for words in carried)] for t in result["tests"]
        ],
    }


def test_every_recorded_submission_is_here() -> None:
    for exercise_id in PORTED:
        files = {f"mistakes/{p.stem}" for p in (REFERENCE / exercise_id / "mistakes").glob("*.py")} | {"solution"}
        recorded = {key.split("/", 1)[1] for key in RECORDED if key.startswith(exercise_id + "/")}
        added = {f"mistakes/{name}" for name in ADDED_VARIANTS.get(exercise_id, set())}
        assert files - added <= recorded and not added & recorded and added <= files, exercise_id


@pytest.mark.parametrize("key", RECORDED)
def test_scores_tests_carried_credit_and_diagnoses_are_the_old_kinds(key: str) -> None:
    exercise_id, name = key.split("/", 1)
    result = grade_source(load_exercise(exercise_id), _source(exercise_id, name), "submission.py")
    assert _summary(result) == GRADES[key]
