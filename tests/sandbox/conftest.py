"""Fixtures for the sandbox tests: the isolation levels this machine runs, and a quick way to run code in a worker.

CI runs as root on Debian 12 with bubblewrap installed, so both OS isolation
levels run there (``test_isolation.py`` asserts it); a level this machine
cannot run is skipped with the reason the probe gave.
"""

from __future__ import annotations

import os
from typing import Any, Callable

import pytest

from process_tools import processes_named  # noqa: F401  (re-exported for the sandbox tests)

from gradecheck._sandbox import Limits, SandboxedSubmission, SubmissionFailure, available_isolation
from gradecheck._sandbox._isolation import _problem

AVAILABLE = available_isolation()
OS_LEVELS = ("namespaces", "container")


def _param(level: str) -> Any:
    problem = _problem(level)
    return pytest.param(level, id=level, marks=pytest.mark.skipif(problem is not None, reason=f"{level}: {problem}"))


@pytest.fixture(params=[_param(level) for level in (*OS_LEVELS, "none")])
def isolation(request: pytest.FixtureRequest) -> str:
    """Every isolation level this machine runs."""
    return request.param


@pytest.fixture(params=[_param(level) for level in OS_LEVELS])
def os_isolation(request: pytest.FixtureRequest) -> str:
    """The OS isolation levels this machine runs (the defences under test)."""
    return request.param


def fast(isolation: str, **overrides: Any) -> Limits:
    """Small limits for quick tests."""
    options: dict[str, Any] = {"call_timeout": 3.0, "total_timeout": 30.0, "memory_bytes": 1024**3, "isolation": isolation}
    options.update(overrides)
    return Limits(**options)


@pytest.fixture
def run(isolation: str) -> Callable[..., Any]:
    """``run(source, name="f", args=(), kinds=None, **limits)``: load ``source`` and return ``name(*args)``."""
    return _runner(isolation)


@pytest.fixture
def run_isolated(os_isolation: str) -> Callable[..., Any]:
    """Like ``run``, under each OS isolation level."""
    return _runner(os_isolation)


def _runner(isolation: str) -> Callable[..., Any]:
    def run(source: str, name: str = "f", args: Any = (), kinds: Any = None, **overrides: Any) -> Any:
        with SandboxedSubmission(source, forbidden_imports=("torch", "jax"), limits=fast(isolation, **overrides)) as submission:
            if submission.load_error is not None:
                raise submission.load_error
            return submission.call(name, list(args), kinds)

    run.isolation = isolation  # type: ignore[attr-defined]
    return run


def failure_of(run: Callable[..., Any], source: str, name: str = "f", **options: Any) -> SubmissionFailure:
    with pytest.raises(SubmissionFailure) as info:
        run(source, name, **options)
    return info.value
