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
import difflib
import functools
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # only for annotations: grading the given values needs no Hypothesis
    from hypothesis import strategies as st

from gradecheck._answer_types import non_number, not_numbers_message
from gradecheck._errors import GradecheckError
from gradecheck._sandbox import SandboxedSubmission, SubmissionFailure

__all__ = [
    "EntryPoint",
    "ExerciseKind",
    "KeyDeclarations",
    "OutputError",
    "SpecKey",
    "SpecProblem",
    "VALUE_TYPES",
    "check_keys",
    "table_label",
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


#: The value types a :class:`SpecKey` may declare, and what each accepts (booleans are never numbers).
VALUE_TYPES = {
    "number": "a number",
    "integer": "an integer",
    "string": "a string",
    "boolean": "true or false",
    "array": "a number or a list of numbers (lists may nest: [[1, 2], [3, 4]])",
    "strings": "a list of strings",
    "list": "a list",
    "table": "a table",
    "tables": "a list of tables ([[...]])",
    "any": "any value",
}


@dataclasses.dataclass(frozen=True)
class SpecKey:
    """One key that a kind accepts in a table of the spec: ``[given]``, ``[settings]`` or a table of its own.

    A kind declares the keys it reads (:attr:`ExerciseKind.given_keys`,
    :attr:`ExerciseKind.settings_keys`, :attr:`ExerciseKind.section_keys`);
    loading a spec then refuses any other key, with the file, the line and the
    closest declared name, and checks each declared value against its entry
    here.  A plain string may stand for ``SpecKey(description=that string)``.

    Attributes:
        description: what the value is, in a few words, e.g. ``"the 12 weights,
            row i = neuron i's four input weights"`` (shown in messages and by
            ``gradecheck validate``).
        type: one of :data:`VALUE_TYPES`: ``"number"``, ``"integer"``,
            ``"string"``, ``"boolean"``, ``"array"`` (a number or nested lists
            of numbers), ``"strings"``, ``"list"``, ``"table"``, ``"tables"``
            or ``"any"`` (the default: only the name is checked).
        required: the key must be present.  In ``[given]``: whenever the
            exercise has items on the given values.
        minimum, maximum: inclusive bounds of a number (of every number of an
            ``"array"``).
        positive: the number(s) must be > 0.
        choices: the only values allowed, e.g. ``("sigmoid", "tanh")``.
        keys: for ``"table"`` / ``"tables"``: the keys of the nested table(s),
            checked the same way (``None``: any keys).
        check: a last check of the value: returns what is wrong with it (``"should
            be ..., found ..."``) or ``None``.
        default: the value the kind uses when the key is absent (documentation only).
    """

    description: str
    type: str = "any"
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    positive: bool = False
    choices: tuple[Any, ...] | None = None
    keys: Mapping[str, SpecKey | str] | None = None
    check: Callable[[Any], str | None] | None = None
    default: Any = None

    def __post_init__(self) -> None:
        if self.type not in VALUE_TYPES:
            raise GradecheckError(
                f"SpecKey {self.description!r}: type should be one of {', '.join(VALUE_TYPES)}; found {self.type!r}."
            )

    @property
    def expectation(self) -> str:
        """What a valid value looks like, in words (for messages)."""
        words = VALUE_TYPES[self.type] if self.type != "any" else "a value"
        if self.choices is not None:
            words = "one of " + ", ".join(repr(c) for c in self.choices)
        bounds = []
        if self.positive:
            bounds.append("> 0")
        if self.minimum is not None:
            bounds.append(f">= {self.minimum:g}")
        if self.maximum is not None:
            bounds.append(f"<= {self.maximum:g}")
        return words + (f" {' and '.join(bounds)}" if bounds else "")

    def problem(self, value: Any) -> str | None:
        """What is wrong with ``value`` for this key (``"should be ..."``), or ``None`` when it fits.

        Nested tables (``keys``) are not checked here: the spec loader walks
        them, so that their own keys get their own lines in messages.
        """
        if not _has_type(value, self.type):
            return f"should be {self.expectation}"
        if self.choices is not None and value not in self.choices:
            return f"should be {self.expectation}"
        numbers = _numbers(value) if self.type in ("number", "integer", "array") else []
        for number in numbers:
            if (
                (self.positive and not number > 0)
                or (self.minimum is not None and number < self.minimum)
                or (self.maximum is not None and number > self.maximum)
            ):
                return f"should be {self.expectation}"
        if self.check is not None:
            return self.check(value)
        return None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _numbers(value: Any) -> list[float]:
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    return [value] if _is_number(value) else []


def _has_type(value: Any, kind: str) -> bool:
    if kind == "number":
        return _is_number(value)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "array":
        return _is_number(value) or (isinstance(value, list) and all(_has_type(v, "array") for v in value))
    if kind == "strings":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind == "list":
        return isinstance(value, list)
    if kind == "table":
        return isinstance(value, Mapping)
    if kind == "tables":
        return isinstance(value, list) and all(isinstance(v, Mapping) for v in value)
    return True


#: What a kind declares for one table: key -> :class:`SpecKey` (or a description string); ``None``: not declared.
KeyDeclarations = Mapping[str, "SpecKey | str"]


class SpecProblem(GradecheckError):
    """A kind's complaint about one key of the spec, raised from :meth:`ExerciseKind.validate`,
    :meth:`ExerciseKind.bind` or :meth:`ExerciseKind.given_instance`: the loader adds the file and
    the key's line.

    ``where`` is the key's place in the spec: table and key names, with the element number
    after an array of tables, e.g. ``SpecProblem("label should be 0..2", "given", "label")``.
    """

    def __init__(self, message: str, *where: str | int) -> None:
        super().__init__(message)
        self.where: tuple[str | int, ...] = where


def _as_spec_key(declared: SpecKey | str) -> SpecKey:
    return declared if isinstance(declared, SpecKey) else SpecKey(description=str(declared))


def table_label(where: Sequence[str | int]) -> str:
    """How messages name a table of the spec: ``[given]``, ``[network]``, ``network.layers[2]``."""
    if len(where) == 1:
        return f"[{where[0]}]"
    return "".join(f"[{part}]" if isinstance(part, int) else (f".{part}" if k else part) for k, part in enumerate(where))


def check_keys(
    where: tuple[str | int, ...],
    table: Mapping[str, Any],
    declared: KeyDeclarations | None,
    owner: str,
    *,
    require: bool = True,
) -> None:
    """Raise :class:`SpecProblem` for the first key of ``table`` that ``declared`` does not know or whose value
    does not fit, or (``require``) for a required key that is missing; nested tables are checked the same way.

    ``where`` is the table's place in the spec (``("given",)``); ``owner`` names who declared the keys
    in messages (``"kind 'twelve_weights'"``); ``declared`` ``None``: nothing is checked.
    """
    if declared is None:
        return
    keys = {name: _as_spec_key(value) for name, value in declared.items()}
    label = table_label(where)
    takes = ", ".join(keys) if keys else "no keys"
    for name, value in table.items():
        key = keys.get(name)
        if key is None:
            close = difflib.get_close_matches(name, keys, n=1, cutoff=0.6)
            suggestion = f" Did you mean {close[0]!r} ({keys[close[0]].description})?" if close else ""
            raise SpecProblem(
                f"unknown key {name!r} in {label}: {owner} does not read it, so it would be ignored.{suggestion} "
                f"Known keys there: {takes}. Remove or rename the key.",
                *where,
                name,
            )
        problem = key.problem(value)
        if problem is not None:
            raise SpecProblem(f"{label} {name} {problem}; found {value!r} ({key.description}).", *where, name)
        if key.keys is not None and key.type == "table":
            check_keys((*where, name), value, key.keys, owner)
        elif key.keys is not None and key.type == "tables":
            for position, element in enumerate(value):
                check_keys((*where, name, position), element, key.keys, owner)
    if require:
        missing = [name for name, key in keys.items() if key.required and name not in table]
        if missing:
            raise SpecProblem(
                f"{label} is missing {', '.join(repr(m) for m in missing)} ("
                + "; ".join(keys[m].description for m in missing)
                + f"), which {owner} requires.",
                *where,
            )


_SIGNATURE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\((.*)\)\s*$")
_PARAMETER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _parse_signature(text: str) -> tuple[str, str] | None:
    """``("forward", "forward(w, x)")`` for ``"forward(w,x)"``; ``None`` if it is no call signature."""
    match = _SIGNATURE.match(text)
    if match is None:
        return None
    inner = match.group(2).strip()
    parameters = [p.strip() for p in inner.split(",")] if inner else []
    if not all(_PARAMETER.match(p) for p in parameters):
        return None
    return match.group(1), f"{match.group(1)}({', '.join(parameters)})"


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

    # -- what the spec may say (checked when it is loaded; ``None``: not declared, anything goes) --

    #: The keys of ``[given]``: name -> :class:`SpecKey` (or a description).
    given_keys: KeyDeclarations | None = None
    #: The keys of ``[settings]`` (what :meth:`instance_strategy` reads).
    settings_keys: KeyDeclarations | None = None
    #: The kind's own top-level tables, e.g. ``{"network": {"sizes": SpecKey(...), ...}}``; a table
    #: mapped to ``None`` takes any keys.  Declared (not ``None``): any other top-level table is an error.
    #: Checked before :meth:`bind`, on the unbound kind; the other two on the bound one.
    section_keys: Mapping[str, KeyDeclarations | None] | None = None

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
        """Raise :class:`SpecProblem` (or :class:`GradecheckError`) if the spec does not fit this kind.

        Called on the bound kind when a spec is loaded.  The base checks
        ``[given]`` and ``[settings]`` against :attr:`given_keys` and
        :attr:`settings_keys`, the ``[submission]`` ``entry_points`` against
        :attr:`entry_points`, each item's outputs against :attr:`output_keys`,
        each item's ``hint_for`` against :attr:`mistakes`, and that the given
        instance can be built (when an item uses it); the loader then calls
        :meth:`validate_instances`.  A kind that checks more overrides this and
        calls ``super().validate(exercise)``.
        """
        uses_given = any(item.instance == "given" for item in exercise.items)
        check_keys(("given",), exercise.given, self.given_keys, f"kind {exercise.kind!r}", require=uses_given)
        check_keys(("settings",), exercise.settings, self.settings_keys, f"kind {exercise.kind!r}")
        self.check_entry_points(exercise)
        known = self.output_keys
        for position, item in enumerate(exercise.items):
            for key in item.outputs:
                if key not in known:
                    close = difflib.get_close_matches(key, known, n=1)
                    raise SpecProblem(
                        f"item {item.name!r} compares output {key!r}, which kind {exercise.kind!r} does not produce"
                        + (f" (did you mean {close[0]!r}?)" if close else "")
                        + f"; its outputs are: {', '.join(known)}.",
                        "items",
                        position,
                        "outputs",
                    )
        for position, item in enumerate(exercise.items):
            for mistake in item.hint_for or ():
                if mistake not in self.mistakes:
                    close = difflib.get_close_matches(mistake, self.mistakes, n=1)
                    raise SpecProblem(
                        f"item {item.name!r}: hint_for names {mistake!r}, which kind {exercise.kind!r} does not diagnose "
                        f"here, so the hint would never be shown"
                        + (f" (did you mean {close[0]!r}?)" if close else "")
                        + f"; it diagnoses: {', '.join(self.mistakes) or '(none)'}. Name one of those, or remove hint_for "
                        f"to show the hint on every wrong answer.",
                        "items",
                        position,
                        "hint_for",
                    )
        if uses_given:
            try:
                self.given_instance(exercise.given)
            except SpecProblem:
                raise
            except (KeyError, TypeError, ValueError, GradecheckError) as error:
                raise SpecProblem(f"the [given] table does not fit kind {exercise.kind!r}: {error}", "given") from None

    def validate_instances(self, exercise: Any) -> None:
        """Raise :class:`SpecProblem` if an item is hidden and :meth:`instance_strategy` cannot be built from
        ``[settings]``.  Called on the bound kind after :meth:`validate` when a spec is loaded (a learner's
        self-check skips it once it has passed for the same spec and gradecheck: it imports Hypothesis)."""
        if any(item.instance == "hidden" for item in exercise.items):
            from hypothesis.errors import InvalidArgument

            try:
                self.instance_strategy(exercise.settings).validate()
            except SpecProblem:
                raise
            except (KeyError, TypeError, ValueError, InvalidArgument, GradecheckError) as error:
                raise SpecProblem(
                    f"the [settings] table does not fit kind {exercise.kind!r}: random instances cannot be drawn: {error}",
                    "settings",
                ) from None

    def check_entry_points(self, exercise: Any) -> None:
        """The spec's ``[submission] entry_points`` must be functions this kind calls, with its parameters,
        and must list every function whose outputs an item compares (an empty list: not checked)."""
        listed = tuple(exercise.entry_points)
        if not listed:
            return
        signatures: dict[str, list[str]] = {}
        for entry in self.entry_points:
            if entry.signature not in signatures.setdefault(entry.name, []):
                signatures[entry.name].append(entry.signature)
        every = ", ".join(s for group in signatures.values() for s in group)
        named = set()
        for text in listed:
            parsed = _parse_signature(text)
            if parsed is None:
                raise SpecProblem(
                    f"entry point {text!r} should be a call signature such as 'forward(x, w)'; "
                    f"kind {exercise.kind!r} calls: {every}.",
                    "submission",
                    "entry_points",
                )
            name, normalized = parsed
            if name not in signatures:
                close = difflib.get_close_matches(name, signatures, n=1)
                raise SpecProblem(
                    f"entry point {text!r}: kind {exercise.kind!r} calls no function {name!r}"
                    + (f" (did you mean {close[0]!r}?)" if close else "")
                    + f"; it calls: {every}. List those, or leave entry_points out.",
                    "submission",
                    "entry_points",
                )
            if normalized not in signatures[name]:
                raise SpecProblem(
                    f"entry point {text!r}: kind {exercise.kind!r} calls {name} as "
                    f"{' and '.join(signatures[name])}; write that signature.",
                    "submission",
                    "entry_points",
                )
            named.add(name)
        compared = {key for item in exercise.items for key in item.outputs}
        missing = [
            signatures[entry.name][0]
            for entry in self.entry_points
            if entry.name not in named and compared & set(entry.returns)
        ]
        if missing:
            raise SpecProblem(
                f"entry_points leaves out {', '.join(dict.fromkeys(missing))}, which kind {exercise.kind!r} calls "
                f"for the outputs the items compare; add it (or leave entry_points out).",
                "submission",
                "entry_points",
            )

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

    def missing_functions(self, submission: SandboxedSubmission, keys: Sequence[str]) -> list[str]:
        """The signatures of the entry points that :meth:`run` would call for ``keys`` and the submission lacks.

        Only for kinds that call the submission through this class's :meth:`run`
        (a kind with its own ``run`` says what is missing in its messages): ``[]``.
        """
        if type(self).run is not ExerciseKind.run:
            return []
        return [
            entry.signature
            for entry in self.entry_points
            if entry.name not in submission.names and set(entry.returns) & set(keys)
        ]

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
