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
]


def warm_up(isolation: str = "auto") -> None:
    """Start this process's fork server now (a grading pool's initializer), so the first submission does not wait."""
    level = resolve_isolation(isolation)
    ForkServer.get(level, Limits(isolation=isolation))
