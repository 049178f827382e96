"""gradecheck validate: the shipped exercises pass it, and each broken fixture under tests/data/validate shows its failure."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gradecheck._cli import main
from gradecheck._exercises import EXERCISES_DIR, exercise_ids, load_exercise

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "data" / "validate"


def _validate(target: Path | str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = main(["validate", str(target)])
    captured = capsys.readouterr()
    return status, captured.out + captured.err


@pytest.mark.parametrize("exercise_id", exercise_ids())
def test_every_shipped_exercise_is_valid(exercise_id: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, out = _validate(EXERCISES_DIR / exercise_id, capsys)
    assert status == 0, out
    lines = out.splitlines()
    assert [line.split()[1] for line in lines[:4]] == ["spec", "statement", "template", "reference"]
    assert all(line.startswith("ok ") for line in lines[:-1]), out
    variants = sorted((ROOT / "reference" / exercise_id / "mistakes").glob("*.py"))
    assert variants and len([line for line in lines if line.split()[1] == "mistake"]) == len(variants)
    for variant in variants:
        assert f"{variant.name} gets " in out and ", diagnosed as '" in out
    per_student = 1 if load_exercise(exercise_id).variants else 0  # the "variants" check
    assert len([line for line in lines if line.split()[1] == "variants"]) == per_student
    assert lines[-1].endswith(f"is valid: {4 + per_student + len(variants)} checks passed.")


def test_an_exercise_with_its_own_kind_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    status, out = _validate(FIXTURES / "local-kind" / "exercises" / "square", capsys)
    assert status == 0, out
    assert "sign-error.py gets 1 / 5, diagnosed as 'Sign error'" in out


_UNKNOWN_KEY_LINE = (FIXTURES / "unknown-key" / "exercises" / "twelve-weights" / "exercise.toml").read_text().splitlines().index(
    'activation = "tanh"'
) + 1


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("unknown-key", ["FAIL  spec", f"exercise.toml:{_UNKNOWN_KEY_LINE}: unknown key 'activation' in [given]",
                         "skip  others", "1 of 1 checks failed, 1 skipped."]),
        ("reference-loses-marks", ["FAIL  reference", "solution.py gets 7.5 / 12.5, not full marks",
                                   "d_biases is wrong", "fix: the reference solution must get full marks",
                                   "1 of 5 checks failed."]),
        ("variant-not-diagnosed", ["FAIL  mistake", "upstream-ignored.py loses marks (1.5 / 12.5) but is diagnosed as "
                                   "'sign-error' (Sign error), not 'upstream-ignored'",
                                   "ok    mistake    ", "missing-activation-derivative.py gets 1.5 / 12.5"]),
        ("unresolved-placeholder", ["FAIL  statement", "statement.md:5: placeholder {{ expected.a[3] :.4f }}",
                                    "index 3 is out of range", "fix: correct the placeholder",
                                    "skip  template"]),
    ],
)
def test_each_broken_fixture_fails_with_what_to_fix(case: str, words: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    status, out = _validate(FIXTURES / case / "exercises" / "twelve-weights", capsys)
    assert status == 1, out
    for word in words:
        assert word in out, out


def _copy(tmp_path: Path, with_reference: bool = True) -> Path:
    source = FIXTURES / "variant-not-diagnosed"
    shutil.copytree(source / "exercises", tmp_path / "exercises")
    if with_reference:
        shutil.copytree(source / "reference", tmp_path / "reference")
        (tmp_path / "reference" / "twelve-weights" / "mistakes" / "upstream-ignored.py").unlink()
    return tmp_path / "exercises" / "twelve-weights"


def test_a_missing_reference_solution_is_a_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out = _validate(_copy(tmp_path, with_reference=False), capsys)
    assert status == 1
    assert "FAIL  reference  no reference solution: expected" in out and "reference/twelve-weights/solution.py" in out


def test_a_variant_that_keeps_full_marks_or_names_an_unknown_mistake_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _copy(tmp_path)
    mistakes = tmp_path / "reference" / "twelve-weights" / "mistakes"
    shutil.copy(tmp_path / "reference" / "twelve-weights" / "solution.py", mistakes / "sign-error.py")
    (mistakes / "forgot-the-bias.py").write_text((mistakes / "missing-activation-derivative.py").read_text())
    status, out = _validate(folder, capsys)
    assert status == 1
    assert "sign-error.py gets full marks (12.5 / 12.5): the checks do not catch this mistake" in out
    assert "forgot-the-bias.py is named after 'forgot-the-bias', which kind 'network' does not model" in out
    assert "2 of 7 checks failed." in out


def test_a_template_that_cannot_render_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _copy(tmp_path)
    spec = folder / "exercise.toml"
    spec.write_text(spec.read_text().replace('version = "1"', 'version = "1 beta"'))
    status, out = _validate(folder, capsys)
    assert status == 1
    assert "FAIL  template   the template notebook does not render: version" in out


@pytest.mark.parametrize("target", ["no/such/folder", "README.md", "tests"])
def test_validate_cannot_run_without_an_exercise_folder(target: str, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    status, out = _validate(target, capsys)
    assert status == 2
    assert out.startswith("error: ")


def test_validate_has_help_with_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--help"]) == 0
    out = capsys.readouterr().out
    assert "Example" in out and "Exit" in out
