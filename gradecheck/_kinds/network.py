"""Kind ``network``: any fully connected network, described entirely by the spec's ``[network]`` table.

The spec gives the layer sizes, each layer's activation, the loss (or an
upstream gradient given as an argument), a single example or a batch (summed
or averaged), biases or none, how weights reach the submission (a list of
matrices in ``(out, in)`` or ``(in, out)`` layout, one matrix per argument, or
one flat vector numbered row- or column-major layer by layer), a learning
rate, and the submission's functions: their parameters (``[submission]
entry_points``, mapped to quantities in ``[network.arguments]``) and what each
returns (``[network.returns]``, output keys mapped to quantities in
``[network.outputs]``).  docs/exercise-format.md, "The network kind", lists
every key.

Expected values come from the JAX float64 reference of
:mod:`gradecheck._kinds._network_math` (``jax.value_and_grad``, jitted once per
network family and padded shape).  Hidden instances are drawn with
:func:`gradecheck.strategies.network_cases`: hundredths that shrink toward
small readable numbers, pre-activations bounded, ReLU units kept off their
kink.  Wrong answers are diagnosed with generic mistake models (the delta
recursion with one step done wrong, in numpy), and a backward output keeps its
credit when it is the reference's backward pass started from the submission's
own output (:meth:`NetworkKind.backward_from_forward`).

``get_kind("network")`` is unconfigured: ``kind_of(exercise)`` (which calls
:meth:`NetworkKind.bind`) gives the kind of one exercise.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from gradecheck._errors import GradecheckError
from gradecheck._kinds import _network_spec as specs
from gradecheck._kinds._base import (
    EntryPoint,
    ExerciseKind,
    Instance,
    OutputError,
    SpecKey,
    SpecProblem,
    as_output_array,
    format_value,
    reproduces,
)
from gradecheck._kinds._network_math import numpy_pass, reference
from gradecheck._kinds._network_spec import Canonical, NetworkSpec, Quantity
from gradecheck._mistakes import MISTAKES, Mistake
from gradecheck._network import Network

if TYPE_CHECKING:
    from hypothesis import strategies as st

__all__ = ["KIND", "NetworkKind", "WRONG_ORDER_MISTAKES"]

#: The id of "the flat weights read in the other numbering", by the numbering the spec states.
WRONG_ORDER_MISTAKES = {"row_major": "transposed-weight-layout", "column_major": "weight-numbering-mixed-up"}

RELU_MASK_FROM_GRADIENT = Mistake(
    "relu-mask-from-gradient",
    "ReLU mask taken from the gradient",
    "The ReLU's backward pass must zero dE/da1 where the unit was off in the forward pass (z1 <= 0). Here the "
    "gradient itself was clipped at 0 instead (its negative entries dropped, as if ReLU were applied to dE/da1), "
    "so the first-layer gradients are wrong.",
    "dE/dz1 = dE/da1 * (z1 > 0): the mask comes from the forward pre-activation z1, not from the sign of the gradient.",
)
EXTRA_SIGMOID_DERIVATIVE = Mistake(
    "extra-sigmoid-derivative",
    "Sigmoid derivative applied on top of the cross-entropy gradient",
    "With a sigmoid output and cross-entropy loss, dE/dz2 = y - t: the factor y(1 - y) of the sigmoid cancels "
    "against the loss's 1/(y(1 - y)). Multiplying y - t by y(1 - y) again, as for squared error, shrinks every "
    "gradient.",
    "For a sigmoid output with cross-entropy, use dE/dz2 = y - t directly.",
)
#: Every mistake the kind can model, in the order a diagnosis lists them (unless the spec lists its own).
ORDER = (
    "hidden-uses-one-output",
    "batch-mean-mismatch",
    "factor-two",
    "missing-activation-derivative",
    "hidden-activation-derivative-missing",
    "relu-mask-from-gradient",
    "extra-sigmoid-derivative",
    "derivative-on-preactivation",
    "bias-not-summed",
    "sign-error",
    "transposed-weight-gradient",
    "layers-reversed",
    "transposed-weight-layout",
    "weight-numbering-mixed-up",
    "upstream-ignored",
    "input-gradient-skips-derivative",
)
_GRADIENT_NAMES = ("delta", "d_a", "d_weights", "d_biases", "d_inputs")


def applicable_mistakes(spec: NetworkSpec) -> tuple[str, ...]:
    """The mistakes a submission can make on this network (each changes some graded output), in :data:`ORDER`."""
    depth, sizes = spec.depth, spec.sizes
    hidden = spec.activations[:-1]
    names = {q.name for q in spec.outputs.values()}
    backward = bool(names & set(_GRADIENT_NAMES + ("weights_new", "biases_new")))
    widest_output = max(spec.sampling.sizes[-1][1], sizes[-1])
    varying_batch = spec.batch is not None
    shaped = {
        "hidden-uses-one-output": depth >= 2 and widest_output >= 2,
        "batch-mean-mismatch": varying_batch and (spec.batch > 1 or spec.sampling.batch_sizes[1] > 1),  # type: ignore[index]
        "factor-two": spec.loss == "half_sse",
        "missing-activation-derivative": any(a != "identity" for a in spec.activations),
        "hidden-activation-derivative-missing": any(a != "identity" for a in hidden),
        "relu-mask-from-gradient": "relu" in hidden,
        "extra-sigmoid-derivative": spec.loss == "binary_cross_entropy",
        "derivative-on-preactivation": any(a in ("sigmoid", "tanh") for a in spec.activations),
        "bias-not-summed": varying_batch and spec.biases,
        "sign-error": True,
        "transposed-weight-gradient": bool(names & {"d_weights", "weights_new"}),
        "layers-reversed": depth >= 2 and bool(names & {"d_weights", "weights_new"}),
        "transposed-weight-layout": spec.flat_weights_argument is not None and spec.order == "row_major",
        "weight-numbering-mixed-up": spec.flat_weights_argument is not None and spec.order == "column_major",
        "upstream-ignored": spec.upstream,
        "input-gradient-skips-derivative": "d_inputs" in names and spec.activations[0] != "identity",
    }
    return tuple(m for m in ORDER if backward and shaped[m])


def _generated_mistakes(spec: NetworkSpec, given_upstream_ones: bool) -> tuple[Mistake, ...]:
    """Catalogue entries whose words depend on the network (its activations, its numbering, its given values)."""
    entries = [RELU_MASK_FROM_GRADIENT, EXTRA_SIGMOID_DERIVATIVE]
    if spec.upstream and not given_upstream_ones:  # the catalogue's words assume a worked example with ones
        base = MISTAKES["upstream-ignored"]
        entries.append(dataclasses.replace(base, explanation=(
            "The backward pass assumes dL/da = 1 instead of using the upstream gradient it is given; that is right "
            "only when upstream is all ones."
        )))
    smooth = [a for a in dict.fromkeys(spec.activations) if a in ("sigmoid", "tanh")]
    if smooth and "sigmoid" not in smooth:  # tanh only: say so (the catalogue speaks of the sigmoid)
        entries.append(Mistake(
            "derivative-on-preactivation",
            "tanh derivative applied to z instead of a",
            "dL/da is right but dL/dz is wrong: tanh's derivative was computed as 1 - z**2 from the pre-activation z; "
            "the identity tanh'(z) = 1 - a**2 needs the activation a = tanh(z).",
            "Use the layer's output a = tanh(z) in 1 - a**2, not its input z.",
        ))
        base = MISTAKES["missing-activation-derivative"]
        entries.append(dataclasses.replace(base, hint="Multiply the upstream gradient by the activation's derivative, "
                                                      "e.g. 1 - a**2 for tanh."))
    argument = spec.flat_weights_argument
    if argument is not None:
        sizes = spec.sizes
        first = (sizes[1], sizes[0]) if spec.layout == "out_in" else (sizes[0], sizes[1])
        if spec.order == "row_major":
            rows, columns = first
            example = ", ".join(f"j{'' if k == 0 else f' + {k * rows}'}" for k in range(min(columns, 4)))
            entries.append(Mistake(
                "transposed-weight-layout",
                "Weights read in the wrong layout",
                f"The flat weight vector was reshaped column-wise (neuron j using weights {example}), so even the "
                f"forward pass is wrong."
                if spec.layout == "out_in" and spec.depth == 1
                else "The flat weight vector was read column by column instead of row by row, so even the forward "
                     "pass is wrong.",
                f"Use W = {argument}.reshape({rows}, {columns}): row i holds the {columns} weights of neuron i."
                if spec.depth == 1 and spec.layout == "out_in"
                else f"Each layer's block of {argument} is its matrix read row by row (np.reshape).",
            ))
        else:
            entries.append(Mistake(
                "weight-numbering-mixed-up",
                "Weights numbered in the wrong order",
                "The weights were placed unit by receiving unit (the first numbers all going into the first unit of "
                "the next layer) instead of following the statement's numbering, which lists all edges leaving the "
                "first sending unit first. The forward pass already uses the wrong weights, so the output, the loss "
                "and every gradient are wrong.",
                "Build each weight matrix from the statement's numbering: W[receiving unit, sending unit] = the weight "
                "of that edge; consecutive numbers leave the same sending unit.",
            ))
    return tuple(entries)


@dataclasses.dataclass(frozen=True)
class _Drawn:
    """What the hidden-instance strategy draws besides a network case (shrinks toward small values)."""

    upstream: np.ndarray | None
    learning_rate: float | None


class GivenValueError(SpecProblem, ValueError):
    """A ``[given]`` value that does not fit the network; ``where`` points at its key."""


class NetworkKind(ExerciseKind):
    """The ``network`` kind; configured by :meth:`bind` (``kind_of(exercise)``)."""

    # What the spec may say, for strict validation: key -> description (the same on every network exercise,
    # except [given], whose keys are the submission's parameter names: known once bound).
    #: The kind's own tables and their keys.
    section_keys: Mapping[str, Mapping[str, str]] = {"network": specs.NETWORK_KEYS}
    #: Keys of ``[settings]``.
    settings_keys: Mapping[str, str] = specs.SETTINGS_KEYS
    #: Keys of ``[given]``: one per parameter of the submission's functions (``None`` until bound).
    given_keys: Mapping[str, SpecKey] | None = None

    def __init__(self, spec: NetworkSpec | None = None, *, given_upstream_ones: bool = True) -> None:
        self.spec = spec
        if spec is None:
            return
        self.functions = {f.name: f for f in spec.functions}
        self.entry_points = tuple(
            EntryPoint(f.name, f.parameters, tuple(self._wire_kind(spec, spec.arguments[p]) for p in f.parameters), f.keys)
            for f in spec.functions
        )
        self.given_keys = {
            name: SpecKey(
                f"{q.text}{'' if q.shape is None else f' (shape {list(q.shape)})'}, as the submission receives it",
                required=True,
            )
            for name, q in spec.arguments.items()
        }
        outputs = [key for key, q in spec.outputs.items() if q.name == "a" and q.layer == spec.depth]
        self.carry_from = tuple(outputs[:1])
        applicable = applicable_mistakes(spec)
        if spec.mistakes is not None:
            for position, mistake in enumerate(spec.mistakes):
                if mistake not in applicable:
                    raise specs._fail(
                        f"network.mistakes[{position}]",
                        f"a mistake this network's graded outputs can show: {', '.join(applicable) or '(none)'}",
                        mistake,
                    )
            self.mistakes = spec.mistakes
        else:
            self.mistakes = applicable
        self.extra_mistakes = _generated_mistakes(spec, given_upstream_ones)

    # -- configuration -------------------------------------------------------------------

    def bind(self, exercise: Any) -> NetworkKind:
        """This kind configured by ``exercise``'s ``[network]`` table, entry points and ``[settings]``."""
        others = sorted(set(exercise.sections) - set(self.section_keys))
        if others:
            raise GradecheckError(
                f"kind 'network' reads the table [network]; unknown table(s) {', '.join(f'[{t}]' for t in others)}."
            )
        spec = specs.parse_network(exercise.sections.get("network"), exercise.entry_points, exercise.settings)
        upstream = [name for name, q in spec.arguments.items() if q.name == "upstream"]
        try:
            ones = not upstream or bool(np.all(np.asarray(exercise.given.get(upstream[0], 1.0), dtype=np.float64) == 1.0))
        except (TypeError, ValueError):
            ones = True  # a malformed value: given_instance says what is wrong with it
        return NetworkKind(spec, given_upstream_ones=ones)

    def _bound(self) -> NetworkSpec:
        if self.spec is None:
            raise GradecheckError(
                "kind 'network' is configured by an exercise's [network] table: use "
                "gradecheck._kinds.kind_of(exercise), not get_kind('network'), to grade with it."
            )
        return self.spec

    @staticmethod
    def _wire_kind(spec: NetworkSpec, q: Quantity) -> str:
        """How an argument crosses to the sandboxed submission: a list of arrays, a float or an array."""
        if q.is_list and spec.parameters == "list":
            return "arrays"
        return "float" if q.name == "learning_rate" or q.shape == () else "array"

    def validate(self, exercise: Any) -> None:
        """The [network] table (checked when bound), the items' outputs and shapes, and the [given] values."""
        kind = self if self.spec is not None else self.bind(exercise)
        spec = kind._bound()
        if spec.sampling.varies:
            kind._check_varying_sizes_are_visible()
        super(NetworkKind, kind).validate(exercise)
        expected = kind._shapes(specs.zeros(spec))
        for item in exercise.items:
            if not item.elements:
                continue
            count = sum(int(np.prod(expected[key], dtype=np.int64)) for key in item.outputs)
            if item.element_names is not None and len(item.element_names) != count:
                raise GradecheckError(
                    f"item {item.name!r} lists {len(item.element_names)} element_names but its outputs "
                    f"({', '.join(item.outputs)}) have {count} elements."
                )
            if item.shape is not None and int(np.prod(item.shape)) != count and "{" not in item.name:
                raise GradecheckError(
                    f"item {item.name!r} has shape {list(item.shape)} ({int(np.prod(item.shape))} elements) but its "
                    f"outputs ({', '.join(item.outputs)}) have {count} elements."
                )

    def _check_varying_sizes_are_visible(self) -> None:
        """Every size that varies between hidden instances can be read back from the arguments."""
        spec = self._bound()
        corners = [
            tuple(low for low, _ in spec.sampling.sizes),
            tuple(high for _, high in spec.sampling.sizes),
        ]
        batches = [spec.sampling.batch_sizes[0], spec.sampling.batch_sizes[1]] if spec.sampling.batch_sizes else [None, None]
        for sizes, m in zip(corners, batches):
            instance = specs.instance_of(spec, specs.zeros(spec, sizes, m))
            try:
                found = specs.infer_shape(spec, instance)
            except ValueError as error:
                raise GradecheckError(f"[settings] lets sizes vary, but {error}: pass an argument whose shape "
                                      f"shows it (without an explicit shape).") from None
            if found != (sizes, m or 1):
                raise GradecheckError(
                    f"[settings] lets sizes vary, but an instance of sizes {list(sizes)} (batch {m}) reads back as "
                    f"sizes {list(found[0])} (batch {found[1]}): pass arguments whose shapes show every varying size."
                )

    def _shapes(self, c: Canonical) -> dict[str, tuple[int, ...]]:
        """The shape of every output for canonical values like ``c`` (no JAX)."""
        values = numpy_pass(self._bound(), c)
        return {key: np.shape(value) for key, value in self._present_outputs(values, c.single).items()}

    # -- instances ------------------------------------------------------------------------

    def given_instance(self, given: Mapping[str, Any]) -> Instance:
        """The statement's instance: ``[given]`` holds one value per parameter name, shaped as the submission sees it."""
        spec = self._bound()
        missing = [name for name in spec.arguments if name not in given]
        unknown = [name for name in given if name not in spec.arguments]
        if missing or unknown:
            raise ValueError(
                f"[given] should hold one value per parameter of the submission's functions "
                f"({', '.join(spec.arguments)}); "
                + "; ".join(part for part in (
                    f"missing: {', '.join(missing)}" if missing else "",
                    f"not a parameter: {', '.join(unknown)}" if unknown else "",
                ) if part)
            )
        shapes = specs.instance_of(spec, specs.zeros(spec))
        instance: Instance = {}
        for name, q in spec.arguments.items():
            wanted = shapes[name]
            value = given[name]
            if isinstance(wanted, list):
                if not isinstance(value, list) or len(value) != len(wanted):
                    raise GivenValueError(f"[given] {name} should be a list of {len(wanted)} arrays ({q.text}, one per layer)", "given", name)
                instance[name] = [self._given_array(f"{name}[{k}]", v, np.shape(w), q.text) for k, (v, w) in enumerate(zip(value, wanted))]
            else:
                instance[name] = self._given_array(name, value, np.shape(wanted), q.text)
            self._check_given_range(name, q.name, instance[name])
        canonical = specs.absorb(spec, instance)
        self._check_kinks(canonical)
        return instance

    def _check_given_range(self, name: str, quantity: str, value: Any) -> None:
        """Values the network cannot take: a learning rate <= 0, a target outside what the loss reads."""
        spec = self._bound()
        if quantity == "learning_rate" and not float(np.asarray(value)) > 0:
            raise GivenValueError(f"[given] {name} (the learning rate) should be > 0; found {float(np.asarray(value))!r}", "given", name)
        if quantity == "target" and spec.loss in ("binary_cross_entropy", "softmax_cross_entropy"):
            array = np.asarray(value, dtype=np.float64)
            if np.any(array < 0) or np.any(array > 1):
                raise GivenValueError(
                    f"[given] {name} (the target of {spec.loss}) should hold probabilities, 0 <= t <= 1; found {value!r}",
                    "given", name,
                )
            if spec.loss == "softmax_cross_entropy" and not np.allclose(np.sum(np.atleast_2d(array), axis=-1), 1.0, atol=1e-9):
                raise GivenValueError(
                    f"[given] {name} (the target of softmax_cross_entropy) should sum to 1 over the classes of each "
                    f"example (e.g. one-hot); found {value!r}", "given", name,
                )

    @staticmethod
    def _given_array(name: str, value: Any, shape: tuple[int, ...], what: str) -> np.ndarray:
        where = ("given", *specs._where(name))
        try:
            array = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise GivenValueError(f"[given] {name} should be numbers ({what}, shape {list(shape)}); found {value!r}", *where) from None
        count = int(np.prod(shape, dtype=np.int64))
        if array.size != count:
            raise GivenValueError(f"[given] {name} should hold {count} number(s) ({what}, shape {list(shape)}); found {array.size}", *where)
        if not np.all(np.isfinite(array)):
            raise GivenValueError(f"[given] {name} should be finite numbers; found {value!r}", *where)
        return array.reshape(shape)

    def _check_kinks(self, c: Canonical) -> None:
        spec = self._bound()
        margin = spec.sampling.kink_margin
        if margin == 0:
            return
        trace = numpy_pass(spec, c)
        for l, name in enumerate(spec.activations, start=1):
            if name not in ("relu", "leaky_relu"):
                continue
            z = trace["z"][l - 1]
            close = np.flatnonzero(np.any(np.abs(z) < margin, axis=0))
            if close.size:
                role = "hidden" if l < spec.depth else "output"
                values = ", ".join(f"{v:.4g}" for i in close for v in z[:, i])
                raise ValueError(
                    f"{role} unit(s) {', '.join(str(int(i) + 1) for i in close)} of layer {l} have z_{l} = {values}, "
                    f"within {margin} of the {name} kink at 0; change the weights or biases of layer {l} so that every "
                    f"|z_{l}| >= {margin} (settings.kink_margin; 0 grades exact kinks with relu'(0) = 0)"
                )

    def instance_strategy(self, settings: Mapping[str, Any]) -> st.SearchStrategy[Instance]:
        """Random instances: hundredths that shrink toward 0 (``settings`` as in ``[settings]``)."""
        # Imported here, not with the module: checking the given values draws nothing.
        from hypothesis import strategies as st

        from gradecheck import strategies as gst

        spec = self._bound()
        sampling = specs._parse_sampling(settings, spec.sizes, spec.batch, spec.activations)
        # The network that draws targets: its loss picks their range (probabilities for a sigmoid or softmax output).
        output = spec.activations[-1]
        drawing_loss = {"sigmoid": "binary_cross_entropy", "softmax": "softmax_cross_entropy"}.get(output, "half_sse")
        if spec.loss == "mse" or (spec.loss == "half_sse" and output not in ("sigmoid", "softmax")):
            drawing_loss = "half_sse"

        def network(sizes: tuple[int, ...]) -> Network:
            return Network(sizes, spec.activations, drawing_loss, "sum", spec.negative_slope)

        architectures = st.tuples(*(st.integers(low, high) for low, high in sampling.sizes)).map(network)
        if spec.batch is None:
            batch_sizes: st.SearchStrategy[int | None] = st.none()
        else:
            low, high = sampling.batch_sizes or (spec.batch, spec.batch)
            batch_sizes = st.integers(low, high)
        kinked = any(a in ("relu", "leaky_relu") for a in spec.activations)
        cases = gst.network_cases(
            architectures=architectures,
            batch_sizes=batch_sizes,
            max_parameter_magnitude=sampling.max_parameter,
            max_data_magnitude=sampling.max_input,
            avoid_kinks=spec.biases and kinked and sampling.kink_margin > 0,
            kink_margin=max(sampling.kink_margin, 1e-3),
            max_preactivation=sampling.max_preactivation,
        )
        low_rate, high_rate = (round(r * 100) for r in sampling.learning_rates)
        wants_rate = any(q.name == "learning_rate" for q in spec.arguments.values())

        @st.composite
        def instances(draw: Any) -> Instance:
            case = draw(cases)
            m = 1 if case.x.ndim == 1 else case.x.shape[0]
            upstream = None
            if spec.upstream:
                upstream = draw(gst.upstream_gradients((m, case.network.widths[-1]), max_magnitude=sampling.max_upstream))
            rate = draw(st.integers(max(low_rate, 1), max(high_rate, 1)).map(lambda k: k / 100.0)) if wants_rate else None
            biases = case.biases if spec.biases else tuple(np.zeros_like(b) for b in case.biases)
            canonical = Canonical(
                weights=tuple(case.weights),
                biases=tuple(biases),
                x=case.x.reshape(m, -1),
                target=None if spec.upstream else case.y.reshape(m, -1),
                upstream=upstream,
                learning_rate=rate if wants_rate else spec.learning_rate,
                single=spec.batch is None,
            )
            return specs.instance_of(spec, canonical)

        strategy = instances()
        if kinked and not spec.biases and sampling.kink_margin > 0:
            strategy = strategy.filter(lambda instance: self._off_kinks(instance, sampling.kink_margin))
        return strategy

    def _off_kinks(self, instance: Instance, margin: float) -> bool:
        spec = self._bound()
        trace = numpy_pass(spec, specs.absorb(spec, instance))
        return all(
            bool(np.all(np.abs(z) >= margin))
            for z, name in zip(trace["z"], spec.activations)
            if name in ("relu", "leaky_relu")
        )

    def describe(self, instance: Instance) -> str:
        """The instance as the submission receives it, one argument per line (and the sizes, where they vary)."""
        spec = self._bound()
        lines = []
        if spec.sampling.varies:
            sizes, m = specs.infer_shape(spec, instance)
            lines.append(f"sizes {'-'.join(map(str, sizes))}" + ("" if spec.batch is None else f", batch of {m}"))
        for name, value in instance.items():
            if isinstance(value, (list, tuple)):
                lines.append(f"{name} = [{', '.join(format_value(v) for v in value)}]")
            else:
                lines.append(f"{name} = {format_value(value)}")
        return "\n".join(lines)

    # -- expected values and mistakes ---------------------------------------------------------

    def _present_outputs(self, values: Mapping[str, Any], single: bool, order: str | None = None) -> dict[str, np.ndarray]:
        spec = self._bound()
        out = {}
        for key, q in spec.outputs.items():
            if q.name not in values:
                continue
            out[key] = np.asarray(specs.present(spec, q, values, single, f"network.outputs.{key}", order), dtype=np.float64)
        return out

    def expected(self, instance: Instance) -> dict[str, np.ndarray]:
        """Every output's expected value, from the JAX float64 reference."""
        spec = self._bound()
        canonical = specs.absorb(spec, instance)
        return self._present_outputs(reference(spec, canonical), canonical.single)

    def mistaken(self, instance: Instance, mistake: str) -> dict[str, np.ndarray] | None:
        """The outputs a submission making ``mistake`` returns; outputs it cannot return in the right shape are left out."""
        if mistake not in self.mistakes:
            return None
        spec = self._bound()
        order = None
        if mistake == WRONG_ORDER_MISTAKES.get(spec.order) and spec.flat_weights_argument is not None:
            order = "column_major" if spec.order == "row_major" else "row_major"
        canonical = specs.absorb(spec, instance, order)
        presentational = order is not None or mistake == "transposed-weight-gradient"
        values = numpy_pass(spec, canonical, mistake=None if presentational else mistake)
        if mistake == "transposed-weight-gradient":
            values = self._transposed_gradients(values, canonical)
        right = self._shapes(canonical)
        out = {}
        for key, q in spec.outputs.items():
            if q.name not in values:
                continue
            try:
                value = np.asarray(specs.present(spec, q, values, canonical.single, key, order), dtype=np.float64)
            except (ValueError, GradecheckError):
                continue
            if value.size == int(np.prod(right[key], dtype=np.int64)):
                out[key] = value.reshape(right[key])
        return out

    def _transposed_gradients(self, values: dict[str, Any], c: Canonical) -> dict[str, Any]:
        """Each weight gradient as the submission lays it out, transposed and read back row by row into that shape."""
        spec = self._bound()
        transposed = []
        for g in values["d_weights"]:
            shown = specs.matrix(spec, g)
            wrong = shown.T.reshape(shown.shape)
            transposed.append(wrong if spec.layout == "out_in" else wrong.T)
        values = {**values, "d_weights": transposed}
        if c.learning_rate is not None:
            values["weights_new"] = [W - c.learning_rate * g for W, g in zip(c.weights, transposed)]
        return values

    def backward_from_forward(self, instance: Instance, own: Mapping[str, np.ndarray]) -> list[dict[str, np.ndarray]]:
        """The reference's backward pass started from the submission's own output ``a_L``.

        ``dL/da_L`` is the loss's gradient at the submission's ``a_L`` (or the
        given upstream gradient), times the output activation's derivative
        written in terms of its output (``a (1 - a)``, ``1 - a**2``, ``a > 0``;
        ``a - t`` for a sigmoid with cross-entropy and a softmax with softmax
        cross-entropy), then back through the reference's hidden layers.  With
        flat weights, also the same rule for the weights read in the other
        numbering, when that network's output reproduces the submission's:
        its gradients are then numbered that way too.
        """
        if not self.carry_from or self.carry_from[0] not in own:
            return []
        spec = self._bound()
        key = self.carry_from[0]
        rules = []
        readings: list[str | None] = [None]
        if spec.flat_weights_argument is not None:
            readings.append("column_major" if spec.order == "row_major" else "row_major")
        for order in readings:
            canonical = specs.absorb(spec, instance, order)
            y = np.asarray(own[key], dtype=np.float64).reshape(canonical.m, canonical.sizes[-1])
            if order is not None:
                theirs = numpy_pass(spec, canonical)["a"][-1]
                if not reproduces(theirs, y):
                    continue
            values = numpy_pass(spec, canonical, own_output=y)
            rule = {}
            for output, q in spec.outputs.items():
                if q.is_gradient:
                    rule[output] = np.asarray(specs.present(spec, q, values, canonical.single, output, order), dtype=np.float64)
            rules.append(rule)
        return rules

    # -- calling the submission --------------------------------------------------------------

    def parse_return(
        self, entry: EntryPoint, value: Any, wanted: Sequence[str], expected: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray | str]:
        """Split ``value`` by the function's ``returns`` (a nested list is a returned list of arrays)."""
        structure = self.functions[entry.name].returns
        parts: dict[str, Any] = {}
        messages: dict[str, str] = {}
        if len(structure) > 1:
            if not isinstance(value, list) or len(value) != len(structure):
                found = f"a sequence of {len(value)}" if isinstance(value, list) else type(value).__name__
                message = f"{entry.name} should return {len(structure)} values ({_describe_returns(structure)}), got {found}"
                return {key: message for key in wanted}
            pieces = list(value)
        else:
            pieces = [value]
        for piece, part in zip(pieces, structure):
            if isinstance(part, str):
                parts[part] = piece
            elif not isinstance(piece, list) or len(piece) != len(part):
                found = f"a sequence of {len(piece)}" if isinstance(piece, list) else f"a {type(piece).__name__}"
                message = f"{entry.name} should return a list of {len(part)} arrays ({', '.join(part)}) there, got {found}"
                messages.update({key: message for key in part})
            else:
                parts.update(zip(part, piece))
        results: dict[str, np.ndarray | str] = {}
        for key in wanted:
            if key in messages:
                results[key] = messages[key]
                continue
            try:
                results[key] = as_output_array(parts[key], key, expected[key].shape)
            except OutputError as error:
                results[key] = str(error)
        return results


def _describe_returns(structure: Sequence[str | tuple[str, ...]]) -> str:
    return ", ".join(part if isinstance(part, str) else f"[{', '.join(part)}]" for part in structure)


KIND = NetworkKind()
