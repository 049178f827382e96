"""The generic ``layer`` kind: a layer class (C5) configured by [layer], graded against the reference layer.

The example exercise examples/exercises/layer-norm (LayerNorm with gamma and beta) is written with TOML,
a statement and a reference solution only.  These tests cover its spec (strictly read), its grading
(given values element by element, hidden random shapes), diagnosis (generic models and the instructor's
known-wrong variants), credit carried forward by finite differences of the submission's own forward (and
the answers that must not earn it), hostile layer objects, and the reference staying out of the worker.
"""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gradecheck._exercises import ExerciseSpecError, load_exercise
from gradecheck._grading import GradingError, grade_source
from gradecheck._kinds import get_kind, kind_of
from gradecheck._kinds._reference import ReferenceSolutionError
from gradecheck._kinds._slopes import jacobian
from gradecheck._sandbox import Limits

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
EXERCISE_DIR = EXAMPLES / "exercises" / "layer-norm"
REFERENCE = EXAMPLES / "reference" / "layer-norm"
SUBMISSIONS = EXAMPLES / "submissions" / "layer-norm"
EXERCISE = load_exercise(EXERCISE_DIR)
KIND = kind_of(EXERCISE)
GIVEN = KIND.given_instance(EXERCISE.given)
CARRIED = "from your own (wrong) forward pass"
HIDDEN = "hidden: random batches, widths, parameters and upstream gradients"


def grade(source: str | Path, exercise: Any = EXERCISE, **options: Any) -> dict[str, Any]:
    text = source.read_text() if isinstance(source, Path) else source
    return grade_source(exercise, text, "submission.py", **options)


def failed(result: dict[str, Any]) -> set[str]:
    return {t["name"] for t in result["tests"] if t["status"] == "failed"}


def item_of(name: str) -> str:
    return name.split("[")[0]


def carried(result: dict[str, Any]) -> set[str]:
    return {t["name"] for t in result["tests"] if CARRIED in t["output"] and t["status"] == "passed"}


def copy_exercise(tmp_path: Path, exercise: str = "layer-norm") -> tuple[Path, Path]:
    """The example exercise and its reference in a course layout under tmp_path: (exercise dir, reference dir)."""
    target = tmp_path / "course"
    shutil.copytree(EXAMPLES / "exercises" / exercise, target / "exercises" / exercise)
    shutil.copytree(EXAMPLES / "reference" / exercise, target / "reference" / exercise)
    return target / "exercises" / exercise, target / "reference" / exercise


# -- the spec -------------------------------------------------------------------------------


def test_the_bound_kind_reads_the_layer_table() -> None:
    assert [e.signature for e in KIND.entry_points] == list(EXERCISE.entry_points)
    assert KIND.output_keys == ("y", "d_x", "d_gamma", "d_beta")
    assert set(KIND.given_keys) == {"x", "gamma", "beta", "upstream"} and KIND.optional_given_keys == {"upstream"}
    assert [k for k, v in KIND.given_keys.items() if not v.required] == ["upstream"]
    assert set(KIND.settings_keys) == {"max_magnitude", "upstream_magnitude"}
    assert set(KIND.section_keys["layer"]) >= {"class", "arguments", "inputs", "params", "output", "shapes", "dimensions", "values"}
    assert set(KIND.section_keys["layer"]["shapes"].keys) == {"x", "gamma", "beta", "y"}
    assert set(KIND.section_keys["layer"]["dimensions"].keys) == {"batch", "features"}
    assert KIND.constructor_arguments(GIVEN) == [4]
    assert GIVEN["upstream"].shape == (2, 4) and not np.all(GIVEN["upstream"] == 1)
    # The unbound kind declares its tables' fixed keys too (the strict spec reader can use them).
    unbound = get_kind("layer")
    assert set(unbound.section_keys["layer"]) == set(KIND.section_keys["layer"]) and unbound.given_keys is None
    assert unbound.section_keys["layer"]["shapes"].keys is None


SPEC = (EXERCISE_DIR / "exercise.toml").read_text()


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda s: s.replace('class = "LayerNorm"', 'clas = "LayerNorm"'), ["exercise.toml:13: unknown key 'clas' in [layer]", "Did you mean 'class'"]),
        (lambda s: s.replace('inputs = ["x"]', 'inputs = "x"'), ["exercise.toml:15: [layer] inputs should be a list of strings", "found 'x'"]),
        (lambda s: s.replace('params = ["gamma", "beta"]', 'params = ["gamma", "gamma"]'), ["'layer.params'", "each once"]),
        (lambda s: s.replace('gamma = ["features"]\nbeta', 'beta'), ["'layer.shapes.gamma'", "it is missing"]),
        (lambda s: s.replace('y = ["batch", "features"]', 'y = ["batch", "width"]'), ["'layer.shapes.y'", "dimensions that some input"]),
        (lambda s: s.replace("batch = [1, 4]", "batch = [4, 1]"), ["'layer.dimensions.batch'", "[4, 1]"]),
        (lambda s: s.replace("batch = [1, 4]\n", ""), ["'layer.dimensions.batch'", "hidden items"]),
        (lambda s: s.replace("features = [2, 6]", "features = [2, 6]\ncolour = [1, 2]"), ["'layer.dimensions.colour'"]),
        (lambda s: s.replace('arguments = ["features"]', 'arguments = ["width"]'), ["'layer.arguments'", "batch, features"]),
        (lambda s: s.replace('arguments = ["features"]', "arguments = [true]"), ["'layer.arguments'", "[True]"]),
        (lambda s: s.replace("gamma = [1.0, 0.5, 2.0, -1.0]", "gamma = [1.0, 0.5, 2.0]"), ["given.gamma", "features = 3", "features = 4"]),
        (lambda s: s.replace("gamma = [1.0, 0.5, 2.0, -1.0]\n", ""), ["[given] is missing 'gamma'"]),
        (lambda s: s.replace("beta = [0.0, 0.1, -0.2, 0.5]", 'beta = [0.0, 0.1, -0.2, 0.5]\nactivation = "tanh"'), ["unknown key 'activation' in [given]", "Known keys there: x, gamma, beta, upstream"]),
        (lambda s: s.replace("beta = [0.0, 0.1, -0.2, 0.5]", 'beta = ["0.0", 0.1, -0.2, 0.5]'), ["'given.beta'", "numbers"]),
        (lambda s: s.replace("upstream = [[1.0, -1.0, 0.5, 2.0], [0.5, 1.5, -2.0, 1.0]]", "upstream = [1.0, 2.0]"), ["'given.upstream'", "(2, 4)"]),
        (lambda s: s.replace("max_magnitude = 2.0", "max_magnitude = -1"), ["'settings.max_magnitude'", "positive", "-1"]),
        (lambda s: s.replace("max_magnitude = 2.0", "max_magnitud = 2.0"), ["'settings.max_magnitud'", "did you mean 'max_magnitude'"]),
        (lambda s: s.replace('outputs = ["d_beta"]', 'outputs = ["d_bias"]'), ["d_bias", "d_beta"]),
        (lambda s: s.replace("[layer.dimensions]", "[layer.values]\nx = [2.0, 1.0]\n\n[layer.dimensions]"), ["'layer.values.x'", "low < high"]),
        (lambda s: s.replace("[layer]", "[network]\nlayers = 2\n\n[layer]"), ["exercise.toml:12: unknown key 'network' in the top level"]),
        (lambda s: s.replace("[layer]", "[layr]").replace("[layer.", "[layr."), ["unknown key 'layr'", "Did you mean 'layer'"]),
    ],
)
def test_malformed_layer_specs_are_refused_naming_file_key_and_expectation(tmp_path: Path, edit: Any, words: list[str]) -> None:
    exercise_dir, _ = copy_exercise(tmp_path)
    path = exercise_dir / "exercise.toml"
    path.write_text(edit(SPEC))
    with pytest.raises(ExerciseSpecError) as info:
        load_exercise(exercise_dir)
    message = str(info.value)
    assert str(path) in message
    for word in words:
        assert word in message, message


def test_a_wrong_reference_is_refused_when_the_exercise_loads(tmp_path: Path) -> None:
    exercise_dir, reference = copy_exercise(tmp_path)
    solution = reference / "solution.py"
    text = solution.read_text()
    # beta's gradient off by a factor 2: finite differences of the reference's own forward catch it.
    solution.write_text(text.replace('"beta": np.sum(upstream, axis=rows),', '"beta": 2 * np.sum(upstream, axis=rows),'))
    with pytest.raises(ExerciseSpecError) as info:
        load_exercise(exercise_dir)
    message = str(info.value)
    assert str(solution) in message and "d_beta" in message and "finite differences of its own forward" in message
    solution.write_text(text.replace("class LayerNorm", "class LayerNormal"))
    with pytest.raises(ExerciseSpecError, match="defines no LayerNorm"):
        load_exercise(exercise_dir)
    solution.write_text(text.replace("return self.params", "return (self.params").replace('["beta"]\n', '["beta"])[..., :2]\n', 1))
    with pytest.raises(ExerciseSpecError, match=r"gives y of shape \(2, 2\).*\(2, 4\)"):
        load_exercise(exercise_dir)


def test_a_variant_that_defines_no_layer_is_refused(tmp_path: Path) -> None:
    exercise_dir, reference = copy_exercise(tmp_path)
    (reference / "mistakes" / "empty.py").write_text('"""Nothing."""\n')
    with pytest.raises(ExerciseSpecError, match=r"empty\.py.*defines class LayerNorm"):
        load_exercise(exercise_dir)


def test_without_its_reference_the_exercise_loads_but_is_not_graded(tmp_path: Path) -> None:
    exercise_dir, reference = copy_exercise(tmp_path)
    shutil.rmtree(reference)
    exercise = load_exercise(exercise_dir)  # a learner's copy: the template still renders
    assert exercise.id == "layer-norm"
    with pytest.raises(ReferenceSolutionError, match=r"reference/layer-norm/solution\.py"):
        grade(SUBMISSIONS / "correct.py", exercise)


# -- the reference and its numbers ------------------------------------------------------------


def _vjp_by_differences(name: str, instance: dict[str, np.ndarray]) -> np.ndarray:
    """d/d instance[name] of sum(upstream * reference forward), by plain central differences (step 1e-6)."""
    module = KIND.reference()
    base = instance[name].reshape(-1)
    grad = np.zeros(base.size)
    for k in range(base.size):
        values = []
        for sign in (1.0, -1.0):
            moved = base.copy()
            moved[k] += sign * 1e-6
            layer = module.LayerNorm(instance["x"].shape[-1])
            point = {**instance, name: moved.reshape(instance[name].shape)}
            layer.params["gamma"][...] = point["gamma"]
            layer.params["beta"][...] = point["beta"]
            values.append(float(np.sum(instance["upstream"] * layer.forward(point["x"]))))
        grad[k] = (values[0] - values[1]) / 2e-6
    return grad.reshape(instance[name].shape)


def test_the_reference_gradients_agree_with_finite_differences_on_the_given_values() -> None:
    expected = KIND.expected(GIVEN)
    for name in ("x", "gamma", "beta"):
        np.testing.assert_allclose(expected[f"d_{name}"], _vjp_by_differences(name, GIVEN), rtol=1e-6, atol=1e-8)


def _block(statement: str, start: str) -> dict[str, np.ndarray]:
    """``name = [numbers]`` lines (an array may go on over several lines) of the indented block after ``start``."""
    lines = statement[statement.index(start) :].splitlines()[1:]
    values: dict[str, np.ndarray] = {}
    pending: tuple[str, str] | None = None
    for line in lines:
        if pending is not None:
            name, text = pending[0], pending[1] + " " + line.strip()
        else:
            match = re.match(r"^    ([\w'\[\]/ ]+?)\s*=\s*(.+)$", line)
            if not match:
                if values and line.strip() and not line.startswith("    "):
                    break
                continue
            name, text = match.group(1).strip(), match.group(2)
        if text.count("[") > text.count("]"):
            pending = (name, text)
            continue
        pending = None
        values[name] = np.array(ast.literal_eval(text.split("  ")[0] if "]" not in text else text[: text.rindex("]") + 1]), dtype=np.float64)
    return values


def test_the_statement_shows_the_given_values_and_computed_worked_values() -> None:
    statement = EXERCISE.statement
    shown = _block(statement, "## Given values")
    assert set(shown) == {"x", "gamma", "beta", "upstream"}
    for key, value in shown.items():
        np.testing.assert_array_equal(value, GIVEN[key])
    example = _block(statement, "gives")
    inputs = _block(statement, "One example of three features")
    instance = {"x": inputs["x"], "gamma": np.ones(3), "beta": np.zeros(3), "upstream": inputs["upstream"]}
    expected = KIND.expected(instance)
    x = instance["x"]
    variance = np.mean((x - x.mean()) ** 2)
    worked = {
        "mean": x.mean(), "variance": variance, "sigma": np.sqrt(variance + 1e-5), "y": expected["y"],
        "dL/dx": _vjp_by_differences("x", instance),  # finite differences, not the reference's backward
        "grads['gamma']": _vjp_by_differences("gamma", instance), "grads['beta']": _vjp_by_differences("beta", instance),
    }
    assert set(example) == set(worked)
    for key, value in worked.items():
        np.testing.assert_allclose(example[key], value, atol=0.6e-4, err_msg=key)  # shown to 4 decimals
    np.testing.assert_allclose(expected["d_x"], worked["dL/dx"], rtol=1e-6, atol=1e-8)
    # the points and the random shapes it announces are the spec's
    points = {f"{item.points:g}" for item in EXERCISE.items}
    assert set(re.findall(r"\((\d+) points", statement)) <= points
    assert "(1 to 4)" in statement and "(2 to 6 features)" in statement
    assert KIND.config.schema.dimensions == {"batch": (1, 4), "features": (2, 6)}


# -- grading ---------------------------------------------------------------------------------


def test_the_reference_gets_full_marks_and_grading_is_deterministic() -> None:
    first = grade(REFERENCE / "solution.py")
    assert failed(first) == set() and first["score"] == first["max_score"] == 15
    assert len([t for t in first["tests"] if t["name"].startswith("y[")]) == 8  # element by element
    second = grade(REFERENCE / "solution.py")
    assert [t["output"] for t in first["tests"]] == [t["output"] for t in second["tests"]]


@pytest.mark.parametrize("path", sorted((REFERENCE / "mistakes").glob("*.py")), ids=lambda p: p.stem)
def test_each_known_wrong_variant_loses_marks_and_is_diagnosed(path: Path) -> None:
    result = grade(path)
    assert result["score"] < result["max_score"]
    assert result["gradecheck"]["mistakes"] == [path.stem]
    title = result["gradecheck"]["diagnosis"][0]["title"]
    assert title == path.read_text().split('"""')[1].splitlines()[0].strip()  # the variant's docstring gives the feedback
    assert f"Likely mistake: {title}" in result["output"]
    assert HIDDEN in failed(result)


@pytest.mark.parametrize(
    ("name", "lost_items", "mistakes"),
    [
        ("correct", set(), []),
        ("gamma-beta-swapped", {"dL/dgamma", "dL/dbeta", HIDDEN}, ["swapped-gradients"]),
        ("upstream-ignored", {"dL/dx", "dL/dgamma", "dL/dbeta", HIDDEN}, ["upstream-ignored"]),
        ("mean-path-only", {"dL/dx", HIDDEN}, ["variance-path-missing"]),
        ("unbiased-variance", {"y", HIDDEN}, []),
    ],
)
def test_the_example_submissions(name: str, lost_items: set[str], mistakes: list[str]) -> None:
    result = grade(SUBMISSIONS / f"{name}.py")
    assert {item_of(t) for t in failed(result)} == lost_items
    assert result["gradecheck"]["mistakes"] == mistakes


def test_a_sign_error_is_diagnosed_by_the_generic_model() -> None:
    source = (REFERENCE / "solution.py").read_text().replace("    def backward(self, upstream):\n", "    def backward(self, upstream):\n        upstream = -upstream\n")
    result = grade(source)
    assert {item_of(t) for t in failed(result)} == {"dL/dx", "dL/dgamma", "dL/dbeta", HIDDEN}
    assert result["gradecheck"]["mistakes"] == ["sign-error"]


def test_the_hidden_item_reports_the_shrunk_instance_without_expected_values() -> None:
    result = grade(SUBMISSIONS / "mean-path-only.py")
    [hidden] = [t for t in result["tests"] if t["name"] == HIDDEN]
    assert "layer = LayerNorm(" in hidden["output"] and "params['gamma'] = " in hidden["output"]
    assert "upstream = " in hidden["output"] and "d_x is wrong at" in hidden["output"]
    assert "forward's y is right here; the error is in backward (d_x)" in hidden["output"]
    assert "expected" not in hidden["output"].split("Hint:")[0]


# -- credit carried forward --------------------------------------------------------------------


def test_a_consistent_backward_of_a_wrong_forward_keeps_its_credit() -> None:
    result = grade(SUBMISSIONS / "unbiased-variance.py")
    # dL/dx and dL/dgamma (which uses the submission's own x_hat) carried; dL/dbeta right; y and hidden lost.
    assert carried(result) == {f"dL/dx[{i},{j}]" for i in range(2) for j in range(4)} | {f"dL/dgamma[{j}]" for j in range(4)}
    assert result["score"] == 15 - 4 - 4


ZEROS = '''
import numpy as np

class LayerNorm:
    def __init__(self, features):
        self.params = {"gamma": np.ones(features), "beta": np.zeros(features)}

    def forward(self, x):
        return 1e-8 * np.sum(x) + 0 * x + 1e-8 * np.sum(self.params["gamma"] + self.params["beta"])

    def backward(self, upstream):
        self.grads = {"gamma": np.zeros_like(self.params["gamma"]), "beta": np.zeros_like(self.params["beta"])}
        return np.zeros_like(upstream)
'''
CONSTANT = ZEROS.replace("1e-8 * np.sum(x)", "0.3 * np.sum(x)").replace("return np.zeros_like(upstream)", "return 0.3 * np.sum(upstream) + 0 * upstream")
FITTED = '''
import numpy as np

GIVEN = {given}

class LayerNorm:
    def __init__(self, features):
        self.params = {{"gamma": np.ones(features), "beta": np.zeros(features)}}

    def forward(self, x):
        self.x = x
        return x - x.mean(axis=1, keepdims=True)          # wrong: not scaled, no gamma and beta

    def backward(self, upstream):
        self.grads = {{"gamma": np.zeros(self.x.shape[1]), "beta": np.zeros(self.x.shape[1])}}
        if np.array_equal(upstream, GIVEN):                 # right for its own forward on the given values only
            return upstream - upstream.mean(axis=1, keepdims=True)
        return np.ones_like(upstream)
'''
IDENTITY = '''
import numpy as np

class LayerNorm:
    def __init__(self, features):
        self.params = {"gamma": np.ones(features), "beta": np.zeros(features)}

    def forward(self, x):
        return self.params["gamma"] * x + self.params["beta"]

    def backward(self, upstream):
        self.grads = {"gamma": np.sum(upstream * self.x, axis=0) if hasattr(self, "x") else 0 * upstream[0], "beta": np.sum(upstream, axis=0)}
        return upstream * self.params["gamma"]
'''


@pytest.mark.parametrize(
    ("source", "why"),
    [
        (ZEROS, "a backward of zeros with a forward tuned to have (almost) no slope"),
        (CONSTANT, "a constant backward with a linear forward: it follows no random upstream"),
        (FITTED.format(given=GIVEN["upstream"].tolist()), "a backward fitted to the given values"),
        (IDENTITY, "an elementwise stand-in for a layer that mixes its row"),
    ],
    ids=["zeros", "constant", "fitted", "elementwise"],
)
def test_answers_that_are_no_attempt_carry_nothing(source: str, why: str) -> None:
    result = grade(source)
    assert carried(result) == set(), why
    assert {"dL/dx[0,0]", "dL/dx[1,3]"} <= failed(result)


def test_the_own_slopes_are_exact_enough_where_the_layer_is_steep() -> None:
    # A row of equal values: the normalisation is steep (1 / sqrt(eps)); the step shrinks until it is accurate.
    module = KIND.reference()
    instance = {"x": np.zeros((1, 4)), "gamma": np.array([1.0, -0.5, 2.0, 0.25]), "beta": np.zeros(4), "upstream": np.array([[1.0, 0.5, -1.0, 2.0]])}
    slopes = jacobian(KIND._trusted_forward(module, instance)("x"), instance["x"], cotangent=instance["upstream"])
    assert slopes is not None
    vjp, error = slopes.vjp(instance["upstream"])
    np.testing.assert_allclose(vjp, KIND.expected(instance)["d_x"].reshape(-1), rtol=1e-7, atol=1e-9)
    assert np.all(error < 1e-6 * np.abs(vjp).max())


# -- hostile and odd layer objects -------------------------------------------------------------

LIMITS = Limits(call_timeout=2.0, total_timeout=60.0)
SOLUTION = (REFERENCE / "solution.py").read_text()


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        (SOLUTION.replace('self.params = {"gamma": np.ones(features), "beta": np.zeros(features)}', "self.weights = np.ones(features)"),
         "must keep its parameters in a dict self.params"),
        (SOLUTION.replace("    def forward(self, x):", "    @property\n    def params(self):\n        return {k: v.copy() for k, v in self._p.items()}\n\n    @params.setter\n    def params(self, value):\n        self._p = value\n\n    def forward(self, x):"),
         "does not hold the values the grader wrote into it"),
        (SOLUTION.replace("return self.params[\"gamma\"] * self.x_hat + self.params[\"beta\"]", "return '0.5'"),
         "y should be numbers"),
        (SOLUTION.replace("        self.grads = {\n", "        self.grads = 'gamma and beta'\n        _ = {\n"),
         "grads should be a dict with keys gamma, beta"),
        (SOLUTION.replace('"beta": np.sum(upstream, axis=rows),', ""), "grads has no key 'beta'"),
        (SOLUTION.replace("    def backward(self, upstream):\n", "    def backward(self, upstream):\n        while True:\n            pass\n"),
         "Timed out"),
        (SOLUTION.replace("    def backward(self, upstream):\n", "    def backward(self, upstream):\n        raise RuntimeError('not today')\n"),
         "RuntimeError while calling .backward(): not today"),
        (SOLUTION.replace("class LayerNorm:", "class LayerNormalization:"), "does not define a class LayerNorm"),
    ],
    ids=["no-params", "params-copies", "text-output", "grads-text", "grads-missing-key", "endless-backward", "raises", "no-class"],
)
def test_a_misbehaving_layer_gets_no_credit_for_what_it_breaks_and_a_message(source: str, fragment: str) -> None:
    result = grade(source, limits=LIMITS)
    assert result["score"] < result["max_score"]
    messages = "\n".join(t["output"] for t in result["tests"] if t["status"] == "failed")
    assert fragment in messages


def test_a_layer_that_mutates_its_inputs_cannot_touch_the_graders_arrays() -> None:
    source = SOLUTION.replace("    def forward(self, x):\n", "    def forward(self, x):\n        x_in = x\n").replace(
        "        return self.params[\"gamma\"] * self.x_hat + self.params[\"beta\"]",
        "        out = self.params['gamma'] * self.x_hat + self.params['beta']\n        x_in[...] = 1e6\n        return out",
    ).replace("    def backward(self, upstream):\n", "    def backward(self, upstream):\n        grad_out = upstream.copy()\n        upstream[...] = 0\n        upstream = grad_out\n")
    before = {key: value.copy() for key, value in GIVEN.items()}
    result = grade(source)
    assert result["score"] == result["max_score"]
    for key, value in before.items():
        np.testing.assert_array_equal(KIND.given_instance(EXERCISE.given)[key], value)


def test_the_reference_solution_is_not_visible_to_the_worker() -> None:
    probe = f'''
import os
def read(path):
    try:
        return open(path).read()[:50]
    except OSError as error:
        return type(error).__name__
'''
    from gradecheck._sandbox import SandboxedSubmission, available_isolation

    if available_isolation() == "none":
        pytest.skip("no OS isolation on this machine: the worker would share the grader's filesystem")
    with SandboxedSubmission(probe, "probe.py") as submission:
        for path in (REFERENCE / "solution.py", EXERCISE_DIR / "exercise.toml"):
            assert submission.call("read", [str(path)]) in ("FileNotFoundError", "PermissionError")


def test_a_jax_reference_gives_the_same_expected_values(tmp_path: Path) -> None:
    exercise_dir, reference = copy_exercise(tmp_path)
    (reference / "solution.py").write_text(
        '''
import jax.numpy as jnp


class LayerNorm:
    """The same layer in JAX: it reads gamma and beta from self.params at every call."""

    def __init__(self, features, eps=1e-5):
        self.eps = eps
        self.params = {"gamma": jnp.ones(features), "beta": jnp.zeros(features)}

    def forward(self, x):
        x = jnp.asarray(x)
        centered = x - x.mean(axis=-1, keepdims=True)
        self.inv_std = 1.0 / jnp.sqrt((centered**2).mean(axis=-1, keepdims=True) + self.eps)
        self.x_hat = centered * self.inv_std
        return self.params["gamma"] * self.x_hat + self.params["beta"]

    def backward(self, upstream):
        upstream = jnp.asarray(upstream)
        self.grads = {"gamma": (upstream * self.x_hat).sum(axis=0), "beta": upstream.sum(axis=0)}
        d = upstream * self.params["gamma"]
        return self.inv_std * (d - d.mean(axis=-1, keepdims=True) - self.x_hat * (d * self.x_hat).mean(axis=-1, keepdims=True))
'''
    )
    exercise = load_exercise(exercise_dir)  # the finite-difference check of the JAX reference passes (float64)
    jax_kind = kind_of(exercise)
    for key, value in jax_kind.expected(GIVEN).items():
        assert value.dtype == np.float64
        np.testing.assert_allclose(value, KIND.expected(GIVEN)[key], rtol=1e-12, atol=1e-14)
