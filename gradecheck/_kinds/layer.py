"""Kind ``layer``: a custom layer class (DESIGN.md C5), graded against the instructor's reference layer.

Configured by the spec's ``[layer]`` table (docs/exercise-format.md has every
key)::

    kind = "layer"

    [layer]
    class = "LayerNorm"            # the class the submission defines (the reference solution defines it too)
    arguments = ["features"]       # LayerNorm(features): dimension names (their size) or numbers
    inputs = ["x"]                 # forward(x)
    params = ["gamma", "beta"]     # the layer's params dict (and grads after backward)
    output = "y"                   # what forward returns (default "y")

    [layer.shapes]                 # every input, parameter and the output, in named dimensions
    x = ["batch", "features"]
    gamma = ["features"]
    beta = ["features"]
    y = ["batch", "features"]

    [layer.dimensions]             # sizes of random instances (hidden items)
    batch = [1, 4]
    features = [2, 6]

Outputs (what ``[[items]]`` compare): the forward's output (``y``), the
gradient of each input (``d_x``) and of each parameter (``d_gamma``,
``d_beta``: ``grads[name]`` after ``backward``).  An instance holds the inputs,
the parameters and ``upstream`` (dL/dy, shaped like the output; ones unless
``[given]`` says otherwise).

Grading one instance, in the submission's worker: a fresh object
``LayerNorm(*arguments)``; the parameters written into its ``params`` dict
(in place where shapes match) and read back, which must give them back; then
``forward(*inputs)``, ``backward(upstream)`` and ``grads``.  Every value
crosses the sandbox as JSON numbers and must be numbers of the right shape.
Expected values come from the same calls on the reference layer of
``reference/<id>/solution.py`` (trusted, in this process).

Credit carried forward (a wrong gradient whose forward is wrong too): the
layer is opaque, so the rule is numerical: the gradient must equal the
vector-Jacobian product of the submission's *own* forward (finite
differences through the sandbox, Richardson-extrapolated, with an error
estimate; an estimate that is not accurate enough decides nothing), with the
upstream of that instance, on the statement's values and on every instance of
the first hidden item's sample (random shapes, values and upstreams, so
constants and answers fitted to the statement do not follow); the slopes must
not be ~0 (zeros never carry); and on the statement's values the submission's
forward must depend on the same elements as the reference's does (the
non-negligible entries of the two Jacobians overlap by at least 90%), so an
identity or elementwise stand-in for a layer that mixes its inputs is no
attempt.  See docs/exercise-format.md.
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
    settings_declarations,
    jaccard,
    same_instance,
    within_error,
)
from gradecheck._kinds._reference import ReferenceSolutionError, as_float_tree, trusted_call
from gradecheck._kinds._slopes import EvaluationError, Slopes, jacobian
from gradecheck._sandbox import SandboxedSubmission, SubmissionFailure

__all__ = ["LayerKind", "KIND"]

#: The keys of ``[layer]`` (docs/exercise-format.md, "The layer kind").
_LAYER_KEYS: dict[str, SpecKey] = {
    "class": SpecKey("the class the submission and the reference define, e.g. 'LayerNorm'", "string", required=True),
    "arguments": SpecKey("the constructor's positional arguments: dimension names (passed as sizes) and numbers", "list"),
    "inputs": SpecKey("forward's inputs, in order", "strings", required=True),
    "params": SpecKey("the keys of the layer's params and grads dicts", "strings"),
    "output": SpecKey("the name of forward's output (default 'y')", "string"),
    "shapes": SpecKey("each input's, parameter's and the output's shape: a list of dimension names and sizes", "table"),
    "dimensions": SpecKey("each dimension's range [low, high] on hidden instances", "table"),
    "values": SpecKey("an input's or parameter's value range [low, high] on hidden instances", "table"),
    "fd_rtol": SpecKey("relative tolerance of the reference's finite-difference self-check (default 1e-6)", "number", positive=True),
    "fd_atol": SpecKey("absolute tolerance of the reference's finite-difference self-check (default 1e-8)", "number", positive=True),
}
UPSTREAM = "upstream"


@dataclasses.dataclass(frozen=True)
class LayerConfig:
    """The ``[layer]`` table, read.

    Attributes:
        class_name: the class the submission (and the reference) defines.
        arguments: the constructor's positional arguments: a dimension name
            (passed as that dimension's size, an int) or a number (passed as is).
        inputs: ``forward``'s inputs, in order.
        params: the keys of ``params`` and ``grads``.
        output: the name of ``forward``'s output.
        schema: shapes (inputs, params, output), dimension and value ranges.
        fd_rtol, fd_atol: tolerance of the reference's finite-difference self-check.
    """

    class_name: str
    arguments: tuple[str | int | float, ...]
    inputs: tuple[str, ...]
    params: tuple[str, ...]
    output: str
    schema: ArraySchema
    fd_rtol: float
    fd_atol: float

    @property
    def arrays(self) -> tuple[str, ...]:
        """The arrays of an instance besides ``upstream``: inputs, then parameters."""
        return self.inputs + self.params

    @property
    def gradient_keys(self) -> tuple[str, ...]:
        return tuple(f"d_{name}" for name in self.arrays)


class LayerKind(GenericKind):
    """The generic ``layer`` kind; :meth:`bind` configures it from an exercise's ``[layer]`` table."""

    section = "layer"
    # Nested tables' keys are the exercise's own names: any on the unbound kind, exactly those once bound.
    section_keys: Mapping[str, KeyDeclarations | None] = {"layer": _LAYER_KEYS}
    settings_keys = settings_declarations("max_magnitude", "upstream_magnitude")
    optional_given_keys = frozenset({UPSTREAM})

    config: LayerConfig

    # -- configuration ------------------------------------------------------------------

    def configure(self, table: SpecTable, exercise: Any) -> None:
        table.only(_LAYER_KEYS)
        class_name = table.name("class")
        inputs = table.names("inputs")
        if not inputs:
            raise table.fail("inputs", "a non-empty list of names (forward's inputs, in order)", list(inputs))
        params = table.names("params", [])
        output = table.name("output", "y")
        names = [*inputs, *params, output]
        repeated = sorted({n for n in names if names.count(n) > 1} | ({UPSTREAM} & set(names)))
        if repeated:
            raise table.fail(
                "inputs",
                f"names distinct from one another, from the params and the output, and from {UPSTREAM!r}",
                repeated,
            )
        gradient_keys = [f"d_{name}" for name in (*inputs, *params)]
        if output in gradient_keys:
            raise table.fail("output", f"a name other than the gradient keys {', '.join(gradient_keys)}", output)
        need_ranges = any(item.instance == "hidden" for item in exercise.items)
        schema = read_schema(table, names, outputs=[output], need_ranges=need_ranges)
        determined = {side for name in (*inputs, *params) for side in schema.shapes[name] if isinstance(side, str)}
        raw_arguments = table.get("arguments", list, "a list of dimension names and numbers", [])
        arguments: list[str | int | float] = []
        for argument in raw_arguments:
            if isinstance(argument, str):
                if argument not in determined:
                    raise table.fail(
                        "arguments",
                        f"a list of numbers and of dimension names used by the inputs or parameters ({', '.join(sorted(determined)) or 'none'})",
                        raw_arguments,
                    )
            elif isinstance(argument, bool) or not isinstance(argument, (int, float)):
                raise table.fail("arguments", "a list of dimension names and numbers", raw_arguments)
            arguments.append(argument)
        self.config = LayerConfig(
            class_name=class_name,
            arguments=tuple(arguments),
            inputs=inputs,
            params=params,
            output=output,
            schema=schema,
            fd_rtol=table.number("fd_rtol", 1e-6, positive=True),
            fd_atol=table.number("fd_atol", 1e-8, positive=True),
        )
        self.section_keys = {
            "layer": {
                **_LAYER_KEYS,
                "shapes": dataclasses.replace(_LAYER_KEYS["shapes"], keys=array_declarations(names, "the shape of")),
                "dimensions": dataclasses.replace(
                    _LAYER_KEYS["dimensions"], keys=array_declarations(schema.dimension_names, "the range of", optional=schema.dimension_names)
                ),
                "values": dataclasses.replace(
                    _LAYER_KEYS["values"], keys=array_declarations((*inputs, *params), "the value range of", optional=(*inputs, *params))
                ),
            }
        }
        self.given_keys = array_declarations((*inputs, *params, UPSTREAM), "the given", optional=(UPSTREAM,))
        signature = [str(a) for a in arguments]
        self.entry_points = (
            EntryPoint(class_name, tuple(signature), tuple("int" if isinstance(a, str) else "float" for a in arguments), ()),
            EntryPoint(f"{class_name}.forward", inputs, ("array",) * len(inputs), (output,)),
            EntryPoint(f"{class_name}.backward", (UPSTREAM,), ("array",), tuple(f"d_{name}" for name in inputs)),
        )
        self.carry_from = tuple(f"{OWN_SLOPE}{key}" for key in gradient_keys)
        self._given_cache: Instance | None = None

    def generic_mistakes(self) -> tuple[str, ...]:
        mistakes = ["sign-error", "upstream-ignored"]
        if self._swappable() is not None:
            mistakes.append("swapped-gradients")
        return tuple(mistakes)

    def _swappable(self) -> tuple[str, str] | None:
        """The first two inputs/parameters declared with the same shape (for the swapped-gradients model)."""
        shapes = self.config.schema.shapes
        names = self.config.arrays
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                if shapes[a] == shapes[b]:
                    return a, b
        return None

    @property
    def output_keys(self) -> tuple[str, ...]:
        self._require_bound()
        return (self.config.output, *self.config.gradient_keys)

    @property
    def can_draw(self) -> bool:
        return set(self.config.schema.dimension_names) <= set(self.config.schema.dimensions)

    # -- instances ---------------------------------------------------------------------

    def given_instance(self, given: Mapping[str, Any]) -> Instance:
        self._require_bound()
        config = self.config
        unknown = sorted(set(given) - set(self.given_keys or ()))
        if unknown:
            raise ExerciseSpecError(
                f"{self.spec_path}: unknown key(s) {', '.join(f'given.{k}' for k in unknown)}; kind 'layer' takes in "
                f"[given] the inputs and parameters ({', '.join(config.arrays)}) and optionally {UPSTREAM}."
            )
        instance: Instance = {}
        for name in config.arrays:
            if name not in given:
                raise ExerciseSpecError(
                    f"{self.spec_path}: key 'given.{name}' should be numbers shaped "
                    f"{list(config.schema.shapes[name])}; it is missing."
                )
            instance[name] = self._given_array(given, name)
        try:
            sizes = config.schema.sizes_of(instance, "given.")
        except ValueError as error:
            raise ExerciseSpecError(f"{self.spec_path}: {error}.") from None
        output_shape = config.schema.shape(config.output, sizes)
        if UPSTREAM in given:
            upstream = self._given_array(given, UPSTREAM)
            if upstream.shape != output_shape:
                raise ExerciseSpecError(
                    f"{self.spec_path}: key 'given.{UPSTREAM}' should be shaped like the output {config.output} "
                    f"{output_shape}; found shape {upstream.shape}."
                )
        else:
            upstream = np.ones(output_shape)
        instance[UPSTREAM] = upstream
        return instance

    def _given_array(self, given: Mapping[str, Any], name: str) -> np.ndarray:
        value = given[name]
        if non_number(value) is not None:
            raise ExerciseSpecError(f"{self.spec_path}: key 'given.{name}' should be numbers (a number or nested lists); found {value!r}.")
        try:
            return np.array(value, dtype=np.float64)
        except ValueError:
            raise ExerciseSpecError(
                f"{self.spec_path}: key 'given.{name}' should be a rectangular array of numbers; found {value!r}."
            ) from None

    def instance_strategy(self, settings: Mapping[str, Any]) -> st.SearchStrategy[Instance]:
        self._require_bound()
        config = self.config
        return config.schema.strategy(
            config.arrays,
            max_magnitude=self.setting(settings, "max_magnitude", 2.0),
            shaped_like={UPSTREAM: (config.output, self.setting(settings, "upstream_magnitude", 2.0))},
        )

    def sizes(self, instance: Instance) -> dict[str, int]:
        return self.config.schema.sizes_of({name: instance[name] for name in self.config.arrays}, "")

    def constructor_arguments(self, instance: Instance) -> list[int | float]:
        sizes = self.sizes(instance)
        return [sizes[a] if isinstance(a, str) else a for a in self.config.arguments]

    def describe(self, instance: Instance) -> str:
        config = self.config
        lines = [f"layer = {config.class_name}({', '.join(str(a) for a in self.constructor_arguments(instance))})"]
        lines += [f"{name} = {format_value(instance[name])}" for name in config.inputs]
        lines += [f"params[{name!r}] = {format_value(instance[name])}" for name in config.params]
        lines.append(f"{UPSTREAM} = {format_value(instance[UPSTREAM])}")
        return "\n".join(lines)

    # -- the reference (trusted, in this process) ---------------------------------------------

    def expected(self, instance: Instance) -> dict[str, np.ndarray]:
        return self._trusted_outputs(self.reference(), instance, instance[UPSTREAM])

    def _trusted_layer(self, module: types.ModuleType, instance: Instance) -> Any:
        config = self.config
        cls = getattr(module, config.class_name, None)
        if cls is None:
            raise ReferenceSolutionError(f"{module.__file__} defines no {config.class_name}; the [layer] table names class = {config.class_name!r}.")
        layer = trusted_call(cls, *self.constructor_arguments(instance))
        if config.params:
            params = getattr(layer, "params", None)
            if not isinstance(params, dict):
                raise ReferenceSolutionError(
                    f"{module.__file__}: {config.class_name}.params should be a dict with keys {list(config.params)}; "
                    f"found {type(params).__name__}."
                )
            for name in config.params:
                value = np.array(instance[name], dtype=np.float64)
                current = params.get(name)
                if isinstance(current, np.ndarray) and current.shape == value.shape and current.flags.writeable and current.dtype == np.float64:
                    np.copyto(current, value)  # in place: a layer that keeps its own reference sees it
                else:
                    params[name] = value
        return layer

    def _trusted_outputs(
        self, module: types.ModuleType, instance: Instance, upstream: np.ndarray
    ) -> dict[str, np.ndarray]:
        """Run a trusted layer (the reference, or a known-wrong variant) on ``instance``."""
        config = self.config
        sizes = self.sizes(instance)
        layer = self._trusted_layer(module, instance)
        out = trusted_call(layer.forward, *[np.array(instance[name]) for name in config.inputs])
        raw_grads = trusted_call(layer.backward, np.array(upstream))
        where = f"{module.__file__}: {config.class_name}"
        results: dict[str, Any] = {config.output: out}
        if len(config.inputs) == 1:
            if isinstance(raw_grads, (list, tuple)) and len(raw_grads) == 1:
                raw_grads = raw_grads[0]
            results[f"d_{config.inputs[0]}"] = raw_grads
        else:
            if not isinstance(raw_grads, (list, tuple)) or len(raw_grads) != len(config.inputs):
                raise ReferenceSolutionError(f"{where}.backward should return {len(config.inputs)} gradients, one per input.")
            results.update({f"d_{name}": g for name, g in zip(config.inputs, raw_grads)})
        if config.params:
            grads = getattr(layer, "grads", None)
            if not isinstance(grads, dict) or any(name not in grads for name in config.params):
                raise ReferenceSolutionError(f"{where}.grads should be a dict with keys {list(config.params)} after backward.")
            results.update({f"d_{name}": grads[name] for name in config.params})
        arrays: dict[str, np.ndarray] = {}
        shapes = {config.output: config.schema.shape(config.output, sizes)}
        shapes.update({f"d_{name}": np.shape(instance[name]) for name in config.arrays})
        for key, value in results.items():
            array = as_float_tree(value)
            if not isinstance(array, np.ndarray) or array.shape != shapes[key]:
                found = array.shape if isinstance(array, np.ndarray) else type(array).__name__
                raise ReferenceSolutionError(
                    f"{where} gives {key} of shape {found}; the [layer] shapes make it {shapes[key]} "
                    f"(for the instance:\n{self.describe(instance)})."
                )
            arrays[key] = array
        return arrays

    def _trusted_forward(self, module: types.ModuleType, instance: Instance) -> Any:
        """``evaluate`` for :func:`jacobian`: a function of one moved array -> the flattened output."""
        config = self.config

        def at(name: str) -> Any:
            def evaluate(points: Sequence[np.ndarray]) -> list[np.ndarray]:
                values = []
                for point in points:
                    moved = {**instance, name: point}
                    layer = self._trusted_layer(module, moved)
                    out = trusted_call(layer.forward, *[np.array(moved[n]) for n in config.inputs])
                    values.append(np.asarray(as_float_tree(out), dtype=np.float64).reshape(-1))
                return values

            return evaluate

        return at

    def check_variant(self, mistake: str, module: types.ModuleType, path: Path) -> None:
        if not isinstance(getattr(module, self.config.class_name, None), type):
            raise ReferenceSolutionError(
                f"{path}: a known-wrong variant is written like a submission, so it defines class "
                f"{self.config.class_name}; it does not."
            )

    def check_reference(self, instances: Sequence[tuple[str, Instance]]) -> None:
        """The reference's gradients against finite differences of its own forward (``fd_rtol``, ``fd_atol``)."""
        config = self.config
        module = self.reference()
        checked = {key: 0 for key in config.gradient_keys}
        for label, instance in instances:
            expected = self.expected(instance)
            at = self._trusted_forward(module, instance)
            for name in config.arrays:
                key = f"d_{name}"
                slopes = jacobian(at(name), instance[name], cotangent=instance[UPSTREAM], rtol=1e-9, scale_tol=1e-12)
                if slopes is None:
                    continue  # a kink or a steep spot here: finite differences cannot judge
                numeric, error = slopes.vjp(instance[UPSTREAM])
                self._check_slopes(
                    key, "its own forward", expected[key].reshape(-1), numeric, error, np.shape(instance[name]),
                    label, instance, config.fd_atol, config.fd_rtol,
                )
                checked[key] += 1
        self._check_all_checked(checked, instances)

    # -- mistakes -------------------------------------------------------------------------

    def mistaken(self, instance: Instance, mistake: str) -> dict[str, np.ndarray] | None:
        variant = self.variant(mistake)
        if variant is not None:
            try:
                return self._trusted_outputs(variant, instance, instance[UPSTREAM])
            except Exception:  # a variant that fails here models nothing here
                return None
        config = self.config
        expected = self.expected(instance)
        if mistake == "sign-error":
            return {**expected, **{key: -expected[key] for key in config.gradient_keys}}
        if mistake == "upstream-ignored":
            return self._trusted_outputs(self.reference(), instance, np.ones_like(instance[UPSTREAM]))
        if mistake == "swapped-gradients":
            pair = self._swappable()
            if pair is None:
                return None
            a, b = (f"d_{name}" for name in pair)
            return {**expected, a: expected[b], b: expected[a]}
        return None

    def explain_failure(self, instance: Instance, got: Mapping[str, Any], expected: Mapping[str, np.ndarray]) -> str | None:
        config = self.config
        out = got.get(config.output)
        wrong = [
            key
            for key in config.gradient_keys
            if isinstance(got.get(key), np.ndarray) and not np.allclose(got[key], expected[key], rtol=1e-6, atol=1e-9)
        ]
        if isinstance(out, np.ndarray) and np.allclose(out, expected[config.output], rtol=1e-6, atol=1e-9) and wrong:
            return f"forward's {config.output} is right here; the error is in backward ({', '.join(wrong)})."
        return None

    # -- the submission (in the sandbox) -------------------------------------------------------

    def _missing_class(self, submission: SandboxedSubmission) -> str | None:
        config = self.config
        if submission.names.get(config.class_name) is None:
            methods = f"forward({', '.join(config.inputs)}) and backward({UPSTREAM})"
            return f"the submission does not define a class {config.class_name} (with methods {methods})"
        return None

    def _new_layer(self, submission: SandboxedSubmission, instance: Instance) -> int:
        """A fresh object with the instance's parameters written into its ``params`` (and read back)."""
        config = self.config
        handle = submission.new(config.class_name, self.constructor_arguments(instance))
        for name in config.params:
            try:
                submission.set_item(handle, "params", name, np.asarray(instance[name]).tolist())
            except SubmissionFailure as failure:
                raise SubmissionFailure(
                    f"{config.class_name} must keep its parameters in a dict self.params with the keys "
                    f"{', '.join(config.params)} (the grader writes the exercise's values into it): {failure}",
                    failure.kind,
                    failure.details,
                ) from None
        if config.params:
            self._check_params(submission, handle, instance)
        return handle

    def _check_params(self, submission: SandboxedSubmission, handle: int, instance: Instance) -> None:
        config = self.config
        present, params = submission.attr(handle, "params")
        problem = None
        if not present or not isinstance(params, dict):
            problem = f"it has no dict params after the grader wrote into it (found {type(params).__name__})"
        else:
            for name in config.params:
                try:
                    held = as_output_array(params.get(name), f"params[{name!r}]", np.shape(instance[name]))
                except OutputError as error:
                    problem = str(error)
                    break
                if not np.array_equal(held, instance[name]):
                    problem = f"params[{name!r}] does not hold the values the grader wrote into it"
                    break
        if problem:
            raise SubmissionFailure(
                f"{config.class_name}.params must be a dict holding the arrays forward uses; the grader writes the "
                f"exercise's {', '.join(config.params)} into it and reads them back: {problem}."
            )

    def _run_outputs(
        self, submission: SandboxedSubmission, instance: Instance, keys: Sequence[str], expected: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray | str]:
        config = self.config
        missing = self._missing_class(submission)
        if missing:
            return {key: missing for key in keys}
        results: dict[str, np.ndarray | str] = {}
        try:
            handle = self._new_layer(submission, instance)
            out = submission.method(handle, "forward", [np.asarray(instance[n]).tolist() for n in config.inputs], ["array"] * len(config.inputs))
        except SubmissionFailure as failure:
            return {key: str(failure) for key in keys}
        if config.output in keys:
            try:
                results[config.output] = as_output_array(out, config.output, expected[config.output].shape)
            except OutputError as error:
                results[config.output] = str(error)
        backward_keys = [key for key in keys if key in config.gradient_keys]
        if not backward_keys:
            return results
        try:
            raw = submission.method(handle, "backward", [np.asarray(instance[UPSTREAM]).tolist()], ["array"])
        except SubmissionFailure as failure:
            return {**results, **{key: str(failure) for key in backward_keys}}
        results.update(self._input_gradients(raw, [k for k in backward_keys if k[2:] in config.inputs], expected))
        param_keys = [key for key in backward_keys if key[2:] in config.params]
        if param_keys:
            try:
                present, grads = submission.attr(handle, "grads")
            except SubmissionFailure as failure:
                return {**results, **{key: str(failure) for key in param_keys}}
            for key in param_keys:
                name = key[2:]
                if not present or not isinstance(grads, dict):
                    results[key] = (
                        f"after backward, {config.class_name}.grads should be a dict with keys "
                        f"{', '.join(config.params)}; found {'nothing' if not present else type(grads).__name__}"
                    )
                elif name not in grads:
                    results[key] = f"after backward, {config.class_name}.grads has no key {name!r} (it has {', '.join(map(repr, grads)) or 'none'})"
                else:
                    try:
                        results[key] = as_output_array(grads[name], f"grads[{name!r}]", expected[key].shape)
                    except OutputError as error:
                        results[key] = str(error)
        return results

    def _input_gradients(self, raw: Any, keys: Sequence[str], expected: Mapping[str, np.ndarray]) -> dict[str, np.ndarray | str]:
        config = self.config
        if not keys:
            return {}
        if len(config.inputs) == 1:  # one array (a list holding it also has its size: it is reshaped)
            key = keys[0]
            try:
                return {key: as_output_array(raw, key, expected[key].shape)}
            except OutputError as error:
                return {key: str(error)}
        if not isinstance(raw, list) or len(raw) != len(config.inputs):
            found = f"a sequence of {len(raw)}" if isinstance(raw, list) else type(raw).__name__
            message = f"backward should return {len(config.inputs)} gradients, one per input ({', '.join(config.inputs)}); got {found}"
            return {key: message for key in keys}
        parts = dict(zip(config.inputs, raw))
        results: dict[str, np.ndarray | str] = {}
        for key in keys:
            try:
                results[key] = as_output_array(parts[key[2:]], key, expected[key].shape)
            except OutputError as error:
                results[key] = str(error)
        return results

    # -- finite differences of the submission's own forward (credit carried forward) ------------

    def _given(self) -> Instance | None:
        if self._given_cache is None and self.has_given:
            self._given_cache = self.given_instance(self.exercise.given)
        return self._given_cache

    def _own_slopes(
        self, submission: SandboxedSubmission, instance: Instance, keys: Sequence[str], expected: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray | str]:
        """``own-slope:d_<name>``: the VJP (this instance's upstream) of the submission's own forward w.r.t. ``<name>``.

        Estimated by finite differences on a fresh object; where the
        submission's own gradient lies within the estimate's error, that
        gradient is the value (the estimate cannot tell them apart), elsewhere
        the estimate.  A message instead where the forward fails, the slopes
        cannot be estimated accurately, the budget is spent, or (on the
        statement's values) the forward does not depend on the elements the
        reference's does.
        """
        config = self.config
        missing = self._missing_class(submission)
        if missing:
            return {key: missing for key in keys}
        gradient_keys = [key[len(OWN_SLOPE) :] for key in keys]
        own = self._run_outputs(submission, instance, gradient_keys, expected)
        budget = self.budget(submission)
        try:
            handle = self._new_layer(submission, instance)
        except SubmissionFailure as failure:
            return {key: str(failure) for key in keys}
        shape = expected[config.output].shape
        check_pattern = (given := self._given()) is not None and same_instance(instance, given)
        results: dict[str, np.ndarray | str] = {}
        for key, gradient_key in zip(keys, gradient_keys):
            name = gradient_key[2:]
            evaluate = self._submission_forward(submission, handle, instance, name, shape, budget)
            try:
                slopes = jacobian(evaluate, instance[name], cotangent=instance[UPSTREAM], max_evaluations=budget.left())
            finally:
                if name in config.params:
                    try:
                        submission.set_item(handle, "params", name, np.asarray(instance[name]).tolist())
                    except SubmissionFailure:
                        pass
            if slopes is None:
                results[key] = "the slopes of your forward pass could not be estimated accurately here"
                continue
            if check_pattern and not self._same_dependencies(slopes, instance, name):
                results[key] = f"your forward pass does not depend on {name} where the layer does"
                continue
            vjp, error = slopes.vjp(instance[UPSTREAM])
            results[key] = within_error(own.get(gradient_key), vjp, error).reshape(np.shape(instance[name]))
        return results

    def _submission_forward(
        self, submission: SandboxedSubmission, handle: int, instance: Instance, name: str, shape: tuple[int, ...], budget: Any
    ) -> Any:
        config = self.config
        inputs = [np.asarray(instance[n]).tolist() for n in config.inputs]
        position = config.inputs.index(name) if name in config.inputs else None

        def evaluate(points: Sequence[np.ndarray]) -> list[np.ndarray]:
            values = []
            for point in points:
                if budget.left() <= 0:
                    raise EvaluationError("budget spent")
                budget.evaluations -= 1
                args = list(inputs)
                try:
                    if position is None:
                        submission.set_item(handle, "params", name, point.tolist())
                    else:
                        args[position] = point.tolist()
                    out = submission.method(handle, "forward", args, ["array"] * len(args))
                    values.append(as_output_array(out, config.output, shape).reshape(-1))
                except (SubmissionFailure, OutputError):
                    raise EvaluationError(name) from None
            return values

        return evaluate

    def _same_dependencies(self, slopes: Slopes, instance: Instance, name: str) -> bool:
        """Whether the submission's forward depends on ``name`` where the reference's does (Jacobian patterns)."""
        reference = jacobian(self._trusted_forward(self.reference(), instance)(name), instance[name])
        if reference is None:
            return True  # the reference's own pattern cannot be told here: do not hold it against the submission
        return jaccard(slopes.pattern(), reference.pattern()) >= PATTERN_OVERLAP


KIND = LayerKind()
