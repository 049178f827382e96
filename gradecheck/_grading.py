"""Grade one submission against one exercise -> a results dict (DESIGN.md C2).

Grading is a function of the submission's source and the exercise: the
submission runs in a sandboxed worker (:mod:`gradecheck._sandbox`) and only
ever receives the inputs of the calls it must answer; expected values are
computed here, by the JAX reference, and compared here.

Items on the statement's given values are scored element by element where the
spec says so; hidden items draw random instances with Hypothesis (seeded by
exercise id, version and item name, so a regrade gives the same score) and
report the shrunk counterexample without revealing expected values.  The
search gets no feedback from a passing check, so it draws the same instances
for every submission that passes them all: each process draws that sample once
(with expected values), a submission is first tried on it, and only one that
fails somewhere gets the search (which then fails at the same instance and
shrinks from there).  A
backward output that is wrong only because the forward is wrong keeps its
credit ("credit carries forward") when it is what the reference's backward
rule gives from the submission's own forward outputs, on the given values and
on a hidden sample (:meth:`_Grader._carry_forward`).  A grader failure raises
:class:`GradingError`: never silent credit.
"""

from __future__ import annotations

import ast
import hashlib
import json
import math
import time
import warnings
from pathlib import Path
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from gradecheck import _points
from gradecheck._version import __version__
from gradecheck._errors import GradecheckError, SubmissionError
from gradecheck._exercises import Exercise, ItemSpec
from gradecheck._kinds import ExerciseKind, kind_of
from gradecheck._kinds._base import format_value
from gradecheck._mistakes import diagnose, mistake_info
from gradecheck._sandbox import Limits, SandboxError, SandboxedSubmission
from gradecheck._submissions import DEFAULT_MAX_BYTES, read_submission_file, submission_from_bytes

__all__ = [
    "GradingError",
    "grade_bytes",
    "grade_file",
    "grade_source",
    "graded_items",
    "error_result",
    "rounding_atol",
    "forbidden_imports_in",
    "element_names",
    "item_elements",
]

#: Agreement needed for credit to carry forward, between a backward output and the
#: reference's backward rule applied to the submission's own forward outputs: within
#: _CARRY_RTOL of each value plus _CARRY_SCALE of the output's largest value.  Both are
#: relative, so no forward can shrink its values until a zero answer "agrees" with them.
_CARRY_RTOL, _CARRY_SCALE = 1e-6, 1e-9


class GradingError(GradecheckError):
    """The grader itself could not grade (a broken spec or a grader bug); no score is given."""


def rounding_atol(decimals: int) -> float:
    """Absolute tolerance for an answer written with ``decimals`` decimals.

    1.5 units of the last written digit: rounding moves a value by at most half
    a unit, truncation by less than one, and multiplying already-rounded
    intermediate results (as hand computations do) by a little more.
    """
    return 1.5 * 10.0 ** (-decimals)


def forbidden_imports_in(source: str, forbidden: Sequence[str]) -> list[str]:
    """Top-level names of ``forbidden`` that ``source`` imports (statically, without running it)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    banned, found = set(forbidden), []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if called in ("__import__", "import_module") and isinstance(node.args[0].value, str):
                names = [node.args[0].value]
        for name in names:
            top = name.partition(".")[0]
            if top in banned and top not in found:
                found.append(top)
    return found


def element_names(item: ItemSpec, shape: tuple[int, ...]) -> list[str]:
    """The test names of an ``elements`` item whose output has ``shape``."""
    count = int(np.prod(shape, dtype=np.int64))
    if item.element_names is not None:
        if len(item.element_names) != count:
            raise GradingError(
                f"item {item.name!r} lists {len(item.element_names)} element_names but its output has {count} elements."
            )
        return list(item.element_names)
    if "{" in item.name:
        return [item.name.format(i=k, i1=k + 1) for k in range(count)]
    display = item.shape or shape
    if int(np.prod(display, dtype=np.int64)) != count:
        raise GradingError(f"item {item.name!r} has shape {display} but its output has {count} elements.")
    if len(display) <= 1:
        return [f"{item.name}[{k}]" for k in range(count)]
    return [f"{item.name}[{','.join(str(int(i)) for i in np.unravel_index(k, display))}]" for k in range(count)]


def item_elements(item: ItemSpec, expected: Mapping[str, Any]) -> tuple[list[str], np.ndarray]:
    """The test names of an ``elements`` item and its expected outputs flattened in the same order."""
    flat = np.concatenate([np.asarray(expected[key], dtype=np.float64).reshape(-1) for key in item.outputs])
    shape = np.shape(expected[item.outputs[0]]) if len(item.outputs) == 1 else flat.shape
    return element_names(item, shape), flat


def _tolerance(item: ItemSpec) -> tuple[float, float]:
    atol = item.atol if item.decimals is None else max(item.atol, rounding_atol(item.decimals))
    return item.rtol, atol


def _close(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    finite = np.isfinite(got)
    return finite & (np.abs(np.where(finite, got, 0.0) - expected) <= atol + rtol * np.abs(expected))


def _carry_scale(rule: np.ndarray) -> float:
    """The largest finite magnitude in ``rule`` (0.0 if none): what the carry-forward tolerances are relative to."""
    finite = np.abs(rule[np.isfinite(rule)])
    return float(finite.max()) if finite.size else 0.0


def _carry_close(got: np.ndarray, rule: np.ndarray) -> np.ndarray:
    """Elementwise: ``got`` equals the carried-forward values ``rule`` up to rounding (relative to their scale)."""
    with np.errstate(all="ignore"):  # inf - inf, or overflow: not finite, so not close
        difference = np.abs(got - rule)
        bound = _CARRY_RTOL * np.abs(rule) + _CARRY_SCALE * _carry_scale(rule)
    return np.isfinite(got) & np.isfinite(rule) & np.isfinite(difference) & (difference <= bound)


def _carry_credited(got: np.ndarray, rule: np.ndarray) -> np.ndarray:
    """Elementwise: ``got`` keeps its credit by carrying forward (it agrees with ``rule``, and that is not ~0).

    An element whose carried-forward value is within twice the tolerance of 0
    earns nothing by agreeing with it: an answer of 0 never carries.
    """
    return _carry_close(got, rule) & (np.abs(rule) > 2 * _CARRY_SCALE * _carry_scale(rule))


def _seed_for(exercise: Exercise, item: ItemSpec) -> int:
    digest = hashlib.sha256(f"{exercise.id}\0{exercise.version}\0{item.name}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


class _HiddenFailure(AssertionError):
    pass


_INCONSISTENT = (
    "It failed on this instance, then passed on the same instance when it was tried again: its answers change "
    "from call to call (randomness, state kept between calls, or a call that timed out).\n"
)


def _hidden_search(
    exercise: Exercise, kind: ExerciseKind, item: ItemSpec, check: Callable[[Any], None], *, shrink: bool = True
) -> Callable[[], None]:
    """The Hypothesis search of a hidden item: ``check`` on drawn instances, shrinking the first failure
    (without ``shrink``, a failure ends the search at once: the instances drawn are the same)."""
    # Imported here: a self-check of the given values never draws, and need not import Hypothesis.
    from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings

    runner = settings(
        database=None,
        derandomize=False,
        max_examples=item.examples,
        deadline=None,
        verbosity=Verbosity.quiet,
        phases=(Phase.explicit, Phase.generate, Phase.shrink) if shrink else (Phase.explicit, Phase.generate),
        report_multiple_bugs=False,
        print_blob=False,
        suppress_health_check=list(HealthCheck),
    )
    search = runner(seed(_seed_for(exercise, item))(given(kind.instance_strategy(exercise.settings))(check)))

    def run() -> None:
        # Hypothesis warns when the global random module moves while it draws; in a Dask worker (or any
        # process where other threads use random) that is the other threads, not the kind's strategy.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Do not use the `random` module inside strategies")
            search()

    return run


def _sample_key(exercise: Exercise, kind: ExerciseKind, item: ItemSpec) -> tuple[Any, ...]:
    settings_text = json.dumps(exercise.settings, sort_keys=True, default=repr)
    return (type(kind).__qualname__, str(exercise.directory), exercise.id, exercise.version, item.name, item.examples, settings_text)


_SAMPLES: dict[tuple[Any, ...], tuple[tuple[Mapping[str, Any], dict[str, np.ndarray]], ...]] = {}
_MAX_SAMPLES = 64


def _hidden_sample(
    exercise: Exercise, kind: ExerciseKind, item: ItemSpec
) -> tuple[tuple[Mapping[str, Any], dict[str, np.ndarray]], ...]:
    """The instances (with expected values) that the search of a hidden item draws when every check passes.

    The search is seeded and gets no feedback from a passing check, so it draws
    the same instances for every submission that passes them all: drawn once per
    process and reused, a correct submission is graded without Hypothesis.
    """
    key = _sample_key(exercise, kind, item)
    sample = _SAMPLES.get(key)
    if sample is None:
        drawn: list[tuple[Mapping[str, Any], dict[str, np.ndarray]]] = []
        _hidden_search(exercise, kind, item, lambda instance: drawn.append((instance, kind.expected(instance))))()
        sample = tuple(drawn)
        if len(_SAMPLES) >= _MAX_SAMPLES:
            _SAMPLES.pop(next(iter(_SAMPLES)))
        _SAMPLES[key] = sample
    return sample


#: Where the expected values of the given items come from: ``(exercise, kind, given instance) -> output key ->
#: array``.  The default computes them with the kind's reference; a learner's self-check passes its on-disk
#: cache (:func:`gradecheck._check_cache.given_expected`).  Never a cache for a grade.
GivenExpected = Callable[[Exercise, ExerciseKind, Mapping[str, Any]], Mapping[str, np.ndarray]]


def _computed(exercise: Exercise, kind: ExerciseKind, instance: Mapping[str, Any]) -> Mapping[str, np.ndarray]:
    return kind.expected(instance)


class _Grader:
    def __init__(
        self, exercise: Exercise, kind: ExerciseKind, submission: SandboxedSubmission, given_expected: GivenExpected = _computed
    ) -> None:
        self.exercise, self.kind, self.submission = exercise, kind, submission
        self.given_expected = given_expected
        self.evidence: list[tuple[Mapping[str, Any], dict[str, Any], dict[str, np.ndarray]]] = []
        self.tests: list[dict[str, Any]] = []
        #: Failed tests that got a wrong answer (not an error): (index in :attr:`tests`, item), for their hints.
        self.wrong_answers: list[tuple[int, ItemSpec]] = []

    # -- given values ------------------------------------------------------------------

    def grade_given(self, items: Sequence[ItemSpec]) -> None:
        instance = self.kind.given_instance(self.exercise.given)
        expected = dict(self.given_expected(self.exercise, self.kind, instance))
        keys = sorted({key for item in items for key in item.outputs})
        got = self.kind.run(self.submission, instance, keys, expected)
        carried = self._carry_forward(instance, got, expected, items)
        self.evidence.append((instance, got, expected))
        for item in items:
            if item.elements:
                self._element_tests(item, got, expected, carried)
            else:
                self._whole_test(item, got, expected, carried)

    def _carry_forward(
        self, instance: Mapping[str, Any], got: Mapping[str, Any], expected: Mapping[str, np.ndarray], items: Sequence[ItemSpec]
    ) -> dict[str, np.ndarray]:
        """Output key -> the values its credit may carry forward to (the method applied to the submission's forward).

        A backward output carries forward only when it is an attempt at the
        reference's method: it must equal what the kind's
        :meth:`~ExerciseKind.backward_from_forward` computes from the
        submission's own forward outputs, here and on every instance of the
        exercise's first hidden sample.  Nothing carries where the kind's
        backward does not use its forward's outputs, nor where the method gives
        the reference's values (then the plain comparison decides).
        """
        wanted = sorted({key for item in items if item.carry_forward for key in item.outputs})
        wrong = [
            key
            for key in wanted
            if isinstance(got.get(key), np.ndarray) and not np.all(_close(got[key], expected[key], 1e-6, 1e-9))
        ]
        if not wrong or not self.kind.carry_from:
            return {}
        missing = [key for key in self.kind.carry_from if key not in got]
        if missing:
            got = {**got, **self.kind.run(self.submission, instance, missing, expected)}
        rules = self._rules(instance, got, expected)
        carried: dict[str, np.ndarray] = {}
        for key in wrong:
            # Where the method gives the reference's values, the forward is right for this output.
            options = [rule[key] for rule in rules if key in rule and not np.all(_close(rule[key], expected[key], 1e-6, 1e-9))]
            credited = [int(np.count_nonzero(_carry_credited(got[key], option))) for option in options]
            if credited and max(credited) > 0:
                carried[key] = options[credited.index(max(credited))]
        return self._consistent_on_hidden(carried) if carried else {}

    def _rules(
        self, instance: Mapping[str, Any], got: Mapping[str, Any], expected: Mapping[str, np.ndarray]
    ) -> list[dict[str, np.ndarray]]:
        """The kind's backward rule(s) applied to the submission's forward outputs in ``got`` (shaped like ``expected``)."""
        own = {key: got[key] for key in self.kind.carry_from if isinstance(got.get(key), np.ndarray)}
        if not own:
            return []
        with np.errstate(all="ignore"):  # the submission's values may be nan, inf or huge
            rules = self.kind.backward_from_forward(instance, own)
        return [
            {
                key: np.asarray(value, dtype=np.float64).reshape(np.shape(expected[key]))
                for key, value in rule.items()
                if key in expected
            }
            for rule in rules
        ]

    def _consistent_on_hidden(self, carried: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """``carried`` less the outputs that do not follow the method on every instance of the first hidden sample.

        This tells an attempt at the method from numbers fitted to the given
        values: the backward must equal the method applied to the submission's
        own forward on instances it has never seen, and on at least one of them
        the method must not give ~0 (a backward of zeros, with a forward that
        makes the method give zeros, is no attempt).  An exercise with no
        hidden item carries nothing forward.
        """
        item = next((item for item in self.exercise.items if item.instance == "hidden"), None)
        if item is None:
            return {}
        keys = sorted(set(self.kind.carry_from) | set(carried))
        informative: set[str] = set()
        for instance, expected in _hidden_sample(self.exercise, self.kind, item):
            got = self.kind.run(self.submission, instance, keys, expected)
            rules = self._rules(instance, got, expected)
            for key in list(carried):
                value = got.get(key)
                matching = [
                    rule[key]
                    for rule in rules
                    if key in rule and isinstance(value, np.ndarray) and np.all(_carry_close(value, rule[key]))
                ]
                if not matching:
                    del carried[key]
                elif any(np.any(_carry_credited(value, rule)) for rule in matching):
                    informative.add(key)
            if not carried:
                return {}
        return {key: values for key, values in carried.items() if key in informative}

    def _element_tests(
        self, item: ItemSpec, got: Mapping[str, Any], expected: Mapping[str, np.ndarray], carried: Mapping[str, np.ndarray]
    ) -> None:
        rtol, atol = _tolerance(item)
        names, _ = item_elements(item, expected)
        shares = _points.split(_points.units(item.points), len(names))
        offset = 0
        for key in item.outputs:
            value = got.get(key)
            size = expected[key].size
            carries = (
                _carry_credited(value, carried[key]).reshape(-1)
                if key in carried and isinstance(value, np.ndarray)
                else np.zeros(size, dtype=bool)
            )
            for k in range(size):
                name, share = names[offset + k], shares[offset + k]
                exp = float(expected[key].reshape(-1)[k])
                if not isinstance(value, np.ndarray):
                    self._add(name, False, share, str(value), item, answered=False)
                    continue
                actual = float(value.reshape(-1)[k])
                if _close(np.array(actual), np.array(exp), rtol, atol):
                    self._add(name, True, share, f"{actual:.6g} is correct", item)
                elif carries[k]:
                    self._add(
                        name,
                        True,
                        share,
                        f"expected {exp:.6g}, got {actual:.6g}; your value is what the backward pass gives from your "
                        f"own (wrong) forward pass, so it keeps its credit",
                        item,
                    )
                else:
                    self._add(name, False, share, f"expected {exp:.6g}, got {actual:.6g}", item)
            offset += size

    def _whole_test(
        self, item: ItemSpec, got: Mapping[str, Any], expected: Mapping[str, np.ndarray], carried: Mapping[str, np.ndarray]
    ) -> None:
        rtol, atol = _tolerance(item)
        problems, carried_keys = [], []
        answered = _answered(item, got)
        for key in item.outputs:
            value = got.get(key)
            if not isinstance(value, np.ndarray):
                problems.append(f"{key}: {value}")
                continue
            ok = _close(value, expected[key], rtol, atol)
            if ok.all():
                continue
            if key in carried and np.all(_carry_close(value, carried[key])) and np.any(_carry_credited(value, carried[key])):
                carried_keys.append(key)
                continue
            wrong = np.flatnonzero(~ok.reshape(-1))
            lines = [f"{key}: {wrong.size} of {ok.size} element(s) wrong"]
            for k in wrong[:6]:
                label = f"{key}{_index_label(k, ok.shape)}"
                lines.append(f"  {label}: expected {expected[key].reshape(-1)[k]:.6g}, got {value.reshape(-1)[k]:.6g}")
            problems.append("\n".join(lines))
        if problems:
            self._add(item.name, False, _points.units(item.points), "\n".join(problems), item, answered=answered)
        elif carried_keys:
            self._add(
                item.name,
                True,
                _points.units(item.points),
                f"{', '.join(carried_keys)}: what the backward pass gives from your own (wrong) forward pass: "
                f"credit carried forward",
                item,
            )
        else:
            self._add(item.name, True, _points.units(item.points), "correct", item)

    # -- hidden instances ------------------------------------------------------------------

    def grade_hidden(self, item: ItemSpec) -> None:
        if self.submission.budget_spent is not None:  # every call would fail at once: no search, the reason once
            self._add(item.name, False, _points.units(item.points), self.submission.not_run_reason, item, answered=False)
            return
        sample = _hidden_sample(self.exercise, self.kind, item)
        sample_failure = self._sample_failure(item, sample)
        if sample_failure is None:
            self._add(item.name, True, _points.units(item.points), f"correct on {len(sample)} random instances", item)
            return
        found = self._search(item)
        if found is None:  # wrong on the sample, right everywhere in the search that draws the same instances
            index = next(k for k, (instance, _) in enumerate(sample) if instance is sample_failure[0])
            found = (sample_failure, index + 1, True)
        (instance, got, expected, problems), first_failure, inconsistent = found
        self.evidence.append((instance, got, expected))
        message = (
            f"Wrong on a random instance (first failure at example {first_failure} of up to {item.examples}). "
            f"{_INCONSISTENT if inconsistent else ''}Smallest failing instance found:\n"
            + _indent(self.kind.describe(instance))
            + "\n"
            + problems
        )
        self._add(item.name, False, _points.units(item.points), message, item, answered=_answered(item, got))

    def _search(self, item: ItemSpec) -> tuple[tuple[Mapping[str, Any], dict[str, Any], dict[str, np.ndarray], str], int, bool] | None:
        """The Hypothesis search of a hidden item: ``None`` if it finds nothing wrong, else
        ``(smallest failure found, the example where it first failed, whether it was inconsistent)``."""
        from hypothesis.errors import Flaky

        failures: list[tuple[Mapping[str, Any], dict[str, Any], dict[str, np.ndarray], str]] = []
        count = {"examples": 0, "first_failure": 0}

        def check(instance: Mapping[str, Any]) -> None:
            count["examples"] += 1
            expected = self.kind.expected(instance)
            got = self.kind.run(self.submission, instance, item.outputs, expected)
            problems = self._hidden_problems(item, got, expected)
            if problems:
                explanation = self.kind.explain_failure(instance, got, expected)
                if explanation:
                    problems.append(explanation)
                if not failures:
                    count["first_failure"] = count["examples"]
                failures.append((instance, got, expected, "\n".join(problems)))
                raise _HiddenFailure()

        inconsistent = False
        try:
            _hidden_search(self.exercise, self.kind, item, check)()
        except _HiddenFailure:
            pass
        except Flaky:  # failed on an instance, then passed on the same instance when tried again
            inconsistent = True
        if not failures:
            return None
        return failures[-1], count["first_failure"], inconsistent

    def _sample_failure(
        self, item: ItemSpec, sample: Sequence[tuple[Mapping[str, Any], dict[str, np.ndarray]]]
    ) -> tuple[Mapping[str, Any], dict[str, Any], dict[str, np.ndarray], str] | None:
        """The first instance of ``sample`` the submission gets wrong (with its answers and problems), or ``None``."""
        for instance, expected in sample:
            got = self.kind.run(self.submission, instance, item.outputs, expected)
            problems = self._hidden_problems(item, got, expected)
            if problems:
                return instance, got, expected, "\n".join(problems)
        return None

    @staticmethod
    def _hidden_problems(item: ItemSpec, got: Mapping[str, Any], expected: Mapping[str, np.ndarray]) -> list[str]:
        rtol, atol = _tolerance(item)
        problems = []
        for key in item.outputs:
            value = got.get(key)
            if not isinstance(value, np.ndarray):
                problems.append(f"{key}: {value}")
                continue
            ok = _close(value, expected[key], rtol, atol)
            if not ok.all():
                # Only the wrong elements' values: a right one is the expected value, which a hidden check never shows.
                wrong = np.flatnonzero(~ok.reshape(-1))
                flat = value.reshape(-1)
                where = ", ".join(_index_label(k, ok.shape) or "(scalar)" for k in wrong[:8])
                returned = ", ".join(f"{key}{_index_label(k, ok.shape)} = {format_value(flat[k])}" for k in wrong[:8])
                more = f" and {wrong.size - 8} more" if wrong.size > 8 else ""
                problems.append(f"{key} is wrong at {where}{more}; you returned {returned}{more}")
        return problems

    # -- results ----------------------------------------------------------------------------

    def _add(self, name: str, passed: bool, units: int, output: str, item: ItemSpec, *, answered: bool = True) -> None:
        """Record a test worth ``units`` (millionths of a point, :mod:`gradecheck._points`): all of them if ``passed``.

        ``answered``: a failed test got a wrong answer (not an error, a missing
        function or a time-out); only those get the item's hint (:meth:`add_hints`).
        """
        if not passed and answered:
            self.wrong_answers.append((len(self.tests), item))
        self.tests.append(
            {
                "name": name,
                "score": _points.points(units if passed else 0),
                "max_score": _points.points(units),
                "status": "passed" if passed else "failed",
                "output": output,
                "visibility": item.visibility,
            }
        )


    def add_hints(self, mistakes: Sequence[str]) -> None:
        """Each item's hint on its tests that got a wrong answer; a hint with ``hint_for`` only when one of its
        mistakes is among the diagnosed ``mistakes`` (docs/exercise-format.md, "Hints")."""
        diagnosed = set(mistakes)
        for index, item in self.wrong_answers:
            if item.hint and (item.hint_for is None or diagnosed & set(item.hint_for)):
                self.tests[index]["output"] += f"\nHint: {item.hint}"


def _answered(item: ItemSpec, got: Mapping[str, Any]) -> bool:
    """Whether every output of ``item`` came back as numbers (a wrong answer, not an error)."""
    return all(isinstance(got.get(key), np.ndarray) for key in item.outputs)


def _index_label(flat_index: int, shape: tuple[int, ...]) -> str:
    """``[i,j]`` for element ``flat_index`` of an array of ``shape``; ``""`` for a scalar."""
    if not shape:
        return ""
    return "[" + ",".join(str(int(i)) for i in np.unravel_index(flat_index, shape)) + "]"


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


def _zero_tests(
    items: Sequence[ItemSpec], reason: str, kind: ExerciseKind, exercise: Exercise, expected_of: GivenExpected = _computed
) -> list[dict[str, Any]]:
    tests = []
    given_expected = None
    for item in items:
        names = [item.name]
        if item.elements and item.instance == "given":
            if given_expected is None:
                given_expected = expected_of(exercise, kind, kind.given_instance(exercise.given))
            names, _ = item_elements(item, given_expected)
        for name, share in zip(names, _points.split(_points.units(item.points), len(names))):
            tests.append(
                {
                    "name": name,
                    "score": 0.0,
                    "max_score": _points.points(share),
                    "status": "failed",
                    "output": reason,
                    "visibility": item.visibility,
                }
            )
    return tests


def grade_source(
    exercise: Exercise,
    source: str,
    filename: str = "submission.py",
    *,
    limits: Limits | None = None,
    self_check: bool = False,
    notes: Sequence[str] = (),
    hidden: bool = False,
    given_expected: GivenExpected = _computed,
) -> dict[str, Any]:
    """Grade a submission's Python source; returns the C2 results dict.

    Args:
        exercise: the loaded exercise.
        source: the submission's Python source (a notebook's code cells, joined).
        filename: shown in messages.
        limits: sandbox limits for the worker process.
        self_check: run only the items a learner's self-check runs (see :func:`graded_items`).
        hidden: with ``self_check``, run every item, hidden ones included: the score is then the grade's.
        notes: notes from reading the submission (e.g. removed magics), passed through.
        given_expected: where the given items' expected values come from (default: the kind's reference,
            computed now); only a learner's self-check passes another (its cache, :mod:`gradecheck._check_cache`).

    Raises:
        GradingError: the grader could not grade (broken spec, grader bug).
    """
    started = time.monotonic()
    try:
        kind = kind_of(exercise)
    except GradecheckError as error:
        raise GradingError(f"exercise {exercise.id!r}: {error}") from None
    items = graded_items(exercise, self_check=self_check, hidden=hidden)
    error: str | None = None
    error_kind: str | None = None
    mistakes: list[str] = []
    try:
        with SandboxedSubmission(
            source, filename, exercise.forbidden_imports, limits, packages=exercise.allowed_packages
        ) as submission:
            banned = forbidden_imports_in(source, exercise.forbidden_imports) or submission.forbidden_attempts
            if banned:
                error_kind = "forbidden-import"
                error = (
                    f"{filename} imports {', '.join(banned)}, which this exercise forbids: the point is to write the "
                    f"backward pass by hand with numpy. No credit is given for code that uses them."
                )
                tests = _zero_tests(items, error, kind, exercise, given_expected)
            elif submission.load_error is not None:
                compiles = not str(submission.load_error).startswith(("SyntaxError", "IndentationError", "TabError"))
                error_kind = "load" if compiles else "syntax"
                error = f"Could not load {filename}: {submission.load_error}"
                if submission.load_error.details:
                    error += "\n" + submission.load_error.details.rstrip()
                tests = _zero_tests(items, error, kind, exercise, given_expected)
            else:
                grader = _Grader(exercise, kind, submission, given_expected)
                given_items = [item for item in items if item.instance == "given"]
                if given_items:
                    grader.grade_given(given_items)
                for item in items:
                    if item.instance == "hidden":
                        grader.grade_hidden(item)
                tests = grader.tests
                if submission.forbidden_attempts:  # tried while running, after loading
                    error_kind = "forbidden-import"
                    error = (
                        f"{filename} tried to import {', '.join(submission.forbidden_attempts)}, which this exercise "
                        f"forbids: the point is to write the backward pass by hand with numpy. No credit is given."
                    )
                    tests = _zero_tests(items, error, kind, exercise, given_expected)
                elif submission.budget_spent is not None:
                    error_kind = "timeout"
                    error = str(submission.budget_spent)
                else:
                    missing = kind.missing_functions(submission, sorted({key for item in items for key in item.outputs}))
                    if missing:  # an error, not a mistake: the diagnosis below reads only what came back
                        error_kind = "missing-function"
                        error = (
                            f"{filename} does not define {' or '.join(missing)}: what "
                            f"{'it returns' if len(missing) == 1 else 'they return'} gets no credit. Define "
                            f"{'it' if len(missing) == 1 else 'them'} with exactly that name and those parameters."
                        )
                    if any(test["status"] == "failed" for test in tests):
                        mistakes = diagnose(kind, grader.evidence)
                if tests is grader.tests:
                    grader.add_hints(mistakes)
            printed = submission.output_tail(1000)
            sandbox = submission.sandbox_info
    except SandboxError as error:  # the sandbox, not the submission, failed: no grade
        raise GradingError(f"the sandbox could not run this submission: {error}") from None
    except GradecheckError:
        raise
    except Exception as bug:  # fail closed: a grader crash is an error, never credit
        raise GradingError(f"the grader failed on exercise {exercise.id!r}: {type(bug).__name__}: {bug}") from bug
    diagnosis = [
        {"mistake": m, "title": info.title, "explanation": info.explanation, "hint": info.hint}
        for m in mistakes
        for info in [mistake_info(kind, m)]
    ]
    if diagnosis:
        label = diagnosis[0]["title"].lower()
        for test in tests:
            if test["status"] == "failed" and test["visibility"] == "visible":
                if "\n" in test["output"]:
                    test["output"] += f"\nLikely mistake: {diagnosis[0]['title']}."
                else:
                    test["output"] += f": looks like {label}"
    score = _points.total(test["score"] for test in tests)
    max_score = _points.total(item.points for item in items)
    summary = [f"{exercise.title}: {_show(score)} / {_show(max_score)} points."]
    if error:
        summary.append(error)
    for entry in diagnosis:
        summary.append(f"Likely mistake: {entry['title']}. {entry['explanation']} Hint: {entry['hint']}")
    if printed.strip() and not self_check:
        summary.append("The submission printed (last lines):\n" + printed.rstrip())
    if sandbox["warning"] and not self_check:
        summary.append(sandbox["warning"])
    summary.extend(notes)
    return {
        "score": score,
        "max_score": max_score,
        "execution_time": round(time.monotonic() - started, 3),
        "output": "\n".join(summary),
        "tests": tests,
        "gradecheck": {
            "exercise": exercise.id,
            "version": exercise.version,
            "title": exercise.title,
            "gradecheck_version": __version__,
            "mistakes": mistakes,
            "diagnosis": diagnosis,
            "error": error,
            "error_kind": error_kind,
            "notes": list(notes),
            "sandbox": sandbox,
            **_variant_record(exercise),
        },
    }


def _variant_record(exercise: Exercise) -> dict[str, Any]:
    """``{"variant": {...}}`` for a student's variant (``gradecheck.variant`` of the result); ``{}`` otherwise."""
    return {"variant": exercise.variant.as_dict()} if exercise.variant is not None else {}


#: What kept a submission from being graded (``gradecheck.error_kind`` of a result; absent when nothing did):
#: ``unreadable`` (not a .py or notebook that can be read), ``missing`` (no file), ``syntax`` (Python
#: that does not compile), ``load`` (the code failed while loading), ``forbidden-import``, ``grader``
#: (the grader or its sandbox failed: not the submission's fault), ``timeout`` (the submission's time budget
#: ran out while it was being graded: what ran before keeps its credit, the rest was not run), ``student`` (an
#: exercise with per-student variants, and no student id for this submission), ``missing-function`` (the
#: submission does not define a function the exercise calls: the outputs of the functions it does define are
#: graded, and diagnosed from what they return only).
ERROR_KINDS = (
    "unreadable", "missing", "syntax", "load", "forbidden-import", "grader", "timeout", "student", "missing-function",
)


def graded_items(exercise: Exercise, *, self_check: bool = False, hidden: bool = False) -> list[ItemSpec]:
    """The items a grading runs: all of them, or for a self-check those marked ``self_check`` (the given
    values' items, by default), and all of them again with ``hidden``."""
    return [item for item in exercise.items if item.self_check or not self_check or hidden]


def error_result(
    exercise: Exercise,
    message: str,
    *,
    self_check: bool = False,
    execution_time: float = 0.0,
    error_kind: str = "unreadable",
    hidden: bool = False,
) -> dict[str, Any]:
    """A C2 result with no credit for a submission that could not be graded (unreadable, wrong type ...);
    ``error_kind`` is one of :data:`ERROR_KINDS`."""
    items = graded_items(exercise, self_check=self_check, hidden=hidden)
    kind = kind_of(exercise)
    tests = _zero_tests(items, message, kind, exercise)
    return {
        "score": 0.0,
        "max_score": _points.total(item.points for item in items),
        "execution_time": round(execution_time, 3),
        "output": f"{exercise.title}: 0 / {_show(_points.total(item.points for item in items))} points.\n{message}",
        "tests": tests,
        "gradecheck": {
            "exercise": exercise.id,
            "version": exercise.version,
            "title": exercise.title,
            "gradecheck_version": __version__,
            "mistakes": [],
            "diagnosis": [],
            "error": message,
            "error_kind": error_kind,
            "notes": [],
            **_variant_record(exercise),
        },
    }


def grade_file(
    exercise: Exercise,
    path: str | Path,
    *,
    limits: Limits | None = None,
    self_check: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    roots: Sequence[str | Path] | None = None,
    hidden: bool = False,
    student: str | None = None,
) -> dict[str, Any]:
    """Read a ``.py`` or ``.ipynb`` submission and grade it (see :func:`grade_bytes`, and its ``student``).

    The file is read once with :func:`~gradecheck._submissions.read_submission_file`
    (a regular file of at most ``max_bytes``; a symbolic link is followed only into
    ``roots`` when they are given).  A submission that cannot be read (missing, a
    pipe or device, too large, a link out of ``roots``) gets a result with no credit
    and the reason, not an exception.
    """
    started = time.monotonic()
    path = Path(path)
    try:
        data = read_submission_file(path, max_bytes, roots=roots)
    except SubmissionError as error:
        variant = exercise.for_student(student) if student is not None else exercise
        return error_result(variant, str(error), self_check=self_check, execution_time=time.monotonic() - started,
                            hidden=hidden)
    return grade_bytes(exercise, path.name, data, limits=limits, self_check=self_check, hidden=hidden, student=student)


def grade_bytes(
    exercise: Exercise,
    name: str,
    data: bytes,
    *,
    limits: Limits | None = None,
    self_check: bool = False,
    hidden: bool = False,
    student: str | None = None,
    given_expected: GivenExpected = _computed,
) -> dict[str, Any]:
    """Grade the submission whose file is called ``name`` (its extension picks the format) and holds ``data``.

    A pure function of ``name``, ``data``, the exercise and ``student`` (and the
    sandbox's limits).  With ``student``, an exercise with ``[variants]`` is
    graded on that student's own given values (:meth:`Exercise.for_student`)
    and the result records the variant (``gradecheck.variant``); a notebook
    whose metadata names another student (a copied notebook) gets a note, and
    its id is recorded as ``gradecheck.variant.notebook_student``.  Bytes that cannot be read as a submission (invalid notebook,
    wrong file type, bad encoding, JSON nested too deeply, or anything else
    that fails while parsing) get a result with no credit and the reason, not
    an exception; a grader failure raises :class:`GradingError`.  ``given_expected``: as in :func:`grade_source`.
    """
    started = time.monotonic()
    if student is not None:
        exercise = exercise.for_student(student)
    try:
        submission = submission_from_bytes(name, data)
    except SubmissionError as error:
        return error_result(exercise, str(error), self_check=self_check, execution_time=time.monotonic() - started,
                            hidden=hidden)
    except Exception as error:  # parsers may fail in ways they do not document: no credit, never a crash
        message = (
            f"could not read {name!r} as a submission ({type(error).__name__}: {error}). "
            "Save it again as a .py file or from Jupyter, and resubmit."
        )
        return error_result(exercise, message, self_check=self_check, execution_time=time.monotonic() - started,
                            hidden=hidden)
    notes = list(submission.notes)
    if submission.exercise is not None and submission.exercise != exercise.id:
        notes.append(f"Note: {name} was written for exercise {submission.exercise!r} but is graded as {exercise.id!r}.")
    other = _other_student(exercise, submission.student)
    if other is not None:
        notes.append(
            f"Note: {name} is the notebook of student {other!r} but is graded as student {exercise.variant.student!r} "
            f"on that student's own numbers: a copied notebook?"
        )
    result = grade_source(exercise, submission.source, name, limits=limits, self_check=self_check, notes=notes,
                          hidden=hidden, given_expected=given_expected)
    if other is not None:
        result["gradecheck"]["variant"]["notebook_student"] = other
    return result


def _other_student(exercise: Exercise, notebook_student: str | None) -> str | None:
    """The student a notebook's metadata names when it is not the student it is graded as, else ``None``."""
    if exercise.variant is None or notebook_student is None or notebook_student == exercise.variant.student:
        return None
    return notebook_student


def _show(value: float) -> str:
    return f"{value:g}" if math.isfinite(value) else str(value)
