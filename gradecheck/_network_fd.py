"""Fast element-wise central differences for gradcheck's own networks.

A generic finite-difference check runs the whole network twice per parameter.
For a :class:`~gradecheck._network.Network` much of that work is shared:
perturbing ``W_l[i, j]`` by ``±h`` changes only column ``i`` of ``z_l``, by
``±h * a_{l-1}[:, j]`` over the batch (the bias ``b_l[i]`` likewise by ``±h``).
So the activations upstream of layer ``l`` are computed once, and every
perturbation of layer ``l`` is pushed downstream *as a change*:

* at layer ``l`` only one column moves, so the next layer's change is a rank-one
  update ``dz_{l+1} = (s(z_l[:, i] + d) - a_l[:, i]) * W_{l+1}[:, i]``;
* further down, changes go through large matrix products with the
  perturbations stacked in front of the batch axis (chunked to bound memory):
  ``dz_{k+1} = (s(z_k + dz_k) - a_k) @ W_{k+1}.T``.

Propagating changes rather than recomputing ``a @ W.T + b`` also makes the
``+h`` and ``-h`` evaluations share the base pass's rounding, so it cancels in
the difference.  The losses come from :func:`gradecheck._network.activate` and
:func:`gradecheck._network.loss_per_example`, run either with NumPy (no compile:
best for small networks) or jitted with ``jax.numpy`` in float64 (best for
large ones).  Chunks have a fixed shape per layer (the last one is padded), so
the JAX backend compiles once per layer and network shape.

Kinks: for ``relu`` and ``leaky_relu`` layers the module records which
parameters' perturbations move some pre-activation across 0 (``z > 0`` differs
from the unperturbed ``z > 0`` for ``+h`` or ``-h``).  Central differences are
meaningless there; callers report those elements as undecidable.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

from gradecheck._errors import InvalidArgumentError
from gradecheck._network import KINKED_ACTIVATIONS, Network, activate, loss_per_example

__all__ = [
    "NetworkDifferences",
    "network_differences",
    "network_finite_differences",
    "parameter_steps",
]

#: ``eps ** (1/3)``: the step that balances truncation and rounding error of
#: central differences in float64.
DEFAULT_STEP: float = float(np.finfo(np.float64).eps ** (1.0 / 3.0))
#: Largest number of elements in one chunk's biggest intermediate array.
_CHUNK_ELEMENTS = 1 << 21
#: Work (perturbations x batch x width) above which ``backend="auto"`` jits with
#: JAX: below it NumPy finishes before JAX has compiled (about 0.3 s a layer),
#: e.g. 0.05 s for 10,000 parameters of an 8-93-93-4 network on a batch of 8.
_AUTO_JAX_THRESHOLD = 1 << 27
BACKENDS: tuple[str, ...] = ("auto", "numpy", "jax")


@dataclasses.dataclass(frozen=True)
class NetworkDifferences:
    """Central differences of a network's loss, with kink evidence.

    Attributes:
        d_weights: ``d_weights[l]`` has the shape of ``weights[l]``, ``(n_{l+1}, n_l)``.
        d_biases: ``d_biases[l]`` has the shape of ``biases[l]``, ``(n_{l+1},)``.
        kink_weights: boolean, shaped like ``d_weights``: ``True`` where perturbing
            that weight by ``+h`` or ``-h`` moves some ReLU / leaky ReLU
            pre-activation across 0, so the difference is undecidable.
        kink_biases: the same for the biases.
        step_weights: the step ``h`` used for each weight (exactly representable:
            ``(w + h) - w == h``).
        step_biases: the step used for each bias.
    """

    d_weights: list[np.ndarray]
    d_biases: list[np.ndarray]
    kink_weights: list[np.ndarray]
    kink_biases: list[np.ndarray]
    step_weights: list[np.ndarray]
    step_biases: list[np.ndarray]

    @property
    def any_kink(self) -> bool:
        """Whether any element is undecidable because of a kink."""
        return any(bool(k.any()) for k in (*self.kink_weights, *self.kink_biases))


def parameter_steps(values: Any, step: float | None = None) -> np.ndarray:
    """Per-element central-difference steps ``h = h0 * max(1, |w|)``.

    Each step is rounded so that ``w + h`` is exactly ``w`` plus ``h``:
    ``h = (w + h) - w`` in float64.

    Args:
        values: parameter values, any shape.
        step: ``h0``; defaults to :data:`DEFAULT_STEP` (``eps ** (1/3)``).

    Returns:
        float64 array shaped like ``values``, every entry positive.
    """
    h0 = DEFAULT_STEP if step is None else step
    w = np.asarray(values, dtype=np.float64)
    h = h0 * np.maximum(1.0, np.abs(w))
    return (w + h) - w


def network_finite_differences(
    network: Network,
    weights: Sequence[Any],
    biases: Sequence[Any],
    x: Any,
    y: Any,
    *,
    step: float | None = None,
    chunk_size: int | None = None,
    backend: str = "auto",
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Element-wise central differences of a network's loss.

    See :func:`network_differences` for the arguments; this returns only
    ``(d_weights, d_biases)``, lists of float64 arrays shaped like ``weights``
    and ``biases``.
    """
    result = network_differences(
        network, weights, biases, x, y, step=step, chunk_size=chunk_size, backend=backend
    )
    return result.d_weights, result.d_biases


def network_differences(
    network: Network,
    weights: Sequence[Any],
    biases: Sequence[Any],
    x: Any,
    y: Any,
    *,
    step: float | None = None,
    chunk_size: int | None = None,
    backend: str = "auto",
) -> NetworkDifferences:
    """Central differences ``(E(p + h) - E(p - h)) / 2h`` for every parameter.

    Args:
        network: architecture, activations, loss and reduction.
        weights: ``weights[l]`` of shape ``(n_{l+1}, n_l)``.
        biases: ``biases[l]`` of shape ``(n_{l+1},)``.
        x: one example ``(n_0,)`` or a batch ``(m, n_0)``.
        y: its target(s), ``(n_L,)`` or ``(m, n_L)``.
        step: ``h0`` of :func:`parameter_steps` (default ``eps ** (1/3)``).
        chunk_size: parameters perturbed together per chunk (each in both
            directions); default: as many as keep a chunk near 2**21 elements.
        backend: ``"numpy"`` (no compile), ``"jax"`` (jitted, float64) or
            ``"auto"`` (NumPy unless the work exceeds about 1.3e8 elements,
            where JAX's compile time pays off).

    Returns:
        A :class:`NetworkDifferences` with the differences, kink masks and steps.
        ``binary_cross_entropy`` and ``softmax_cross_entropy`` are evaluated from
        the output logits (same function, less rounding; see :func:`_output_loss`).
        Elements flagged in ``kink_*`` are undecidable: report them as such.

    Raises:
        InvalidArgumentError: if shapes, values or options are not valid.
    """
    params, x2, y2 = _validated(network, weights, biases, x, y, step, chunk_size, backend)
    m = x2.shape[0]
    if backend == "auto":
        perturbations = sum(2 * (w.size + b.size) for w, b in params)
        work = perturbations * m * max(network.widths[1:])
        backend = "jax" if work > _AUTO_JAX_THRESHOLD else "numpy"
    plan = [_layer_plan(network, l, w, b, m, step, chunk_size) for l, (w, b) in enumerate(params)]
    if backend == "jax":
        raw = _run_jax(network, params, x2, y2, plan)
    else:
        raw = _run_numpy(network, params, x2, y2, plan)
    d_w, d_b, k_w, k_b, s_w, s_b = [], [], [], [], [], []
    for (w, _), (steps, _, _, _), (diff, kink) in zip(params, plan, raw):
        n_out, n_in = w.shape
        grad = (diff / (2.0 * steps)).reshape(n_out, n_in + 1)
        kink = kink.reshape(n_out, n_in + 1)
        steps = steps.reshape(n_out, n_in + 1)
        d_w.append(np.ascontiguousarray(grad[:, :n_in]))
        d_b.append(np.ascontiguousarray(grad[:, n_in]))
        k_w.append(np.ascontiguousarray(kink[:, :n_in]))
        k_b.append(np.ascontiguousarray(kink[:, n_in]))
        s_w.append(np.ascontiguousarray(steps[:, :n_in]))
        s_b.append(np.ascontiguousarray(steps[:, n_in]))
    return NetworkDifferences(d_w, d_b, k_w, k_b, s_w, s_b)


def _validated(
    network: Any,
    weights: Sequence[Any],
    biases: Sequence[Any],
    x: Any,
    y: Any,
    step: Any,
    chunk_size: Any,
    backend: Any,
) -> tuple[list[tuple[np.ndarray, np.ndarray]], np.ndarray, np.ndarray]:
    if not isinstance(network, Network):
        raise InvalidArgumentError(
            f"network={network!r} (type {type(network).__name__}) should be a "
            f"gradcheck Network, e.g. Network.mlp((3, 2, 2))."
        )
    network.check_parameters(weights, biases)
    network.check_data(x, y)
    if step is not None and not (isinstance(step, (int, float)) and np.isfinite(step) and step > 0):
        raise InvalidArgumentError(f"step={step!r} should be a positive finite number, e.g. 1e-5.")
    if chunk_size is not None and (
        isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1
    ):
        raise InvalidArgumentError(f"chunk_size={chunk_size!r} should be a positive integer.")
    if backend not in BACKENDS:
        raise InvalidArgumentError(f"backend={backend!r} is not one of {', '.join(map(repr, BACKENDS))}.")
    params = [
        (np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64))
        for w, b in zip(weights, biases)
    ]
    x2 = np.atleast_2d(np.asarray(x, dtype=np.float64))
    y2 = np.atleast_2d(np.asarray(y, dtype=np.float64))
    for name, value in [("x", x2), ("y", y2)] + [
        (f"{kind}[{l}]", v) for l, pair in enumerate(params) for kind, v in zip(("weights", "biases"), pair)
    ]:
        if not np.all(np.isfinite(value)):
            raise InvalidArgumentError(f"{name} contains NaN or infinity; finite differences need finite values.")
    return params, x2, y2


def _layer_plan(
    network: Network, layer: int, w: np.ndarray, b: np.ndarray, m: int, step: float | None, chunk_size: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Steps and unit / input indices of layer ``layer``'s parameters, and the chunk size.

    Parameters are those of the augmented matrix ``[W | b]`` (``n_{l+1}, n_l + 1``)
    in row-major order: column ``n_l`` is the bias, whose "input" is 1.
    """
    n_out, n_in = w.shape
    augmented = np.concatenate([w, b[:, None]], axis=1).ravel()
    steps = parameter_steps(augmented, step)
    rows, cols = np.divmod(np.arange(augmented.size), n_in + 1)
    if chunk_size is None:
        # The widest stacked array is (2K, m, n) for the first layer whose
        # pre-activations move as a whole: layer + 2, or the output layer.
        width = max(network.widths[min(layer + 2, network.depth) :])
        chunk_size = max(1, _CHUNK_ELEMENTS // (2 * m * width))
    return steps, rows, cols, min(int(chunk_size), augmented.size)


def _forward(xp: Any, network: Network, weights: Sequence[Any], biases: Sequence[Any], x: Any) -> tuple[list, list]:
    """``zs[l]`` (m, n_{l+1}) and ``acts[l]`` (m, n_l) with ``acts[0] = x``, ``acts[L]`` the output."""
    acts, zs = [x], []
    for l, (w, b) in enumerate(zip(weights, biases)):
        z = acts[-1] @ w.T + b
        zs.append(z)
        acts.append(activate(network.activations[l], z, xp, negative_slope=network.negative_slope))
    return zs, acts


def _chunk(
    xp: Any,
    network: Network,
    layer: int,
    zs: Sequence[Any],
    acts: Sequence[Any],
    weights: Sequence[Any],
    y: Any,
    rows: Any,
    cols: Any,
    steps: Any,
) -> tuple[Any, Any]:
    """Loss differences ``E(+h) - E(-h)`` (K,) and kink flags (K,) for K parameters of one layer.

    Args:
        zs, acts: the unperturbed pass, as returned by :func:`_forward`.
        rows: (K,) the unit ``i`` of each parameter.
        cols: (K,) its input ``j``; ``n_l`` for the bias.
        steps: (K,) its step ``h``; 0 pads a chunk.
    """
    diff, kink = _perturbed(xp, network, layer, zs, acts, weights, y, rows, cols, steps)
    half = rows.shape[0]
    return diff, kink[:half] | kink[half:]


def _perturbed(
    xp: Any,
    network: Network,
    layer: int,
    zs: Sequence[Any],
    acts: Sequence[Any],
    weights: Sequence[Any],
    y: Any,
    rows: Any,
    cols: Any,
    steps: Any,
) -> tuple[Any, Any]:
    """Loss differences (K,) and kink flags for ``+h`` then ``-h`` (2K,); see :func:`_chunk`."""
    slope = network.negative_slope
    m = y.shape[0]
    a_in = xp.concatenate([acts[layer], xp.ones((m, 1), dtype=acts[layer].dtype)], axis=1)
    delta = steps[:, None] * a_in[:, cols].T  # (K, m)
    delta = xp.concatenate([delta, -delta], axis=0)  # (2K, m): +h then -h
    rows2 = xp.concatenate([rows, rows], axis=0)
    name = network.activations[layer]
    z_col = zs[layer][:, rows2].T
    z_col_moved = z_col + delta
    kink = xp.zeros(delta.shape[0], dtype=bool)
    if name in KINKED_ACTIVATIONS:
        kink = kink | xp.any((z_col_moved > 0) != (z_col > 0), axis=1)
    onehot = (xp.arange(zs[layer].shape[1])[None, :] == rows2[:, None])[:, None, :]  # (2K, 1, n)
    if layer == network.depth - 1:
        z_out = xp.where(onehot, z_col_moved[:, :, None], zs[layer][None])
        a_out = None
        if name != "softmax":  # only one column needs activating
            a_col = activate(name, z_col_moved, xp, negative_slope=slope)
            a_out = xp.where(onehot, a_col[:, :, None], acts[layer + 1][None])
        return _loss_difference(xp, network, y, z_out, a_out), kink
    a_col = activate(name, z_col_moved, xp, negative_slope=slope)
    # Rank-one change of the next layer's pre-activations.
    d_z = (a_col - acts[layer + 1][:, rows2].T)[:, :, None] * weights[layer + 1][:, rows2].T[:, None, :]
    for k in range(layer + 1, network.depth):
        name = network.activations[k]
        z_moved = zs[k][None] + d_z
        if name in KINKED_ACTIVATIONS:
            kink = kink | xp.any((z_moved > 0) != (zs[k] > 0)[None], axis=(1, 2))
        if k == network.depth - 1:
            return _loss_difference(xp, network, y, z_moved), kink
        a_moved = activate(name, z_moved, xp, negative_slope=slope)
        d_z = (a_moved - acts[k + 1][None]) @ weights[k + 1].T
    raise AssertionError("unreachable: the loop returns at the output layer")


def _loss_difference(xp: Any, network: Network, y: Any, z_out: Any, a_out: Any = None) -> Any:
    """``E(+h) - E(-h)`` from the outputs' pre-activations ``z_out`` (2K, m, n_L), +h first.

    ``a_out``, the activated outputs, may be given when already known.
    """
    per_example = _output_loss(xp, network, y[None], z_out, a_out)  # (2K, m)
    half = per_example.shape[0] // 2
    diff = per_example[:half] - per_example[half:]
    return xp.mean(diff, axis=1) if network.reduction == "mean" else xp.sum(diff, axis=1)


def _output_loss(xp: Any, network: Network, y: Any, z_out: Any, a_out: Any) -> Any:
    """Per-example loss from output pre-activations.

    The cross-entropies are evaluated from the logits (``softplus`` and
    ``log_softmax``): the same functions as :func:`loss_per_example` of the
    activated output, but without the rounding of ``log(1 - sigmoid(z))`` for a
    saturated output, which would swamp a central difference.
    """
    if network.loss == "binary_cross_entropy":  # sigmoid output
        return xp.sum(y * xp.logaddexp(0.0, -z_out) + (1.0 - y) * xp.logaddexp(0.0, z_out), axis=-1)
    if network.loss == "softmax_cross_entropy":  # softmax output
        shifted = z_out - xp.max(z_out, axis=-1, keepdims=True)
        log_softmax = shifted - xp.log(xp.sum(xp.exp(shifted), axis=-1, keepdims=True))
        return -xp.sum(y * log_softmax, axis=-1)
    if a_out is None:
        a_out = activate(network.activations[-1], z_out, xp, negative_slope=network.negative_slope)
    return loss_per_example(network.loss, a_out, y, xp)


def _padded_chunks(plan_entry: tuple[np.ndarray, np.ndarray, np.ndarray, int]):
    """Yield ``(start, stop, rows, cols, steps)`` with arrays padded to the chunk size (step 0)."""
    steps, rows, cols, size = plan_entry
    for start in range(0, steps.size, size):
        stop = min(start + size, steps.size)
        pad = size - (stop - start)
        yield (
            start,
            stop,
            np.pad(rows[start:stop], (0, pad)),
            np.pad(cols[start:stop], (0, pad)),
            np.pad(steps[start:stop], (0, pad)),
        )


def _run_numpy(network, params, x, y, plan):
    weights = [w for w, _ in params]
    with np.errstate(all="ignore"):
        zs, acts = _forward(np, network, weights, [b for _, b in params], x)
        results = []
        for layer, entry in enumerate(plan):
            diff = np.empty(entry[0].size)
            kink = np.empty(entry[0].size, dtype=bool)
            for start, stop, rows, cols, steps in _padded_chunks(entry):
                d, k = _chunk(np, network, layer, zs, acts, weights, y, rows, cols, steps)
                diff[start:stop], kink[start:stop] = d[: stop - start], k[: stop - start]
            results.append((diff, kink))
    return results


@functools.lru_cache(maxsize=1)
def _jax_chunk_function():
    import jax
    import jax.numpy as jnp

    def run(network, layer, weights, biases, x, y, rows, cols, steps):
        zs, acts = _forward(jnp, network, weights, biases, x)
        return _chunk(jnp, network, layer, zs, acts, weights, y, rows, cols, steps)

    return jax.jit(run, static_argnums=(0, 1))


def _run_jax(network, params, x, y, plan):
    import jax.numpy as jnp

    from gradecheck._precision import float64

    with float64():
        chunk = _jax_chunk_function()
        weights = tuple(jnp.asarray(w) for w, _ in params)
        biases = tuple(jnp.asarray(b) for _, b in params)
        xj, yj = jnp.asarray(x), jnp.asarray(y)
        pending = []
        for layer, entry in enumerate(plan):
            for start, stop, rows, cols, steps in _padded_chunks(entry):
                out = chunk(network, layer, weights, biases, xj, yj, rows, cols, steps)
                pending.append((layer, start, stop, out))
        results = [(np.empty(e[0].size), np.empty(e[0].size, dtype=bool)) for e in plan]
        for layer, start, stop, (d, k) in pending:
            results[layer][0][start:stop] = np.asarray(d)[: stop - start]
            results[layer][1][start:stop] = np.asarray(k)[: stop - start]
    return results
