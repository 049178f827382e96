"""The sandbox's settings (:class:`Limits`) and the failure a submission's code can cause."""

from __future__ import annotations

import dataclasses

from gradecheck._errors import GradecheckError

__all__ = ["DEFAULT_BUDGET_SECONDS", "ISOLATION_LEVELS", "Limits", "SandboxError", "SubmissionFailure"]

#: The default time budget of a submission (seconds, wall clock): far above what a correct one takes (about a
#: second), small enough that an endless loop does not hold up a class's grading.
DEFAULT_BUDGET_SECONDS = 30.0
#: From strongest to weakest; ``"auto"`` picks the strongest this machine can run.
ISOLATION_LEVELS = ("namespaces", "container", "none")


@dataclasses.dataclass(frozen=True)
class Limits:
    """Resource limits and isolation for one submission's worker.

    Attributes:
        total_timeout: the submission's time budget: wall seconds for all of
            it, loading and every call together.  A call still running when
            the budget runs out is stopped (the worker is killed) and every
            later call fails at once as not run, so an endless loop costs the
            budget once, not once per call.
        call_timeout: an optional cap on one request (loading counts as one);
            ``None`` (the default): a request may use all that is left of the
            budget.  A request stopped by the cap, with budget left, only
            costs that request: the next one gets a fresh worker.
        memory_bytes: address-space limit of the worker (``RLIMIT_AS``); also
            its memory cgroup's limit, where the machine has cgroups.
        cpu_seconds: CPU-time limit of the worker (``RLIMIT_CPU``).
        file_bytes: largest file the worker may write (``RLIMIT_FSIZE``).
        folder_bytes: size of the worker's private folder (a tmpfs, under
            OS isolation), all files together.
        folder_files: how many files and folders it may hold.
        processes: processes and threads the worker may run (``pids.max`` of
            its cgroup; ``RLIMIT_NPROC`` where it has a uid of its own).
        open_files: open file descriptors (``RLIMIT_NOFILE``).
        response_bytes: largest JSON response accepted from the worker.
        output_bytes: how much of what the submission prints is kept (the
            last bytes); the rest is counted and dropped, never an error.
        max_restarts: how many times a crashed worker is restarted before
            every further call fails at once.
        isolation: ``"namespaces"``, ``"container"``, ``"none"`` or
            ``"auto"`` (the strongest available; ``$GRADECHECK_ISOLATION``
            overrides it).  See :func:`gradecheck._sandbox.available_isolation`.
    """

    call_timeout: float | None = None
    total_timeout: float = DEFAULT_BUDGET_SECONDS
    memory_bytes: int = 2 * 1024**3
    cpu_seconds: int = 120
    file_bytes: int = 16 * 1024**2
    folder_bytes: int = 64 * 1024**2
    folder_files: int = 1024
    processes: int = 64
    open_files: int = 64
    response_bytes: int = 4 * 1024**2
    output_bytes: int = 64 * 1024
    max_restarts: int = 3
    isolation: str = "auto"

    def rlimits(self, own_uid: bool) -> dict[str, int | list[int]]:
        """The resource limits the worker sets on itself before loading the submission (value or [soft, hard])."""
        limits: dict[str, int | list[int]] = {
            "RLIMIT_AS": self.memory_bytes,
            # SIGXCPU at the soft limit says what happened; SIGKILL a second later if it is ignored.
            "RLIMIT_CPU": [self.cpu_seconds, self.cpu_seconds + 1],
            "RLIMIT_FSIZE": self.file_bytes,
            "RLIMIT_NOFILE": self.open_files,
            "RLIMIT_CORE": 0,
        }
        if own_uid:  # counts every process of the uid: only meaningful for a uid of its own
            limits["RLIMIT_NPROC"] = self.processes
        return limits


class SubmissionFailure(Exception):
    """The submission's code failed: an exception, a crash, a timeout, a bad value.

    ``str(error)`` is a message for the learner.  ``kind`` is one of
    ``"exception"``, ``"timeout"``, ``"crash"``, ``"too-large"``, ``"protocol"``.
    """

    def __init__(self, message: str, kind: str = "exception", details: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.details = details


class SandboxError(GradecheckError, RuntimeError):
    """The sandbox itself could not run (not the submission's fault): the message says why and what to do."""
