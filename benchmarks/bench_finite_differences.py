"""Element-wise finite differences of a network loss: gradcheck against its peers.

Run by hand (not part of the test suite):

    python benchmarks/bench_finite_differences.py [--repeats 5] [--seed 0]

For each network it times a full central-difference check of every parameter
and prints seconds, first-call overhead (compilation), max abs error against
``jax.grad`` and ratios to gradecheck.  Peers that are not installed (torch) are
skipped with a message.  See benchmarks/README.md for what each row means.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from gradecheck._network import Network, activate, loss_per_example
from gradecheck._network_fd import network_finite_differences, parameter_steps
from gradecheck._precision import float64

SLOW_SECONDS = 1.0  # a method slower than this on its first call is timed once more only


class Problem:
    """A network, its parameters as one flat vector, data and the reference gradient."""

    def __init__(self, network: Network, batch: int | None, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.network = network
        self.weights = [rng.normal(size=s) / np.sqrt(s[1]) for s in network.weight_shapes]
        self.biases = [rng.normal(scale=0.1, size=s) for s in network.bias_shapes]
        m = 1 if batch is None else batch
        self.x = rng.normal(size=(m, network.widths[0]))
        self.y = rng.uniform(size=(m, network.widths[-1]))
        if batch is None:
            self.x, self.y = self.x[0], self.y[0]
        self.flat = np.concatenate([p.ravel() for p in (*self.weights, *self.biases)])
        self.reference = self._jax_reference()

    def unpack(self, flat: Any) -> tuple[list[Any], list[Any]]:
        """Weights and biases as views of ``flat`` (NumPy, JAX or torch)."""
        shapes = [*self.network.weight_shapes, *self.network.bias_shapes]
        parts, start = [], 0
        for shape in shapes:
            size = int(np.prod(shape))
            parts.append(flat[start : start + size].reshape(shape))
            start += size
        depth = self.network.depth
        return parts[:depth], parts[depth:]

    def loss(self, weights: Any, biases: Any, x: Any, y: Any, xp: Any) -> Any:
        """The network's loss, in any array namespace (numpy, jax.numpy, torch)."""
        net = self.network
        a = x
        for name, w, b in zip(net.activations, weights, biases):
            a = activate(name, a @ w.T + b, xp, negative_slope=net.negative_slope)
        per_example = loss_per_example(net.loss, a, y, xp)
        return per_example.sum() if net.reduction == "sum" else per_example.mean()

    def numpy_flat_loss(self, flat: np.ndarray) -> float:
        return float(self.loss(*self.unpack(flat), self.x, self.y, np))

    def jax_flat_loss(self, flat: Any) -> Any:
        import jax.numpy as jnp

        return self.loss(*self.unpack(flat), jnp.asarray(self.x), jnp.asarray(self.y), jnp)

    def _jax_reference(self) -> np.ndarray:
        import jax

        with float64():
            return np.asarray(jax.jit(jax.grad(self.jax_flat_loss))(self.flat))


def time_method(run: Callable[[], Any], repeats: int) -> tuple[Any, float, float]:
    """``(result, first_call_seconds, best_seconds)``; the first call is the warm-up."""
    start = time.perf_counter()
    result = run()
    first = time.perf_counter() - start
    timings = []
    for _ in range(1 if first > SLOW_SECONDS else repeats):
        start = time.perf_counter()
        result = run()
        timings.append(time.perf_counter() - start)
    return result, first, min(timings)


# ----------------------------------------------------------------------------
# The methods: each returns a flat gradient estimate, or a pass/fail string.
# ----------------------------------------------------------------------------


def gradecheck_network(problem: Problem, backend: str) -> Callable[[], np.ndarray]:
    def run() -> np.ndarray:
        d_w, d_b = network_finite_differences(
            problem.network, problem.weights, problem.biases, problem.x, problem.y, backend=backend
        )
        return np.concatenate([d.ravel() for d in (*d_w, *d_b)])

    return run


def numpy_loop(problem: Problem) -> Callable[[], np.ndarray]:
    def run() -> np.ndarray:
        flat = problem.flat.copy()
        steps = parameter_steps(flat)
        grad = np.empty_like(flat)
        for i, h in enumerate(steps):
            saved = flat[i]
            flat[i] = saved + h
            plus = problem.numpy_flat_loss(flat)
            flat[i] = saved - h
            minus = problem.numpy_flat_loss(flat)
            flat[i] = saved
            grad[i] = (plus - minus) / (2.0 * h)
        return grad

    return run


def generic_vectorized(problem: Problem) -> Callable[[], np.ndarray] | None:
    try:
        from gradecheck._numeric import central_difference_vectorized
    except ImportError:
        return None

    def run() -> np.ndarray:
        return central_difference_vectorized(problem.jax_flat_loss, problem.flat).gradient

    return run


def jax_check_grads(problem: Problem) -> Callable[[], str]:
    import jax.numpy as jnp
    from jax.test_util import check_grads

    def run() -> str:
        with float64():
            try:
                check_grads(problem.jax_flat_loss, (jnp.asarray(problem.flat),), order=1, modes=["rev"])
            except AssertionError:
                return "fail"
        return "pass"

    return run


def torch_gradcheck(problem: Problem) -> Callable[[], str] | str:
    try:
        import torch
    except ImportError:
        return "skipped: torch is not installed (pip install torch)"
    depth = problem.network.depth
    params = [
        torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in (*problem.weights, *problem.biases)
    ]
    x = torch.tensor(problem.x, dtype=torch.float64)
    y = torch.tensor(problem.y, dtype=torch.float64)

    def loss(*tensors: Any) -> Any:
        return problem.loss(tensors[:depth], tensors[depth:], x, y, torch)

    def run() -> str:
        ok = torch.autograd.gradcheck(loss, params, fast_mode=False, raise_exception=False)
        return "pass" if ok else "fail"

    return run


# ----------------------------------------------------------------------------
# The table
# ----------------------------------------------------------------------------


def benchmark(problem: Problem, repeats: int) -> None:
    net = problem.network
    batch = "single example" if np.ndim(problem.x) == 1 else f"batch {np.shape(problem.x)[0]}"
    print(f"\n{net.describe()}, {batch}, {net.parameter_count} parameters, float64")
    methods: list[tuple[str, Any]] = [
        ("gradecheck network FD (jax)", gradecheck_network(problem, "jax")),
        ("gradecheck network FD (numpy)", gradecheck_network(problem, "numpy")),
        ("gradecheck generic vectorized FD", generic_vectorized(problem) or "n/a: gradecheck._numeric not found"),
        ("torch gradcheck (element-wise)", torch_gradcheck(problem)),
        ("jax check_grads (1 direction)", jax_check_grads(problem)),
        ("numpy loop, 2P forward passes", numpy_loop(problem)),
    ]
    header = f"{'method':34} {'seconds':>9} {'1st call':>9} {'compile':>9} {'max abs err':>12}"
    print(header)
    print("-" * len(header))
    rows: dict[str, float] = {}
    for name, run in methods:
        if isinstance(run, str):
            print(f"{name:34} {run}")
            continue
        result, first, best = time_method(run, repeats)
        rows[name] = best
        if isinstance(result, str):
            error = f"({result})"
        else:
            error = f"{np.max(np.abs(result - problem.reference)):.2e}"
        print(f"{name:34} {best:9.4f} {first:9.4f} {max(first - best, 0.0):9.4f} {error:>12}")
    bases = {"gradecheck-jax": "gradecheck network FD (jax)", "gradecheck-numpy": "gradecheck network FD (numpy)"}
    for label, base in bases.items():
        print(f"ratios, seconds / seconds of {base} ({label}):")
        for name, seconds in rows.items():
            if name != base:
                print(f"  {name:34} / {label:16} = {seconds / rows[base]:8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of fast methods (best is kept)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--torch-threads",
        type=int,
        default=1,
        help="torch intra-op threads; its default (one per core) is many times slower on these tiny ops",
    )
    args = parser.parse_args()
    import jax

    try:
        import torch

        torch.set_num_threads(args.torch_threads)
        torch_version = f"{torch.__version__} ({args.torch_threads} thread)"
    except ImportError:
        torch_version = "not installed"
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, jax {jax.__version__}, "
        f"torch {torch_version}, {platform.machine()}, {os.cpu_count()} cores"
    )
    # Warm up every library once on a tiny problem so that import and first-use
    # costs do not land in the first table.
    tiny = Problem(Network.mlp((2, 2)), None, args.seed)
    for run in (torch_gradcheck(tiny), jax_check_grads(tiny), generic_vectorized(tiny)):
        if callable(run):
            run()
    big = Network.mlp((8, 93, 93, 4), hidden="sigmoid", output="sigmoid", loss="half_sse")
    benchmark(Problem(big, 8, args.seed), args.repeats)
    benchmark(Problem(Network.mlp((3, 2, 2)), None, args.seed), args.repeats)


if __name__ == "__main__":
    main()
