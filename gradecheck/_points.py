"""Exact points: scores are counted in millionths of a point (integers), and rounded once, for display.

An item's points may not split evenly among its elements (14.5 points over
12 elements is 1.2083333... each).  Scores therefore live as integers of
:data:`UNIT` per point: an item's units are split among its elements by
:func:`split` so that the parts add up to the item's units exactly (the first
``remainder`` elements get one unit more), and totals are sums of integers
(:func:`total`), turned into a float once.  So full marks equal ``max_score``
exactly (14.5 / 14.5, never 14.499999), and the per-element scores written to
results JSON, the gradebook and reports add up to their item's points.

An item's points must therefore be a whole number of millionths (at most six
decimals); the spec loader refuses others.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from fractions import Fraction

__all__ = ["DECIMALS", "UNIT", "points", "split", "total", "units"]

#: Points are counted in 1 / UNIT of a point.
DECIMALS = 6
UNIT = 10**DECIMALS


def units(value: float | int | str | Fraction) -> int:
    """``value`` points as an exact number of units; ``ValueError`` when it has more than :data:`DECIMALS` decimals.

    A float is read as the decimal it prints as (``0.1`` is one tenth, not the binary fraction nearest it).
    """
    exact = Fraction(repr(value)) if isinstance(value, float) else Fraction(value)
    scaled = exact * UNIT
    if scaled.denominator != 1:
        raise ValueError(f"{value!r} has more than {DECIMALS} decimals")
    return int(scaled)


def points(count: int) -> float:
    """``count`` units as points: the float nearest the exact decimal (one rounding)."""
    return count / UNIT


def split(count: int, parts: int) -> list[int]:
    """``count`` units in ``parts`` near-equal integer parts that add up to ``count`` exactly (larger ones first)."""
    if parts <= 0:
        raise ValueError(f"cannot split points into {parts} parts")
    share, remainder = divmod(count, parts)
    return [share + 1 if k < remainder else share for k in range(parts)]


def total(values: Iterable[float | int | None]) -> float:
    """The exact sum of scores written with at most :data:`DECIMALS` decimals (``None`` counts as 0), as points.

    Each value is first rounded to a whole number of units: the scores this
    module produced are such numbers, up to the float that displays them.
    """
    present = [value for value in values if value is not None]
    if not all(math.isfinite(value) for value in present):  # inf or nan (a results file from elsewhere): no exact sum
        return float(sum(present))
    try:
        return points(sum(round(Fraction(value) * UNIT) for value in present))
    except OverflowError:  # beyond float64: as the plain sum would say
        return float(sum(present))
