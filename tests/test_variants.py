"""Per-student variants (gradecheck._variants, Exercise.for_student): drawing, spec errors, grading on each
student's own numbers, copied notebooks, audit-key per student."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import gradecheck
from gradecheck._audit import audit_key, reference_values
from gradecheck._exercises import ExerciseSpecError, load_exercise
from gradecheck._grading import _hidden_sample, _seed_for, grade_bytes, grade_source
from gradecheck._kinds import kind_of
from gradecheck._variants import MAX_ATTEMPTS

ROOT = Path(gradecheck.__file__).resolve().parents[1]
EXERCISE = "twelve-weights-variants"
REFERENCE = ROOT / "reference" / EXERCISE
SOLUTION = (REFERENCE / "solution.py").read_text()
STUDENTS = ("s1001", "s1002", "alice@example.edu")


@pytest.fixture(scope="module")
def exercise() -> Any:
    return load_exercise(EXERCISE)


def _spec_copy(tmp_path: Path, source: str, edit: Any, name: str | None = None) -> Path:
    """A copy of a shipped exercise folder under tmp_path/exercises, its spec text passed through ``edit``."""
    folder = tmp_path / "exercises" / (name or source)
    shutil.copytree(ROOT / "exercises" / source, folder)
    spec = folder / "exercise.toml"
    text = edit(spec.read_text())
    if name:
        text = text.replace(f'id = "{source}"', f'id = "{name}"')
    spec.write_text(text)
    return folder


def _given_score(result: dict[str, Any]) -> float:
    return sum(test["score"] for test in result["tests"] if not test["name"].startswith("hidden"))


# -- drawing -----------------------------------------------------------------------------------------------


def test_each_student_gets_own_numbers_on_the_declared_grid_and_ranges(exercise: Any) -> None:
    variants = [exercise.for_student(student) for student in STUDENTS]
    for variant in variants:
        for key, rule in exercise.variants.items():
            drawn = np.asarray(variant.given[key], dtype=np.float64)
            assert drawn.shape == np.shape(exercise.given[key])
            assert np.all(drawn >= rule.minimum) and np.all(drawn <= rule.maximum)
            assert np.array_equal(np.round(drawn, rule.decimals), drawn)  # "nice": exactly 2 decimals
        assert variant.given["upstream"] == exercise.given["upstream"]  # not in [variants]: the spec's value
        assert 0.0 not in variant.given["biases"]  # nonzero = true
    weights = [tuple(v.given["weights"]) for v in variants]
    assert len(set(weights)) == len(weights) and tuple(exercise.given["weights"]) not in weights
    again = exercise.for_student(STUDENTS[0])
    assert again.given == variants[0].given and again.variant == variants[0].variant


def test_the_seed_is_sha256_of_exercise_version_and_student(exercise: Any, tmp_path: Path) -> None:
    variant = exercise.for_student("s1001").variant
    digest = hashlib.sha256(f"gradecheck-variant\0{EXERCISE}\0{exercise.version}\0s1001".encode()).hexdigest()
    assert variant.hash == digest[:16] and variant.student == "s1001"
    bumped = load_exercise(_spec_copy(tmp_path, EXERCISE, lambda s: s.replace('version = "1"', 'version = "2"')))
    assert bumped.for_student("s1001").given["weights"] != exercise.for_student("s1001").given["weights"]


def test_draws_do_not_depend_on_the_process_or_python_hash_seed(exercise: Any) -> None:
    code = (
        "import json; from gradecheck._exercises import load_exercise; "
        f"print(json.dumps(load_exercise({EXERCISE!r}).for_student('s1002').given))"
    )
    for hash_seed in ("1", "2"):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                              env={**os.environ, "PYTHONHASHSEED": hash_seed})
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == exercise.for_student("s1002").given


@given(student=st.text(min_size=1, max_size=30).filter(lambda s: s.strip()))
def test_any_student_id_draws_a_valid_reproducible_variant(student: str) -> None:
    exercise = load_exercise(EXERCISE)
    variant = exercise.for_student(student)
    assert variant.variant.student == student.strip()
    kind_of(variant).given_instance(variant.given)  # the kind accepts it
    assert 0.0 not in variant.given["biases"]
    assert exercise.for_student(student).given == variant.given


def test_a_draw_the_kind_refuses_is_redrawn_deterministically(tmp_path: Path) -> None:
    """relu-sigmoid's kind refuses given values with a hidden pre-activation near ReLU's kink (given_instance raises)."""
    folder = _spec_copy(
        tmp_path, "relu-sigmoid",
        lambda s: s + "\n[variants]\nW1 = { min = -0.3, max = 0.3, decimals = 1 }\nb1 = { min = -0.2, max = 0.2, decimals = 1 }\n",
    )
    exercise = load_exercise(folder)
    variants = [exercise.for_student(f"s{k}") for k in range(12)]
    assert any(v.variant.attempt > 0 for v in variants), "no draw was refused: the test shows nothing"
    for variant in variants:
        kind_of(variant).given_instance(variant.given)  # raises for a draw near the kink
    assert [exercise.for_student(f"s{k}").given for k in range(12)] == [v.given for v in variants]


def test_ranges_the_kind_always_refuses_are_a_spec_error_at_load(tmp_path: Path) -> None:
    folder = _spec_copy(
        tmp_path, "relu-sigmoid",
        lambda s: s + "\n[variants]\nW1 = { min = 0, max = 0, decimals = 1 }\nb1 = { min = 0, max = 0, decimals = 1 }\n",
    )
    with pytest.raises(ExerciseSpecError, match=rf"exercise.toml:\d+: .*refused all {MAX_ATTEMPTS} draws.*kink"):
        load_exercise(folder)


def test_choices_pick_one_whole_value(tmp_path: Path) -> None:
    choices = [[1.0, 1.0, 1.0], [1.0, -1.0, 0.5], [-2.0, 0.0, 1.0]]
    folder = _spec_copy(tmp_path, EXERCISE, lambda s: s.replace("[variants]\n", f"[variants]\nupstream = {{ choices = {choices} }}\n"))
    exercise = load_exercise(folder)
    drawn = [exercise.for_student(f"s{k}").given["upstream"] for k in range(20)]
    assert all(value in choices for value in drawn) and len({tuple(v) for v in drawn}) > 1


def _line(text: str, start: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith(start))


@pytest.mark.parametrize(
    ("edit", "line_start", "message"),
    [
        (lambda s: s.replace("weights = { min", "weight = { min"), "weight = { min",
         r"'weight' names no key of \[given\].*Did you mean 'weights'"),
        (lambda s: s.replace("max = 0.95, decimals = 2 }", "max = 0.95, decimal = 2 }", 1), "weights = { min",
         r"unknown key 'decimal' in variants.weights.*Did you mean 'decimals'"),
        (lambda s: s.replace("inputs = { min = 0.05, max = 0.95, decimals = 2 }", "inputs = { min = 0.05, max = 0.95 }"),
         "inputs = { min", r"\[variants\] inputs is missing decimals"),
        (lambda s: s.replace("inputs = { min = 0.05, max = 0.95, decimals = 2 }", "inputs = { min = 0.951, max = 0.959, decimals = 2 }"),
         "inputs = { min", r"holds no value with 2 decimals"),
        (lambda s: s.replace("inputs = { min = 0.05, max = 0.95, decimals = 2 }", "inputs = { choices = [[1, 2]] }"),
         "inputs = { choices", r"choices\[0\] should have the shape \(4,\)"),
        (lambda s: s.replace("inputs = { min = 0.05, max = 0.95, decimals = 2 }", "inputs = { choices = [[1, 2, 3, 4]], min = 0 }"),
         "inputs = { choices", r"both choices and min"),
        (lambda s: s.replace("inputs = { min = 0.05, max = 0.95, decimals = 2 }", 'inputs = "random"'),
         'inputs = "random"', r"should be a table"),
    ],
)
def test_a_malformed_variants_table_is_refused_with_file_line_and_what_to_do(tmp_path: Path, edit: Any, line_start: str, message: str) -> None:
    folder = _spec_copy(tmp_path, EXERCISE, edit)
    text = (folder / "exercise.toml").read_text()
    with pytest.raises(ExerciseSpecError, match=rf"exercise.toml:{_line(text, line_start)}: .*{message}"):
        load_exercise(folder)


def test_a_misspelt_variants_table_is_an_unknown_top_level_table(tmp_path: Path) -> None:
    folder = _spec_copy(tmp_path, EXERCISE, lambda s: s.replace("[variants]", "[variant]"))
    with pytest.raises(ExerciseSpecError, match=r"unknown key 'variant'.*Did you mean 'variants'"):
        load_exercise(folder)


# -- what each student sees and is graded on -----------------------------------------------------------------


def test_the_statement_shows_each_students_own_numbers(exercise: Any) -> None:
    for student in STUDENTS[:2]:
        variant = exercise.for_student(student)
        shown = ", ".join(f"{w:.2f}" for w in variant.given["weights"])
        assert shown in variant.statement
    assert ", ".join(f"{w:.2f}" for w in exercise.given["weights"]) in exercise.statement


def test_hidden_instances_are_the_same_for_every_student(exercise: Any) -> None:
    hidden = next(item for item in exercise.items if item.instance == "hidden")
    a, b = exercise.for_student(STUDENTS[0]), exercise.for_student(STUDENTS[1])
    assert _seed_for(a, hidden) == _seed_for(b, hidden) == _seed_for(exercise, hidden)
    sample_a, sample_b = _hidden_sample(a, kind_of(a), hidden), _hidden_sample(b, kind_of(b), hidden)
    assert len(sample_a) == len(sample_b) > 0
    for (instance_a, _), (instance_b, _) in zip(sample_a, sample_b):
        assert all(np.array_equal(instance_a[key], instance_b[key]) for key in instance_a)


def test_given_items_use_each_students_own_numbers(exercise: Any, worked_answers: Any) -> None:
    """Answers worked out for student A (from the JAX reference) earn A's given points, not B's or C's;
    the reference solution gets full marks as anyone; a regrade gives the same result."""
    variants = [exercise.for_student(student) for student in STUDENTS]
    worked_for_a = worked_answers(variants[0]).encode()
    given_points = sum(item.points for item in exercise.items if item.instance == "given")
    results = [grade_bytes(exercise, "a.py", worked_for_a, student=student) for student in STUDENTS]
    assert _given_score(results[0]) == given_points
    for result in results[1:]:
        assert _given_score(result) < given_points / 4
    for result, student in zip(results, STUDENTS):
        variant = result["gradecheck"]["variant"]
        assert variant["student"] == student and variant["given"]["weights"] == exercise.for_student(student).given["weights"]
    again = grade_bytes(exercise, "a.py", worked_for_a, student=STUDENTS[1])
    assert [t["score"] for t in again["tests"]] == [t["score"] for t in results[1]["tests"]]
    for student in STUDENTS:
        correct = grade_bytes(exercise, "solution.py", SOLUTION.encode(), student=student)
        assert correct["score"] == correct["max_score"] == exercise.max_score


def test_a_wrong_solution_loses_marks_against_each_students_numbers(exercise: Any) -> None:
    wrong = (REFERENCE / "mistakes" / "missing-activation-derivative.py").read_bytes()
    for student in STUDENTS:
        result = grade_bytes(exercise, "wrong.py", wrong, student=student)
        assert result["score"] < result["max_score"]
        assert result["gradecheck"]["mistakes"] == ["missing-activation-derivative"]


def _notebook(source: str, student: str | None) -> bytes:
    block = {"exercise": EXERCISE, "version": "1", **({"student": student} if student else {})}
    notebook = nbformat.v4.new_notebook(metadata={"gradecheck": block})
    notebook.cells = [nbformat.v4.new_code_cell(source)]
    return nbformat.writes(notebook).encode()


def test_a_notebook_of_another_student_is_flagged_not_refused(exercise: Any) -> None:
    copied = grade_bytes(exercise, "carol.ipynb", _notebook(SOLUTION, "s1001"), student="s1002")
    assert copied["score"] == copied["max_score"]  # general code is right for anyone: graded, with a note
    assert copied["gradecheck"]["variant"]["notebook_student"] == "s1001"
    assert copied["gradecheck"]["variant"]["student"] == "s1002"
    assert any("'s1001'" in note and "'s1002'" in note for note in copied["gradecheck"]["notes"])
    assert "copied notebook" in copied["output"]
    own = grade_bytes(exercise, "alice.ipynb", _notebook(SOLUTION, "s1001"), student="s1001")
    assert "notebook_student" not in own["gradecheck"]["variant"] and not own["gradecheck"]["notes"]


def test_without_a_student_the_spec_given_values_are_graded_and_no_variant_is_recorded(exercise: Any, worked_answers: Any) -> None:
    result = grade_source(exercise, worked_answers(exercise), "default.py")
    assert _given_score(result) == sum(item.points for item in exercise.items if item.instance == "given")
    assert "variant" not in result["gradecheck"]


def test_a_key_for_one_student_fails_the_audit_for_another(exercise: Any) -> None:
    a, b = exercise.for_student(STUDENTS[0]), exercise.for_student(STUDENTS[1])
    key_a = {name: round(value, 4) for name, value in reference_values(a).items()}
    assert audit_key(a, key_a).ok
    report = audit_key(b, key_a)
    assert not report.ok and len(report.wrong) > len(key_a) / 2


# -- gradecheck validate -------------------------------------------------------------------------------------


def test_validate_checks_that_variants_differ_and_the_reference_gets_full_marks_on_them(tmp_path: Path) -> None:
    from gradecheck._validate import validate_exercise

    one_choice = 'upstream = { choices = [[1.0, 1.0, 1.0]] }\n'
    same = _spec_copy(tmp_path, EXERCISE, lambda s: s.replace(s[s.index("[variants]\n"):s.index("[settings]")], f"[variants]\n{one_choice}\n"))
    (tmp_path / "reference" / EXERCISE).mkdir(parents=True)
    (tmp_path / "reference" / EXERCISE / "solution.py").write_text(SOLUTION)
    report = validate_exercise(same)
    variants = [check for check in report.checks if check.name == "variants"]
    assert len(variants) == 1 and variants[0].failed and "the same numbers" in variants[0].message
    shutil.rmtree(same)
    shutil.copytree(ROOT / "exercises" / EXERCISE, same)
    report = validate_exercise(same)
    assert report.ok and any(check.name == "variants" and check.status == "ok" for check in report.checks)


def test_nonzero_leaves_zero_out_of_the_range_and_keeps_every_other_value() -> None:
    from gradecheck._variants import VariantRule

    rule = VariantRule("b", (60,), -0.01, 0.01, 2, nonzero=True)
    drawn = rule.draw(b"seed")
    assert set(drawn) == {-0.01, 0.01}
    assert set(VariantRule("b", (60,), -0.01, 0.01, 2).draw(b"seed")) == {-0.01, 0.0, 0.01}


def test_the_notebook_self_check_grades_the_student_its_metadata_names(exercise: Any, worked_answers: Any, capsys: Any) -> None:
    """gn.check()'s grading process (python -m gradecheck._self_check) reads the student from the notebook, or --student."""
    import io
    import sys

    from gradecheck import _self_check

    worked_for_a = worked_answers(exercise.for_student(STUDENTS[0]))
    given_points = sum(item.points for item in exercise.items if item.instance == "given")

    def run(data: bytes, *extra: str) -> tuple[int, str]:
        stdin = sys.stdin
        sys.stdin = io.TextIOWrapper(io.BytesIO(data))
        try:
            status = _self_check.main([EXERCISE, "mine.ipynb", *extra])
        finally:
            sys.stdin = stdin
        captured = capsys.readouterr()
        return status, captured.out or captured.err

    status, out = run(_notebook(worked_for_a, STUDENTS[0]))
    assert status == 0 and json.loads(out)["score"] == given_points
    assert json.loads(out)["gradecheck"]["variant"]["student"] == STUDENTS[0]
    status, out = run(_notebook(worked_for_a, STUDENTS[0]), "--student", STUDENTS[1])
    assert status == 0 and json.loads(out)["score"] < given_points / 4
    status, out = run(_notebook(worked_for_a, None))
    assert status == 2 and "does not say whose it is" in out
