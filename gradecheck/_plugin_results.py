"""The pytest plugin's results JSON (DESIGN.md C2): collected from test reports on the controller."""

from __future__ import annotations

import dataclasses
import json
import os
import time
from typing import Any

import pytest
from hypothesis import settings as HypothesisSettings

from gradecheck._points import total
from gradecheck._version import __version__

#: Points of a test without a ``points`` marker.
DEFAULT_POINTS = 1.0
#: What a results JSON shows instead of a hidden test's output.
HIDDEN_OUTPUT = "hidden test"
_MAX_OUTPUT = 20_000

# user_properties keys: they carry per-test data from xdist workers to the controller.
_POINTS, _VISIBILITY, _OUTPUT, _FAILURE, _EXERCISE = (
    "gradecheck_points",
    "gradecheck_visibility",
    "gradecheck_output",
    "gradecheck_failure",
    "gradecheck_exercise",
)


@dataclasses.dataclass
class _TestOutcome:
    status: str = "passed"
    ran: bool = False
    points: float = DEFAULT_POINTS
    visibility: str = "visible"
    output: str = ""
    problems: list[str] = dataclasses.field(default_factory=list)


class _Recorder:
    """Collects test reports (serial, or from xdist workers) and writes the C2 results JSON.

    Registered as a plugin on the controller only, when results are requested.
    """

    def __init__(self, options: Any) -> None:
        """``options``: the plugin's parsed options (``results``, ``submission``, ``sandbox``)."""
        self.options = options
        self.started = time.monotonic()
        self.tests: dict[str, _TestOutcome] = {}
        self.exercises: dict[str, dict[str, Any]] = {}
        self.collection_errors: dict[str, str] = {}
        self.written: dict[str, Any] | None = None

    # -- hooks ------------------------------------------------------------------------

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        outcome = self.tests.setdefault(report.nodeid, _TestOutcome())
        properties = dict(report.user_properties)
        outcome.points = float(properties.get(_POINTS, outcome.points))
        outcome.visibility = str(properties.get(_VISIBILITY, outcome.visibility))
        if _OUTPUT in properties:
            outcome.output = str(properties[_OUTPUT])
        if _EXERCISE in properties:
            info = json.loads(properties[_EXERCISE])
            self.exercises[info["exercise"]] = info
        if report.when == "call":
            outcome.ran = True
        if report.failed:
            outcome.status = "failed"
            message = str(properties.get(_FAILURE) or report.longreprtext or "failed")
            outcome.problems.append(f"error in teardown: {message}" if report.when == "teardown" else message)
        elif report.skipped:
            outcome.status = "failed"  # never silent credit: a skipped test earns nothing
            if hasattr(report, "wasxfail"):
                reason = "expected to fail (xfail)" + (f": {report.wasxfail}" if report.wasxfail else "")
            else:
                reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            outcome.problems.append(f"skipped: {reason.removeprefix('Skipped: ')}")

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collection_errors[report.nodeid or "<session>"] = report.longreprtext.strip()[-_MAX_OUTPUT:]

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        results = self.results()
        path = self.options.results
        assert path is not None
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        os.replace(temporary, path)
        self.written = results

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.written is not None:
            terminalreporter.write_sep(
                "-",
                f"gradecheck: {self.written['score']:g} / {self.written['max_score']:g} points; "
                f"results written to {self.options.results}",
            )

    # -- the results dict -------------------------------------------------------------

    def results(self) -> dict[str, Any]:
        tests = []
        for nodeid in sorted(self.tests):
            outcome = self.tests[nodeid]
            passed = outcome.status == "passed" and outcome.ran
            output = "\n".join(outcome.problems) if outcome.problems else outcome.output
            if outcome.visibility == "hidden":
                output = HIDDEN_OUTPUT
            tests.append(
                {
                    "name": nodeid,
                    "score": round(outcome.points if passed else 0.0, 6),
                    "max_score": round(outcome.points, 6),
                    "status": "passed" if passed else "failed",
                    "output": output[:_MAX_OUTPUT],
                    "visibility": outcome.visibility,
                }
            )
        for nodeid in sorted(self.collection_errors):
            tests.append(
                {
                    "name": nodeid,
                    "score": 0.0,
                    "max_score": 0.0,
                    "status": "failed",
                    "output": "could not collect these tests (their points are missing from max_score):\n"
                    + self.collection_errors[nodeid],
                    "visibility": "visible",
                }
            )
        score = total(t["score"] for t in tests)
        max_score = total(t["max_score"] for t in tests)
        passed = sum(t["status"] == "passed" for t in tests)
        summary = [f"{passed} of {len(tests)} tests passed: {score:g} / {max_score:g} points."]
        if self.collection_errors:
            summary.append(f"{len(self.collection_errors)} test file(s) could not be collected; see the tests below.")
        exercises = [self.exercises[key] for key in sorted(self.exercises)]
        summary.extend(info["output"] for info in exercises if info.get("output"))
        options = self.options
        return {
            "score": score,
            "max_score": max_score,
            "execution_time": round(time.monotonic() - self.started, 3),
            "output": "\n".join(summary),
            "tests": tests,
            "gradecheck": {
                "runner": "pytest",
                "gradecheck_version": __version__,
                "submission": options.submission.name if options.submission is not None else None,
                "sandbox": options.sandbox,
                "hypothesis_profile": HypothesisSettings.get_current_profile_name(),
                "exercises": exercises,
                "collection_errors": sorted(self.collection_errors),
            },
        }
