"""The instructor-written exercises under examples/: each is valid, grades its example submissions, audits its key.

They are the worked examples of docs/exercise-format.md (a 2x5 tanh layer and a 2-layer tanh network with
softmax cross-entropy on a batch, both of kind network; a LayerNorm layer with gamma and beta, kind layer;
softmax and its vector-Jacobian product, kind function), written only as data: exercise.toml, statement.md,
starter.py and a reference folder (the layer and function kinds' reference solution is the instructor's code).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from gradecheck._cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
EXERCISES = sorted(p.name for p in (EXAMPLES / "exercises").iterdir() if (p / "exercise.toml").exists())
# What each example key's header says a TA got wrong (audit-key must find exactly those entries); None: a right key.
KEY_MISTAKES = {"dense-tanh": r"dL/dx\[\d\]", "tanh-softmax-batch": r"dL/db1\[\d\]", "layer-norm": None, "softmax-vjp": None}


def test_the_examples_are_there() -> None:
    assert EXERCISES == sorted(KEY_MISTAKES)


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_each_example_exercise_is_valid(exercise_id: str, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["validate", str(EXAMPLES / "exercises" / exercise_id)])
    out = capsys.readouterr().out
    assert status == 0, out
    assert out.splitlines()[-1].endswith("checks passed.")


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_each_example_grades_its_submissions(exercise_id: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = EXAMPLES / "submissions" / exercise_id
    status = main(["grade", str(EXAMPLES / "exercises" / exercise_id), str(folder), "--out", str(tmp_path)])
    capsys.readouterr()
    assert status == 0
    with open(tmp_path / "gradebook.csv", newline="") as handle:
        rows = {Path(row["submission"]).name: row for row in csv.DictReader(handle)}
    assert sorted(rows) == sorted(p.name for p in folder.glob("*.py"))
    for name, row in rows.items():
        score, full = float(row["score"]), float(row["max_score"])
        if name == "correct.py":
            assert score == full and not row["mistakes"]
        else:  # each other file carries one deliberate mistake (its first line says which)
            assert 0 < score < full, (name, row)
            assert not row["error"], row


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_each_example_key_is_audited(exercise_id: str, capsys: pytest.CaptureFixture[str]) -> None:
    key = EXAMPLES / "keys" / f"{exercise_id}.toml"
    status = main(["audit-key", str(EXAMPLES / "exercises" / exercise_id), str(key)])
    out = capsys.readouterr().out
    if KEY_MISTAKES[exercise_id] is None:
        assert status == 0 and ", 0 wrong" in out.splitlines()[0], out
        return
    assert status == 1, out
    header, *table = [line for line in out.splitlines() if line.strip()]
    wrong = [line.split()[0] for line in table[1:]]
    assert wrong and all(re.fullmatch(KEY_MISTAKES[exercise_id], entry) for entry in wrong), out
    written = re.findall(rf'^"({KEY_MISTAKES[exercise_id]})" =', key.read_text(), flags=re.MULTILINE)
    assert len(wrong) == len(written), (wrong, written)
    assert f"{len(wrong)} wrong" in header
