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
        (lambda s: s.replace('title = "', 'titel = "'), ["'titel'", "Did you mean 'title'"]),
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


def _line_of(text: str, marker: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if marker in line)


@pytest.mark.parametrize(
    ("edit", "marker", "words"),
    [
        # The four TOML-only mistakes of issue 10.
        (lambda s: re.sub(r"(?m)^upstream = ", 'activation = "tanh"\nupstream = ', s), 'activation = "tanh"',
         ["unknown key 'activation' in [given]", "kind 'network'", "weights, inputs, biases, upstream"]),
        (lambda s: re.sub(r"(?m)^entry_points = .*$", 'entry_points = ["fwd(x)"]', s), "entry_points",
         ["submission.entry_points names fwd", "[network.returns] does not define", "forward, backward"]),
        (lambda s: s.replace("max_parameter = 2.0", "max_parameter = 2.0\ncolour = 1"), "colour",
         ["unknown key 'colour' in [settings]", "max_parameter"]),
        (lambda s: s.replace("max_parameter = 2.0", "max_parameter = -1"), "max_parameter",
         ["'settings.max_parameter'", "> 0", "found -1"]),
        # Did you mean ...?
        (lambda s: s.replace("max_parameter = 2.0", "max_parametr = 2.0"), "max_parametr", ["Did you mean 'max_parameter'"]),
        (lambda s: s.replace("[settings]", "[setings]"), "[setings]", ["'setings'", "Did you mean 'settings'"]),
        (lambda s: s.replace('starter = "starter.py"', 'startr = "starter.py"'), "startr",
         ["'startr' in [submission]", "Did you mean 'starter'"]),
        (lambda s: s.replace("examples = 40", "exemples = 40"), "exemples", ["'exemples' in items[4]", "Did you mean 'examples'"]),
        (lambda s: s.replace('kind = "network"', 'kind = "network"\nlevel = 3'), "level = 3",
         ["unknown key 'level'", "top level"]),
        (lambda s: s.replace("inputs = [", "input = ["), "input = ", ["unknown key 'input' in [given]", "Did you mean 'inputs'"]),
        # Values that do not fit the kind's declaration.
        (lambda s: s.replace("inputs = [0.75, 0.98, 0.74, 0.28]", 'inputs = "0.75"'), 'inputs = "0.75"',
         ["[given] inputs should hold 4 number(s)"]),
        (lambda s: s.replace("biases = [0.68, 0.83, 0.01]\n", ""), "[given]", ["[given] is missing 'biases'", "biases, as the submission receives it"]),
        (lambda s: s.replace("max_parameter = 2.0", "max_parameter = true"), "max_parameter", ["should be a finite number > 0", "True"]),
        # Entry points against the functions the kind calls.
        (lambda s: s.replace('"forward(weights, inputs, biases)"', '"forward(w, x, b)"'), "entry_points",
         ["parameter 'w' of submission.entry_points is not a quantity name", "[network.arguments]"]),
        (lambda s: s.replace('"backward(weights, inputs, biases, upstream)"', ""), "[network.returns]",
         ["not a function of entry_points: backward"]),
        (lambda s: s.replace('"forward(weights, inputs, biases)"', '"forward weights"'), "entry_points",
         ["'submission.entry_points[0]' should be a function signature", "'forward weights'"]),
        # Points: whole millionths only, so that sums are exact.
        (lambda s: s.replace("points = 6", "points = 6.0000001"), "points = 6.0000001", ["'items[1].points'", "at most 6 decimals"]),
        (lambda s: s.replace('outputs = ["d_biases"]', 'outputs = ["d_bias"]'), 'outputs = ["d_bias"]', ["(did you mean 'd_biases'?)"]),
        # Allowed packages: installed, importable names, not also forbidden.
        (lambda s: s.replace('starter = "starter.py"', 'starter = "starter.py"\nallowed_packages = ["no_such_package_x"]'),
         "allowed_packages", ["lists 'no_such_package_x', which is not installed", "install it there", "remove it"]),
        (lambda s: s.replace('starter = "starter.py"', 'starter = "starter.py"\nallowed_packages = ["scipy>=1"]'),
         "allowed_packages", ["top-level import names", "'scipy>=1'"]),
        (lambda s: s.replace('starter = "starter.py"', 'starter = "starter.py"\nallowed_packages = ["scipy"]\n'
                             'forbidden_imports = ["scipy", "jax"]'),
         "allowed_packages", ["'scipy' is both in 'submission.allowed_packages' and in 'submission.forbidden_imports'"]),
        (lambda s: s.replace('starter = "starter.py"', 'starter = "starter.py"\nallowed_package = ["scipy"]'),
         "allowed_package", ["Did you mean 'allowed_packages'"]),
    ],
)
def test_strict_specs_name_file_line_key_and_what_to_do(tmp_path: Path, edit, marker: str, words: list[str]) -> None:
    text = edit(GOOD)
    assert text != GOOD
    path = write_spec(tmp_path, text)
    with pytest.raises(ExerciseSpecError) as info:
        load_exercise_file(path)
    message = str(info.value)
    assert message.startswith(f"{path}:{_line_of(text, marker)}: "), message
    for word in words:
        assert word in message, message


@pytest.mark.parametrize(
    ("exercise", "old", "new", "words"),
    [
        ("softmax-cross-entropy", "max_shift = 1000", "max_shift = 500", ["min_shift (700)", "max_shift (500)"]),
        ("softmax-cross-entropy", "max_classes = 6", "max_classes = 9", ["max_classes", "<= 8"]),
        ("softmax-cross-entropy", "label = 2", "label = 2.0", ["[given] label should be an integer"]),
        ("mlp-backprop", "max_depth = 4", "max_depth = 0", ["max_depth", ">= 1"]),
        ("three-two-two", "learning_rate = 0.01", "learning_rate = 0", ["learning_rate", "> 0"]),
        ("relu-sigmoid", "t = 1.0", "t = 2.0", ["[given] t", "<= 1"]),
        ("multiply-gate", "max_side = 4", "max_side = 2.5", ["max_side should be an integer"]),
    ],
)
def test_every_kind_checks_its_given_values_and_settings(tmp_path: Path, exercise: str, old: str, new: str, words: list[str]) -> None:
    source = EXERCISES_DIR / exercise
    text = (source / "exercise.toml").read_text()
    assert old in text
    folder = tmp_path / exercise
    folder.mkdir()
    for name in ("statement.md", "starter.py"):
        (folder / name).write_text((source / name).read_text())
    (folder / "exercise.toml").write_text(text.replace(old, new))
    with pytest.raises(ExerciseSpecError) as info:
        load_exercise(folder)
    message = str(info.value)
    assert message.startswith(f"{folder / 'exercise.toml'}:"), message
    for word in words:
        assert word in message, message


def test_every_shipped_kind_declares_its_given_and_settings_keys() -> None:
    from gradecheck._kinds import kind_of

    for exercise_id in exercise_ids():
        exercise = load_exercise(exercise_id)
        kind = kind_of(exercise)
        assert kind.given_keys is not None and kind.settings_keys is not None, exercise.kind
        # Every key the shipped spec uses is declared, and each required one is there.
        assert set(exercise.given) <= set(kind.given_keys) and set(exercise.settings) <= set(kind.settings_keys)


def test_a_table_the_kind_does_not_declare_and_a_typo_of_a_standard_one_are_refused(tmp_path: Path) -> None:
    assert load_exercise_file(write_spec(tmp_path, GOOD)).sections["network"]["sizes"] == [4, 3]
    (tmp_path / "extra").mkdir()
    extra = write_spec(tmp_path / "extra", GOOD + '\n[layers]\ncount = 2\n')
    line = len(GOOD.splitlines()) + 2
    with pytest.raises(ExerciseSpecError, match=rf"exercise.toml:{line}: unknown key 'layers' in the top level.*network"):
        load_exercise_file(extra)
    (tmp_path / "typo").mkdir()
    typo = write_spec(tmp_path / "typo", GOOD.replace("[settings]", "[setting]"))
    setting_line = GOOD.splitlines().index("[settings]") + 1
    with pytest.raises(ExerciseSpecError, match=rf"exercise.toml:{setting_line}: unknown key .setting.*Did you mean .settings."):
        load_exercise_file(typo)


def test_allowed_packages_are_read_without_numpy_which_every_tree_has(tmp_path: Path) -> None:
    text = GOOD.replace('starter = "starter.py"', 'starter = "starter.py"\nallowed_packages = ["scipy", "numpy", "scipy"]')
    assert load_exercise_file(write_spec(tmp_path, text)).allowed_packages == ("scipy",)
    assert load_exercise("twelve-weights").allowed_packages == ()


@pytest.mark.parametrize(
    ("edit", "marker", "words"),
    [
        (lambda s: s.replace('hint_for = ["upstream-ignored"]', 'hint_for = ["upstream-ignore"]'), "hint_for",
         ["hint_for names 'upstream-ignore'", "did you mean 'upstream-ignored'?", "sign-error", "remove hint_for"]),
        (lambda s: s.replace('hint_for = ["upstream-ignored"]', 'hint_for = ["factor-two"]'), "hint_for",
         ["'factor-two'", "does not diagnose here", "would never be shown"]),
        (lambda s: s.replace('hint = "backward receives an arbitrary upstream gradient dL/da, not always ones."\n', ""),
         "hint_for", ["'items[4].hint_for'", "on an item with a hint"]),
        (lambda s: s.replace('hint_for = ["upstream-ignored"]', "hint_for = []"), "hint_for", ["non-empty list"]),
        (lambda s: s.replace('hint_for = ["upstream-ignored"]', 'hint_fore = ["upstream-ignored"]'), "hint_fore",
         ["Did you mean 'hint_for'"]),
    ],
)
def test_hint_for_names_mistakes_the_kind_diagnoses_on_an_item_with_a_hint(
    tmp_path: Path, edit, marker: str, words: list[str]
) -> None:
    text = edit(GOOD)
    assert text != GOOD
    path = write_spec(tmp_path, text)
    with pytest.raises(ExerciseSpecError) as info:
        load_exercise_file(path)
    message = str(info.value)
    assert f"{path}:{_line_of(text, marker)}" in message, message
    for word in words:
        assert word in message, message


def test_hint_for_is_read_into_the_item() -> None:
    hidden = [item for item in load_exercise("twelve-weights").items if item.instance == "hidden"]
    assert [item.hint_for for item in hidden] == [("upstream-ignored",)]
    assert all(item.hint_for is None for item in load_exercise("twelve-weights").items if item.instance == "given")
