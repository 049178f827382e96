"""Property-check throughput: a Hypothesis check of a correct C4 backprop against the reference.

Run by hand:  python benchmarks/bench_property_checks.py [--examples 200]

Rows (each over the same deterministic Hypothesis run: random architectures,
depth 1-4, widths 1-8, sigmoid everywhere, E = 0.5*sum((a_L - y)**2)):

* gradecheck: ``check_backprop`` end to end (drawing, the student function,
  the padded/bucketed JAX reference with its built-in jax.grad cross-check,
  comparison).
* naive jit per shape: the same loop, but the reference is ``jax.jit(jax.grad)``
  of the loss on the unpadded arrays, so every new architecture compiles.
* numpy only: the same loop with the reference replaced by the student code
  itself (a floor: drawing and comparing alone).

Prints examples per second and ratios measured in this one run.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

import numpy as np
from hypothesis import given

ROOT = Path(__file__).resolve().parent.parent


def _load_example_backprop():
    spec = importlib.util.spec_from_file_location("example_mlp", ROOT / "examples" / "mlp.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.backprop


def _time_property(strategy, body, settings) -> tuple[float, int]:
    count = [0]

    @settings
    @given(strategy)
    def run(case):
        count[0] += 1
        body(case)

    started = time.perf_counter()
    run()
    return time.perf_counter() - started, count[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200)
    args = parser.parse_args()

    import jax
    import jax.numpy as jnp

    from gradecheck import _checks
    from gradecheck._precision import float64
    from gradecheck._profiles import grading_settings

    backprop = _load_example_backprop()
    settings = grading_settings(max_examples=args.examples)
    strategy = _checks.c4_network_cases()

    started = time.perf_counter()
    result = _checks.check_backprop(backprop, settings=settings)
    gradecheck_s = time.perf_counter() - started
    if not result.passed:
        print(result.report())
        return 1
    gradecheck_n = result.examples

    def loss(weights, biases, x, y):
        a = x
        for w, b in zip(weights, biases):
            a = 1.0 / (1.0 + jnp.exp(-(w @ a + b)))
        return 0.5 * jnp.sum((a - y) ** 2)

    grad = jax.jit(jax.grad(loss, argnums=(0, 1)))

    def naive_body(case):
        with float64():
            d_w, d_b = grad(case.weights, case.biases, case.x, case.y)
        mine = backprop(case.weights, case.biases, case.x, case.y)
        for got, want in zip(mine[0] + mine[1], list(d_w) + list(d_b)):
            np.testing.assert_allclose(got, np.asarray(want), rtol=1e-6, atol=1e-9)

    naive_s, naive_n = _time_property(strategy, naive_body, settings)

    def floor_body(case):
        mine = backprop(case.weights, case.biases, case.x, case.y)
        again = backprop(case.weights, case.biases, case.x, case.y)
        for got, want in zip(mine[0] + mine[1], again[0] + again[1]):
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)

    floor_s, floor_n = _time_property(strategy, floor_body, settings)

    rows = [
        ("gradecheck check_backprop", gradecheck_s, gradecheck_n),
        ("naive jax.jit(jax.grad) per shape", naive_s, naive_n),
        ("numpy only (no reference, floor)", floor_s, floor_n),
    ]
    print(f"Property-check throughput, {args.examples} examples requested, "
          f"jax {jax.__version__} on {jax.default_backend()}, python {sys.version.split()[0]}")
    print(f"{'method':<38} {'examples':>8} {'seconds':>8} {'examples/s':>11}")
    for name, seconds, n in rows:
        print(f"{name:<38} {n:>8} {seconds:>8.2f} {n / seconds:>11.1f}")
    print(f"ratio gradecheck / naive (examples/s): {(gradecheck_n / gradecheck_s) / (naive_n / naive_s):.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
