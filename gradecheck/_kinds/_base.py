"""The base of every exercise kind: entry points, outputs, running a submission.

A kind describes the submission's API (:class:`EntryPoint`: function name,
parameters taken from the instance, output keys of what it returns), builds
instances (the statement's given values, or random ones from a Hypothesis
strategy), computes the expected outputs with the JAX reference, and models
typical mistakes (numpy transformations of the reference, used to diagnose a
wrong answer).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st

from gradecheck._answer_types import non_number, not_numbers_message
from gradecheck._errors import GradecheckError
from gradecheck._sandbox import SandboxedSubmission, SubmissionFailure

__all__ = [
    "EntryPoint",
    "ExerciseKind",
    "OutputError",
    "jax_reference",
    "as_output_array",
    "format_value",
    "reproduces",
    "sigmoid",
]

Instance = dict[str, Any]


@dataclasses.dataclass(frozen=True)
class EntryPoint:
    """A function the submission must define.

    Attributes:
        name: the function's name, e.g. ``"backward"``.
        parameters: instance keys passed as positional arguments, in order.
        kinds: how each argument reaches the submission: ``"array"`` (a
            float64 numpy array), ``"float"``, ``"int"``, ``"arrays"`` (a list
            of float64 arrays).
        returns: output keys.  One key: the whole return value is that
            output.  Several: the function returns a tuple/list of them.
    """

    name: str
    parameters: tuple[str, ...]
    kinds: tuple[str, ...]
    returns: tuple[str, ...]

    @property
    def signature(self) -> str:
        return f"{self.name}({', '.join(self.parameters)})"


class OutputError(Exception):
    """A returned value has the wrong type or shape; the message says which and what to do."""


def sigmoid(z: Any) -> np.ndarray:
    """The logistic function ``1 / (1 + exp(-z))`` in numpy, float64 (for the kinds' numpy mistake models)."""
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))


def reproduces(model: Any, own: Any) -> bool:
    """Whether a model of a forward pass gives the submission's own forward output, up to float rounding.

    For :meth:`ExerciseKind.backward_from_forward`: whether the submission's
    forward may have read the parameters in a catalogued wrong way, when its
    intermediates are not among its outputs.
    """
    model, own = np.asarray(model, dtype=np.float64), np.asarray(own, dtype=np.float64)
    return model.shape == own.shape and bool(np.all(np.isfinite(own))) and np.allclose(model, own, rtol=1e-9, atol=1e-12)


def format_value(value: Any) -> str:
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 0:
        return f"{float(array):.6g}"
    return np.array2string(array, precision=6, separator=", ", max_line_width=100)


def as_output_array(value: Any, key: str, shape: tuple[int, ...]) -> np.ndarray:
    """The submission's value for output ``key`` as a float64 array of ``shape``.

    Numbers only (see :mod:`gradecheck._answer_types`): Python ints and floats,
    numpy numbers and numeric arrays, and lists/tuples of them.  Text (even
    ``"0.0517"``), booleans, ``None``, dicts and other objects raise
    :class:`OutputError`, so they earn no credit.  A value with the right
    number of elements but another shape is reshaped (row-major).
    """
    problem = non_number(value)
    if problem is not None:
        raise OutputError(not_numbers_message(key, shape, value, problem))
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        kind = type(value).__name__
        raise OutputError(f"{key} should be numbers of shape {shape}, got a {kind} that is not an array of numbers") from None
    if array.shape != shape:
        if array.size == int(np.prod(shape, dtype=np.int64)):
            array = array.reshape(shape)
        else:
            raise OutputError(f"{key} should have shape {shape}, got shape {array.shape}")
    return array


class ExerciseKind:
    """Base class: subclasses set :attr:`entry_points` and implement the hooks."""

    #: The functions a submission defines, in the order they are called.
    entry_points: tuple[EntryPoint, ...] = ()
    #: The forward outputs :meth:`backward_from_forward` reads; empty: no credit carries forward.
    carry_from: tuple[str, ...] = ()
    #: Ids of the mistakes this kind can model: catalogued ones (``_mistakes.MISTAKES``)
    #: or ones this kind adds in :attr:`extra_mistakes`.
    mistakes: tuple[str, ...] = ()
    #: Mistakes specific to this kind's exercises (``_mistakes.Mistake`` objects).
    extra_mistakes: tuple[Any, ...] = ()
    #: Whether expected values come from the exercise's reference solution (``reference/<id>/solution.py``),
    #: which must then travel with the exercise (a Gradescope bundle), instead of from a JAX reference.
    needs_reference_solution: bool = False

    # -- hooks ----------------------------------------------------------------------

    def bind(self, exercise: Any) -> ExerciseKind:
        """This kind for one exercise (``exercise`` is the loaded spec).

        The kinds written for one exercise need nothing from it and return
        ``self``; a generic kind returns a new object configured by the
        exercise (its architecture, its reference solution).
        """
        return self

    def given_instance(self, given: Mapping[str, Any]) -> Instance:
        """The statement's instance from the spec's ``[given]`` table."""
        raise NotImplementedError

    def instance_strategy(self, settings: Mapping[str, Any]) -> st.SearchStrategy[Instance]:
        """Random instances for hidden items (``settings`` is the spec's ``[settings]``)."""
        raise NotImplementedError

    def expected(self, instance: Instance) -> dict[str, np.ndarray]:
        """Every output's expected value, computed by the JAX float64 reference."""
        raise NotImplementedError

    def mistaken(self, instance: Instance, mistake: str) -> dict[str, np.ndarray] | None:
        """The outputs a submission making ``mistake`` would return, or ``None``."""
        return None

    def backward_from_forward(self, instance: Instance, own: Mapping[str, np.ndarray]) -> list[dict[str, np.ndarray]]:
        """The backward outputs the reference's method gives from the submission's own forward outputs.

        ``own`` maps the keys of :attr:`carry_from` that the submission
        answered to its values (float64 arrays shaped like the expected ones;
        they may be wrong, even ``nan``).  Return the backward outputs that the
        reference's backward rule computes from those values (e.g. ``dz =
        upstream * a * (1 - a)`` with the submission's ``a``), using the
        reference's own intermediates where the submission's are not among
        ``own``; leave out keys it cannot compute.  Usually one dict; one more
        for each catalogued wrong reading of the parameters (a transposed
        layout, a mixed-up weight numbering) whose forward reproduces ``own``
        (see :func:`reproduces`), since the submission's intermediates are then
        that reading's.  A wrong backward output keeps its credit only where it
        equals one of these, on the given values and on hidden instances (see
        docs/exercise-format.md).  ``[]`` (the default): the backward does not
        use the forward's outputs, so nothing carries forward.
        """
        return []

    def explain_failure(
        self, instance: Instance, got: Mapping[str, Any], expected: Mapping[str, np.ndarray]
    ) -> str | None:
        """Where the first wrong quantity is, for a failing hidden instance (no expected values!)."""
        return None

    def describe(self, instance: Instance) -> str:
        """The instance as readable text (a counterexample for the learner)."""
        return "\n".join(f"{key} = {format_value(value)}" for key, value in instance.items())

    # -- derived ----------------------------------------------------------------------

    @property
    def output_keys(self) -> tuple[str, ...]:
        return tuple(key for entry in self.entry_points for key in entry.returns)

    def validate(self, exercise: Any) -> None:
        """Raise :class:`GradecheckError` if the spec does not fit this kind."""
        known = self.output_keys
        for item in exercise.items:
            for key in item.outputs:
                if key not in known:
                    raise GradecheckError(
                        f"item {item.name!r} compares output {key!r}, which kind {exercise.kind!r} does not produce; "
                        f"its outputs are: {', '.join(known)}."
                    )
        if any(item.instance == "given" for item in exercise.items):
            try:
                self.given_instance(exercise.given)
            except (KeyError, TypeError, ValueError) as error:
                raise GradecheckError(f"the [given] table does not fit kind {exercise.kind!r}: {error}") from None

    def arguments(self, entry: EntryPoint, instance: Instance) -> list[Any]:
        """The wire values of ``entry``'s arguments for ``instance``."""
        values = []
        for name, kind in zip(entry.parameters, entry.kinds):
            value = instance[name]
            if kind == "arrays":
                values.append([np.asarray(v, dtype=np.float64).tolist() for v in value])
            elif kind in ("float", "int"):
                values.append(float(value) if kind == "float" else int(value))
            else:
                values.append(np.asarray(value, dtype=np.float64).tolist())
        return values

    def run(
        self,
        submission: SandboxedSubmission,
        instance: Instance,
        keys: Sequence[str],
        expected: Mapping[str, np.ndarray],
    ) -> dict[str, np.ndarray | str]:
        """Call the submission on ``instance``; output key -> array, or a message why not."""
        results: dict[str, np.ndarray | str] = {}
        for entry in self.entry_points:
            wanted = [key for key in entry.returns if key in keys]
            if not wanted:
                continue
            if entry.name not in submission.names:
                for key in wanted:
                    results[key] = f"the submission does not define {entry.signature}"
                continue
            try:
                value = submission.call(entry.name, self.arguments(entry, instance), entry.kinds)
            except SubmissionFailure as failure:
                for key in wanted:
                    results[key] = str(failure)
                continue
            results.update(self.parse_return(entry, value, wanted, expected))
        return results

    def parse_return(
        self, entry: EntryPoint, value: Any, wanted: Sequence[str], expected: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray | str]:
        results: dict[str, np.ndarray | str] = {}
        if len(entry.returns) > 1:
            if not isinstance(value, list) or len(value) != len(entry.returns):
                found = f"a sequence of {len(value)}" if isinstance(value, list) else type(value).__name__
                message = (
                    f"{entry.name} should return {len(entry.returns)} values ({', '.join(entry.returns)}), got {found}"
                )
                return {key: message for key in wanted}
            parts = dict(zip(entry.returns, value))
        else:
            parts = {entry.returns[0]: value}
        for key in wanted:
            try:
                results[key] = as_output_array(parts[key], key, expected[key].shape)
            except OutputError as error:
                results[key] = str(error)
        return results


def jax_reference(function: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a JAX function: jit once, run in float64, return numpy arrays.

    JAX is imported on the first call, so loading an exercise stays cheap.
    """

    @functools.cache
    def compiled() -> Callable[..., Any]:
        import jax

        return jax.jit(function)

    @functools.wraps(function)
    def run(*args: Any) -> Any:
        import jax

        from gradecheck._precision import float64

        with float64():
            converted = [
                [np.asarray(a, dtype=np.float64) for a in arg] if isinstance(arg, (list, tuple)) else np.asarray(arg, dtype=np.float64)
                for arg in args
            ]
            out = jax.device_get(compiled()(*converted))
        return jax.tree_util.tree_map(lambda leaf: np.array(leaf, dtype=np.float64), out)

    return run
