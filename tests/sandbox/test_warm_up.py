"""Starting the sandbox ahead of the first submission (gradecheck._sandbox.warm_up_soon)."""

from __future__ import annotations

import pytest

from gradecheck._sandbox import ForkServer, Limits, SandboxedSubmission, warm_up_soon


def test_the_submission_uses_the_fork_server_started_ahead(isolation: str) -> None:
    ForkServer.close_all()
    limits = Limits(isolation=isolation)
    thread = warm_up_soon((), limits)
    assert thread.daemon  # never keeps a finished command waiting
    thread.join(timeout=60)
    assert not thread.is_alive()
    started = list(ForkServer._instances.values())
    assert len(started) == 1 and started[0].process.poll() is None
    with SandboxedSubmission("def f(x):\n    return 2 * x\n", limits=limits) as submission:
        assert submission.call("f", [1.5]) == 3.0
        assert submission._server is started[0]  # the same server: none started twice
    assert list(ForkServer._instances.values()) == started


def test_a_failed_warm_up_is_silent_and_the_submission_reports_it(os_isolation: str) -> None:
    """(Without OS isolation the worker sees the grader's packages: there is no tree to fail.)"""
    limits = Limits(isolation=os_isolation)
    thread = warm_up_soon(("no_such_package_anywhere",), limits)
    thread.join(timeout=60)
    assert not thread.is_alive()
    with pytest.raises(Exception, match="no_such_package_anywhere"):
        SandboxedSubmission("def f(x):\n    return x\n", limits=limits, packages=("no_such_package_anywhere",))
