"""Kind ``function``: free functions of arrays, graded against the instructor's reference functions.

Configured by the spec's ``[function]`` table (docs/exercise-format.md has
every key)::

    kind = "function"

    [[function.functions]]
    name = "softmax"                 # the submission defines softmax(z) -> p
    arguments = ["z"]
    returns = ["p"]

    [[function.functions]]
    name = "softmax_vjp"             # softmax_vjp(z, v) -> d_z
    arguments = ["z", "v"]
    returns = ["d_z"]
    gradient_of = "softmax"          # d_z = d/dz sum(v * softmax(z))
    with_respect_to = ["z"]          # one returned value per argument named here
    cotangent = "v"                  # leave out when the function is a scalar: then d_z = d softmax / dz

    [function.shapes]                # every argument and returned value, in named dimensions ([] for a number)
    z = ["classes"]
    v = ["classes"]
    p = ["classes"]
    d_z = ["classes"]

    [function.dimensions]            # sizes of random instances (hidden items)
    classes = [2, 6]

Outputs (what ``[[items]]`` compare) are the names in ``returns``.  Expected
values come from the functions of the same names in
``reference/<id>/solution.py`` (trusted, in this process).  When the exercise
is loaded, every declared gradient function of the reference is checked
against finite differences of the reference function it differentiates (on
the statement's values and a few random instances), so a wrong reference is
refused before it grades anyone.

Credit carried forward works as for the ``layer`` kind: a wrong gradient
keeps its credit where it is the gradient of the submission's *own* function
(finite differences through the sandbox, one batch of calls per step size),
on the statement's values and on every instance of the first hidden sample,
not ~0, and (on the statement's values) with the reference's dependency
pattern.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import strategies as st

from gradecheck._answer_types import non_number
from gradecheck._exercises import ExerciseSpecError
from gradecheck._kinds._arrays import ArraySchema, SpecTable, read_schema
from gradecheck._kinds._base import EntryPoint, Instance, KeyDeclarations, OutputError, SpecKey, as_output_array, format_value
from gradecheck._kinds._generic import (
    OWN_SLOPE,
    PATTERN_OVERLAP,
    GenericKind,
    array_declarations,
    jaccard,
    same_instance,
    settings_declarations,
    within_error,
)
from gradecheck._kinds._reference import ReferenceSolutionError, as_float_tree, trusted_call
from gradecheck._kinds._slopes import EvaluationError, Slopes, jacobian
from gradecheck._sandbox import SandboxedSubmission, SubmissionFailure

__all__ = ["FunctionKind", "KIND"]

#: The keys of each ``[[function.functions]]`` table.
_ENTRY_KEYS: dict[str, SpecKey] = {
    "name": SpecKey("the function's name, in the submission and in the reference", "string", required=True),
    "arguments": SpecKey("the instance arrays passed, in order", "strings", required=True),
    "returns": SpecKey("the names of the returned values (several: a tuple)", "strings", required=True),
    "gradient_of": SpecKey("for a gradient function: the function it differentiates", "string"),
    "with_respect_to": SpecKey("the arguments of gradient_of differentiated, one per returned value", "strings"),
    "cotangent": SpecKey("the argument holding dL/d(output of gradient_of) (a vector-Jacobian product)", "string"),
}
#: The keys of ``[function]`` (docs/exercise-format.md, "The function kind").
_FUNCTION_KEYS: dict[str, SpecKey] = {
    "functions": SpecKey("the graded functions, one [[function.functions]] table each", "tables", required=True, keys=_ENTRY_KEYS),
    "shapes": SpecKey("each argument's and returned value's shape: a list of dimension names and sizes", "table"),
    "dimensions": SpecKey("each dimension's range [low, high] on hidden instances", "table"),
    "values": SpecKey("an argument's value range [low, high] on hidden instances", "table"),
    "fd_rtol": SpecKey("relative tolerance of the reference's finite-difference self-check (default 1e-6)", "number", positive=True),
    "fd_atol": SpecKey("absolute tolerance of the reference's finite-difference self-check (default 1e-8)", "number", positive=True),
}


@dataclasses.dataclass(frozen=True)
class FunctionSpec:
    """One ``[[function.functions]]`` table.

    Attributes:
        name: the function's name (in the submission and in the reference).
        arguments: instance arrays passed positionally (numbers for shape ``[]``).
        returns: output keys: one (the whole return value) or several (a tuple of them).
        gradient_of: for a gradient function, the function it differentiates.
        with_respect_to: the arguments of ``gradient_of`` differentiated, one per returned value.
        cotangent: the argument holding dL/d(output of ``gradient_of``), or ``None`` for a scalar function.
    """

    name: str
    arguments: tuple[str, ...]
    returns: tuple[str, ...]
    gradient_of: str | None = None
    with_respect_to: tuple[str, ...] = ()
    cotangent: str | None = None


class FunctionKind(GenericKind):
    """The generic ``function`` kind; :meth:`bind` configures it from an exercise's ``[function]`` table."""

    section = "function"
    # Nested tables' keys are the exercise's own names: any on the unbound kind, exactly those once bound.
    section_keys: Mapping[str, KeyDeclarations | None] = {"function": _FUNCTION_KEYS}
    settings_keys = settings_declarations("max_magnitude")

    functions: tuple[FunctionSpec, ...]
    schema: ArraySchema

    # -- configuration -----------------------------------------------------------------

    def configure(self, table: SpecTable, exercise: Any) -> None:
        table.only(_FUNCTION_KEYS)
        raw = table.get("functions", list, "a list of [[function.functions]] tables (at least one)")
        if not raw:
            raise table.fail("functions", "a list of [[function.functions]] tables (at least one)", raw)
        functions = [self._read_function(SpecTable(table.path, entry, f"function.functions[{k}].")) for k, entry in enumerate(raw)]
        by_name = {f.name: f for f in functions}
        if len(by_name) != len(functions):
            raise table.fail("functions", "functions with distinct names", [f.name for f in functions])
        arguments = list(dict.fromkeys(a for f in functions for a in f.arguments))
        returns = [r for f in functions for r in f.returns]
        if len(set(returns)) != len(returns) or set(returns) & set(arguments):
            raise table.fail(
                "functions",
                "returned names that are distinct from one another and from every argument",
                {f.name: list(f.returns) for f in functions},
            )
        functions = [
            self._check_gradient(SpecTable(table.path, raw[k], f"function.functions[{k}]."), f, by_name)
            for k, f in enumerate(functions)
        ]
        by_name = {f.name: f for f in functions}
        need_ranges = any(item.instance == "hidden" for item in exercise.items)
        schema = read_schema(table, [*arguments, *returns], outputs=returns, need_ranges=need_ranges)
        for k, f in enumerate(functions):
            if f.gradient_of is not None:
                target = by_name[f.gradient_of]
                where = SpecTable(table.path, raw[k], f"function.functions[{k}].")
                for wrt, ret in zip(f.with_respect_to, f.returns):
                    if schema.shapes[wrt] != schema.shapes[ret]:
                        raise where.fail(
                            "returns", f"gradients shaped like {', '.join(f.with_respect_to)} (the arguments they differentiate)", list(f.returns)
                        )
                output = target.returns[0]
                if f.cotangent is None and schema.shapes[output] != ():
                    raise where.fail(
                        "cotangent",
                        f"the argument holding dL/d{output} ({output} has shape {list(schema.shapes[output])}, so "
                        f"{f.name} is a vector-Jacobian product)",
                    )
                if f.cotangent is not None and schema.shapes[f.cotangent] != schema.shapes[output]:
                    raise where.fail("cotangent", f"an argument shaped like {output} {list(schema.shapes[output])}", f.cotangent)
        self.functions = tuple(functions)
        self.schema = schema
        self.fd_rtol = table.number("fd_rtol", 1e-6, positive=True)
        self.fd_atol = table.number("fd_atol", 1e-8, positive=True)
        self.argument_names = tuple(arguments)
        self.section_keys = {
            "function": {
                **_FUNCTION_KEYS,
                "shapes": dataclasses.replace(_FUNCTION_KEYS["shapes"], keys=array_declarations((*arguments, *returns), "the shape of")),
                "dimensions": dataclasses.replace(
                    _FUNCTION_KEYS["dimensions"], keys=array_declarations(schema.dimension_names, "the range of", optional=schema.dimension_names)
                ),
                "values": dataclasses.replace(
                    _FUNCTION_KEYS["values"], keys=array_declarations(arguments, "the value range of", optional=arguments)
                ),
            }
        }
        self.given_keys = array_declarations(arguments, "the given")
        self.entry_points = tuple(
            EntryPoint(f.name, f.arguments, tuple("float" if schema.shapes[a] == () else "array" for a in f.arguments), f.returns)
            for f in functions
        )
        self.carry_from = tuple(f"{OWN_SLOPE}{r}" for f in functions if f.gradient_of for r in f.returns)
        self._given_cache: Instance | None = None

    def _read_function(self, entry: SpecTable) -> FunctionSpec:
        entry.only(_ENTRY_KEYS)
        name = entry.name("name")
        arguments = entry.names("arguments")
        returns = entry.names("returns")
        if not returns:
            raise entry.fail("returns", "a non-empty list of names (the values the function returns)", [])
        gradient_of = entry.name("gradient_of", None)
        with_respect_to = entry.names("with_respect_to", None)
        cotangent = entry.name("cotangent", None)
        if gradient_of is None and (with_respect_to is not None or cotangent is not None):
            key = "with_respect_to" if with_respect_to is not None else "cotangent"
            raise entry.fail(key, "given only with gradient_of (the function this one differentiates)", entry.table[key])
        if cotangent is not None and cotangent not in arguments:
            raise entry.fail("cotangent", f"one of this function's arguments ({', '.join(arguments)})", cotangent)
        return FunctionSpec(name, arguments, returns, gradient_of, tuple(with_respect_to or ()), cotangent)

    def _check_gradient(self, entry: SpecTable, f: FunctionSpec, by_name: Mapping[str, FunctionSpec]) -> FunctionSpec:
        """``f`` checked against the function it differentiates, with ``with_respect_to`` filled in (default: all)."""
        if f.gradient_of is None:
            return f
        target = by_name.get(f.gradient_of)
        if target is None or target is f or target.gradient_of is not None:
            others = [g.name for g in by_name.values() if g is not f and g.gradient_of is None]
            raise entry.fail("gradient_of", f"the name of another, non-gradient function ({', '.join(others) or 'none'})", f.gradient_of)
        if len(target.returns) != 1:
            raise entry.fail("gradient_of", "a function that returns one value", f.gradient_of)
        wrt = f.with_respect_to or target.arguments
        if not set(wrt) <= set(target.arguments):
            raise entry.fail("with_respect_to", f"arguments of {target.name} ({', '.join(target.arguments)})", list(wrt))
        missing = [a for a in target.arguments if a not in f.arguments]
        if missing:
            raise entry.fail("arguments", f"every argument of {target.name} ({', '.join(target.arguments)})", list(f.arguments))
        if f.cotangent is not None and f.cotangent in target.arguments:
            raise entry.fail("cotangent", f"an argument that {target.name} does not take", f.cotangent)
        extra = [a for a in f.arguments if a not in target.arguments and a != f.cotangent]
        if extra:
            raise entry.fail("arguments", f"the arguments of {target.name}, plus the cotangent", list(f.arguments))
        if len(f.returns) != len(wrt):
            raise entry.fail("returns", f"one gradient per argument in with_respect_to ({', '.join(wrt)})", list(f.returns))
        return dataclasses.replace(f, with_respect_to=tuple(wrt))

    def generic_mistakes(self) -> tuple[str, ...]:
        mistakes = ["sign-error"]
        if any(f.cotangent for f in self.functions):
            mistakes.append("upstream-ignored")
        if self._swappable() is not None:
            mistakes.append("swapped-gradients")
        return tuple(mistakes)

    def _swappable(self) -> tuple[FunctionSpec, int, int] | None:
        for f in self.functions:
            if f.gradient_of is None:
                continue
            for i in range(len(f.returns)):
                for j in range(i + 1, len(f.returns)):
                    if self.schema.shapes[f.returns[i]] == self.schema.shapes[f.returns[j]]:
                        return f, i, j
        return None

    @property
    def can_draw(self) -> bool:
        return set(self.schema.dimension_names) <= set(self.schema.dimensions)

    def _function(self, name: str) -> FunctionSpec:
        return next(f for f in self.functions if f.name == name)

    # -- instances --------------------------------------------------------------------------

    def given_instance(self, given: Mapping[str, Any]) -> Instance:
        self._require_bound()
        unknown = sorted(set(given) - set(self.argument_names))
        if unknown:
            raise ExerciseSpecError(
                f"{self.spec_path}: unknown key(s) {', '.join(f'given.{k}' for k in unknown)}; kind 'function' takes in "
                f"[given] the functions' arguments: {', '.join(self.argument_names)}."
            )
        instance: Instance = {}
        for name in self.argument_names:
            if name not in given:
                raise ExerciseSpecError(
                    f"{self.spec_path}: key 'given.{name}' should be numbers shaped {list(self.schema.shapes[name])}; it is missing."
                )
            value = given[name]
            if non_number(value) is not None:
                raise ExerciseSpecError(f"{self.spec_path}: key 'given.{name}' should be numbers; found {value!r}.")
            try:
                instance[name] = np.array(value, dtype=np.float64)
            except ValueError:
                raise ExerciseSpecError(f"{self.spec_path}: key 'given.{name}' should be a rectangular array of numbers; found {value!r}.") from None
        try:
            self.schema.sizes_of(instance, "given.")
        except ValueError as error:
            raise ExerciseSpecError(f"{self.spec_path}: {error}.") from None
        return instance

    def instance_strategy(self, settings: Mapping[str, Any]) -> st.SearchStrategy[Instance]:
        self._require_bound()
        return self.schema.strategy(self.argument_names, max_magnitude=self.setting(settings, "max_magnitude", 2.0))

    def describe(self, instance: Instance) -> str:
        return "\n".join(f"{name} = {format_value(instance[name])}" for name in self.argument_names)

    # -- the reference (trusted, in this process) ----------------------------------------------

    def _outputs_of(self, module: types.ModuleType, f: FunctionSpec, instance: Instance) -> dict[str, np.ndarray]:
        function = getattr(module, f.name, None)
        if not callable(function):
            raise ReferenceSolutionError(f"{module.__file__} defines no function {f.name}; the [function] table names it.")
        args = [float(instance[a]) if self.schema.shapes[a] == () else np.array(instance[a]) for a in f.arguments]
        value = trusted_call(function, *args)
        parts = [value] if len(f.returns) == 1 else value
        if len(f.returns) > 1 and (not isinstance(value, (list, tuple)) or len(value) != len(f.returns)):
            raise ReferenceSolutionError(f"{module.__file__}: {f.name} should return {len(f.returns)} values ({', '.join(f.returns)}).")
        sizes = self.schema.sizes_of({a: instance[a] for a in self.argument_names}, "")
        results = {}
        for key, part in zip(f.returns, parts):
            array = as_float_tree(part)
            shape = self.schema.shape(key, sizes)
            if not isinstance(array, np.ndarray) or array.shape != shape:
                found = array.shape if isinstance(array, np.ndarray) else type(array).__name__
                raise ReferenceSolutionError(
                    f"{module.__file__}: {f.name} gives {key} of shape {found}; [function.shapes] makes it {shape} "
                    f"(for the instance:\n{self.describe(instance)})."
                )
            results[key] = array
        return results

    def _trusted_outputs(self, module: types.ModuleType, instance: Instance) -> dict[str, np.ndarray]:
        results: dict[str, np.ndarray] = {}
        for f in self.functions:
            results.update(self._outputs_of(module, f, instance))
        return results

    def expected(self, instance: Instance) -> dict[str, np.ndarray]:
        return self._trusted_outputs(self.reference(), instance)

    def _trusted_function(self, module: types.ModuleType, f: FunctionSpec, instance: Instance, name: str) -> Any:
        def evaluate(points: Sequence[np.ndarray]) -> list[np.ndarray]:
            return [self._outputs_of(module, f, {**instance, name: point})[f.returns[0]].reshape(-1) for point in points]

        return evaluate

    def check_variant(self, mistake: str, module: types.ModuleType, path: Path) -> None:
        missing = [f.name for f in self.functions if not callable(getattr(module, f.name, None))]
        if missing:
            raise ReferenceSolutionError(
                f"{path}: a known-wrong variant is written like a submission, so it defines {', '.join(missing)}; it does not."
            )

    def check_reference(self, instances: Sequence[tuple[str, Instance]]) -> None:
        """Every gradient function of the reference against finite differences of the function it differentiates."""
        module = self.reference()
        gradients = [f for f in self.functions if f.gradient_of]
        checked = {key: 0 for f in gradients for key in f.returns}
        for label, instance in instances:
            expected = self.expected(instance)
            for f in gradients:
                target = self._function(f.gradient_of or "")
                cotangent = instance[f.cotangent] if f.cotangent else np.ones(())
                for wrt, key in zip(f.with_respect_to, f.returns):
                    slopes = jacobian(self._trusted_function(module, target, instance, wrt), instance[wrt], cotangent=cotangent)
                    if slopes is None:
                        continue
                    numeric, error = slopes.vjp(cotangent)
                    self._check_slopes(
                        f"{f.name}'s {key}", f"its {target.name}", expected[key].reshape(-1), numeric, error,
                        np.shape(instance[wrt]), label, instance, self.fd_atol, self.fd_rtol,
                    )
                    checked[key] += 1
        self._check_all_checked(checked, instances)

    # -- mistakes ----------------------------------------------------------------------------

    def mistaken(self, instance: Instance, mistake: str) -> dict[str, np.ndarray] | None:
        variant = self.variant(mistake)
        if variant is not None:
            try:
                return self._trusted_outputs(variant, instance)
            except Exception:  # a variant that fails here models nothing here
                return None
        expected = self.expected(instance)
        gradient_keys = [r for f in self.functions if f.gradient_of for r in f.returns]
        if mistake == "sign-error":
            return {**expected, **{key: -expected[key] for key in gradient_keys}}
        if mistake == "upstream-ignored":
            ones = dict(instance)
            for f in self.functions:
                if f.cotangent:
                    ones[f.cotangent] = np.ones_like(instance[f.cotangent])
            model = self._trusted_outputs(self.reference(), ones)
            return {**expected, **{key: model[key] for key in gradient_keys}}
        if mistake == "swapped-gradients":
            found = self._swappable()
            if found is None:
                return None
            f, i, j = found
            a, b = f.returns[i], f.returns[j]
            return {**expected, a: expected[b], b: expected[a]}
        return None

    # -- the submission (in the sandbox) ----------------------------------------------------------

    def _given(self) -> Instance | None:
        if self._given_cache is None and self.has_given:
            self._given_cache = self.given_instance(self.exercise.given)
        return self._given_cache

    def _own_slopes(
        self, submission: SandboxedSubmission, instance: Instance, keys: Sequence[str], expected: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray | str]:
        gradient_keys = [key[len(OWN_SLOPE) :] for key in keys]
        own = self._run_outputs(submission, instance, gradient_keys, expected)
        budget = self.budget(submission)
        check_pattern = (given := self._given()) is not None and same_instance(instance, given)
        results: dict[str, np.ndarray | str] = {}
        for key, gradient_key in zip(keys, gradient_keys):
            f = next(g for g in self.functions if gradient_key in g.returns)
            target = self._function(f.gradient_of or "")
            wrt = f.with_respect_to[f.returns.index(gradient_key)]
            if target.name not in submission.names:
                results[key] = f"the submission does not define {target.name}"
                continue
            cotangent = instance[f.cotangent] if f.cotangent else np.ones(())
            shape = expected[target.returns[0]].shape if target.returns[0] in expected else None
            evaluate = self._submission_function(submission, target, instance, wrt, shape, budget)
            slopes = jacobian(evaluate, instance[wrt], cotangent=cotangent, max_evaluations=budget.left())
            if slopes is None:
                results[key] = f"the slopes of your {target.name} could not be estimated accurately here"
                continue
            if check_pattern and not self._same_dependencies(slopes, target, instance, wrt):
                results[key] = f"your {target.name} does not depend on {wrt} where it should"
                continue
            vjp, error = slopes.vjp(cotangent)
            results[key] = within_error(own.get(gradient_key), vjp, error).reshape(np.shape(instance[wrt]))
        return results

    def _submission_function(
        self, submission: SandboxedSubmission, f: FunctionSpec, instance: Instance, name: str, shape: tuple[int, ...] | None, budget: Any
    ) -> Any:
        entry = next(e for e in self.entry_points if e.name == f.name)
        if shape is None:
            sizes = self.schema.sizes_of({a: instance[a] for a in self.argument_names}, "")
            shape = self.schema.shape(f.returns[0], sizes)

        def evaluate(points: Sequence[np.ndarray]) -> list[np.ndarray]:
            if budget.left() < len(points):
                raise EvaluationError("budget spent")
            budget.evaluations -= len(points)
            args_list = [self.arguments(entry, {**instance, name: point}) for point in points]
            try:
                values = submission.call_many(f.name, args_list, entry.kinds)
                return [as_output_array(v, f.returns[0], shape).reshape(-1) for v in values]
            except (SubmissionFailure, OutputError):
                raise EvaluationError(f.name) from None

        return evaluate

    def _same_dependencies(self, slopes: Slopes, target: FunctionSpec, instance: Instance, name: str) -> bool:
        reference = jacobian(self._trusted_function(self.reference(), target, instance, name), instance[name])
        if reference is None:
            return True
        return jaccard(slopes.pattern(), reference.pattern()) >= PATTERN_OVERLAP


KIND = FunctionKind()
