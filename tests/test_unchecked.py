"""What a self-check leaves out, in words derived from the exercise (gradecheck._unchecked)."""

from __future__ import annotations

import dataclasses

from gradecheck._exercises import load_exercise
from gradecheck._unchecked import unchecked


def test_random_architectures_are_described_as_lists_of_varying_shapes() -> None:
    exercise = load_exercise("mlp-backprop")
    note = unchecked(exercise)
    assert note is not None
    assert [item["name"] for item in note["items"]] == [item.name for item in exercise.items if not item.self_check]
    for item in note["items"]:
        assert "weights (lists of 1 to" in item["varies"] and "shapes vary" in item["varies"]
        assert f"max_depth = {exercise.settings.get('max_depth', 4)}" in item["settings"]


def test_an_exercise_whose_self_check_runs_everything_leaves_nothing_out() -> None:
    exercise = load_exercise("twelve-weights")
    visible = dataclasses.replace(exercise, items=tuple(item for item in exercise.items if item.self_check))
    assert unchecked(visible) is None
    assert unchecked(exercise)["points"] == 5.0
