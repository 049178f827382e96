"""The instructor-written exercises under examples/: each is valid, grades its example submissions, audits its key.

They are the worked examples of docs/exercise-format.md (a 2x5 tanh layer and a 2-layer tanh network with
softmax cross-entropy on a batch, both of kind network; a LayerNorm layer and a BatchNorm layer (training
mode), both with gamma and beta, kind layer; softmax and its vector-Jacobian product, kind function), written only as data: exercise.toml, statement.md,
starter.py and a reference folder (the layer and function kinds' reference solution is the instructor's code).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pytest

from gradecheck._cli import main
from gradecheck._exercises import load_exercise
from gradecheck._grading import grade_source
from gradecheck._kinds import kind_of

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
EXERCISES = sorted(p.name for p in (EXAMPLES / "exercises").iterdir() if (p / "exercise.toml").exists())
# What each example key's header says a TA got wrong (audit-key must find exactly those entries); None: a right key.
KEY_MISTAKES = {"batch-norm": None, "dense-tanh": r"dL/dx\[\d\]", "tanh-softmax-batch": r"dL/db1\[\d\]", "layer-norm": None, "softmax-vjp": None}


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


# -- batch-norm: its numbers, checked without the reference's backward ---------------------------------


def _batch_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """BatchNorm in training mode, written independently of the reference: columns over the batch, biased variance."""
    mean = x.mean(axis=0)
    return gamma * (x - mean) / np.sqrt(((x - mean) ** 2).mean(axis=0) + 1e-5) + beta


def _batch_norm_vjp(instance: dict[str, np.ndarray], name: str) -> np.ndarray:
    """d/d instance[name] of sum(upstream * y), by plain central differences (step 1e-6)."""
    grad = np.zeros(instance[name].size)
    for k in range(grad.size):
        values = []
        for sign in (1.0, -1.0):
            moved = instance[name].reshape(-1).copy()
            moved[k] += sign * 1e-6
            point = {**instance, name: moved.reshape(instance[name].shape)}
            values.append(float(np.sum(instance["upstream"] * _batch_norm(point["x"], point["gamma"], point["beta"]))))
        grad[k] = (values[0] - values[1]) / 2e-6
    return grad.reshape(instance[name].shape)


def test_batch_norm_numbers_agree_with_finite_differences_of_an_independent_forward() -> None:
    exercise = load_exercise(EXAMPLES / "exercises" / "batch-norm")
    kind = kind_of(exercise)
    worked = {"x": np.array([[1.0], [2.0], [4.0]]), "gamma": np.ones(1), "beta": np.zeros(1), "upstream": np.array([[1.0], [0.0], [0.0]])}
    for instance in (kind.given_instance(exercise.given), worked):
        expected = kind.expected(instance)
        np.testing.assert_allclose(expected["y"], _batch_norm(instance["x"], instance["gamma"], instance["beta"]), rtol=1e-12)
        for name in ("x", "gamma", "beta"):
            np.testing.assert_allclose(expected[f"d_{name}"], _batch_norm_vjp(instance, name), rtol=1e-6, atol=1e-8, err_msg=name)
    # the statement's worked example shows these values, to 4 decimals
    statement = exercise.statement
    for shown in ("[[-1.0690], [-0.2673], [1.3363]]", "[[0.2291], [-0.3436], [0.1145]]", "grads['gamma'] = [-1.0690]"):
        assert shown in statement
    np.testing.assert_allclose(kind.expected(worked)["y"].ravel(), [-1.0690, -0.2673, 1.3363], atol=0.6e-4)
    np.testing.assert_allclose(_batch_norm_vjp(worked, "x").ravel(), [0.2291, -0.3436, 0.1145], atol=0.6e-4)
    np.testing.assert_allclose(_batch_norm_vjp(worked, "gamma"), [-1.0690], atol=0.6e-4)


def test_batch_norm_unbiased_variance_keeps_its_gradients_by_carry_forward() -> None:
    exercise = load_exercise(EXAMPLES / "exercises" / "batch-norm")
    path = EXAMPLES / "submissions" / "batch-norm" / "unbiased-variance.py"
    result = grade_source(exercise, path.read_text(), path.name)
    failed = {t["name"].split("[")[0] for t in result["tests"] if t["status"] == "failed"}
    carried = {t["name"].split("[")[0] for t in result["tests"] if "from your own (wrong) forward pass" in t["output"] and t["status"] == "passed"}
    # a consistent backward of the unbiased forward: y and the hidden item are lost, dL/dx and dL/dgamma carry
    assert failed == {"y", "hidden: random batches, widths, parameters and upstream gradients"}
    assert carried == {"dL/dx", "dL/dgamma"}
    assert result["score"] == result["max_score"] - 4 - 4
