"""Jacobians of opaque array functions by finite differences, with an error estimate per element.

The generic kinds (``layer``, ``function``) differentiate functions they can
only call: a submission's forward pass, through the sandbox (for credit carried
forward), and the instructor's reference, in this process (to check the
reference's own gradients when the exercise is loaded).  Both go through
:func:`jacobian`, which needs nothing but an ``evaluate`` callback.

Method: for each element ``x_i`` of the point, the 5-point central stencil at
steps ``h`` and ``h/2`` (offsets ``±h/2, ±h, ±2h``, six evaluations), combined
by Richardson extrapolation (accuracy order 6).  The error estimate of a
column is ``|D4(h/2) - D4(h)| / 15`` plus the rounding error of the weighted
function values.  Steps start at ``1e-3 * max(1, |x_i|)`` and shrink by 10 for
the elements whose estimate is not yet within the requested accuracy (a
steep function, like a normalisation over a nearly constant row, needs small
steps); an element that never gets there makes the whole Jacobian unreliable
(``None``): a caller then decides nothing from it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["Slopes", "jacobian", "EvaluationError"]

_EPS = float(np.finfo(np.float64).eps)
#: Base steps, relative to max(1, |x_i|), tried in turn: large steps suit flat functions (rounding
#: error ~ eps |f| / h), small ones steep spots (truncation error ~ (h / scale)**6 |f|).
STEPS = (1e-2, 1e-3, 1e-4, 1e-5)
#: Offsets (multiples of h) evaluated per element and step.
_OFFSETS = (0.5, -0.5, 1.0, -1.0, 2.0, -2.0)
#: Rounding error of one evaluation, in units of eps * |f|.
_ROUNDOFF_ULPS = 2.0
#: Sum of the absolute weights (times h) of the Richardson-extrapolated stencil.
_WEIGHTS = (16.0 * (8.0 / 3.0 + 1.0 / 3.0) + (4.0 / 3.0 + 1.0 / 6.0)) / 15.0


class EvaluationError(Exception):
    """The function could not be evaluated at a perturbed point (it raised, or returned something unusable)."""


@dataclasses.dataclass(frozen=True)
class Slopes:
    """A finite-difference Jacobian.

    Attributes:
        matrix: ``(n_out, n_in)`` float64: ``d out[k] / d x[i]`` (both flattened, row-major).
        error: ``(n_out, n_in)`` estimated absolute error of ``matrix``.
        evaluations: how many times the function was evaluated.
    """

    matrix: np.ndarray
    error: np.ndarray
    evaluations: int

    def vjp(self, cotangent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(J^T c, its error estimate)`` for a cotangent ``c`` of the output's size (flattened)."""
        c = np.asarray(cotangent, dtype=np.float64).reshape(-1)
        return self.matrix.T @ c, self.error.T @ np.abs(c)

    def pattern(self, relative: float = 1e-7) -> np.ndarray:
        """Where the Jacobian is not negligible: ``|J| > relative * max |J|`` (and above its own error)."""
        magnitude = np.abs(self.matrix)
        largest = float(magnitude.max()) if magnitude.size else 0.0
        return (magnitude > relative * largest) & (magnitude > 2.0 * self.error)


def _representable(x: np.ndarray, h: np.ndarray) -> np.ndarray:
    """``h`` rounded so that ``|x| + h/2`` is exact (see ``gradecheck._numeric.default_step``)."""
    ax = np.abs(x)
    return 2.0 * ((ax + h / 2.0) - ax)


def jacobian(
    evaluate: Callable[[Sequence[np.ndarray]], Sequence[np.ndarray]],
    x: np.ndarray,
    *,
    cotangent: np.ndarray | None = None,
    rtol: float = 1e-7,
    scale_tol: float = 1e-6,
    steps: Sequence[float] = STEPS,
    max_evaluations: int | None = None,
) -> Slopes | None:
    """The Jacobian of ``evaluate`` at ``x``, or ``None`` where it cannot be estimated to the accuracy asked.

    Args:
        evaluate: takes a list of points (float64 arrays shaped like ``x``)
            and returns the function's value at each, as float64 arrays of
            one common size (flattened); raises :class:`EvaluationError` (or
            returns a non-finite value) where it cannot.  Each point is a
            fresh array the callback may keep.
        x: the point (float64 array of any shape).
        cotangent: when given, accuracy is judged on the vector-Jacobian
            product ``J^T cotangent`` (what credit carried forward compares);
            otherwise on every entry of ``J``.
        rtol, scale_tol: an estimate is accepted when its error is within
            ``rtol * |value| + scale_tol * max |value|``.
        steps: base steps (relative to ``max(1, |x_i|)``) tried in turn.
        max_evaluations: give up (``None``) rather than evaluate more often.

    Returns:
        :class:`Slopes`, or ``None`` if the function failed at some point,
        returned non-finite values, or some element did not reach the accuracy
        asked at any step (noise, a kink, or a discontinuity).
    """
    x = np.array(x, dtype=np.float64)
    flat = x.reshape(-1)
    n = flat.size
    matrix: np.ndarray | None = None
    error: np.ndarray | None = None
    pending = np.arange(n)
    evaluations = 0
    for base in steps:
        if pending.size == 0:
            break
        if max_evaluations is not None and evaluations + pending.size * len(_OFFSETS) > max_evaluations:
            return None
        h = _representable(flat, base * np.maximum(1.0, np.abs(flat)))
        points = []
        for i in pending:
            for m in _OFFSETS:
                point = flat.copy()
                point[i] = flat[i] + m * h[i]
                points.append(point.reshape(x.shape))
        try:
            values = [np.asarray(v, dtype=np.float64).reshape(-1) for v in evaluate(points)]
        except EvaluationError:
            return None
        evaluations += len(points)
        if len(values) != len(points) or len({v.size for v in values}) > 1:
            return None
        stacked = np.stack(values).reshape(pending.size, len(_OFFSETS), -1)
        if not np.all(np.isfinite(stacked)):
            return None
        if matrix is None or error is None:
            size = stacked.shape[2]
            matrix = np.zeros((size, n))
            error = np.full((size, n), np.inf)
        f = {m: stacked[:, k, :] for k, m in enumerate(_OFFSETS)}
        hp = h[pending][:, None]
        d4_h = ((2.0 / 3.0) * (f[1.0] - f[-1.0]) - (1.0 / 12.0) * (f[2.0] - f[-2.0])) / hp
        d4_half = ((4.0 / 3.0) * (f[0.5] - f[-0.5]) - (1.0 / 6.0) * (f[1.0] - f[-1.0])) / hp
        estimate = (16.0 * d4_half - d4_h) / 15.0
        magnitude = np.max([np.abs(f[m]) for m in _OFFSETS], axis=0)
        err = np.abs(d4_half - d4_h) / 15.0 + _ROUNDOFF_ULPS * _EPS * _WEIGHTS * magnitude / hp
        better = err < error[:, pending].T
        columns_matrix = np.where(better, estimate, matrix[:, pending].T)
        columns_error = np.where(better, err, error[:, pending].T)
        matrix[:, pending] = columns_matrix.T
        error[:, pending] = columns_error.T
        pending = pending[~_accurate(matrix, error, cotangent, rtol, scale_tol)[pending]]
    if matrix is None or error is None or pending.size:
        return None
    return Slopes(matrix, error, evaluations)


def _accurate(
    matrix: np.ndarray, error: np.ndarray, cotangent: np.ndarray | None, rtol: float, scale_tol: float
) -> np.ndarray:
    """Per input element: whether its column (or its entry of the VJP) is within the accuracy asked."""
    if cotangent is not None:
        c = np.asarray(cotangent, dtype=np.float64).reshape(-1)
        finite = np.isfinite(error).all(axis=0)
        values = matrix.T @ c
        errors = np.where(finite, np.abs(error).T @ np.abs(c), np.inf)
        # The scale is what the VJP could be without cancellation, |J|^T |c|: a VJP that cancels to nearly
        # zero (an upstream gradient that happens to be orthogonal to the Jacobian's rows) is still measured.
        magnitudes = np.abs(matrix).T @ np.abs(c)
        scale = float(magnitudes[finite].max()) if finite.any() else 0.0
        return errors <= rtol * np.abs(values) + scale_tol * scale
    finite = np.isfinite(error)
    scale = float(np.abs(matrix[finite]).max()) if finite.any() else 0.0
    return np.all(error <= rtol * np.abs(matrix) + scale_tol * scale, axis=0)
