"""Audit an answer key against the reference (``gradecheck audit-key``).

A key maps names to numbers (TOML or JSON).  Names are the exercise's test
names for its given values (``dE/dw7``, ``dL/dW[2,1]``, ``p1``), matched
loosely: case, spaces and a leading ``dE/d`` / ``dL/d`` / ``dJ/d`` / ``d/d`` are ignored, so
``w7`` finds ``dE/dw7``.  An entry is accepted when it agrees with the
reference up to what its written digits can mean (:func:`written_value_agrees`);
otherwise it is wrong, and the audit gives the right value and how far off the
entry is.

The rule, for an entry written with ``d >= 1`` decimals (``0.2019``: d = 4;
``2.0``: d = 1; ``1.5e-3``: d = 4): it passes when ``|entry - reference| <=
10**-d``, one unit of its last written digit, which covers rounding (at most
half a unit off) and truncation (less than one unit off).  An entry written
without decimals (``0``, ``2``, ``1e2``) claims exactly that number: it passes
only within the grader's own tolerance of an exact value, ``1e-9 + 1e-6 *
|reference|``, so ``0`` does not stand for ``-0.915`` nor ``2`` for ``0.762``;
write ``0.0`` or ``1.`` (TOML: ``1.0``) to claim a rounded value.  That same
exact tolerance also accepts any entry equal to the reference to 1e-6
relative.  The comparison is exact (decimal arithmetic on the written digits
and on the reference's float64 value), so an entry exactly one unit off passes
and the next representable value beyond it fails.
"""

from __future__ import annotations

import dataclasses
import decimal
import json
import math
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np

from gradecheck._errors import GradecheckError
from gradecheck._exercises import Exercise
from gradecheck._grading import item_elements
from gradecheck._kinds import kind_of

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "AuditEntry",
    "AuditReport",
    "AnswerKeyError",
    "audit_key",
    "load_key",
    "reference_values",
    "written_value_agrees",
]

#: The tolerance of an entry that claims an exact value (as the grader compares exact float64 values).
_EXACT_RTOL, _EXACT_ATOL = 1e-6, 1e-9


class AnswerKeyError(GradecheckError):
    """The answer key cannot be read or does not fit the exercise."""


@dataclasses.dataclass(frozen=True)
class AuditEntry:
    """One key entry: its name, the written value, the reference value and the verdict."""

    name: str
    written: float
    reference: float
    decimals: int
    correct: bool

    @property
    def abs_error(self) -> float:
        return abs(self.written - self.reference)

    @property
    def rel_error(self) -> float:
        return self.abs_error / abs(self.reference) if self.reference != 0 else math.inf


@dataclasses.dataclass(frozen=True)
class AuditReport:
    """All entries of an audited key, plus names the key has that the exercise lacks and vice versa."""

    exercise: str
    entries: tuple[AuditEntry, ...]
    unknown: tuple[str, ...]
    not_in_key: tuple[str, ...]

    @property
    def wrong(self) -> tuple[AuditEntry, ...]:
        return tuple(entry for entry in self.entries if not entry.correct)

    @property
    def ok(self) -> bool:
        return not self.wrong and not self.unknown

    def report(self) -> str:
        lines = [f"Answer key for {self.exercise}: {len(self.entries)} entries checked, {len(self.wrong)} wrong."]
        if self.wrong:
            width = max(len(e.name) for e in self.wrong)
            lines.append(f"  {'entry':<{width}}  {'key':>12}  {'correct':>12}  {'off by':>10}  {'relative':>9}")
            for e in self.wrong:
                rel = f"{e.rel_error:.1%}" if math.isfinite(e.rel_error) else "inf"
                lines.append(
                    f"  {e.name:<{width}}  {_written(e):>12}  {e.reference:>12.6g}  {e.abs_error:>10.3g}  {rel:>9}"
                )
        if self.unknown:
            lines.append(f"Unknown names (not graded items of {self.exercise}): {', '.join(self.unknown)}")
        if self.not_in_key:
            lines.append(f"Not in the key: {', '.join(self.not_in_key)}")
        if self.ok:
            lines.append("Every entry agrees with the reference up to the rounding of its written digits.")
        return "\n".join(lines)


def _written(entry: AuditEntry) -> str:
    return f"{entry.written:.{entry.decimals}f}" if 0 <= entry.decimals <= 15 else repr(entry.written)


def _normalize(name: str) -> str:
    text = re.sub(r"\s+", "", name.strip().lower()).replace("∂", "d")
    return re.sub(r"^d[a-z]?/d", "", text)


def _as_decimal(value: Any) -> decimal.Decimal:
    """The written value's digits: a Decimal as parsed, an int exactly, a float by its shortest repr."""
    if isinstance(value, decimal.Decimal):
        return value
    return decimal.Decimal(value) if isinstance(value, int) else decimal.Decimal(repr(float(value)))


def _decimals(value: Any) -> int:
    exponent = _as_decimal(value).as_tuple().exponent
    return max(0, -int(exponent)) if isinstance(exponent, int) else 0


def written_value_agrees(written: int | float | decimal.Decimal, reference: float) -> bool:
    """Whether an answer-key entry, as written, can mean ``reference`` (see the module docstring).

    Args:
        written: the entry as read from the key: an ``int`` (written without a
            decimal point), a :class:`decimal.Decimal` (its digits as written)
            or a ``float`` (read by its shortest repr).
        reference: the reference value (float64).

    Returns:
        ``|written - reference| <= 10**-d`` for ``d >= 1`` written decimals;
        for every entry, also ``|written - reference| <= 1e-9 + 1e-6 * |reference|``.
    """
    digits = _as_decimal(written)
    if not digits.is_finite() or not math.isfinite(reference):
        return False
    with decimal.localcontext() as context:
        context.prec = 800  # exact: every float64 and every written entry fits
        exact = decimal.Decimal(reference)  # the float's exact binary value
        difference = abs(digits - exact)
        if difference <= decimal.Decimal(_EXACT_ATOL) + decimal.Decimal(_EXACT_RTOL) * abs(exact):
            return True
        places = _decimals(digits)
        return places >= 1 and difference <= decimal.Decimal(1).scaleb(-places)


def load_key(path: str | Path) -> dict[str, Any]:
    """Read a key file: TOML (``name = value``) or JSON (``{"name": value}``)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise AnswerKeyError(f"cannot read the answer key {path}: {error.strerror}.") from None
    try:
        # Decimal keeps the digits as written ("0.0050" has 4 decimals; the float 0.005 would have 3).
        if path.suffix.lower() == ".json":
            data = json.loads(text, parse_float=decimal.Decimal)
        else:
            data = tomllib.loads(text, parse_float=decimal.Decimal)
    except (ValueError, tomllib.TOMLDecodeError) as error:
        kind = "JSON" if path.suffix.lower() == ".json" else "TOML"
        raise AnswerKeyError(f"{path} is not valid {kind}: {error}. Write one 'name = value' per line (TOML) or a JSON object.") from None
    if not isinstance(data, dict):
        raise AnswerKeyError(f"{path} should map names to numbers, found a {type(data).__name__}.")
    return data


def reference_values(exercise: Exercise) -> dict[str, float]:
    """Test name -> reference value, for every scalar test on the exercise's given values."""
    kind = kind_of(exercise)
    expected = kind.expected(kind.given_instance(exercise.given))
    values: dict[str, float] = {}
    for item in exercise.items:
        if item.instance != "given":
            continue
        if item.elements:
            names, flat = item_elements(item, expected)
            values.update((name, float(value)) for name, value in zip(names, flat))
            continue
        flat = np.concatenate([np.asarray(expected[key], dtype=np.float64).reshape(-1) for key in item.outputs])
        if flat.size == 1:
            values[item.name] = float(flat[0])
    return values


def audit_key(exercise: Exercise, key: dict[str, Any]) -> AuditReport:
    """Check every entry of ``key`` against the reference values of ``exercise``."""
    reference = reference_values(exercise)
    by_normal: dict[str, str] = {}
    for name in reference:
        by_normal.setdefault(_normalize(name), name)
    entries, unknown, seen = [], [], set()
    for name, value in key.items():
        if isinstance(value, bool) or not isinstance(value, (int, float, decimal.Decimal)):
            raise AnswerKeyError(f"key entry {name!r} should be a number, found {value!r}.")
        target = name if name in reference else by_normal.get(_normalize(name))
        if not target:
            unknown.append(name)
            continue
        seen.add(target)
        exact = reference[target]
        entries.append(AuditEntry(name, float(value), exact, _decimals(value), written_value_agrees(value, exact)))
    not_in_key = tuple(name for name in reference if name not in seen)
    return AuditReport(exercise.id, tuple(entries), tuple(unknown), not_in_key)
