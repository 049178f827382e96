"""The gradecheck pytest plugin: grade assignment repos with plain pytest.

Registered as the ``pytest11`` entry point ``gradecheck``, so installing
gradecheck activates it.  It adds:

* options (group ``gradecheck``; each also an ini key without the dashes):
  ``--gradecheck-submission PATH``, ``--gradecheck-results PATH``,
  ``--gradecheck-sandbox``, ``--gradecheck-profile NAME``,
  ``--gradecheck-timeout SECONDS``;
* the ``submission`` fixture: the student's module, imported in-process, or
  with ``--gradecheck-sandbox`` a :class:`SandboxedModule` whose functions run
  in gradecheck's sandboxed worker process;
* :func:`assert_gradients`, :func:`assert_layer`, :func:`assert_backprop`:
  the library's assertions, whose failure message is the readable mismatch
  report (and the frames of gradecheck itself are hidden from tracebacks);
* :func:`exercise_tests`: one pytest test per graded test of a shipped
  exercise (``test_twelve_weights = exercise_tests("twelve-weights")``);
* markers ``points(n)`` and ``visibility(v)``, and with
  ``--gradecheck-results PATH`` a results JSON in Gradescope's format
  (DESIGN.md C2), written by the controller also under pytest-xdist.

Loading the plugin, and collecting a suite that does not grade a shipped
exercise, does not import JAX.  Points and visibility travel from the workers
to the controller in ``item.user_properties`` (keys ``gradecheck_*``).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import math
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import settings as HypothesisSettings
from hypothesis.errors import InvalidArgument

from gradecheck._errors import GradientMismatchError, SubmissionError
from gradecheck._exercises import VISIBILITIES
from gradecheck._plugin_results import (
    _EXERCISE,
    _FAILURE,
    _OUTPUT,
    _POINTS,
    _VISIBILITY,
    DEFAULT_POINTS,
    _Recorder,
)
from gradecheck._profiles import DEV_PROFILE, GRADING_PROFILE
from gradecheck._version import __version__

if TYPE_CHECKING:
    from gradecheck._checks import CheckResult
    from gradecheck._compare import Tolerance
    from gradecheck._sandboxed_module import SandboxedModule

__all__ = [
    "SandboxedModule",
    "assert_backprop",
    "assert_gradients",
    "assert_layer",
    "exercise_tests",
]

#: Wall seconds a sandboxed submission may use in one pytest session, all calls together.
SANDBOX_SESSION_SECONDS = 600.0
_ITEM_ARGUMENT = "gradecheck_graded_test"
_RECORDER_NAME = "gradecheck-results"


# ---------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Options:
    """The plugin's settings for one session, command line over ini."""

    submission: Path | None
    results: Path | None
    sandbox: bool
    profile: str | None
    timeout: float


_OPTIONS_KEY = pytest.StashKey[_Options]()
_PREVIOUS_PROFILE_KEY = pytest.StashKey[str]()
_GRADED_KEY = pytest.StashKey[dict]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("gradecheck", "gradecheck: grade backprop assignments")
    group.addoption(
        "--gradecheck-submission", metavar="PATH", dest="gradecheck_submission", default=None,
        help="The student's .py or .ipynb file: the 'submission' fixture and exercise_tests() grade it "
             "(ini: gradecheck_submission, relative to the ini file).",
    )
    group.addoption(
        "--gradecheck-results", metavar="PATH", dest="gradecheck_results", default=None,
        help="Write a Gradescope results JSON here at the end of the session (ini: gradecheck_results).",
    )
    group.addoption(
        "--gradecheck-sandbox", action="store_true", dest="gradecheck_sandbox", default=None,
        help="Load the submission in a sandboxed worker process, for untrusted code; the 'submission' "
             "fixture then forwards calls to it (ini: gradecheck_sandbox = true).",
    )
    group.addoption(
        "--gradecheck-profile", metavar="NAME", dest="gradecheck_profile", default=None,
        help=f"Hypothesis profile to load, e.g. {GRADING_PROFILE!r} (deterministic) or {DEV_PROFILE!r} "
             f"(randomized); default {GRADING_PROFILE!r} when writing results (ini: gradecheck_profile).",
    )
    group.addoption(
        "--gradecheck-timeout", metavar="SECONDS", dest="gradecheck_timeout", default=None, type=float,
        help="Wall seconds one call into a sandboxed submission may take (default 10; ini: gradecheck_timeout).",
    )
    parser.addini("gradecheck_submission", "gradecheck: the student's .py or .ipynb file.", default=None)
    parser.addini("gradecheck_results", "gradecheck: write a Gradescope results JSON here.", default=None)
    parser.addini("gradecheck_sandbox", "gradecheck: load the submission in a sandbox.", type="bool", default=False)
    parser.addini("gradecheck_profile", "gradecheck: the Hypothesis profile to load.", default=None)
    parser.addini("gradecheck_timeout", "gradecheck: seconds per call into a sandboxed submission.", default=None)


def _read_options(config: pytest.Config) -> _Options:
    def value(name: str) -> tuple[Any, Path]:
        given = config.getoption(name)
        if given is not None:
            return given, Path(config.invocation_params.dir)
        ini = config.getini(name)
        base = config.inipath.parent if config.inipath is not None else config.rootpath
        return (ini if ini not in ("", None) else None), base

    def path(name: str) -> Path | None:
        raw, base = value(name)
        return None if raw is None else (base / os.path.expanduser(str(raw))).resolve()

    raw_timeout, _ = value("gradecheck_timeout")
    try:
        timeout = 10.0 if raw_timeout is None else float(raw_timeout)
    except ValueError:
        raise pytest.UsageError(f"gradecheck_timeout should be a number of seconds; found {raw_timeout!r}.") from None
    if not timeout > 0:
        raise pytest.UsageError(f"--gradecheck-timeout should be a positive number of seconds; found {timeout!r}.")
    profile, _ = value("gradecheck_profile")
    return _Options(
        submission=path("gradecheck_submission"),
        results=path("gradecheck_results"),
        sandbox=bool(value("gradecheck_sandbox")[0]),
        profile=None if profile is None else str(profile),
        timeout=timeout,
    )


def _options(config: pytest.Config) -> _Options:
    return config.stash[_OPTIONS_KEY]


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


# ---------------------------------------------------------------------------
# Configuration, Hypothesis profile, report header
# ---------------------------------------------------------------------------


@pytest.hookimpl(trylast=True)  # after Hypothesis' own plugin has applied --hypothesis-profile
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"points(n): points this test is worth in the gradecheck results JSON (default {DEFAULT_POINTS:g})."
    )
    config.addinivalue_line(
        "markers", "visibility(v): Gradescope visibility of this test: " + ", ".join(VISIBILITIES) + " (default visible)."
    )
    options = _read_options(config)
    config.stash[_OPTIONS_KEY] = options
    config.stash[_GRADED_KEY] = {}
    if options.results is not None and not _is_worker(config):
        config.pluginmanager.register(_Recorder(options), _RECORDER_NAME)
    profile = options.profile
    if profile is None and options.results is not None and not config.getoption("hypothesis_profile", None):
        profile = GRADING_PROFILE
    if profile is not None:
        try:
            HypothesisSettings.get_profile(profile)
        except InvalidArgument:
            raise pytest.UsageError(
                f"--gradecheck-profile {profile!r}: no Hypothesis profile of that name is registered; "
                f"gradecheck registers {GRADING_PROFILE!r} (deterministic) and {DEV_PROFILE!r} (randomized)."
            ) from None
        config.stash[_PREVIOUS_PROFILE_KEY] = HypothesisSettings.get_current_profile_name()
        HypothesisSettings.load_profile(profile)


def pytest_unconfigure(config: pytest.Config) -> None:
    recorder = config.pluginmanager.get_plugin(_RECORDER_NAME)
    if recorder is not None:
        config.pluginmanager.unregister(recorder)
    previous = config.stash.get(_PREVIOUS_PROFILE_KEY, None)
    if previous is not None:  # in-process runs (pytester) must not change the caller's profile
        HypothesisSettings.load_profile(previous)


def pytest_report_header(config: pytest.Config) -> list[str]:
    options = _options(config)
    current = HypothesisSettings.default
    name = HypothesisSettings.get_current_profile_name()
    if current.derandomize:
        seed = "derived from each test (derandomized)"
    elif config.getoption("hypothesis_seed", None) is not None:
        seed = str(config.getoption("hypothesis_seed"))
    else:
        seed = "random (pass --hypothesis-seed=N to repeat a run)"
    lines = [
        f"gradecheck {__version__}: hypothesis profile {name!r} "
        f"(derandomize={current.derandomize}, max_examples={current.max_examples}), seed: {seed}"
    ]
    if options.submission is not None:
        how = "sandboxed" if options.sandbox else "imported in-process"
        lines.append(f"gradecheck: submission {options.submission} ({how})")
    if options.results is not None:
        lines.append(f"gradecheck: results JSON -> {options.results}")
    return lines


# ---------------------------------------------------------------------------
# Markers -> user_properties
# ---------------------------------------------------------------------------


def _points_of(item: pytest.Item) -> float:
    marker = item.get_closest_marker("points")
    if marker is None:
        return DEFAULT_POINTS
    args = list(marker.args) + ([marker.kwargs["n"]] if "n" in marker.kwargs else [])
    valid = (
        len(args) == 1
        and isinstance(args[0], (int, float))
        and not isinstance(args[0], bool)
        and math.isfinite(args[0])
        and args[0] >= 0
    )
    if not valid:
        raise pytest.UsageError(
            f"{item.nodeid}: @pytest.mark.points takes one number >= 0, e.g. @pytest.mark.points(2); "
            f"found args={marker.args!r} kwargs={marker.kwargs!r}."
        )
    return float(args[0])


def _visibility_of(item: pytest.Item) -> str:
    marker = item.get_closest_marker("visibility")
    if marker is None:
        return "visible"
    args = list(marker.args) + ([marker.kwargs["v"]] if "v" in marker.kwargs else [])
    if len(args) != 1 or args[0] not in VISIBILITIES:
        raise pytest.UsageError(
            f"{item.nodeid}: @pytest.mark.visibility takes one of {', '.join(VISIBILITIES)}; "
            f"found args={marker.args!r} kwargs={marker.kwargs!r}."
        )
    return str(args[0])


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _options(config).results is None:
        return
    for item in items:
        item.user_properties.append((_POINTS, _points_of(item)))
        item.user_properties.append((_VISIBILITY, _visibility_of(item)))


def _failure_message(excinfo: pytest.ExceptionInfo[BaseException]) -> str:
    """The exception's message (an assertion's explanation), plus its notes (Hypothesis' failing example)."""
    value = excinfo.value
    if isinstance(value, (AssertionError, pytest.fail.Exception)) and str(value).strip():
        message = str(value).strip("\n")
    else:
        message = excinfo.exconly()
    notes = [str(note) for note in getattr(value, "__notes__", ())]
    return "\n".join([message, *notes])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    outcome = yield
    if _options(item.config).results is None:
        return
    report = outcome.get_result()
    if report.failed and call.excinfo is not None:
        report.user_properties.append((_FAILURE, _failure_message(call.excinfo)))


# ---------------------------------------------------------------------------
# The submission fixture
# ---------------------------------------------------------------------------


def _submission_path(config: pytest.Config, override: str | os.PathLike[str] | None = None) -> Path:
    if override is not None:
        base = config.inipath.parent if config.inipath is not None else config.rootpath
        return (base / Path(override)).resolve()
    path = _options(config).submission
    if path is None:
        pytest.fail(
            "no submission to test: pass --gradecheck-submission PATH, or set gradecheck_submission = "
            "\"student.py\" under [tool.pytest.ini_options] in pyproject.toml (or in pytest.ini).",
            pytrace=False,
        )
    return path


def _module_name(path: Path) -> str:
    return "gradecheck_submission_" + re.sub(r"\W", "_", path.stem)


def _import_submission(path: Path) -> Any:
    """Import a .py file (or a notebook's code) in-process, as a fresh module."""
    from gradecheck._submissions import read_submission

    try:
        source = read_submission(path).source
    except SubmissionError as error:
        pytest.fail(str(error), pytrace=False)
    name = _module_name(path)
    if path.suffix == ".py":
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
    else:
        module = type(sys)(name)
        module.__file__ = str(path)
    sys.modules[name] = module
    try:
        if path.suffix == ".py":
            spec.loader.exec_module(module)
        else:
            exec(compile(source, str(path), "exec"), module.__dict__)
    except Exception as error:
        sys.modules.pop(name, None)
        raise SubmissionError(f"importing {path.name} failed: {type(error).__name__}: {error}") from error
    return module


def _open_sandboxed(path: Path, timeout: float) -> SandboxedModule:
    from gradecheck._sandbox import Limits, SandboxedSubmission
    from gradecheck._sandboxed_module import SandboxedModule
    from gradecheck._submissions import read_submission

    try:
        source = read_submission(path).source
    except SubmissionError as error:
        pytest.fail(str(error), pytrace=False)
    limits = Limits(call_timeout=timeout, total_timeout=SANDBOX_SESSION_SECONDS)
    sandbox = SandboxedSubmission(source, path.name, (), limits)
    if sandbox.load_error is not None:
        sandbox.close()
        details = f"\n{sandbox.load_error.details.rstrip()}" if sandbox.load_error.details else ""
        pytest.fail(f"could not load {path.name}: {sandbox.load_error}{details}", pytrace=False)
    return SandboxedModule(sandbox, path.name)


@pytest.fixture(scope="session")
def submission(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The student's module, loaded once per session from ``--gradecheck-submission``.

    In-process by default (a learner's own repo); with ``--gradecheck-sandbox``
    a :class:`SandboxedModule` whose functions run in a limited worker process.
    """
    options = _options(request.config)
    path = _submission_path(request.config)
    if not options.sandbox:
        yield _import_submission(path)
        return
    module = _open_sandboxed(path, options.timeout)
    try:
        yield module
    finally:
        module.close()


# ---------------------------------------------------------------------------
# Assertions
# ---------------------------------------------------------------------------


def _raise_for(result: CheckResult) -> None:
    __tracebackhide__ = True
    if not result.passed:
        raise GradientMismatchError(result.report(), result)


def _session_settings(options: dict[str, Any]) -> dict[str, Any]:
    """Use the loaded Hypothesis profile when it is one of gradecheck's (chosen by this plugin or by the user)."""
    if "settings" not in options and HypothesisSettings.get_current_profile_name() in (GRADING_PROFILE, DEV_PROFILE):
        return {**options, "settings": HypothesisSettings.default}
    return options


def assert_gradients(
    f: Callable[..., Any],
    gradient: Callable[..., Any],
    *inputs: Any,
    names: Sequence[str] | None = None,
    tolerance: Tolerance | None = None,
    order: int = 4,
) -> None:
    """Assert ``gradient(*inputs)`` matches central finite differences of the scalar ``f``.

    ``gradient`` returns one array per input (a list or tuple for several),
    each shaped like its input.  See :func:`gradecheck.check_gradients`.

    Raises:
        GradientMismatchError: (an ``AssertionError``) whose message is the readable report.
    """
    __tracebackhide__ = True
    from gradecheck._checks import check_gradients

    _raise_for(check_gradients(f, gradient, *inputs, names=names, tolerance=tolerance, order=order))


def assert_layer(layer: Any, **options: Any) -> None:
    """Property-check a layer (DESIGN.md C5) against finite differences; see :func:`gradecheck.check_layer`.

    Without ``settings=``, uses the session's Hypothesis profile when it is
    ``gradecheck`` or ``gradecheck-dev``, else gradecheck's deterministic settings.
    """
    __tracebackhide__ = True
    from gradecheck._checks import check_layer

    _raise_for(check_layer(layer, **_session_settings(options)))


def assert_backprop(backprop: Callable[..., Any], **options: Any) -> None:
    """Property-check ``backprop(weights, biases, x, y)`` (DESIGN.md C4); see :func:`gradecheck.check_backprop`.

    Settings as in :func:`assert_layer`.
    """
    __tracebackhide__ = True
    from gradecheck._checks import check_backprop

    _raise_for(check_backprop(backprop, **_session_settings(options)))


# ---------------------------------------------------------------------------
# Exercise items as pytest tests
# ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _ExerciseRef:
    exercise: str
    submission: str | os.PathLike[str] | None


def _graded_test_names(exercise: str) -> tuple[tuple[str, float, str], ...]:
    """(name, max_score, visibility) of every test the grader reports for ``exercise``.

    Computing element names needs the shapes of the expected outputs, so this
    runs the JAX reference (at collection, only for suites that use
    :func:`exercise_tests`).
    """
    from gradecheck._exercises import load_exercise
    from gradecheck._grading import error_result

    loaded = load_exercise(exercise)
    return tuple((t["name"], float(t["max_score"]), t["visibility"]) for t in error_result(loaded, "")["tests"])


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    ref = getattr(metafunc.function, "_gradecheck_exercise", None)
    if not isinstance(ref, _ExerciseRef):
        return
    params = [
        pytest.param(name, id=name, marks=[pytest.mark.points(points), pytest.mark.visibility(visibility)])
        for name, points, visibility in _graded_test_names(ref.exercise)
    ]
    metafunc.parametrize(_ITEM_ARGUMENT, params)


def _graded(config: pytest.Config, ref: _ExerciseRef) -> dict[str, Any]:
    """The grader's result for ``ref``, computed once per session (and process)."""
    from gradecheck._exercises import load_exercise
    from gradecheck._grading import grade_file
    from gradecheck._sandbox import Limits

    path = _submission_path(config, ref.submission)
    cache = config.stash[_GRADED_KEY]
    key = (ref.exercise, str(path))
    if key not in cache:
        try:
            exercise = load_exercise(ref.exercise)
            result = grade_file(exercise, path, limits=Limits(call_timeout=_options(config).timeout))
        except Exception as error:  # GradingError, ExerciseSpecError: fail every item, grade once
            cache[key] = {"error": f"gradecheck could not grade {path.name}: {type(error).__name__}: {error}"}
        else:
            info = {
                "exercise": exercise.id,
                "version": exercise.version,
                "title": exercise.title,
                "score": result["score"],
                "max_score": result["max_score"],
                "mistakes": result["gradecheck"]["mistakes"],
                "output": result["output"],
            }
            cache[key] = {"tests": {t["name"]: t for t in result["tests"]}, "info": json.dumps(info, sort_keys=True)}
    return cache[key]


def exercise_tests(exercise: str, *, submission: str | os.PathLike[str] | None = None) -> Callable[..., None]:
    """A test function that expands to one test per graded test of ``exercise``.

    Use it at module level in a test file::

        test_twelve_weights = exercise_tests("twelve-weights")

    Each test is named after the grader's test (``a[0]``, ``dL/dW[2,1]``,
    ...), is worth that test's points, and has its visibility.  The submission
    (``--gradecheck-submission``, or ``submission``, a path relative to the
    ini file) is graded once per session, always in the sandbox, exactly as
    ``gradecheck grade`` does; a failing test's message is the grader's output
    with the diagnosis.

    Args:
        exercise: a shipped exercise id (see ``gradecheck exercises``), or the path of an
            exercise folder (relative to the current directory).
        submission: overrides the session's submission for these tests.
    """
    ref = _ExerciseRef(exercise, submission)

    def test_exercise_item(gradecheck_graded_test: str, request: pytest.FixtureRequest) -> None:
        graded = _graded(request.config, ref)
        if "error" in graded:
            pytest.fail(graded["error"], pytrace=False)
        test = graded["tests"].get(gradecheck_graded_test)
        request.node.user_properties.append((_EXERCISE, graded["info"]))
        if test is None:
            pytest.fail(
                f"the grader reported no test named {gradecheck_graded_test!r} for {exercise!r}; "
                f"it reported: {', '.join(graded['tests'])}.",
                pytrace=False,
            )
        request.node.user_properties.append((_OUTPUT, test["output"]))
        if test["status"] != "passed":
            pytest.fail(test["output"], pytrace=False)

    test_exercise_item._gradecheck_exercise = ref  # type: ignore[attr-defined]
    test_exercise_item.__doc__ = f"One graded test of exercise {exercise!r} (see gradecheck.pytest_plugin.exercise_tests)."
    return test_exercise_item


def __getattr__(name: str) -> Any:
    # The public re-export, loaded on first use: the plugin loads in every pytest run.
    if name == "SandboxedModule":
        from gradecheck._sandboxed_module import SandboxedModule

        return SandboxedModule
    raise AttributeError(f"module 'gradecheck.pytest_plugin' has no attribute {name!r}")
