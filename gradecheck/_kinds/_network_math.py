"""The network kind's arithmetic: the JAX float64 reference, and numpy models of the backward pass.

Both work on canonical values (:class:`~gradecheck._kinds._network_spec.Canonical`):
``W_l`` ``(n_l, n_{l-1})``, and ``(m, n)`` arrays for every per-example quantity.
Both return the same dict of canonical quantities::

    z, a, delta, d_a     lists over layers 1..L of (m, n_l) arrays (a excludes a_0 = x;
                         delta = dL/dz_l, d_a = dL/da_l)
    d_weights, d_biases  lists over layers of (n_l, n_{l-1}) and (n_l,) arrays
    d_inputs             (m, n_0): dL/dx
    loss                 0-d (absent with an upstream gradient)
    weights_new, biases_new   lists over layers: one SGD step (absent without a learning rate)

plus the arguments themselves (``x``, ``target``, ``upstream``, ``learning_rate``,
``weights``, ``biases``), so that :func:`~gradecheck._kinds._network_spec.present`
can show any of them.

The reference (:func:`reference`) is ``jax.value_and_grad`` of the loss (or of
``sum(upstream * a_L)``), with zero perturbations added to every ``z_l`` and
``a_l`` so that the same gradient call also gives every ``delta_l`` and
``dL/da_l``.  It is jitted once per network *family* (activations, loss,
reduction, slope) and padded shape: widths and the batch are padded to powers
of two (at least 8), so networks of up to 8 units and 8 examples share one
compilation.  Padding never changes a result: padded inputs, weights and biases
are zero, padded output units and examples are masked out of the loss (and of
softmax), the mean divides by the true ``m`` and ``mse`` by the true ``n_L``.

The numpy model (:func:`numpy_pass`) is the textbook delta recursion, which
can make one catalogued mistake at a time (``mistake=...``) or start the
backward pass from the submission's own output (``own_output=...``, the
carry-forward rule).  ``relu'(0) = 0`` and ``leaky_relu'(0) = negative_slope``
in both, as in :mod:`gradecheck._network`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

from gradecheck._kinds._network_spec import UPSTREAM, Canonical, NetworkSpec, argument_values
from gradecheck._network import activate, activation_backward, loss_gradient_per_example, loss_per_example

__all__ = ["reference", "numpy_pass", "trace_count", "COMBINED"]

#: Losses whose gradient combines with the output activation's: dL/dz_L = a_L - t (softmax: a_L * sum(t) - t).
COMBINED = {("binary_cross_entropy", "sigmoid"), ("softmax_cross_entropy", "softmax")}
_MIN_BUCKET = 8
_TRACES = 0


def trace_count() -> int:
    """How many times the reference has been traced (one per compilation)."""
    return _TRACES


def _bucket(n: int) -> int:
    return max(_MIN_BUCKET, 1 << (n - 1).bit_length())


def _family(spec: NetworkSpec) -> tuple[Any, ...]:
    return (spec.activations, spec.loss, spec.reduction if spec.batch is not None else "sum", spec.negative_slope)


@functools.cache
def _compiled(family: tuple[Any, ...]) -> Any:
    """The jitted ``value_and_grad`` of one network family (JAX compiles it once per padded shape)."""
    import jax
    import jax.numpy as jnp

    activations, loss, reduction, slope = family

    def objective(weights, biases, x, eps_z, eps_a, target, upstream, row_mask, unit_mask, m, n_out):
        global _TRACES
        _TRACES += 1  # runs while tracing only
        a = x
        zs, acts = [], []
        for l, name in enumerate(activations):
            z = a @ weights[l].T + biases[l] + eps_z[l]
            if name == "softmax":
                a = activate(name, jnp.where(unit_mask[None, :], z, -jnp.inf), jnp)
            else:
                a = activate(name, z, jnp, negative_slope=slope)
            a = a + eps_a[l]
            zs.append(z)
            acts.append(a)
        mask = row_mask[:, None] & unit_mask[None, :]
        if loss == UPSTREAM:
            value = jnp.sum(jnp.where(mask, upstream * a, 0.0))
        else:
            # Per output unit (a trailing axis of one), so padded units can be masked out.
            safe_a, safe_t = jnp.where(mask, a, 0.5), jnp.where(mask, target, 0.5)
            per_unit = loss_per_example(loss, safe_a[..., None], safe_t[..., None], jnp)
            if loss == "mse":
                per_unit = per_unit / n_out
            value = jnp.sum(jnp.where(mask, per_unit, 0.0))
            if reduction == "mean":
                value = value / m
        return value, (zs, acts)

    return jax.jit(jax.value_and_grad(objective, argnums=(0, 1, 2, 3, 4), has_aux=True))


def reference(spec: NetworkSpec, c: Canonical) -> dict[str, Any]:
    """Every canonical quantity of ``c`` from the JAX float64 reference (see the module docstring)."""
    import jax

    from gradecheck._precision import float64

    sizes, m = c.sizes, c.m
    padded = [_bucket(n) for n in sizes]
    rows = _bucket(m)

    def pad(array: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        out = np.zeros(shape)
        out[tuple(slice(0, n) for n in array.shape)] = array
        return out

    weights = tuple(pad(W, (padded[l + 1], padded[l])) for l, W in enumerate(c.weights))
    biases = tuple(pad(b, (padded[l + 1],)) for l, b in enumerate(c.biases))
    eps = tuple(np.zeros((rows, padded[l + 1])) for l in range(len(c.weights)))
    data = {key: pad(value, (rows, padded[-1])) if value is not None else np.zeros((rows, padded[-1]))
            for key, value in (("target", c.target), ("upstream", c.upstream))}
    row_mask = np.arange(rows) < m
    unit_mask = np.arange(padded[-1]) < sizes[-1]
    with float64():
        (value, (zs, acts)), (d_w, d_b, d_x, d_z, d_a) = jax.device_get(
            _compiled(_family(spec))(
                weights, biases, pad(c.x, (rows, padded[0])), eps, eps, data["target"], data["upstream"],
                row_mask, unit_mask, np.float64(m), np.float64(sizes[-1]),
            )
        )
    depth = len(c.weights)

    def rows_units(arrays: Sequence[Any]) -> list[np.ndarray]:
        return [np.array(arrays[l][:m, : sizes[l + 1]], dtype=np.float64) for l in range(depth)]

    out = {
        **argument_values(c),
        "z": rows_units(zs),
        "a": rows_units(acts),
        "delta": rows_units(d_z),
        "d_a": rows_units(d_a),
        "d_weights": [np.array(d_w[l][: sizes[l + 1], : sizes[l]], dtype=np.float64) for l in range(depth)],
        "d_biases": [np.array(d_b[l][: sizes[l + 1]], dtype=np.float64) for l in range(depth)],
        "d_inputs": np.array(d_x[:m, : sizes[0]], dtype=np.float64),
    }
    if not spec.upstream:
        out["loss"] = np.array(float(value))
    _add_updates(out, c)
    return out


def _add_updates(out: dict[str, Any], c: Canonical) -> None:
    """One SGD step ``p - learning_rate * dL/dp`` (where the shapes fit, and there is a learning rate)."""
    if c.learning_rate is None:
        return
    rate = float(c.learning_rate)
    if all(np.shape(g) == np.shape(W) for g, W in zip(out["d_weights"], c.weights)):
        out["weights_new"] = [W - rate * g for W, g in zip(c.weights, out["d_weights"])]
    if all(np.shape(g) == np.shape(b) for g, b in zip(out["d_biases"], c.biases)):
        out["biases_new"] = [b - rate * g for b, g in zip(c.biases, out["d_biases"])]


def _local_on_preactivation(name: str, z: np.ndarray) -> np.ndarray | None:
    """The derivative formula written for ``a``, evaluated at ``z`` (the derivative-on-preactivation mistake)."""
    if name == "sigmoid":
        return z * (1.0 - z)
    if name == "tanh":
        return 1.0 - z * z
    return None


def numpy_pass(
    spec: NetworkSpec, c: Canonical, *, mistake: str | None = None, own_output: np.ndarray | None = None
) -> dict[str, Any]:
    """Every canonical quantity from the numpy delta recursion, optionally making ``mistake``.

    Args:
        spec: the network.
        c: canonical values.
        mistake: a mistake id (see ``NetworkKind.mistakes``); the forward pass
            and the loss stay right, the backward quantities (and the updates
            made from them) are what a submission making it would return.
            Mistakes in how the flat weights are read, or in how a weight
            gradient is laid out, are the kind's (they change the presentation).
        own_output: the submission's own ``a_L`` ``(m, n_L)``: the backward pass
            starts from it (the carry-forward rule), with the reference's
            hidden activations; the output activation's derivative is written
            in terms of its output (``a (1 - a)``, ``1 - a**2``, ``a > 0``).
    """
    depth = len(c.weights)
    slope = spec.negative_slope
    zs: list[np.ndarray] = []
    acts = [c.x]
    for l, name in enumerate(spec.activations):
        zs.append(acts[-1] @ c.weights[l].T + c.biases[l])
        acts.append(activate(name, zs[-1], np, negative_slope=slope))
    out_a = acts[-1] if own_output is None else np.asarray(own_output, dtype=np.float64)
    out_z = zs[-1] if own_output is None else out_a  # relu'(z) = (a > 0): the sign of a is that of z
    batch_mean = spec.batch is not None and spec.reduction == "mean"
    scale = 1.0 / c.m if batch_mean else 1.0
    result: dict[str, Any] = {**argument_values(c), "z": zs, "a": acts[1:]}
    if not spec.upstream:
        per_example = loss_per_example(spec.loss, acts[-1], c.target, np)
        result["loss"] = np.array(float(np.sum(per_example) * scale))
    output = spec.activations[-1]
    with np.errstate(all="ignore"):  # own outputs may be 0, 1, nan or huge
        if spec.upstream:
            d_out = np.ones_like(out_a) if mistake == "upstream-ignored" else c.upstream
        else:
            d_out = loss_gradient_per_example(spec.loss, out_a, c.target, np) * scale
        combined = (spec.loss, output) in COMBINED
        wrong_local = _local_on_preactivation(output, zs[-1])
        if mistake == "missing-activation-derivative":
            delta_out = d_out
        elif mistake == "derivative-on-preactivation" and wrong_local is not None:
            delta_out = d_out * wrong_local
        elif combined and output == "softmax":  # any target rows, not only probability vectors
            delta_out = (out_a * np.sum(c.target, axis=-1, keepdims=True) - c.target) * scale
        elif combined:
            delta_out = (out_a - c.target) * scale
            if mistake == "extra-sigmoid-derivative":
                delta_out = delta_out * out_a * (1.0 - out_a)
        else:
            delta_out = activation_backward(output, out_z, out_a, d_out, np, negative_slope=slope)
        deltas: list[np.ndarray] = [np.empty(0)] * depth
        d_as: list[np.ndarray] = [np.empty(0)] * depth
        deltas[-1], d_as[-1] = delta_out, d_out
        for l in range(depth - 1, 0, -1):  # from layer l + 1 (index l) down to layer l (index l - 1)
            if mistake == "hidden-uses-one-output" and l == depth - 1:
                back = deltas[l][:, -1:] * c.weights[l][-1][None, :]
            else:
                back = deltas[l] @ c.weights[l]
            d_as[l - 1] = back
            name = spec.activations[l - 1]
            wrong_local = _local_on_preactivation(name, zs[l - 1])
            if mistake in ("missing-activation-derivative", "hidden-activation-derivative-missing"):
                deltas[l - 1] = back
            elif mistake == "relu-mask-from-gradient" and name == "relu":
                deltas[l - 1] = np.maximum(back, 0.0)
            elif mistake == "derivative-on-preactivation" and wrong_local is not None:
                deltas[l - 1] = back * wrong_local
            else:
                deltas[l - 1] = activation_backward(name, zs[l - 1], acts[l], back, np, negative_slope=slope)
        d_inputs = (d_as[0] if mistake == "input-gradient-skips-derivative" else deltas[0]) @ c.weights[0]
        inputs = acts[1:] if mistake == "layers-reversed" else acts[:-1]
        d_weights = [deltas[l].T @ inputs[l] for l in range(depth)]
        d_biases = [deltas[l][-1] if mistake == "bias-not-summed" else np.sum(deltas[l], axis=0) for l in range(depth)]
        factor = {"sign-error": -1.0, "factor-two": 2.0}.get(mistake or "", 1.0)
        if mistake == "batch-mean-mismatch":
            factor = float(c.m) if batch_mean else 1.0 / c.m
        if factor != 1.0:
            deltas, d_as = [factor * d for d in deltas], [factor * d for d in d_as]
            d_weights, d_biases, d_inputs = [factor * g for g in d_weights], [factor * g for g in d_biases], factor * d_inputs
    result.update(delta=deltas, d_a=d_as, d_weights=d_weights, d_biases=d_biases, d_inputs=d_inputs)
    _add_updates(result, c)
    return result
