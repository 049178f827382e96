"""The three-two-two exercise: the seed's 3-2-2 sigmoid network with biases, one SGD step."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings

from gradecheck._audit import audit_key
from gradecheck._exercises import load_exercise
from gradecheck._kinds import kind_of
from gradecheck._kinds._network_spec import absorb

EXERCISE = load_exercise("three-two-two")
KIND = kind_of(EXERCISE)
GIVEN = KIND.given_instance(EXERCISE.given)
HIDDEN = "hidden: random weights, biases, inputs, targets and learning rates"
HIDDEN_LAYER = {f"dE/dw{k}" for k in range(1, 7)} | {"dE/db1", "dE/db2"}
OUTPUT_LAYER = {f"dE/dw{k}" for k in range(7, 11)} | {"dE/db3", "dE/db4"}
HIDDEN_UPDATES = {f"w{k} new" for k in range(1, 7)} | {"b1 new", "b2 new"}
OUTPUT_UPDATES = {f"w{k} new" for k in range(7, 11)} | {"b3 new", "b4 new"}

#: The seed's printed gradient table ("Expected final results"), docs/notes/seeds.md section 6, as printed.
SLIDE_DIGITS = {
    "w1": "0.0012", "w2": "0.00005", "w3": "0.0050", "w4": "0.0002", "w5": "0.0063", "w6": "0.00029",
    "w7": "0.0764", "w8": "0.1182", "w9": "0.0771", "w10": "0.1192",
    "b1": "0.0012", "b2": "0.00005", "b3": "0.0775", "b4": "0.1198",
}
SLIDE_TABLE = {name: float(text) for name, text in SLIDE_DIGITS.items()}


def failed_tests(result: dict[str, Any]) -> set[str]:
    return {test["name"] for test in result["tests"] if test["status"] == "failed"}


def _sigmoid(z: Any) -> Any:
    return 1.0 / (1.0 + np.exp(-z))


def _outputs(w: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The statement's formulas, written out edge by edge."""
    h_a = _sigmoid(x[0] * w[0] + x[1] * w[2] + x[2] * w[4] + b[0])
    h_b = _sigmoid(x[0] * w[1] + x[1] * w[3] + x[2] * w[5] + b[1])
    return np.array([_sigmoid(h_a * w[6] + h_b * w[8] + b[2]), _sigmoid(h_a * w[7] + h_b * w[9] + b[3])])


def _loss(w: np.ndarray, b: np.ndarray, x: np.ndarray, target: np.ndarray) -> float:
    return 0.5 * float(np.sum((target - _outputs(w, b, x)) ** 2))


def _central_differences(w, b, x, target, h: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
    dw = [(_loss(w + h * e, b, x, target) - _loss(w - h * e, b, x, target)) / (2 * h) for e in np.eye(w.size)]
    db = [(_loss(w, b + h * e, x, target) - _loss(w, b - h * e, x, target)) / (2 * h) for e in np.eye(b.size)]
    return np.array(dw), np.array(db)


def test_the_numbering_is_the_seed_table() -> None:
    # docs/notes/seeds.md section 6: weights[0] = [[w1, w3, w5], [w2, w4, w6]], weights[1] = [[w7, w9], [w8, w10]].
    numbered = absorb(KIND.spec, {**GIVEN, "w": np.arange(1.0, 11.0), "b": np.arange(1.0, 5.0)})
    W1, W2 = numbered.weights
    np.testing.assert_array_equal(W1, [[1, 3, 5], [2, 4, 6]])
    np.testing.assert_array_equal(W2, [[7, 9], [8, 10]])
    # b1 h_a, b2 h_b, b3 y1, b4 y2
    assert [b.tolist() for b in numbered.biases] == [[1.0, 2.0], [3.0, 4.0]]


def test_worked_example_agrees_with_central_differences() -> None:
    w, b, x, target = GIVEN["w"], GIVEN["b"], GIVEN["x"], GIVEN["target"]
    expected = KIND.expected(GIVEN)
    np.testing.assert_allclose(expected["y"], _outputs(w, b, x), rtol=1e-14)
    assert float(expected["E"]) == pytest.approx(_loss(w, b, x, target), rel=1e-14)
    dw, db = _central_differences(w, b, x, target)
    np.testing.assert_allclose(expected["dw"], dw, rtol=1e-6, atol=1e-10)
    np.testing.assert_allclose(expected["db"], db, rtol=1e-6, atol=1e-10)
    rate = float(GIVEN["learning_rate"])
    np.testing.assert_allclose(expected["w_new"], w - rate * dw, rtol=1e-9)
    np.testing.assert_allclose(expected["b_new"], b - rate * db, rtol=1e-9)


def test_worked_example_matches_the_seed_audit() -> None:
    # Float64 values recomputed in docs/notes/seeds.md section 6, to their 6 printed decimals.
    expected = KIND.expected(GIVEN)
    assert float(expected["E"]) == pytest.approx(0.593245, abs=5e-7)
    assert expected["dw"][0] == pytest.approx(0.001984, abs=5e-7)
    assert expected["dw"][6] == pytest.approx(0.076535, abs=5e-7)
    assert expected["db"][3] == pytest.approx(0.119884, abs=5e-7)


def test_the_one_path_model_reproduces_the_slide_table() -> None:
    # The slide truncated its hidden-layer numbers: each printed entry lies less than one unit of its last
    # digit below the one-path value. Its output-layer entries (right, but from rounded factors) stay within 2.
    predicted = KIND.mistaken(GIVEN, "hidden-uses-one-output")
    assert predicted is not None
    values = {f"w{k + 1}": v for k, v in enumerate(predicted["dw"])}
    values.update({f"b{k + 1}": v for k, v in enumerate(predicted["db"])})
    for name, text in SLIDE_DIGITS.items():
        unit = 10.0 ** -len(text.split(".")[1])
        if f"dE/d{name}" in HIDDEN_LAYER:
            assert 0 <= values[name] - float(text) < unit, name
        else:
            assert abs(values[name] - float(text)) < 2 * unit, name
    correct = KIND.expected(GIVEN)
    assert abs(correct["dw"][0] - SLIDE_TABLE["w1"]) > 5e-4  # the true value is far from the printed one


def test_the_slide_table_passes_the_output_layer_and_fails_the_hidden_layer(grade: Any) -> None:
    expected = KIND.expected(GIVEN)
    dw = [SLIDE_TABLE[f"w{k}"] for k in range(1, 11)]
    db = [SLIDE_TABLE[f"b{k}"] for k in range(1, 5)]
    source = (
        f"def forward(w, b, x):\n    return {expected['y'].tolist()!r}\n\n"
        f"def loss(w, b, x, target):\n    return {float(expected['E'])!r}\n\n"
        f"def gradients(w, b, x, target):\n    return {dw!r}, {db!r}\n"
    )
    result = grade("three-two-two", source)
    failed = failed_tests(result)
    assert HIDDEN_LAYER <= failed
    assert not failed & OUTPUT_LAYER  # truncated to 4 decimals: accepted


def test_audit_matches_short_key_names_to_the_items() -> None:
    report = audit_key(EXERCISE, SLIDE_TABLE)
    assert not report.unknown
    wrong = {entry.name for entry in report.wrong}
    # w7 is printed 0.0764; the reference's 0.076535 rounds and truncates to 0.0765 (off by more than 1e-4)
    assert KIND.expected(GIVEN)["dw"][6] == pytest.approx(0.076535, abs=5e-7)
    assert wrong == {"w1", "w2", "w3", "w4", "w5", "w6", "w7", "b1", "b2"}


def test_updates_need_six_decimals(grade: Any) -> None:
    expected = KIND.expected(GIVEN)

    def source(decimals: int) -> str:
        w_new, b_new = (np.round(expected[key], decimals).tolist() for key in ("w_new", "b_new"))
        return f"def sgd_step(w, b, x, target, learning_rate):\n    return {w_new!r}, {b_new!r}\n"

    assert not failed_tests(grade("three-two-two", source(6))) & (HIDDEN_UPDATES | OUTPUT_UPDATES)
    assert failed_tests(grade("three-two-two", source(4))) & HIDDEN_UPDATES


@settings(max_examples=40, deadline=None)
@given(KIND.instance_strategy(EXERCISE.settings))
def test_numpy_mistake_model_agrees_with_the_jax_reference(instance: dict[str, Any]) -> None:
    expected = KIND.expected(instance)
    flipped = KIND.mistaken(instance, "sign-error")
    one_path = KIND.mistaken(instance, "hidden-uses-one-output")
    assert flipped is not None and one_path is not None
    np.testing.assert_allclose(flipped["y"], expected["y"], rtol=1e-12)
    np.testing.assert_allclose(-flipped["dw"], expected["dw"], rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(-flipped["db"], expected["db"], rtol=1e-9, atol=1e-15)
    # The one-path mistake leaves the output layer alone.
    np.testing.assert_allclose(one_path["dw"][6:], expected["dw"][6:], rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(one_path["db"][2:], expected["db"][2:], rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize(
    ("stem", "lost"),
    [
        ("hidden-uses-one-output", HIDDEN_LAYER | HIDDEN_UPDATES | {HIDDEN}),
        ("hidden-activation-derivative-missing", HIDDEN_LAYER | HIDDEN_UPDATES | {HIDDEN}),
        ("sign-error", HIDDEN_LAYER | OUTPUT_LAYER | HIDDEN_UPDATES | OUTPUT_UPDATES | {HIDDEN}),
        ("factor-two", HIDDEN_LAYER | OUTPUT_LAYER | HIDDEN_UPDATES | OUTPUT_UPDATES | {HIDDEN}),
    ],
)
def test_mistakes_lose_exactly_their_items(grade: Any, reference_dir: Path, stem: str, lost: set[str]) -> None:
    result = grade("three-two-two", reference_dir / "three-two-two" / "mistakes" / f"{stem}.py")
    assert failed_tests(result) == lost
    assert result["gradecheck"]["mistakes"][0] == stem


def test_hidden_counterexample_names_the_instance(grade: Any, reference_dir: Path) -> None:
    result = grade("three-two-two", reference_dir / "three-two-two" / "mistakes" / "hidden-uses-one-output.py")
    output = next(test["output"] for test in result["tests"] if test["name"] == HIDDEN)
    assert "Smallest failing instance found" in output
    for key in ("w = [", "b = [", "x = [", "target = [", "learning_rate = "):
        assert key in output
    assert "expected" not in output.split("Hint:")[0]
