"""Call a submission loaded in the sandbox as if it were a module (the pytest plugin's ``--gradecheck-sandbox``)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from gradecheck._errors import SubmissionError

__all__ = ["SandboxedModule"]


def _to_wire(value: Any) -> tuple[Any, str]:
    """An argument as a JSON value and the worker's conversion kind (numpy arrays arrive as float64 arrays)."""
    if isinstance(value, np.ndarray):
        return np.asarray(value, dtype=np.float64).tolist(), "array"
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, np.ndarray) for v in value):
        return [np.asarray(v, dtype=np.float64).tolist() for v in value], "arrays"
    return _plain(value), "raw"


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(
        f"cannot pass a {type(value).__name__} to a sandboxed submission: pass numbers, strings, lists, "
        f"dicts or numpy arrays."
    )


def _numeric_tree(value: Any) -> bool:
    if isinstance(value, list):
        return all(_numeric_tree(v) for v in value)
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _from_wire(value: Any) -> Any:
    """A returned JSON value with lists of numbers as float64 arrays.

    A rectangular nested list becomes one array (so a returned tuple of
    same-shaped arrays arrives as one stacked array; it still unpacks);
    a ragged list becomes a tuple of converted items.
    """
    if isinstance(value, list):
        if _numeric_tree(value):
            try:
                return np.array(value, dtype=np.float64)
            except ValueError:  # ragged
                pass
        return tuple(_from_wire(v) for v in value)
    if isinstance(value, dict):
        return {k: _from_wire(v) for k, v in value.items()}
    return value


class SandboxedModule:
    """The submission loaded in gradecheck's sandboxed worker process.

    ``module.forward(weights, inputs, biases)`` calls the submission's
    ``forward`` in the worker: numpy arrays are sent as float64 arrays (the
    function receives numpy arrays), numbers, strings, lists and dicts as
    JSON; the returned value comes back with lists of numbers as float64
    arrays (see :func:`_from_wire`).  Only functions can be called; a failure
    inside the submission raises :class:`~gradecheck.SubmissionError`.
    """

    def __init__(self, sandbox: Any, filename: str) -> None:
        self._sandbox = sandbox
        self._filename = filename

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_"):
            raise AttributeError(name)
        kind = self._sandbox.names.get(name)
        if kind is None:
            defined = ", ".join(sorted(self._sandbox.names)) or "nothing callable"
            raise AttributeError(f"{self._filename} defines no function {name!r}; it defines: {defined}.")
        if kind == "class":
            raise TypeError(
                f"{name} in {self._filename} is a class; a sandboxed submission can only be called through its "
                f"functions. Test classes without --gradecheck-sandbox, or through a function of the submission."
            )
        return functools.partial(self._call, name)

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        from gradecheck._sandbox import SubmissionFailure

        if kwargs:
            raise TypeError(
                f"{name}() of a sandboxed submission takes positional arguments only; "
                f"got keyword argument(s) {', '.join(sorted(kwargs))}."
            )

        wire = [_to_wire(arg) for arg in args]
        try:
            value = self._sandbox.call(name, [w for w, _ in wire], [k for _, k in wire])
        except SubmissionFailure as failure:
            details = f"\n{failure.details.rstrip()}" if failure.details else ""
            raise SubmissionError(f"{self._filename}: {failure}{details}") from None
        return _from_wire(value)

    def __dir__(self) -> list[str]:
        return sorted(name for name, kind in self._sandbox.names.items() if kind == "function")

    def __repr__(self) -> str:
        return f"<sandboxed submission {self._filename!r}>"

    def close(self) -> None:
        """Stop the worker process."""
        self._sandbox.close()
