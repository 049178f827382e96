"""The self-check's cache (gradecheck._check_cache): exact values, invalidated by any change of what they are
computed from, never trusted when someone else could have written them, and never used by a grade."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import gradecheck
from gradecheck import _check_cache
from gradecheck._cli import main
from gradecheck._exercises import EXERCISES_DIR, load_exercise
from gradecheck._grading import grade_file
from gradecheck._kinds import kind_of
from gradecheck._sandbox import SandboxedSubmission

ROOT = Path(gradecheck.__file__).resolve().parents[1]
REFERENCE = ROOT / "reference" / "twelve-weights"
CORRECT = REFERENCE / "solution.py"
NO_DERIVATIVE = REFERENCE / "mistakes" / "missing-activation-derivative.py"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder of this test's own (the runtime trees stay in the shared cache)."""
    folder = tmp_path / "check-cache"
    monkeypatch.setattr(_check_cache, "cache_folder", lambda: folder)
    return folder


class _Counting:
    """Wraps a kind's ``expected`` to count how often the reference really runs."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, kind: Any) -> None:
        self.calls = 0
        compute = kind.expected

        def counted(instance: Any) -> Any:
            self.calls += 1
            return compute(instance)

        monkeypatch.setattr(kind, "expected", counted)


def _given(exercise_id: str) -> tuple[Any, Any, Any]:
    exercise = load_exercise(exercise_id)
    kind = kind_of(exercise)
    return exercise, kind, kind.given_instance(exercise.given)


def _same_bits(a: Any, b: Any) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("exercise_id", ["twelve-weights", "three-two-two", "softmax-cross-entropy", "circuit"])
def test_values_read_back_are_the_references_to_the_bit(cache: Path, exercise_id: str) -> None:
    exercise, kind, instance = _given(exercise_id)
    computed = kind.expected(instance)
    first = _check_cache.given_expected(exercise, kind, instance)
    assert len(list(cache.glob("*.json"))) == 1
    again = _check_cache.given_expected(*_given(exercise_id))  # a fresh load, as the next check does
    assert set(again) == set(computed)
    assert all(_same_bits(again[key], computed[key]) and _same_bits(first[key], computed[key]) for key in computed)


def test_the_reference_runs_once_and_again_only_when_the_spec_changes(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "exercises" / "twelve-weights"
    shutil.copytree(EXERCISES_DIR / "twelve-weights", folder)

    def expected() -> tuple[dict[str, np.ndarray], int]:
        exercise = load_exercise(folder)
        kind = kind_of(exercise)
        counter = _Counting(monkeypatch, kind)
        values = dict(_check_cache.given_expected(exercise, kind, kind.given_instance(exercise.given)))
        return values, counter.calls

    before, calls = expected()
    assert calls == 1
    cached, calls = expected()
    assert calls == 0 and all(np.array_equal(cached[k], before[k]) for k in before)  # read from the cache
    # A change of the statement alone (no given value): another spec, computed again (and the same values).
    (folder / "statement.md").write_text((folder / "statement.md").read_text() + "\nOne more line.\n")
    again, calls = expected()
    assert calls == 1 and all(np.array_equal(again[k], before[k]) for k in before)
    # A given value changed: computed again, and the new values are the reference's for the new spec.
    spec = folder / "exercise.toml"
    spec.write_text(spec.read_text().replace("weights = [0.80,", "weights = [0.10,"))
    changed, calls = expected()
    assert calls == 1 and not np.array_equal(changed["a"], before["a"])
    exercise = load_exercise(folder)
    kind = kind_of(exercise)
    fresh = kind.expected(kind.given_instance(exercise.given))
    assert all(np.array_equal(changed[k], fresh[k]) for k in fresh)
    # gradecheck's own code changed: computed again.
    monkeypatch.setattr(_check_cache, "code_fingerprint", lambda: "another gradecheck")
    assert expected()[1] == 1
    assert len(list(cache.glob("*.json"))) == 4


def test_a_students_variant_has_its_own_entry(cache: Path) -> None:
    exercise = load_exercise("twelve-weights-variants")
    values = {}
    for student in ("s1001", "s1002"):
        mine = exercise.for_student(student)
        kind = kind_of(mine)
        values[student] = _check_cache.given_expected(mine, kind, kind.given_instance(mine.given))
        fresh = kind.expected(kind.given_instance(mine.given))
        assert all(np.array_equal(values[student][k], fresh[k]) for k in fresh)
    assert not np.array_equal(values["s1001"]["a"], values["s1002"]["a"])
    assert len(list(cache.glob("*.json"))) == 2


def _entry(exercise: Any, kind: Any, instance: Any) -> Path:
    key = _check_cache._key("given-expected", exercise, kind, dict(instance))
    return _check_cache.entry_path(key)


def _forge(path: Path, values: dict[str, np.ndarray]) -> None:
    """Rewrite the entry at ``path`` so that it 'expects' ``values`` (keeping its key)."""
    entry = json.loads(path.read_text())
    for name, array in values.items():
        entry["value"][name] = {"shape": list(array.shape), "values": [float(x) for x in array.reshape(-1)]}
    path.write_text(json.dumps(entry))


def _mistake_outputs(exercise: Any, kind: Any, instance: Any) -> dict[str, np.ndarray]:
    """What missing-activation-derivative.py returns on the given values (run in the sandbox, as grading does)."""
    outputs = sorted({key for item in exercise.items if item.instance == "given" for key in item.outputs})
    expected = kind.expected(instance)
    with SandboxedSubmission(NO_DERIVATIVE.read_text()) as submission:
        got = kind.run(submission, instance, outputs, expected)
    assert any(not np.allclose(got[k], expected[k]) for k in outputs)
    return {k: np.asarray(got[k], dtype=np.float64) for k in outputs}


def test_a_forged_entry_fools_only_the_self_check_never_a_grade(cache: Path, capsys: Any) -> None:
    """The attack: a student who can write the cache makes it expect what their wrong file returns."""
    exercise, kind, instance = _given("twelve-weights")
    _check_cache.given_expected(exercise, kind, instance)
    _forge(_entry(exercise, kind, instance), _mistake_outputs(exercise, kind, instance))
    # The self-check reads its cache: the forgery works there (the learner fools only themselves) ...
    assert main(["check", str(NO_DERIVATIVE), "--exercise", "twelve-weights", "--no-color"]) == 0
    assert "Score: 10 / 10" in capsys.readouterr().out
    # ... and no grade reads it: the Python API, and the command line.
    assert grade_file(exercise, NO_DERIVATIVE)["score"] < exercise.max_score
    assert main(["grade", "twelve-weights", str(NO_DERIVATIVE)]) == 0
    graded = json.loads(capsys.readouterr().out)
    assert graded["score"] == grade_file(exercise, NO_DERIVATIVE)["score"] < graded["max_score"]
    assert any(test["status"] == "failed" for test in graded["tests"] if test["name"].startswith("dL/dW"))


def _group_writable(path: Path) -> None:
    path.chmod(0o664)


def _someone_elses(path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to give the file to another user")
    os.chown(path, 65534, 65534)


def _a_link(path: Path) -> None:
    real = path.with_name("elsewhere.json")
    path.rename(real)
    path.symlink_to(real)


def _not_json(path: Path) -> None:
    path.write_text("{not json")


def _another_key(path: Path) -> None:
    entry = json.loads(path.read_text())
    entry["key"] = "0" * 64
    path.write_text(json.dumps(entry))


def _an_output_missing(path: Path) -> None:
    entry = json.loads(path.read_text())
    del entry["value"]["d_weights"]
    path.write_text(json.dumps(entry))


def _wrong_count(path: Path) -> None:
    entry = json.loads(path.read_text())
    entry["value"]["a"]["values"].append(0.5)
    path.write_text(json.dumps(entry))


def _text_values(path: Path) -> None:
    entry = json.loads(path.read_text())
    entry["value"]["a"]["values"][0] = "0.5"
    path.write_text(json.dumps(entry))


@pytest.mark.parametrize(
    "spoil", [_group_writable, _someone_elses, _a_link, _not_json, _another_key, _an_output_missing, _wrong_count, _text_values]
)
def test_an_entry_that_cannot_be_trusted_or_read_is_computed_again(
    cache: Path, monkeypatch: pytest.MonkeyPatch, spoil: Any
) -> None:
    exercise, kind, instance = _given("twelve-weights")
    right = kind.expected(instance)
    _check_cache.given_expected(exercise, kind, instance)
    path = _entry(exercise, kind, instance)
    _forge(path, {"a": right["a"] + 1.0})  # had it been read, it would show
    spoil(path)
    counter = _Counting(monkeypatch, kind)
    got = _check_cache.given_expected(exercise, kind, instance)
    assert counter.calls == 1
    assert all(np.array_equal(got[key], right[key]) for key in right)


def test_the_forged_value_is_read_when_nothing_spoils_it(cache: Path) -> None:
    """The control for the test above: without the spoiling step the forged entry is what comes back."""
    exercise, kind, instance = _given("twelve-weights")
    right = kind.expected(instance)
    _check_cache.given_expected(exercise, kind, instance)
    _forge(_entry(exercise, kind, instance), {"a": right["a"] + 1.0})
    assert np.array_equal(_check_cache.given_expected(exercise, kind, instance)["a"], right["a"] + 1.0)


def test_a_cache_that_cannot_be_written_is_no_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setattr(_check_cache, "cache_folder", lambda: blocker / "check")
    exercise, kind, instance = _given("twelve-weights")
    got = _check_cache.given_expected(exercise, kind, instance)
    assert np.array_equal(got["a"], kind.expected(instance)["a"])


def test_the_draw_check_of_a_spec_runs_until_it_passes_then_once_per_spec(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gradecheck._kinds._base import ExerciseKind, SpecProblem

    folder = tmp_path / "exercises" / "twelve-weights"
    shutil.copytree(EXERCISES_DIR / "twelve-weights", folder)
    calls = []
    validate_instances = ExerciseKind.validate_instances

    def refusing(self: Any, exercise: Any) -> None:
        calls.append("refused")
        raise SpecProblem("random instances cannot be drawn", "settings")

    def counted(self: Any, exercise: Any) -> None:
        calls.append("passed")
        validate_instances(self, exercise)

    monkeypatch.setattr(ExerciseKind, "validate_instances", refusing)
    for _ in range(2):  # a failure is not remembered: refused, with the spec's line, every time
        with pytest.raises(gradecheck.ExerciseSpecError, match=r"exercise.toml:\d+: .*cannot be drawn"):
            _check_cache.load_exercise(folder)
    monkeypatch.setattr(ExerciseKind, "validate_instances", counted)
    for _ in range(3):
        assert _check_cache.load_exercise(folder).id == "twelve-weights"
    assert calls == ["refused", "refused", "passed"]
    spec = folder / "exercise.toml"
    spec.write_text(spec.read_text().replace("max_parameter = 2.0", "max_parameter = 1.5"))
    assert _check_cache.load_exercise(folder).settings["max_parameter"] == 1.5
    assert calls[-1] == "passed" and len(calls) == 4  # another spec: checked again
    monkeypatch.setattr(ExerciseKind, "validate_instances", refusing)
    with pytest.raises(gradecheck.ExerciseSpecError):
        load_exercise(folder)  # a grade's load never skips it


_SELF_CHECK = textwrap.dedent(
    """
    import contextlib, io, json, sys
    from pathlib import Path
    import gradecheck._check_cache
    gradecheck._check_cache.cache_folder = lambda: Path(sys.argv[1])
    from gradecheck._cli import main
    with contextlib.redirect_stdout(io.StringIO()) as out:
        status = main(["check", sys.argv[2], "--exercise", "twelve-weights", "--no-color"])
    heavy = sorted(m for m in ("jax", "hypothesis", "nbformat", "jsonschema") if m in sys.modules)
    print(json.dumps({"status": status, "report": out.getvalue(), "imported": heavy}))
    """
)


def _self_check(cache: Path, path: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", _SELF_CHECK, str(cache), str(path)], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_repeated_self_check_of_a_correct_py_imports_no_jax_hypothesis_or_nbformat(cache: Path) -> None:
    first = _self_check(cache, CORRECT)
    assert first["status"] == 0 and "jax" in first["imported"]  # the first check computes and stores
    again = _self_check(cache, CORRECT)
    assert again["status"] == 0 and again["imported"] == []
    assert again["report"] == first["report"]  # what the cache holds gives the same report, words included
