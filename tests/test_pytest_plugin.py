"""The pytest plugin (gradecheck.pytest_plugin): fixtures, markers, exercise items, results JSON, xdist.

Inner pytest runs use pytester: in-process where possible, a subprocess where
the property needs a fresh interpreter (no JAX imported) or pytest-xdist.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import jax  # noqa: F401  (see below)
import pytest
from hypothesis import settings

import gradecheck._kinds.network  # noqa: F401  (see below)
from gradecheck import GRADING_PROFILE, load_exercise
from gradecheck._grading import error_result
from gradecheck._cli import main

pytest_plugins = ["pytester"]

# pytester's in-process runs remove the modules they imported when they end;
# JAX cannot be imported a second time in one process (its C++ logging aborts),
# so JAX and the exercise's kind are imported here, before any inner run.

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = ROOT / "examples" / "assignment"
REFERENCE = ROOT / "reference" / "twelve-weights" / "solution.py"
MISTAKES = sorted((ROOT / "reference" / "twelve-weights" / "mistakes").glob("*.py"))
EXERCISE_ONLY = 'from gradecheck.pytest_plugin import exercise_tests\n\ntest_twelve_weights = exercise_tests("twelve-weights")\n'


def _copy_assignment(pytester: pytest.Pytester, student: Path | None = None) -> None:
    """The example assignment repo in pytester's folder, optionally with another student file."""
    shutil.copy(ASSIGNMENT / "pyproject.toml", pytester.path)
    (pytester.path / "tests").mkdir()
    shutil.copy(ASSIGNMENT / "tests" / "test_student.py", pytester.path / "tests")
    shutil.copy(student or ASSIGNMENT / "student.py", pytester.path / "student.py")


def _results(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _without_timing(results: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in results.items() if key != "execution_time"}


def _cli_grade(path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["grade", "twelve-weights", str(path)]) == 0
    return json.loads(capsys.readouterr().out)


def _graded_names() -> list[str]:
    return [test["name"] for test in error_result(load_exercise("twelve-weights"), "")["tests"]]


def test_example_assignment_gets_full_marks(pytester: pytest.Pytester) -> None:
    _copy_assignment(pytester)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--gradecheck-results=out/results.json")
    source = (ASSIGNMENT / "tests" / "test_student.py").read_text(encoding="utf-8")
    own_points = [float(p) for p in re.findall(r"@pytest\.mark\.points\(([\d.]+)\)", source)]
    n_tests = len(_graded_names()) + len(own_points)
    result.assert_outcomes(passed=n_tests)
    results = _results(pytester.path / "out" / "results.json")
    max_score = load_exercise("twelve-weights").max_score + sum(own_points)
    assert results["score"] == results["max_score"] == max_score
    assert len(results["tests"]) == n_tests
    names = [test["name"] for test in results["tests"]]
    assert names == sorted(names) and all(name.startswith("tests/test_student.py::") for name in names)
    assert {test["status"] for test in results["tests"]} == {"passed"}
    assert "tests/test_student.py::test_twelve_weights[dL/dW[2,1]]" in names
    late = [t for t in results["tests"] if t["name"].endswith("test_bias_gradient_is_upstream_times_sigmoid_slope")]
    assert [t["visibility"] for t in late] == ["after_due_date"]
    assert results["gradecheck"]["hypothesis_profile"] == GRADING_PROFILE  # the default when grading
    assert [e["exercise"] for e in results["gradecheck"]["exercises"]] == ["twelve-weights"]
    result.stdout.fnmatch_lines([f"*gradecheck: {max_score:g} / {max_score:g} points; results written to*"])


@pytest.mark.parametrize("student", [REFERENCE, *MISTAKES, None], ids=lambda p: p.stem if p else "syntax-error")
def test_exercise_tests_grade_like_the_cli(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str], student: Path | None
) -> None:
    """Only the plugin's public API in the test file; the score and every test agree with `gradecheck grade`."""
    path = pytester.path / "student.py"
    if student is None:
        path.write_text("def forward(weights, inputs, biases)\n    return 1\n", encoding="utf-8")
    else:
        shutil.copy(student, path)
    expected = _cli_grade(path, capsys)
    pytester.makepyfile(test_inner_exercise=EXERCISE_ONLY)
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "--gradecheck-submission=student.py", "--gradecheck-results=results.json"
    )
    results = _results(pytester.path / "results.json")
    assert (results["score"], results["max_score"]) == (expected["score"], expected["max_score"])
    ours = {t["name"].removeprefix("test_inner_exercise.py::test_twelve_weights[").removesuffix("]"): t for t in results["tests"]}
    assert set(ours) == {t["name"] for t in expected["tests"]}
    for test in expected["tests"]:
        assert {k: ours[test["name"]][k] for k in test if k != "name"} == {k: v for k, v in test.items() if k != "name"}
    failed = [t for t in expected["tests"] if t["status"] == "failed"]
    result.assert_outcomes(passed=len(expected["tests"]) - len(failed), failed=len(failed))
    if student in MISTAKES:
        # the known mistake is diagnosed, and the diagnosis is in the failing tests' messages
        assert student.stem in expected["gradecheck"]["mistakes"]
        assert results["gradecheck"]["exercises"][0]["mistakes"] == expected["gradecheck"]["mistakes"]
        assert failed and all("ooks like" in t["output"] or "Likely mistake" in t["output"] for t in failed)
        first = failed[0]["output"].splitlines()[0]
        result.stdout.fnmatch_lines([f"*{first}*"])
    elif student is None:
        assert results["score"] == 0 and all("Could not load" in t["output"] for t in results["tests"])


@pytest.mark.slow
def test_serial_and_xdist_runs_write_identical_results(pytester: pytest.Pytester) -> None:
    _copy_assignment(pytester, MISTAKES[-1])
    options = ["-p", "no:cacheprovider", "--gradecheck-sandbox"]
    serial = pytester.runpytest_inprocess(*options, "--gradecheck-results=serial.json")
    parallel = pytester.runpytest_subprocess(*options, "-n", "2", "--gradecheck-results=parallel.json")
    assert serial.ret == parallel.ret == pytest.ExitCode.TESTS_FAILED
    parallel.stdout.fnmatch_lines(["*2 workers*"])
    one, two = _results(pytester.path / "serial.json"), _results(pytester.path / "parallel.json")
    assert 0 < one["score"] < one["max_score"]
    assert _without_timing(one) == _without_timing(two)
    # a failing Hypothesis test's message carries its shrunk counterexample
    prop = [t for t in one["tests"] if t["name"].endswith("::test_bias_gradient_is_upstream_times_sigmoid_slope")]
    assert prop[0]["status"] == "failed" and "Failing test case" in prop[0]["output"]
    assert not list(pytester.path.glob("*.json.tmp"))


@pytest.mark.slow
def test_collecting_a_suite_without_gradient_checks_does_not_import_jax(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(student="def double(x):\n    return 2 * x\n")
    pytester.makeconftest(
        """
        import sys
        from pathlib import Path

        def pytest_collection_finish(session):
            Path("jax_after_collection.txt").write_text(str("jax" in sys.modules))
        """
    )
    pytester.makepyfile(
        test_inner_suite="""
        import sys
        import pytest
        from gradecheck.pytest_plugin import assert_gradients, exercise_tests

        @pytest.mark.points(2)
        def test_double(submission):
            assert submission.double(3) == 6

        def test_still_no_jax():
            assert "jax" not in sys.modules
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--gradecheck-submission=student.py")
    result.stdout.fnmatch_lines(["gradecheck *: hypothesis profile*"])  # the plugin was loaded
    result.assert_outcomes(passed=2)
    assert (pytester.path / "jax_after_collection.txt").read_text() == "False"


def test_sandboxed_submission_fixture_forwards_calls(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        student="""
        import os
        import numpy as np

        def pid():
            return os.getpid()

        def kinds(x, n):
            return [type(x).__name__, str(x.dtype), type(n).__name__]

        def split(x):
            return x[:2], x[2:]

        def matrix():
            return np.eye(2)

        def broken():
            raise ValueError("no gradients today")

        class Layer:
            pass
        """
    )
    pytester.makepyfile(
        test_inner_sandbox="""
        import os
        import numpy as np
        import pytest
        from gradecheck import SubmissionError

        def test_runs_in_another_process(submission):
            assert submission.pid() != os.getpid()

        def test_numpy_arrays_in_arrays_out(submission):
            assert submission.kinds(np.arange(3), 2) == ("ndarray", "float64", "int")
            head, tail = submission.split(np.arange(5.0))
            assert isinstance(head, np.ndarray) and head.tolist() == [0.0, 1.0] and tail.tolist() == [2.0, 3.0, 4.0]
            assert submission.matrix().shape == (2, 2)

        def test_failures_and_missing_names(submission):
            with pytest.raises(SubmissionError, match="ValueError.*no gradients today"):
                submission.broken()
            with pytest.raises(AttributeError, match="defines no function or class 'backward'"):
                submission.backward
            assert repr(submission.Layer) == "<sandboxed class Layer of 'student.py'>"
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--gradecheck-submission=student.py", "--gradecheck-sandbox")
    result.assert_outcomes(passed=3)


SANDBOXED_LAYERS = """
import os
import sys

import numpy as np


class Scale:
    \"\"\"y = w * x, elementwise over the last axis.\"\"\"

    input_shapes = [(2, 3)]

    def __init__(self):
        self.params = {"w": np.array([0.5, -1.0, 2.0])}
        self.grads = {}

    def forward(self, x):
        self.x = x
        return self.params["w"] * x

    def backward(self, upstream):
        self.grads = {"w": np.sum(upstream * self.x, axis=0)}
        return upstream * self.params["w"]

    def probe(self):
        return [os.getpid(), "_pytest" in sys.modules, "gradecheck._checks" in sys.modules]


class WrongBackward(Scale):
    def backward(self, upstream):
        self.grads = {"w": np.sum(upstream * self.x, axis=0)}
        return upstream  # forgets w


class Payload:
    \"\"\"Unpickled, it would run code in the unpickling process.\"\"\"

    def __reduce__(self):
        return (exec, ("import gradecheck; gradecheck.PWNED = True",))


class PicklingParams(Scale):
    def __init__(self):
        super().__init__()
        self.params = {"w": Payload()}


class LyingGetattr(Scale):
    def __init__(self):
        super().__init__()
        del self.grads  # __getattr__ answers for it

    def __getattr__(self, name):  # any missing attribute: a string of code
        return "__import__('gradecheck').__setattr__('PWNED', True)"

    def backward(self, upstream):
        return upstream * self.params["w"]


class HugeGrads(Scale):
    def backward(self, upstream):
        self.grads = {"w": np.zeros(5_000_000)}
        return upstream * self.params["w"]
"""

SANDBOXED_LAYER_TESTS = """
import os

import gradecheck
import pytest


def test_right_layer(submission):
    gradecheck.assert_layer(submission.Scale, max_examples=5)


def test_wrong_backward(submission):
    gradecheck.assert_layer(submission.WrongBackward, max_examples=5)


def test_runs_elsewhere(submission):
    pid, has_pytest, has_checks = submission.Scale().probe()
    assert pid != os.getpid() and not has_pytest and not has_checks


@pytest.mark.parametrize("name", ["PicklingParams", "LyingGetattr", "HugeGrads"])
def test_attack(submission, name):
    try:
        gradecheck.assert_layer(getattr(submission, name), max_examples=5)
    finally:
        assert not hasattr(gradecheck, "PWNED")
"""


def test_assert_layer_on_a_sandboxed_layer_class(pytester: pytest.Pytester) -> None:
    """assert_layer on a student's layer class in the sandbox: right, wrong, and hostile objects."""
    pytester.makepyfile(student=SANDBOXED_LAYERS)
    pytester.makepyfile(test_inner_layers=SANDBOXED_LAYER_TESTS)
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "--gradecheck-submission=student.py", "--gradecheck-sandbox", "-p", "no:randomly"
    )
    result.assert_outcomes(passed=2, failed=4)
    text = result.stdout.str()
    # a wrong backward: a gradient mismatch naming the input and the layer's class
    assert "FAILED test_inner_layers.py::test_wrong_backward - gradecheck" in text, text
    wrong = text[text.index("_ test_wrong_backward _") :]
    assert "WrongBackward: gradient check FAILED" in wrong and "dx: 1 / 6 elements mismatched" in wrong, wrong
    # the hostile objects fail with a reason; nothing they hold is unpickled or evaluated in the grader
    assert "AssertionError: assert not True" not in text
    assert "a value of type Payload (expected numbers, lists or numpy arrays)" in text, text
    assert "LyingGetattr has params but after backward its grads is str" in text, text
    assert "_TooLarge while reading .grads: the returned value is too large to check" in text, text


def test_in_process_submission_and_missing_submission(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(student="import os\n\ndef pid():\n    return os.getpid()\n")
    pytester.makepyfile(
        test_inner_local="""
        import os

        def test_same_process(submission):
            assert submission.pid() == os.getpid()
            assert submission.__file__.endswith("student.py")
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--gradecheck-submission=student.py")
    result.assert_outcomes(passed=1)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*no submission to test: pass --gradecheck-submission PATH*"])


def test_markers_statuses_and_hidden_output(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_inner_marks="""
        import pytest
        from gradecheck.pytest_plugin import assert_gradients, assert_layer

        pytestmark = pytest.mark.points(3)

        @pytest.mark.points(0.5)
        def test_passes():
            pass

        def test_module_points():
            pass

        @pytest.mark.points(4)
        @pytest.mark.visibility("hidden")
        def test_hidden_fails():
            assert 1 == 2, "secret detail"

        @pytest.mark.points(2)
        def test_wrong_gradient():
            assert_gradients(lambda x: float((x ** 2).sum()), lambda x: 3 * x, [1.0, 2.0], names=["x"])

        class WrongSquare:
            def forward(self, x):
                self.x = x
                return x ** 2

            def backward(self, upstream):
                return upstream * self.x  # missing the factor 2

        @pytest.mark.points(2)
        def test_wrong_layer():
            assert_layer(WrongSquare, max_examples=20)

        @pytest.mark.points(1)
        def test_skipped():
            pytest.skip("not today")

        @pytest.fixture
        def broken():
            raise RuntimeError("fixture broke")

        @pytest.mark.points(1)
        def test_setup_error(broken):
            pass
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--gradecheck-results=r.json")
    result.assert_outcomes(passed=2, failed=3, skipped=1, errors=1)
    results = _results(pytester.path / "r.json")
    tests = {t["name"].removeprefix("test_inner_marks.py::"): t for t in results["tests"]}
    assert (tests["test_passes"]["score"], tests["test_module_points"]["max_score"]) == (0.5, 3.0)
    assert tests["test_hidden_fails"] == {
        "name": "test_inner_marks.py::test_hidden_fails", "score": 0.0, "max_score": 4.0, "status": "failed",
        "output": "hidden test", "visibility": "hidden",
    }
    assert tests["test_wrong_gradient"]["output"].startswith("<lambda>: gradient check FAILED\ndx: 2 / 2 elements mismatched")
    assert "Smallest failing example" in tests["test_wrong_layer"]["output"]  # the shrunk counterexample
    assert tests["test_skipped"]["status"] == "failed" and tests["test_skipped"]["output"] == "skipped: not today"
    assert "RuntimeError: fixture broke" in tests["test_setup_error"]["output"]
    assert results["score"] == 3.5 and results["max_score"] == 0.5 + 3 + 4 + 2 + 2 + 1 + 1
    assert "secret detail" not in json.dumps(results)
    result.stdout.fnmatch_lines(["*GradientMismatchError: <lambda>: gradient check FAILED*"])


@pytest.mark.parametrize(
    ("marker", "message"),
    [("points('two')", "@pytest.mark.points takes one number >= 0"), ("visibility('secret')", "@pytest.mark.visibility takes one of")],
)
def test_invalid_markers_are_usage_errors(pytester: pytest.Pytester, marker: str, message: str) -> None:
    pytester.makepyfile(test_inner_bad=f"import pytest\n\n@pytest.mark.{marker}\ndef test_x():\n    pass\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--gradecheck-results=r.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{message}*"])


def test_ini_options_select_profile_submission_and_results(pytester: pytest.Pytester) -> None:
    before = settings.get_current_profile_name()
    pytester.makeini(
        """
        [pytest]
        gradecheck_submission = src/student.py
        gradecheck_results = out/results.json
        gradecheck_profile = gradecheck-dev
        """
    )
    (pytester.path / "src").mkdir()
    (pytester.path / "src" / "student.py").write_text("ANSWER = 42\n", encoding="utf-8")
    pytester.makepyfile(
        test_inner_ini="""
        from hypothesis import settings

        def test_profile_and_submission(submission):
            assert settings.get_current_profile_name() == "gradecheck-dev"
            assert not settings.default.derandomize
            assert submission.ANSWER == 42
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["gradecheck *: hypothesis profile 'gradecheck-dev' (derandomize=False*), seed: random*"])
    assert _results(pytester.path / "out" / "results.json")["gradecheck"]["hypothesis_profile"] == "gradecheck-dev"
    assert settings.get_current_profile_name() == before  # the in-process run restored the caller's profile
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--gradecheck-profile=nope")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--gradecheck-profile 'nope': no Hypothesis profile of that name*"])
