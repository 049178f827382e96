"""Comparing gradients: error metrics, tolerances and readable mismatch reports.

:func:`compare_gradients` never raises for a wrong *answer* (the ``actual``
argument, which may come from student code): a wrong shape, a value that is
not an array of numbers, NaN or inf are all reported in the result.  It does
raise :class:`~gradecheck._errors.InvalidArgumentError` for bad reference data
or options (``expected``, ``tolerance``, ``undecidable``, ``noise_floor``).

Element ``i`` passes when, with ``e = expected[i]`` and ``a = actual[i]``::

    |a - e| <= atol + rtol * max(|a|, |e|) + noise_floor[i]

(symmetric in ``a`` and ``e``).  Its relative error is
``|a - e| / max(|a|, |e|, tiny)``, which is 0 when both are 0; where the
gradient is (near) zero the relative error is not meaningful and ``atol``
decides.
"""

from __future__ import annotations

import dataclasses
import numbers
import reprlib
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from gradecheck._answer_types import non_number
from gradecheck._errors import InvalidArgumentError

__all__ = [
    "DEFAULT_TOLERANCES",
    "ComparisonSet",
    "GradientComparison",
    "Tolerance",
    "compare_gradients",
    "compare_many",
    "default_tolerance",
]

_TINY = float(np.finfo(np.float64).tiny)
_MISMATCH = "{name}: {count} / {size} elements mismatched"
_ALL_MATCH = "{name}: all {size} elements match"
_UNDECIDABLE = " ({count} undecidable at a kink)"


@dataclasses.dataclass(frozen=True)
class Tolerance:
    """Relative and absolute tolerance: pass if ``|a-e| <= atol + rtol*max(|a|,|e|)``."""

    rtol: float
    atol: float

    def __post_init__(self) -> None:
        for field in ("rtol", "atol"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (0 <= value < np.inf):
                raise InvalidArgumentError(
                    f"{field}={value!r} ({type(value).__name__}) must be a finite number >= 0."
                )
            object.__setattr__(self, field, float(value))

    def __str__(self) -> str:
        return f"rtol={self.rtol:g}, atol={self.atol:g}"


#: Default tolerances by dtype name, meant for comparing an analytic gradient
#: with a finite-difference or float64 reference one: float64 finite
#: differences are accurate to ~1e-9 relative, float32 code to ~1e-4.
#: Callers with other needs pass their own :class:`Tolerance`.
DEFAULT_TOLERANCES: Mapping[str, Tolerance] = {
    "float64": Tolerance(rtol=1e-6, atol=1e-8),
    "float32": Tolerance(rtol=2e-3, atol=1e-4),
}


def default_tolerance(dtype: Any) -> Tolerance:
    """The :data:`DEFAULT_TOLERANCES` entry for ``dtype`` (a dtype, type or name).

    Integer dtypes get the float64 tolerance (exact numbers compared with a
    float64 reference).
    """
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        raise InvalidArgumentError(
            f"dtype={dtype!r} is not a NumPy dtype; use e.g. 'float64' or 'float32'."
        ) from None
    if resolved.kind in "iu":
        return DEFAULT_TOLERANCES["float64"]
    if resolved.name not in DEFAULT_TOLERANCES:
        raise InvalidArgumentError(
            f"no default tolerance for dtype {resolved.name}; known: "
            f"{', '.join(DEFAULT_TOLERANCES)}. Pass tolerance=Tolerance(rtol=..., atol=...)."
        )
    return DEFAULT_TOLERANCES[resolved.name]


@dataclasses.dataclass(frozen=True, eq=False)
class GradientComparison:
    """Element-by-element comparison of a gradient with the expected one.

    Arrays have ``expected``'s shape (``actual`` is None, or of another shape,
    when ``problem`` says so; the error arrays are then NaN).

    Attributes:
        name: what is compared, e.g. ``"d_weights"``.
        expected: the reference values, float64.
        actual: the values to check as float64, or None if not numbers.
        abs_error: ``|actual - expected|``.
        rel_error: ``|actual - expected| / max(|actual|, |expected|, tiny)``.
        passed_mask: within tolerance (False where ``actual`` is not finite).
        undecidable_mask: elements that are not judged (e.g. at a kink).
        passed: no failed element and no ``problem``.
        mismatched_count: failed elements (out of tolerance, not undecidable;
            a non-finite ``actual`` fails even where undecidable).
        tolerance: the tolerance used.
        noise_floor: the per-element allowance added to the tolerance, or None.
        problem: why the arrays could not be compared element by element
            (wrong shape, not numbers), else None.
    """

    name: str
    expected: np.ndarray
    actual: np.ndarray | None
    abs_error: np.ndarray
    rel_error: np.ndarray
    passed_mask: np.ndarray
    undecidable_mask: np.ndarray
    passed: bool
    mismatched_count: int
    tolerance: Tolerance
    noise_floor: np.ndarray | None = None
    problem: str | None = None

    @property
    def size(self) -> int:
        """Number of elements of ``expected``."""
        return int(self.expected.size)

    @property
    def failed_mask(self) -> np.ndarray:
        """Elements that fail: out of tolerance and decidable, or not finite."""
        if self.problem is not None:
            return np.ones(self.expected.shape, dtype=bool)
        finite = np.isfinite(self.actual)
        return ~self.passed_mask & (~self.undecidable_mask | ~finite)

    @property
    def allowed(self) -> np.ndarray:
        """The per-element allowance ``atol + rtol * max(|a|, |e|) + noise_floor``."""
        scale = np.abs(self.expected)
        if self.actual is not None and self.problem is None:
            with np.errstate(invalid="ignore"):
                scale = np.fmax(scale, np.abs(self.actual))
        floor = 0.0 if self.noise_floor is None else self.noise_floor
        return self.tolerance.atol + self.tolerance.rtol * scale + floor

    def worst(self, k: int = 10) -> list[tuple[int, ...]]:
        """Indices of the ``k`` worst elements, worst first.

        Failed elements come first, ordered by ``abs_error / allowed`` (non-finite
        values first of all), then the other decidable elements, then the
        undecidable ones.  Empty when ``problem`` is set.
        """
        if self.problem is not None or k <= 0:
            return []
        with np.errstate(divide="ignore", invalid="ignore"):
            badness = self.abs_error / self.allowed
        badness = np.where(np.isnan(badness) | ~np.isfinite(self.actual), np.inf, badness)
        rank = np.where(self.failed_mask, 2.0, np.where(self.undecidable_mask, 0.0, 1.0))
        order = np.lexsort((-badness.reshape(-1), -rank.reshape(-1)))[:k]
        return [tuple(int(i) for i in np.unravel_index(j, self.expected.shape)) for j in order]

    def report(self, max_rows: int = 10) -> str:
        """A readable multi-line report in the style of ``pytest.approx`` for arrays."""
        if isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 0:
            raise InvalidArgumentError(f"max_rows={max_rows!r} must be an integer >= 0.")
        if self.problem is not None:
            return f"{self.name}: {self.problem}"
        undecidable = int(np.count_nonzero(self.undecidable_mask))
        note = _UNDECIDABLE.format(count=undecidable) if undecidable else ""
        if self.passed:
            return f"{_ALL_MATCH.format(name=self.name, size=self.size)}{note} ({self.tolerance})"
        lines = [_MISMATCH.format(name=self.name, count=self.mismatched_count, size=self.size) + note]
        decidable = ~self.undecidable_mask
        if np.any(decidable):
            lines.append(f"Max absolute difference: {_largest(self.abs_error[decidable])}")
            lines.append(f"Max relative difference: {_largest(self.rel_error[decidable])}")
        floor = ""
        if self.noise_floor is not None:
            floor = f" + noise floor up to {_number(np.max(self.noise_floor))}"
        lines.append(f"Tolerance: {self.tolerance}{floor}")
        failed = [i for i in self.worst(self.size) if self.failed_mask[i]]
        lines.extend(_table(self, failed[:max_rows]))
        if len(failed) > max_rows:
            lines.append(f"  ... and {len(failed) - max_rows} more mismatched elements")
        nonfinite = [i for i in failed if not np.isfinite(self.actual[i])]
        if nonfinite:
            where = _indices(nonfinite, max_rows)
            lines.append(f"Not finite (NaN or inf) at {where}: a gradient must be a finite number.")
        if undecidable:
            where = [tuple(int(v) for v in i) for i in np.argwhere(self.undecidable_mask)]
            lines.append(f"Undecidable (not counted) at {_indices(where, max_rows)}")
        return "\n".join(lines)


def _number(value: float) -> str:
    return f"{float(value):.4g}"


def _distinct_pair(expected: float, got: float) -> tuple[str, str]:
    """``expected`` and ``got`` with the fewest significant digits (at least 4) that print them differently.

    A failing element's two values always differ, but at 4 digits ``0.01997``
    and ``0.01997003`` print the same; the table then shows as many digits as
    it takes to see the difference (17 round-trip any float64).
    """
    expected, got = float(expected), float(got)
    for digits in range(4, 18):
        shown = f"{expected:.{digits}g}", f"{got:.{digits}g}"
        if shown[0] != shown[1]:
            return shown
    return repr(expected), repr(got)


def _largest(values: np.ndarray) -> str:
    """The largest value ignoring NaN ("nan" if all are NaN)."""
    present = values[~np.isnan(values)]
    return _number(np.max(present)) if present.size else "nan"


def _indices(indices: list[tuple[int, ...]], limit: int) -> str:
    shown = ", ".join(str(i) for i in indices[:limit])
    return shown + (f" and {len(indices) - limit} more" if len(indices) > limit else "")


def _table(result: GradientComparison, rows: list[tuple[int, ...]]) -> list[str]:
    header = ["Index", "Expected", "Got", "Abs. error", "Rel. error"]
    body = [
        [
            str(i),
            *_distinct_pair(result.expected[i], result.actual[i]),
            _number(result.abs_error[i]),
            _number(result.rel_error[i]),
        ]
        for i in rows
    ]
    widths = [max(len(row[c]) for row in [header, *body]) for c in range(len(header))]
    lines = [" | ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in [header, *body]]
    return ["  " + line.rstrip() for line in lines]


# ---------------------------------------------------------------------------
# compare_gradients
# ---------------------------------------------------------------------------


def _describe(value: Any) -> str:
    return f"{type(value).__name__} {reprlib.repr(value)}"


def _numbers(value: Any) -> tuple[np.ndarray | None, str | None]:
    """``value`` as a float64 array, or None and the reason it is not numbers."""
    if isinstance(value, (list, tuple)):  # numpy would turn a True among numbers into 1.0: refuse it first
        problem = non_number(value, array_likes=True)
        if problem is not None:
            index, part = problem
            return None, (
                f"expected an array of real numbers, got {_describe(value)}: "
                f"the element {_describe(part)} at {index} is not a number"
            )
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:
        return None, f"expected an array of numbers, got {_describe(value)} ({error})"
    if array.dtype.kind == "O":  # e.g. a list mixing floats and 0-d arrays, or holding None
        items = list(array.reshape(-1))
        for item in items:
            as_array = np.asarray(item)
            if as_array.size != 1 or as_array.dtype.kind not in "fiu":
                return None, (
                    f"expected an array of real numbers, got {_describe(value)}: "
                    f"the element {_describe(item)} is not a number"
                )
        return np.array([float(np.asarray(item).reshape(())) for item in items]).reshape(array.shape), None
    if array.dtype.kind not in "fiu":
        kind = {"b": "booleans", "c": "complex numbers"}.get(array.dtype.kind, f"dtype {array.dtype}")
        return None, f"expected an array of real numbers, got {kind}: {_describe(value)}"
    return array.astype(np.float64), None


def _mask(value: Any, shape: tuple[int, ...], argument: str) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype.kind != "b":
        raise InvalidArgumentError(f"{argument} must be a boolean mask, got dtype {array.dtype}.")
    try:
        return np.broadcast_to(array, shape).copy()
    except ValueError:
        raise InvalidArgumentError(
            f"{argument} has shape {array.shape}, which does not broadcast to the gradient's shape {shape}."
        ) from None


def _floor(value: Any, shape: tuple[int, ...]) -> np.ndarray:
    try:
        array = np.broadcast_to(np.asarray(value, dtype=np.float64), shape).copy()
    except (TypeError, ValueError):
        raise InvalidArgumentError(
            f"noise_floor must be a number or an array broadcastable to {shape}, got {_describe(value)}."
        ) from None
    if np.any(np.isnan(array) | (array < 0)):
        raise InvalidArgumentError("noise_floor must be >= 0 everywhere (no NaN).")
    return array


def _readonly(*arrays: np.ndarray | None) -> None:
    for array in arrays:
        if array is not None:
            array.setflags(write=False)


def compare_gradients(
    expected: Any,
    actual: Any,
    *,
    name: str = "gradient",
    tolerance: Tolerance | None = None,
    undecidable: Any = None,
    noise_floor: Any = None,
) -> GradientComparison:
    """Compare ``actual`` with ``expected`` element by element.

    Args:
        expected: the reference gradient, array-like of real numbers.
        actual: the gradient to check: any value; arrays, lists and tuples of
            numbers are read as arrays.  Anything else is reported, not raised.
        name: used in the report, e.g. ``"d_weights"``.
        tolerance: default :func:`default_tolerance` of the less precise float
            dtype among ``expected`` and ``actual`` (float64 otherwise).
        undecidable: boolean mask broadcastable to ``expected``'s shape; those
            elements are reported as undecidable, not failed (unless not finite).
        noise_floor: per-element extra allowance >= 0 (scalar or array), e.g.
            a finite-difference ``error_estimate``.

    Returns:
        A :class:`GradientComparison`.
    """
    expected_array, reason = _numbers(expected)
    if expected_array is None:
        raise InvalidArgumentError(f"expected (the reference) is not usable: {reason}")
    shape = expected_array.shape
    if tolerance is None:
        tolerance = _tolerance_for(expected, actual)
    elif not isinstance(tolerance, Tolerance):
        raise InvalidArgumentError(f"tolerance must be a Tolerance or None, got {_describe(tolerance)}.")
    undecidable_mask = np.zeros(shape, bool)
    if undecidable is not None:
        undecidable_mask = _mask(undecidable, shape, "undecidable")
    floor = None if noise_floor is None else _floor(noise_floor, shape)

    actual_array, problem = _numbers(actual)
    if actual_array is not None and actual_array.shape != shape:
        problem = f"shape mismatch: expected shape {shape}, got shape {actual_array.shape}"
    if problem is not None:
        nan = np.full(shape, np.nan)
        _readonly(expected_array, actual_array, nan, undecidable_mask, floor)
        return GradientComparison(
            name, expected_array, actual_array, nan, nan, np.zeros(shape, bool), undecidable_mask,
            False, int(expected_array.size), tolerance, floor, problem,
        )  # fmt: skip

    with np.errstate(invalid="ignore", over="ignore"):
        abs_error = np.abs(actual_array - expected_array)
        scale = np.maximum(np.abs(actual_array), np.abs(expected_array))
        rel_error = abs_error / np.maximum(scale, _TINY)
        allowed = tolerance.atol + tolerance.rtol * scale + (0.0 if floor is None else floor)
        passed_mask = np.isfinite(actual_array) & (abs_error <= allowed)
    failed = ~passed_mask & (~undecidable_mask | ~np.isfinite(actual_array))
    count = int(np.count_nonzero(failed))
    _readonly(expected_array, actual_array, abs_error, rel_error, passed_mask, undecidable_mask, floor)
    return GradientComparison(
        name, expected_array, actual_array, abs_error, rel_error, passed_mask, undecidable_mask,
        count == 0, count, tolerance, floor,
    )  # fmt: skip


def _tolerance_for(*values: Any) -> Tolerance:
    """The default tolerance of the least precise known float dtype among ``values``."""
    dtypes = [getattr(v, "dtype", None) for v in values]
    known = [np.dtype(d) for d in dtypes if d is not None and np.dtype(d).name in DEFAULT_TOLERANCES]
    if not known:
        return DEFAULT_TOLERANCES["float64"]
    coarsest = max(known, key=lambda d: np.finfo(d).eps)
    return DEFAULT_TOLERANCES[coarsest.name]


# ---------------------------------------------------------------------------
# Several named gradients
# ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class ComparisonSet:
    """The comparisons of several named gradients (from :func:`compare_many`).

    Attributes:
        comparisons: one :class:`GradientComparison` per expected name, in order.
        unexpected: names in ``actual`` that have no expected value (ignored).
    """

    comparisons: tuple[GradientComparison, ...]
    unexpected: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        """True when every comparison passed."""
        return all(c.passed for c in self.comparisons)

    @property
    def failures(self) -> tuple[GradientComparison, ...]:
        """The comparisons that did not pass."""
        return tuple(c for c in self.comparisons if not c.passed)

    def __getitem__(self, name: str) -> GradientComparison:
        for comparison in self.comparisons:
            if comparison.name == name:
                return comparison
        raise KeyError(name)

    def __iter__(self) -> Iterator[GradientComparison]:
        return iter(self.comparisons)

    def __len__(self) -> int:
        return len(self.comparisons)

    def report(self, max_rows: int = 10) -> str:
        """The reports of the failed comparisons, separated by blank lines."""
        if self.passed:
            parts = [f"all {len(self.comparisons)} gradients match: {', '.join(c.name for c in self)}"]
        else:
            parts = [c.report(max_rows) for c in self.failures]
        if self.unexpected:
            parts.append(f"(ignored unexpected names: {', '.join(self.unexpected)})")
        return "\n\n".join(parts)


def compare_many(
    expected: Mapping[str, Any],
    actual: Mapping[str, Any],
    *,
    tolerance: Tolerance | Mapping[str, Tolerance] | None = None,
    undecidable: Mapping[str, Any] | None = None,
    noise_floor: Mapping[str, Any] | None = None,
) -> ComparisonSet:
    """:func:`compare_gradients` for each name of ``expected``.

    Args:
        expected: name -> reference gradient.
        actual: name -> gradient to check; a missing name fails that comparison.
        tolerance: one :class:`Tolerance` for all, or name -> Tolerance (names
            left out get the default).
        undecidable, noise_floor: name -> mask / floor, for the names that have one.
    """
    for argument, value in (("expected", expected), ("actual", actual)):
        if not isinstance(value, Mapping):
            raise InvalidArgumentError(f"{argument} must be a mapping name -> array, got {_describe(value)}.")
    comparisons = []
    for name, reference in expected.items():
        tol = tolerance.get(name) if isinstance(tolerance, Mapping) else tolerance
        options = {
            "tolerance": tol,
            "undecidable": (undecidable or {}).get(name),
            "noise_floor": (noise_floor or {}).get(name),
        }
        if name in actual:
            comparisons.append(compare_gradients(reference, actual[name], name=str(name), **options))
        else:
            comparisons.append(_missing(reference, str(name), options))
    unexpected = tuple(str(k) for k in actual if k not in expected)
    return ComparisonSet(tuple(comparisons), unexpected)


def _missing(reference: Any, name: str, options: Mapping[str, Any]) -> GradientComparison:
    result = compare_gradients(reference, None, name=name, **options)
    return dataclasses.replace(result, problem="missing: no value was given for it")
