"""The gradecheck error hierarchy.

Every error gradecheck raises on purpose derives from :class:`GradecheckError`.
A wrong gradient is an :class:`AssertionError` subclass so that test runners
report it as a failure, not as an error.
"""

from __future__ import annotations

__all__ = [
    "GradecheckError",
    "InvalidArgumentError",
    "GradientMismatchError",
    "LayerProtocolError",
    "LoadError",
    "SubmissionError",
]


class GradecheckError(Exception):
    """Base class of every error gradecheck raises on purpose."""


class InvalidArgumentError(GradecheckError, ValueError):
    """An argument has the wrong type, shape or value.

    The message names the argument, what was expected and what was found.
    """


class LayerProtocolError(GradecheckError, TypeError):
    """A layer object does not follow the layer protocol (DESIGN.md C5)."""


class LoadError(GradecheckError):
    """A file, module or name given on the command line could not be loaded."""


class SubmissionError(GradecheckError):
    """A submission file (.py or .ipynb) cannot be turned into Python source.

    The message names the file, says what is wrong with it and what to do.
    """


class GradientMismatchError(GradecheckError, AssertionError):
    """Gradients differ from the expected values beyond tolerance.

    Attributes:
        report: the readable, multi-line mismatch report (also the message).
        result: the check result object that produced the report, if any.
    """

    def __init__(self, report: str, result: object | None = None) -> None:
        super().__init__(report)
        self.report = report
        self.result = result
