"""Float64 for JAX computations without touching the user's global config."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

__all__ = ["float64"]


@contextlib.contextmanager
def float64() -> Iterator[None]:
    """Run the enclosed JAX code with 64-bit floats enabled, then restore.

    JAX computes in float32 unless ``jax_enable_x64`` is on.  gradecheck's
    reference computations need float64, but flipping the global flag would
    change the user's own JAX programs, so every JAX entry point of gradecheck
    runs inside this context manager instead.  Nesting is fine.
    """
    import jax

    enable_x64 = getattr(jax, "enable_x64", None)
    if enable_x64 is None:  # JAX < 0.6 kept it in jax.experimental
        from jax.experimental import enable_x64 as legacy_enable_x64

        with legacy_enable_x64():
            yield
        return
    with enable_x64(True):
        yield
