"""Loading exercise specs: shipped ones load; malformed ones are refused with a message naming file and key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gradecheck._exercises import EXERCISES_DIR, ExerciseSpecError, exercise_ids, load_exercise, load_exercise_file

GOOD = (EXERCISES_DIR / "twelve-weights" / "exercise.toml").read_text()


def write_spec(tmp_path: Path, text: str, folder: str = "twelve-weights") -> Path:
    directory = tmp_path / folder
    directory.mkdir()
    (directory / "statement.md").write_text("# statement\n")
    (directory / "starter.py").write_text("def forward(): pass\n")
    path = directory / "exercise.toml"
    path.write_text(text)
    return path


def test_shipped_exercises_load_and_total_their_points() -> None:
    ids = exercise_ids()
    assert "twelve-weights" in ids
    for exercise_id in ids:
        exercise = load_exercise(exercise_id)
        assert exercise.id == exercise_id and exercise.title and exercise.statement.strip()
        assert exercise.max_score == sum(item.points for item in exercise.items) > 0
        assert "jax" in exercise.forbidden_imports and "torch" in exercise.forbidden_imports


def test_an_exercise_folder_path_loads_too(tmp_path: Path) -> None:
    path = write_spec(tmp_path, GOOD)
    assert load_exercise(path.parent).id == "twelve-weights"
    assert load_exercise(path).starter_code.startswith("def forward")


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda s: s.replace('title = "', 'titel = "'), ["'title'", "missing"]),
        (lambda s: re.sub(r'(?m)^version = .*$', "version = 1.5", s), ["'version'", "1.5"]),
        (lambda s: s.replace("points = 6", 'points = "six"'), ["'items[1].points'", "'six'"]),
        (lambda s: s.replace("points = 6", "points = -1"), ["'items[1].points'", ">= 0"]),
        (lambda s: s.replace("elements = true\nshape", "elements = true\ncolour = 1\nshape"), ["items[1]", "colour"]),
        (lambda s: s.replace('outputs = ["d_biases"]', 'outputs = ["d_bias"]'), ["d_bias", "d_weights"]),
        (lambda s: s.replace('instance = "hidden"', 'instance = "secret"'), ["'items[4].instance'", "'secret'"]),
        (lambda s: s.replace('name = "dL/db"', 'name = "dL/dW"'), ["unique", "dL/dW"]),
        (lambda s: s.replace('statement = "statement.md"', 'statement = "nowhere.md"'), ["'statement'", "nowhere.md"]),
        (lambda s: s.replace('kind = "network"', 'kind = "thirteen_weights"'), ["thirteen_weights"]),
        (lambda s: s.replace('id = "twelve-weights"', 'id = "eleven"'), ["'id'", "folder name"]),
        (lambda s: s.replace("biases = [0.68, 0.83, 0.01]", "biases = [0.68]"), ["[given]"]),
        (lambda s: s + "\n[[items]\n", ["not valid TOML"]),
    ],
)
def test_malformed_specs_are_refused_with_file_key_and_expectation(tmp_path: Path, edit, words: list[str]) -> None:
    path = write_spec(tmp_path, edit(GOOD))
    with pytest.raises(ExerciseSpecError) as info:
        load_exercise_file(path)
    message = str(info.value)
    assert str(path) in message
    for word in words:
        assert word in message


def test_unknown_exercise_lists_the_known_ones() -> None:
    with pytest.raises(ExerciseSpecError, match="twelve-weights") as info:
        load_exercise("no-such-exercise")
    assert "gradecheck exercises" in str(info.value)
