"""What the generic kinds (``layer``, ``function``) share: configuration by the spec, the instructor's
reference solution, known-wrong variants as mistake models, and a budget for finite differences.

A generic kind is registered unbound (``KIND``); :meth:`GenericKind.bind`
returns one configured by an exercise's spec table (``[layer]`` or
``[function]``), read strictly.  Expected values come from
``reference/<id>/solution.py`` (see :mod:`gradecheck._kinds._reference`),
loaded the first time they are needed: an exercise without its reference
still loads (a learner's copy renders its template), and grading it is
refused with a message that says where the solution should be.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
import types
import weakref
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, given, settings as hypothesis_settings

from gradecheck._exercises import ExerciseSpecError
from gradecheck._kinds._arrays import SpecTable
from gradecheck._kinds._base import ExerciseKind, Instance, KeyDeclarations, SpecKey, format_value
from gradecheck._kinds._reference import ReferenceSolutionError, load_module, mistake_from_docstring, reference_files
from gradecheck._mistakes import MISTAKES, Mistake

__all__ = ["GenericKind", "FiniteDifferenceBudget", "SWAPPED_GRADIENTS", "OWN_SLOPE"]

#: Prefix of the pseudo-outputs that hold the finite-difference slopes of the submission's own forward.
OWN_SLOPE = "own-slope:"
#: Random instances (besides the statement's) on which the reference is checked against finite differences.
REFERENCE_CHECK_INSTANCES = 3
#: Finite differences of a submission's own forward (for carried credit): at most this many evaluations ...
MAX_OWN_EVALUATIONS = 20_000
#: ... and this share of the submission's total time (at least _MIN_OWN_SECONDS).
_OWN_TIME_SHARE, _MIN_OWN_SECONDS = 0.25, 5.0
#: Jaccard overlap of the non-negligible entries of the submission's and the reference's Jacobians
#: (on the statement's values) needed for the submission's forward to count as an attempt at the layer.
PATTERN_OVERLAP = 0.9

SWAPPED_GRADIENTS = Mistake(
    "swapped-gradients",
    "Gradients of two quantities swapped",
    "The gradient returned for one input or parameter is the gradient of another one of the same shape.",
    "Match each gradient to the quantity it differentiates: check which input or parameter each formula is for.",
)

_CHECKED: set[str] = set()


@dataclasses.dataclass
class FiniteDifferenceBudget:
    """How much finite differencing one submission may still get (for credit carried forward)."""

    evaluations: int
    deadline: float

    def left(self) -> int:
        """Evaluations left, 0 once the time is up."""
        return self.evaluations if time.monotonic() < self.deadline else 0


#: What the ``[settings]`` keys of the generic kinds hold.
SETTING_DESCRIPTIONS = {
    "max_magnitude": "largest |value| of a hidden instance's arrays, unless [<kind>.values] says otherwise (default 2.0)",
    "upstream_magnitude": "largest |value| of a hidden instance's upstream gradient (default 2.0)",
}


def settings_declarations(*names: str) -> dict[str, SpecKey]:
    """``[settings]`` keys of a generic kind: positive numbers."""
    return {name: SpecKey(SETTING_DESCRIPTIONS[name], "number", positive=True) for name in names}


def array_declarations(names: Iterable[str], what: str, *, optional: Collection[str] = ()) -> dict[str, SpecKey]:
    """One key per array name (``[given]``, or a nested table of the kind's own)."""
    return {name: SpecKey(f"{what} {name}", "any", required=name not in optional) for name in names}


class GenericKind(ExerciseKind):
    """Base of the kinds configured by a spec table and graded against the instructor's reference.

    Subclasses set :attr:`section` and implement :meth:`configure` (read the
    table; set ``entry_points``, ``carry_from``, ``given_keys`` ...).
    """

    #: The spec table that configures the kind (``"layer"``).
    section: str = ""
    #: The keys each of the kind's spec tables may hold.  Sub-tables whose keys
    #: are the exercise's own names (arrays, dimensions) map to ``None`` here
    #: and to the actual names on a bound kind.
    section_keys: Mapping[str, KeyDeclarations | None] = {}
    #: The keys of ``[settings]`` (each a positive number).
    settings_keys: KeyDeclarations = {}
    #: The keys of ``[given]``: the exercise's array names, so ``None`` until bound.
    given_keys: KeyDeclarations | None = None
    #: Keys of ``[given]`` that may be left out (they have defaults).
    optional_given_keys: frozenset[str] = frozenset()

    def __init__(self, exercise: Any | None = None) -> None:
        self.exercise = exercise
        self._budgets: weakref.WeakKeyDictionary[Any, FiniteDifferenceBudget] = weakref.WeakKeyDictionary()
        self._extra: tuple[Mistake, ...] | None = None
        if exercise is None:
            return
        self.spec_path = Path(exercise.directory) / "exercise.toml"
        sections = dict(exercise.sections)
        if self.section not in sections:
            raise ExerciseSpecError(
                f"{self.spec_path}: kind {exercise.kind!r} is configured by a [{self.section}] table, and the spec has none; "
                f"see docs/exercise-format.md."
            )
        for name in sections:
            if name != self.section:
                raise ExerciseSpecError(
                    f"{self.spec_path}: unknown table [{name}]; kind {exercise.kind!r} reads [{self.section}] "
                    f"(and [submission], [given], [settings], [[items]])."
                )
        table = SpecTable(self.spec_path, sections[self.section], f"{self.section}.")
        self.configure(table, exercise)
        self._check_settings(exercise.settings)
        try:
            self.solution_path: Path | None
            self.solution_path, self.variant_paths = reference_files(exercise)
        except ReferenceSolutionError:
            self.solution_path, self.variant_paths = None, {}
        self.mistakes = tuple(dict.fromkeys([*self.generic_mistakes(), *self.variant_paths]))

    # -- configuration ----------------------------------------------------------------

    def configure(self, table: SpecTable, exercise: Any) -> None:
        """Read the kind's table (strictly) and set up entry points, outputs and given keys."""
        raise NotImplementedError

    def generic_mistakes(self) -> tuple[str, ...]:
        """The mistakes modelled without instructor code (e.g. ``sign-error``)."""
        return ()

    def bind(self, exercise: Any) -> GenericKind:
        return type(self)(exercise)

    def _check_settings(self, settings: Mapping[str, Any]) -> None:
        table = SpecTable(self.spec_path, settings, "settings.")
        table.only(self.settings_keys)
        for key in settings:
            table.number(key, positive=True)

    def setting(self, settings: Mapping[str, Any], key: str, default: float) -> float:
        return float(settings.get(key, default))

    @property
    def bound(self) -> bool:
        return self.exercise is not None

    def _require_bound(self) -> None:
        if self.exercise is None:
            raise ReferenceSolutionError(
                f"kind {self.section!r} is generic: bind it to an exercise first (gradecheck._kinds.kind_of(exercise))."
            )

    # -- the submission (in the sandbox) ---------------------------------------------------------

    def run(
        self,
        submission: Any,
        instance: Instance,
        keys: Sequence[str],
        expected: Mapping[str, np.ndarray],
    ) -> dict[str, np.ndarray | str]:
        """The submission's outputs for ``keys``; keys ``own-slope:<gradient>`` are finite differences of its
        own function (the carry-forward rule), computed by :meth:`_own_slopes`."""
        outputs = [key for key in keys if key in self.output_keys]
        slopes = [key for key in keys if key in self.carry_from]
        results: dict[str, np.ndarray | str] = {}
        if outputs:
            results.update(self._run_outputs(submission, instance, outputs, expected))
        if slopes:
            results.update(self._own_slopes(submission, instance, slopes, expected))
        return results

    def _run_outputs(
        self, submission: Any, instance: Instance, keys: Sequence[str], expected: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray | str]:
        """The submission's outputs for ``keys`` (not slopes): its functions called as the entry points say."""
        return super().run(submission, instance, keys, expected)

    def _own_slopes(
        self, submission: Any, instance: Instance, keys: Sequence[str], expected: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray | str]:
        raise NotImplementedError

    # -- the reference's self-check by finite differences ------------------------------------

    def _check_slopes(
        self, what: str, source: str, got: np.ndarray, numeric: np.ndarray, error: np.ndarray,
        shape: tuple[int, ...], label: str, instance: Instance, fd_atol: float, fd_rtol: float,
    ) -> None:
        """Raise :class:`ReferenceSolutionError` where the reference's ``got`` (flat) and the finite-difference
        ``numeric`` (with its error bound) disagree beyond ``fd_atol + fd_rtol * |numeric| + 2 * error``."""
        wrong = np.flatnonzero(np.abs(got - numeric) > fd_atol + fd_rtol * np.abs(numeric) + 2.0 * error)
        if wrong.size:
            k = int(wrong[0])
            index = list(map(int, np.unravel_index(k, shape))) if shape else ""
            raise ReferenceSolutionError(
                f"{self.solution_path}: the reference's {what}{index} is {got[k]:.10g}, but finite differences of "
                f"{source} give {numeric[k]:.10g} (on {label}:\n{self.describe(instance)})."
            )

    def _check_all_checked(self, checked: Mapping[str, int], instances: Sequence[Any]) -> None:
        """Raise when some gradient could be checked on none of ``instances`` (kinks or steep spots everywhere)."""
        unchecked = [key for key, count in checked.items() if count == 0]
        if unchecked and instances:
            raise ReferenceSolutionError(
                f"{self.solution_path}: could not check the reference's {', '.join(unchecked)} by finite differences on "
                f"any of {len(instances)} instances (a kink or a discontinuity at every one of them?)."
            )

    # -- the reference and the known-wrong variants --------------------------------------

    def reference(self) -> types.ModuleType:
        """The instructor's ``solution.py``, imported in this process (never in the sandbox)."""
        self._require_bound()
        if self.solution_path is None:
            expected = Path(self.exercise.directory).resolve().parent.parent / "reference" / self.exercise.id / "solution.py"
            raise ReferenceSolutionError(
                f"exercise {self.exercise.id!r} (kind {self.exercise.kind!r}) computes its expected values with the "
                f"instructor's reference solution, which is not here: expected {expected}. Grading, 'check' and "
                f"'audit-key' need it; only 'template' works without it."
            )
        return load_module(self.solution_path)

    def variant(self, mistake: str) -> types.ModuleType | None:
        path = self.variant_paths.get(mistake) if self.bound else None
        return load_module(path) if path is not None else None

    @property
    def extra_mistakes(self) -> tuple[Mistake, ...]:  # type: ignore[override]
        if self._extra is None:
            extra: list[Mistake] = [SWAPPED_GRADIENTS]
            for mistake, path in (self.variant_paths.items() if self.bound else ()):
                extra.insert(0, mistake_from_docstring(mistake, load_module(path)))
            self._extra = tuple(extra)
        return self._extra

    # -- validation -----------------------------------------------------------------------

    def validate(self, exercise: Any) -> None:
        super().validate(exercise)
        if self.solution_path is None:
            return  # a learner's copy: the spec is checked, grading will say the reference is missing
        self.reference()
        for mistake, path in self.variant_paths.items():
            if not mistake.replace("-", "_").isidentifier():
                raise ReferenceSolutionError(
                    f"{path}: a known-wrong variant is named after its mistake id: lowercase words joined by '-', "
                    f"e.g. forgot-epsilon.py; found {path.name!r}."
                )
            self.check_variant(mistake, load_module(path), path)
        key = self._check_key()
        if key not in _CHECKED:
            instances = [("the statement's values", self.given_instance(exercise.given))] if self.has_given else []
            instances += [(f"random instance {k + 1}", instance) for k, instance in enumerate(self.check_instances())]
            self.check_reference(instances)
            _CHECKED.add(key)

    @property
    def has_given(self) -> bool:
        return bool(self.exercise is not None and (self.exercise.given or any(i.instance == "given" for i in self.exercise.items)))

    def check_variant(self, mistake: str, module: types.ModuleType, path: Path) -> None:
        """Refuse a known-wrong variant that does not define what a submission must."""

    def check_reference(self, instances: Sequence[tuple[str, Instance]]) -> None:
        """Raise :class:`ReferenceSolutionError` where the reference's gradients disagree with its own forward."""

    def _check_key(self) -> str:
        assert self.exercise is not None and self.solution_path is not None
        digest = hashlib.sha256(self.solution_path.read_bytes())
        spec = {
            "sections": self.exercise.sections,
            "given": self.exercise.given,
            "settings": self.exercise.settings,
            "id": self.exercise.id,
            "version": self.exercise.version,
        }
        digest.update(json.dumps(spec, sort_keys=True, default=repr).encode())
        return digest.hexdigest()

    def check_instances(self) -> list[Instance]:
        """A few random instances, the same every time (derandomized Hypothesis)."""
        if not self.exercise or not self.can_draw:
            return []
        drawn: list[Instance] = []
        runner = hypothesis_settings(
            database=None,
            derandomize=True,
            max_examples=REFERENCE_CHECK_INSTANCES,
            deadline=None,
            phases=(Phase.generate,),
            suppress_health_check=list(HealthCheck),
        )

        def collect(instance: Instance) -> None:
            drawn.append(instance)

        runner(given(self.instance_strategy(self.exercise.settings))(collect))()
        return drawn[:REFERENCE_CHECK_INSTANCES]

    @property
    def can_draw(self) -> bool:
        """Whether random instances can be drawn (every dimension has a range)."""
        return True

    # -- finite differences of a submission's own forward --------------------------------------

    def budget(self, submission: Any) -> FiniteDifferenceBudget:
        budget = self._budgets.get(submission)
        if budget is None:
            limits = getattr(submission, "limits", None)
            total = float(getattr(limits, "total_timeout", 120.0))
            budget = FiniteDifferenceBudget(MAX_OWN_EVALUATIONS, time.monotonic() + max(_MIN_OWN_SECONDS, _OWN_TIME_SHARE * total))
            self._budgets[submission] = budget
        return budget

    def backward_from_forward(self, instance: Instance, own: Mapping[str, np.ndarray]) -> list[dict[str, np.ndarray]]:
        """The gradients the submission's own forward implies: its finite-difference slopes (pseudo-outputs).

        The slopes are computed by :meth:`run` (keys ``own-slope:<output>``),
        only where the forward counts as an attempt (see the kind's ``run``).
        """
        rule = {key[len(OWN_SLOPE):]: value for key, value in own.items() if key.startswith(OWN_SLOPE)}
        return [rule] if rule else []

    # -- helpers ---------------------------------------------------------------------------------

    def mistake_title(self, mistake: str) -> str:
        for entry in self.extra_mistakes:
            if entry.id == mistake:
                return entry.title
        return MISTAKES[mistake].title if mistake in MISTAKES else mistake


def within_error(own: Any, estimate: np.ndarray, error: np.ndarray) -> np.ndarray:
    """The finite-difference ``estimate`` (flat), with the submission's ``own`` values where they lie within its error.

    Within ``2 * error + 1e-7 * |estimate|`` (elementwise) the estimate
    cannot tell the submission's value from the true slope, so the value
    stands; elsewhere the estimate does.  The error estimate is itself
    bounded (see :func:`gradecheck._kinds._slopes.jacobian`), so this never
    lets an answer far from the slopes agree with them.
    """
    estimate = np.asarray(estimate, dtype=np.float64).reshape(-1)
    if not isinstance(own, np.ndarray) or own.size != estimate.size:
        return estimate
    flat = own.reshape(-1)
    with np.errstate(all="ignore"):
        close = np.isfinite(flat) & (np.abs(flat - estimate) <= 2.0 * error + 1e-7 * np.abs(estimate))
    return np.where(close, flat, estimate)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """``|a & b| / |a | b|`` of two boolean masks (1.0 when both are empty)."""
    union = int(np.count_nonzero(a | b))
    return 1.0 if union == 0 else int(np.count_nonzero(a & b)) / union


def same_instance(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether two instances hold the same arrays under the same keys."""
    return a.keys() == b.keys() and all(np.array_equal(np.asarray(a[k]), np.asarray(b[k])) for k in a)


def describe_arrays(pairs: Sequence[tuple[str, Any]]) -> str:
    return "\n".join(f"{label} = {format_value(value)}" for label, value in pairs)
