"""Spec tables of the generic kinds: strict reading, named-dimension shapes, value ranges, random instances.

The ``layer`` and ``function`` kinds describe their arrays the same way::

    [layer.shapes]            # every array, in named dimensions or fixed sizes ([] for a scalar)
    x = ["batch", "features"]
    gamma = ["features"]

    [layer.dimensions]        # the range [min, max] of each dimension in random instances
    batch = [1, 4]            # (or one number: a fixed size)
    features = [2, 6]

    [layer.values]            # optional: the range [low, high] of an array's entries in random instances
    gamma = [0.5, 2.0]

The statement's instance (``[given]``) fixes every dimension by the shapes of
the given arrays; they must agree with one another.  Every error names the
spec file, the key, what was expected and what was found.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gradecheck._kinds._base import SpecProblem

__all__ = ["ArraySchema", "SpecTable", "Shape", "read_schema"]

Shape = tuple[str | int, ...]
_MISSING = object()
#: Drawn entries are multiples of this (readable counterexamples: 0.25, -1.5).
RESOLUTION = 0.01


class SpecTable:
    """Typed, strict access to one table of a spec; errors name the file and the key.

    Args:
        path: the spec file (for messages).
        table: the table's contents.
        prefix: the table's dotted name, e.g. ``"layer."``.
    """

    def __init__(self, path: Path, table: Any, prefix: str) -> None:
        self.path, self.table, self.prefix = path, table, prefix
        if not isinstance(table, Mapping):
            raise SpecProblem(f"key {prefix.rstrip('.')!r} should be a table; found {table!r}.", *self.where("")[:-1])

    def fail(self, key: str, expected: str, found: Any = _MISSING) -> SpecProblem:
        """The error for ``key``: a :class:`SpecProblem` naming its place, so the spec loader adds ``FILE:LINE``."""
        got = "it is missing" if found is _MISSING else f"found {found!r}"
        return SpecProblem(f"key {self.prefix + key!r} should be {expected}; {got}.", *self.where(key))

    def where(self, key: str) -> tuple[str | int, ...]:
        """``key``'s place in the spec: ``"function.functions[1]."`` and ``"cotangent"`` give ``("function", "functions", 1, "cotangent")``."""
        path: list[str | int] = []
        for part in (self.prefix + key).split("."):
            name, *indices = part.split("[")
            path.append(name)
            path.extend(int(index.rstrip("]")) for index in indices)
        return tuple(path)

    def only(self, allowed: Collection[str]) -> None:
        """Refuse keys outside ``allowed``, suggesting the closest known key."""
        for key in self.table:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
                suggestion = f" (did you mean {close[0]!r}?)" if close else ""
                raise SpecProblem(
                    f"unknown key {self.prefix + str(key)!r}{suggestion}; "
                    f"the keys of [{self.prefix.rstrip('.')}] are: {', '.join(sorted(allowed))}.",
                    *self.where(str(key)),
                )

    def get(self, key: str, kind: type | tuple[type, ...], expected: str, default: Any = _MISSING) -> Any:
        if key not in self.table:
            if default is _MISSING:
                raise self.fail(key, expected)
            return default
        value = self.table[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
            raise self.fail(key, expected, value)
        return value

    def name(self, key: str, default: Any = _MISSING) -> str:
        value = self.get(key, str, "a name (letters, digits and underscores, not starting with a digit)", default)
        if value is not None and not value.isidentifier():
            raise self.fail(key, "a name (letters, digits and underscores, not starting with a digit)", value)
        return value

    def names(self, key: str, default: Any = _MISSING) -> tuple[str, ...]:
        """A list of distinct names (``default`` when absent; ``None`` stays ``None``)."""
        expected = "a list of names (letters, digits and underscores)"
        value = self.get(key, list, expected, default)
        if value is None:
            return value
        if not all(isinstance(v, str) and v.isidentifier() for v in value):
            raise self.fail(key, expected, value)
        if len(set(value)) != len(value):
            raise self.fail(key, f"{expected}, each once", value)
        return tuple(value)

    def number(self, key: str, default: Any = _MISSING, *, positive: bool = False) -> float:
        expected = "a positive number" if positive else "a number"
        value = self.get(key, (int, float), expected, default)
        if not math.isfinite(value) or (positive and value <= 0):
            raise self.fail(key, expected, value)
        return float(value)

    def sub(self, key: str) -> SpecTable:
        """The sub-table ``key`` (empty when absent)."""
        return SpecTable(self.path, self.table.get(key, {}), f"{self.prefix}{key}.")


@dataclasses.dataclass(frozen=True)
class ArraySchema:
    """Shapes in named dimensions, dimension ranges and value ranges of an exercise's arrays.

    Attributes:
        shapes: array name -> shape, each side a dimension name or a fixed size (``()``: a scalar).
        dimensions: dimension name -> ``(min, max)`` for random instances.
        values: array name -> ``(low, high)`` of its entries in random instances.
        path: the spec file, for messages.
        prefix: the table holding them, e.g. ``"layer."``.
    """

    shapes: Mapping[str, Shape]
    dimensions: Mapping[str, tuple[int, int]]
    values: Mapping[str, tuple[float, float]]
    path: Path
    prefix: str

    @property
    def dimension_names(self) -> tuple[str, ...]:
        names: list[str] = []
        for shape in self.shapes.values():
            names.extend(side for side in shape if isinstance(side, str) and side not in names)
        return tuple(names)

    def shape(self, name: str, sizes: Mapping[str, int]) -> tuple[int, ...]:
        """The concrete shape of array ``name`` for the dimension ``sizes``."""
        return tuple(side if isinstance(side, int) else int(sizes[side]) for side in self.shapes[name])

    def sizes_of(self, arrays: Mapping[str, np.ndarray], where: str) -> dict[str, int]:
        """The dimension sizes that the shapes of ``arrays`` imply; a :class:`ValueError` if they disagree."""
        sizes: dict[str, int] = {}
        for name, array in arrays.items():
            declared = self.shapes[name]
            shape = np.shape(array)
            if len(shape) != len(declared):
                raise ValueError(
                    f"{where}{name} should have {len(declared)} dimension(s) {_show(declared)}; found shape {shape}"
                )
            for side, size in zip(declared, shape):
                if isinstance(side, int):
                    if size != side:
                        raise ValueError(f"{where}{name} should have shape {_show(declared)}; found shape {shape}")
                elif sizes.setdefault(side, size) != size:
                    raise ValueError(
                        f"{where}{name} has {side} = {size}, but another array has {side} = {sizes[side]} "
                        f"(shapes: {_show(declared)} = {shape})"
                    )
        return sizes

    def strategy(
        self,
        names: Sequence[str],
        *,
        max_magnitude: float,
        shaped_like: Mapping[str, tuple[str, float]] | None = None,
    ) -> st.SearchStrategy[dict[str, np.ndarray]]:
        """Random instances: dimension sizes, then every array of ``names`` (entries on a grid of hundredths).

        Entries lie in the array's ``values`` range, else in ``[-max_magnitude,
        max_magnitude]``.  ``shaped_like`` adds arrays that are not in the
        schema, each shaped like one that is: ``{"upstream": ("y", 2.0)}`` draws
        ``upstream`` shaped like ``y`` with entries in ``[-2, 2]``.
        """
        dimension_names = self.dimension_names
        ranges = [st.integers(*self.dimensions[d]) for d in dimension_names]
        extra = dict(shaped_like or {})

        @st.composite
        def instances(draw: Any) -> dict[str, np.ndarray]:
            sizes = dict(zip(dimension_names, (draw(r) for r in ranges)))
            instance: dict[str, np.ndarray] = {}
            for name in names:
                low, high = self.values.get(name, (-max_magnitude, max_magnitude))
                instance[name] = draw(grid_arrays(self.shape(name, sizes), low, high))
            for name, (like, magnitude) in extra.items():
                instance[name] = draw(grid_arrays(self.shape(like, sizes), -magnitude, magnitude))
            return instance

        return instances()


def _show(shape: Shape) -> str:
    return "[" + ", ".join(str(side) for side in shape) + "]"


def grid_arrays(shape: tuple[int, ...], low: float, high: float) -> st.SearchStrategy[np.ndarray]:
    """float64 arrays with entries ``k / 100`` in ``[low, high]`` (shrinking toward 0, or the bound nearest 0)."""
    k_low, k_high = math.ceil(low / RESOLUTION - 1e-9), math.floor(high / RESOLUTION + 1e-9)
    ticks = hnp.arrays(np.int64, shape, elements=st.integers(k_low, k_high), fill=st.nothing())
    return ticks.map(lambda k: np.asarray(k, dtype=np.float64) / round(1 / RESOLUTION))


def read_schema(table: SpecTable, names: Sequence[str], *, outputs: Sequence[str] = (), need_ranges: bool) -> ArraySchema:
    """Read ``shapes``, ``dimensions`` and ``values`` of ``table`` for the arrays ``names`` (strict).

    ``outputs`` (some of ``names``) are computed, not drawn: their dimensions
    must appear in the shape of some other array, so that an instance fixes
    them, and they take no ``values`` range.
    """
    shapes_table = table.sub("shapes")
    shapes: dict[str, Shape] = {}
    expected_shape = "a list of dimension names and positive sizes, e.g. [\"batch\", \"features\"] ([] for a scalar)"
    for name in names:
        raw = shapes_table.get(name, list, expected_shape)
        if not all((isinstance(s, str) and s.isidentifier()) or (isinstance(s, int) and not isinstance(s, bool) and s > 0) for s in raw):
            raise shapes_table.fail(name, expected_shape, raw)
        shapes[name] = tuple(raw)
    shapes_table.only(names)
    determined = {side for name in names if name not in outputs for side in shapes[name] if isinstance(side, str)}
    for name in outputs:
        if any(isinstance(side, str) and side not in determined for side in shapes[name]):
            raise shapes_table.fail(
                name, "dimensions that some input also has (so that an instance fixes them)", list(shapes[name])
            )
    schema_dims: list[str] = []
    for shape in shapes.values():
        schema_dims.extend(side for side in shape if isinstance(side, str) and side not in schema_dims)
    dims_table = table.sub("dimensions")
    dims_table.only(schema_dims)
    dimensions: dict[str, tuple[int, int]] = {}
    expected_range = "a size range [min, max] of positive integers (or one positive integer)"
    for dim in schema_dims:
        raw = dims_table.get(dim, (int, list), expected_range, None)
        if raw is None:
            if need_ranges:
                raise dims_table.fail(dim, f"{expected_range}, for the random instances of hidden items")
            continue
        low, high = (raw, raw) if isinstance(raw, int) else (tuple(raw) if len(raw) == 2 else (None, None))
        if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (low, high)) or low > high:
            raise dims_table.fail(dim, expected_range, raw)
        dimensions[dim] = (low, high)
    values_table = table.sub("values")
    values_table.only([name for name in names if name not in outputs])
    values: dict[str, tuple[float, float]] = {}
    expected_values = "a range [low, high] of numbers with low < high, at least 0.01 apart"
    for name in names:
        raw = values_table.get(name, list, expected_values, None)
        if raw is None:
            continue
        if not (
            len(raw) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in raw)
            and math.floor(raw[1] / RESOLUTION + 1e-9) >= math.ceil(raw[0] / RESOLUTION - 1e-9)
            and raw[0] < raw[1]
        ):
            raise values_table.fail(name, expected_values, raw)
        values[name] = (float(raw[0]), float(raw[1]))
    return ArraySchema(shapes, dimensions, values, table.path, table.prefix)
