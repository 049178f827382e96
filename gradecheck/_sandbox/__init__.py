"""Run untrusted submission code in a worker isolated by the operating system.

The grader never imports a submission.  :class:`SandboxedSubmission` asks a
fork server, started once per process inside the sandbox, for a confined
worker, loads the source there and calls its functions by name over pipes
(JSON lines).  Whatever the submission does (raises, exits, loops, allocates,
prints, attacks), a call returns a value or raises :class:`SubmissionFailure`
with a message for the learner, and the grader goes on.

Isolation levels (:func:`available_isolation`, ``Limits.isolation``):
``namespaces`` (bubblewrap), ``container`` (root without namespaces: a
dedicated uid in a chroot) and ``none`` (a separate process only); see
:mod:`gradecheck._sandbox._isolation`.  What the worker can see is the
runtime tree (:mod:`gradecheck._sandbox._tree`): Python's standard library,
numpy and the worker runtime, nothing else.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from gradecheck._sandbox._forkserver import ForkServer
from gradecheck._sandbox._isolation import (
    NO_ISOLATION_WARNING,
    Isolation,
    available_isolation,
    ensure_available,
    require_os_isolation,
    resolve_isolation,
)
from gradecheck._sandbox._limits import ISOLATION_LEVELS, Limits, SandboxError, SubmissionFailure
from gradecheck._sandbox._submission import SandboxedSubmission
from gradecheck._sandbox._tree import DEFAULT_PACKAGES

__all__ = [
    "ISOLATION_LEVELS",
    "NO_ISOLATION_WARNING",
    "ForkServer",
    "Isolation",
    "Limits",
    "SandboxError",
    "SandboxedSubmission",
    "SubmissionFailure",
    "available_isolation",
    "ensure_available",
    "require_os_isolation",
    "resolve_isolation",
    "warm_up",
    "warm_up_soon",
]


def warm_up(isolation: str = "auto") -> None:
    """Start this process's fork server now (a grading pool's initializer), so the first submission does not wait."""
    level = resolve_isolation(isolation)
    ForkServer.get(level, Limits(isolation=isolation))


def warm_up_soon(packages: Sequence[str] = (), limits: Limits | None = None) -> threading.Thread:
    """Start the fork server a :class:`SandboxedSubmission` with these ``packages`` and ``limits`` will use, in a
    background thread, and return at once: the grader's other work (imports, expected values) and the
    sandbox's start-up (the isolation probe, the runtime tree, bubblewrap, the fork server's numpy import)
    then overlap.  Nothing is confined less: the submission still waits for the same fork server, and a
    failure here is not reported (the submission's own start fails the same way, with its message)."""
    limits = limits or Limits()
    wanted = tuple(dict.fromkeys((*DEFAULT_PACKAGES, *packages)))

    def start() -> None:
        try:
            ForkServer.get(resolve_isolation(limits.isolation), limits, wanted)
        except Exception:  # noqa: BLE001  (reported by the submission's own start)
            pass

    thread = threading.Thread(target=start, name="gradecheck-sandbox-warm-up", daemon=True)
    thread.start()
    return thread
