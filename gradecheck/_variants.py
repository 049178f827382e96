"""Per-student variants: given values drawn for each student from the spec's ``[variants]`` table.

An exercise whose spec has a ``[variants]`` table gives each student their own
numbers.  Each key of ``[variants]`` names a key of ``[given]`` and says how
its value is drawn::

    [variants]
    weights = { min = 0.05, max = 0.95, decimals = 2 }   # every element on the 0.01 grid in [0.05, 0.95]
    biases = { min = -0.5, max = 0.5, decimals = 1, nonzero = true }
    upstream = { choices = [[1.0, 1.0, 1.0], [1.0, -1.0, 1.0]] }   # one whole value of the list

A drawn value has the shape of the ``[given]`` value it replaces (which stays
the exercise's default variant: what is shown and graded without a student).
Draws are a pure function of the exercise id, its version, the student id and
the key (SHA-256, never Python's ``hash()``), so a student's numbers never
change between runs, machines or versions of numpy.  A draw the kind refuses
(its ``given_instance`` raises, e.g. a ReLU pre-activation near the kink) is
replaced by the next attempt, deterministically, up to :data:`MAX_ATTEMPTS`.

Hidden instances are not drawn per student: they stay seeded by exercise,
version and item, so every student is graded on the same hidden checks.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from gradecheck._errors import GradecheckError, InvalidArgumentError

__all__ = [
    "MAX_ATTEMPTS",
    "PROBE_STUDENT",
    "RULE_KEYS",
    "Variant",
    "VariantRule",
    "draw_variant",
    "read_rules",
    "student_id",
]

#: How many draws are tried before a student's variant is declared impossible.
MAX_ATTEMPTS = 200
#: The student id of the draw made when a spec is loaded (a range the kind always refuses is a spec error).
PROBE_STUDENT = "gradecheck-probe"
#: The largest number of decimals a rule may ask for (values stay exact in float64 well past it).
MAX_DECIMALS = 6


#: The keys of one ``[variants]`` entry: name -> what it is (for the docs and did-you-mean).
RULE_KEYS = {
    "min": "the smallest value of an element",
    "max": "the largest value of an element",
    "decimals": "how many decimals each drawn element has (with min and max)",
    "nonzero": "never draw an element equal to 0 (with min and max)",
    "choices": "the values to choose from, each shaped like the [given] value (instead of min/max)",
}


def _rule_keys() -> dict[str, Any]:
    """:data:`RULE_KEYS` as :class:`~gradecheck._kinds._base.SpecKey` declarations (types and bounds)."""
    from gradecheck._kinds._base import SpecKey

    types = {"min": "number", "max": "number", "decimals": "integer", "nonzero": "boolean", "choices": "list"}
    return {
        name: SpecKey(RULE_KEYS[name], types[name], minimum=0 if name == "decimals" else None,
                      maximum=MAX_DECIMALS if name == "decimals" else None)
        for name in RULE_KEYS
    }


class VariantError(GradecheckError):
    """A ``[variants]`` entry is malformed; ``where`` is its place in the spec (for FILE:LINE)."""

    def __init__(self, message: str, *where: str | int) -> None:
        super().__init__(message)
        self.where: tuple[str | int, ...] = where


@dataclasses.dataclass(frozen=True)
class VariantRule:
    """How one ``[given]`` key is drawn per student.

    Attributes:
        key: the ``[given]`` key.
        shape: the shape of its ``[given]`` value (``()`` for a number); every draw has it.
        minimum, maximum, decimals: a range: each element is ``k / 10**decimals``
            for an integer ``k``, uniformly among those in ``[minimum, maximum]``.
        nonzero: leave 0 out of the range.
        choices: instead of a range: one of these whole values (each of ``shape``).
    """

    key: str
    shape: tuple[int, ...]
    minimum: float | None = None
    maximum: float | None = None
    decimals: int | None = None
    nonzero: bool = False
    choices: tuple[Any, ...] | None = None

    def grid(self) -> tuple[int, int]:
        """The integers ``lo..hi`` whose ``k / 10**decimals`` lie in the range."""
        assert self.minimum is not None and self.maximum is not None and self.decimals is not None
        scale = 10**self.decimals
        return math.ceil(round(self.minimum * scale, 6)), math.floor(round(self.maximum * scale, 6))

    def draw(self, seed: bytes) -> Any:
        """The value for ``seed`` (a digest): a number, or nested lists of numbers of :attr:`shape`."""
        if self.choices is not None:
            return self.choices[_integer(seed, "choice", len(self.choices))]
        lo, hi = self.grid()
        values = []
        for index in range(int(np.prod(self.shape, dtype=np.int64))):
            span = hi - lo + 1 - (1 if self.nonzero and lo <= 0 <= hi else 0)
            k = lo + _integer(seed, str(index), span)
            if self.nonzero and lo <= 0 <= k:
                k += 1  # skip 0: the values above it move down by one
            values.append(round(k / 10**self.decimals, self.decimals) if self.decimals else float(k))
        return np.array(values, dtype=np.float64).reshape(self.shape).tolist()


def _integer(seed: bytes, label: str, count: int) -> int:
    """A uniform integer in ``[0, count)`` from ``seed`` and ``label`` (64 bits of SHA-256: bias below 1e-15)."""
    digest = hashlib.sha256(seed + b"\0" + label.encode()).digest()
    return int.from_bytes(digest[:8], "big") % count


def _shape(value: Any) -> tuple[int, ...] | None:
    """The shape of a number or of rectangular nested lists of numbers; ``None`` for anything else."""
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return array.shape


def read_rules(table: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, VariantRule]:
    """The rules of a ``[variants]`` table, checked against ``[given]``; raises :class:`VariantError`.

    Checks: every key is a ``[given]`` key (with did-you-mean); each entry has
    either ``choices`` or ``min``, ``max`` and ``decimals``; the range holds a
    value; each choice has the shape of the ``[given]`` value.
    """
    import difflib

    from gradecheck._kinds._base import SpecProblem, check_keys

    rules = {}
    for key, entry in table.items():
        if key not in given:
            close = difflib.get_close_matches(key, list(given), n=1, cutoff=0.6)
            raise VariantError(
                f"[variants] {key!r} names no key of [given]: only given values are drawn per student."
                + (f" Did you mean {close[0]!r}?" if close else "")
                + f" Keys of [given]: {', '.join(given) or '(none)'}.",
                "variants",
                key,
            )
        if not isinstance(entry, Mapping):
            raise VariantError(
                f"[variants] {key} should be a table such as {{ min = 0.1, max = 0.9, decimals = 2 }} or "
                f"{{ choices = [...] }}; found {entry!r}.",
                "variants",
                key,
            )
        try:
            check_keys(("variants", key), entry, _rule_keys(), "gradecheck")
        except SpecProblem as problem:
            raise VariantError(str(problem), *problem.where) from None
        shape = _shape(given[key])
        if shape is None:
            raise VariantError(
                f"[variants] {key}: the [given] value {given[key]!r} is not numbers, so it cannot be drawn; "
                "remove the entry.",
                "variants",
                key,
            )
        label = f"[variants] {key}"
        if "choices" in entry:
            extra = sorted(set(entry) & {"min", "max", "decimals", "nonzero"})
            if extra:
                raise VariantError(
                    f"{label} has both choices and {', '.join(extra)}: give either choices, or min, max and decimals.",
                    "variants", key, extra[0],
                )
            choices = entry["choices"]
            if not choices:
                raise VariantError(f"{label} choices should list at least one value; found [].", "variants", key, "choices")
            for number, choice in enumerate(choices):
                if _shape(choice) != shape:
                    raise VariantError(
                        f"{label} choices[{number}] should have the shape {shape} of the [given] value; found {choice!r}.",
                        "variants", key, "choices",
                    )
            rules[key] = VariantRule(key, shape, choices=tuple(choices))
            continue
        missing = [name for name in ("min", "max", "decimals") if name not in entry]
        if missing:
            raise VariantError(
                f"{label} is missing {', '.join(missing)}: a range needs min, max and decimals "
                f"(e.g. {{ min = 0.1, max = 0.9, decimals = 2 }}), or give choices = [...] instead.",
                "variants", key,
            )
        rule = VariantRule(key, shape, float(entry["min"]), float(entry["max"]), entry["decimals"],
                           bool(entry.get("nonzero", False)))
        lo, hi = rule.grid()
        if lo > hi or (rule.nonzero and lo == hi == 0):
            raise VariantError(
                f"{label} holds no value with {rule.decimals} decimals between min = {entry['min']!r} and "
                f"max = {entry['max']!r}{' other than 0' if rule.nonzero else ''}; widen the range or add decimals.",
                "variants", key, "min",
            )
        rules[key] = rule
    return rules


def student_id(value: Any) -> str:
    """A student id as used in seeds: the text with surrounding spaces removed; refuses an empty one."""
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise InvalidArgumentError(f"student: expected a student id (text), found {type(value).__name__} {value!r}.")
    text = str(value).strip()
    if not text:
        raise InvalidArgumentError("student: expected a student id, found an empty one; give the id the roster uses.")
    return text


@dataclasses.dataclass(frozen=True)
class Variant:
    """One student's variant of an exercise.

    Attributes:
        student: the student id it was drawn for.
        given: the drawn values (key -> number or nested lists), only the keys of ``[variants]``.
        attempt: which draw the kind accepted (0: the first).
        hash: SHA-256 (hex, 16 digits) of the exercise id, version and student id: the seed of the draws.
    """

    student: str
    given: Mapping[str, Any]
    attempt: int
    hash: str

    def as_dict(self) -> dict[str, Any]:
        """For the results JSON (``gradecheck.variant``)."""
        return {"student": self.student, "hash": self.hash, "attempt": self.attempt, "given": dict(self.given)}


def _seed(exercise_id: str, version: str, student: str) -> bytes:
    return hashlib.sha256(f"gradecheck-variant\0{exercise_id}\0{version}\0{student}".encode()).digest()


def draw_variant(exercise: Any, student: str) -> tuple[dict[str, Any], Variant]:
    """The full ``[given]`` table of ``student``'s variant of ``exercise``, and the :class:`Variant`.

    Each attempt draws every ``[variants]`` key from SHA-256 of the seed, the
    attempt number and the key; the first attempt whose given values the kind
    accepts (``given_instance`` does not raise) is the variant.  Raises
    :class:`GradecheckError` when none of :data:`MAX_ATTEMPTS` is accepted.
    """
    from gradecheck._kinds import kind_of
    from gradecheck._kinds._base import check_keys

    student = student_id(student)
    seed = _seed(exercise.id, exercise.version, student)
    kind = kind_of(exercise)
    last = ""
    for attempt in range(MAX_ATTEMPTS):
        drawn = {key: rule.draw(seed + f"\0{attempt}\0{key}".encode()) for key, rule in exercise.variants.items()}
        given = {**exercise.given, **drawn}
        try:
            check_keys(("given",), given, kind.given_keys, f"kind {exercise.kind!r}")
            kind.given_instance(given)
        except (GradecheckError, ValueError, TypeError, KeyError) as error:
            last = str(error)
            continue
        return given, Variant(student, drawn, attempt, seed.hex()[:16])
    raise GradecheckError(
        f"exercise {exercise.id!r}: no variant for student {student!r}: kind {exercise.kind!r} refused all "
        f"{MAX_ATTEMPTS} draws of [variants] (the last because {last}); widen the ranges in [variants]."
    )
