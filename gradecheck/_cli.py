"""The ``gradecheck`` command line (DESIGN.md C1).

Exit statuses: 0 success, 1 the checked code is wrong, 2 gradecheck could not
run (bad arguments, a missing file or name).  click is used for parsing and
``--help`` because it gives subcommands, typed options and consistent usage
errors without hand-written argument handling.
"""

from __future__ import annotations

import inspect
import sys
import time
from typing import Any

import click

from gradecheck import __version__
from gradecheck._errors import GradecheckError

__all__ = ["main", "cli"]

EXIT_OK, EXIT_FAILED, EXIT_CANNOT_RUN = 0, 1, 2


class _CannotRun(click.ClickException):
    """Printed as ``error: ...`` with exit status 2."""

    exit_code = EXIT_CANNOT_RUN

    def show(self, file: Any = None) -> None:
        click.secho(f"error: {self.format_message()}", err=True, fg="red")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="gradecheck")
def cli() -> None:
    """Check hand-written backpropagation against a float64 reference.

    \b
    Exit statuses: 0 success, 1 the checked gradients are wrong,
    2 gradecheck could not run (bad arguments, missing file or name).
    """


def _kind_of(obj: Any) -> str:
    """``"layer"`` for a layer class/instance/factory, ``"backprop"`` for a C4 function."""
    if inspect.isclass(obj) or (callable(getattr(obj, "forward", None)) and callable(getattr(obj, "backward", None))):
        return "layer"
    if callable(obj):
        try:
            parameters = inspect.signature(obj).parameters.values()
        except (TypeError, ValueError):
            return "layer"
        required = [p for p in parameters if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if len(required) == 0:
            return "layer"
        if len(required) == 4:
            return "backprop"
        raise _CannotRun(
            f"{getattr(obj, '__name__', obj)!r} takes {len(required)} arguments; verify expects a layer class, "
            f"a zero-argument layer factory, or backprop(weights, biases, x, y)."
        )
    raise _CannotRun(f"expected a layer class, a layer factory or a backprop function; got {type(obj).__name__}.")


@cli.command()
@click.argument("target", metavar="FILE.py:NAME")
@click.option("--max-examples", default=100, show_default=True, type=click.IntRange(1, 100_000),
              help="How many Hypothesis examples to try.")
@click.option("--order", default="4", show_default=True, type=click.Choice(["2", "4"]),
              help="Finite-difference order for layers (refined by Richardson extrapolation).")
def verify(target: str, max_examples: int, order: str) -> None:
    """Property-check a layer or a backprop function in FILE.py.

    \b
    NAME may be:
      - a layer class or zero-argument factory following the layer protocol:
        forward(*inputs) -> output, backward(upstream) -> gradient per input,
        optionally params / grads dicts and input_shapes;
        checked against finite differences of its own forward;
      - backprop(weights, biases, x, y) -> (d_weights, d_biases) for a sigmoid
        network with E = 0.5*sum((a_L - y)**2) (DESIGN.md C4);
        checked against the JAX reference on random architectures.

    Examples are drawn deterministically, so the same code always gets the
    same verdict. On failure the smallest failing example is printed and the
    exit status is 1.

    \b
    Example:
      gradecheck verify examples/layers.py:MultiplyGate
    """
    from gradecheck import _checks, _layers

    started = time.perf_counter()
    try:
        obj, label = _layers.load_object(target)
        kind = _kind_of(obj)
        if kind == "layer":
            result = _checks.check_layer(obj, max_examples=max_examples, order=int(order))
        else:
            result = _checks.check_backprop(obj, max_examples=max_examples)
    except GradecheckError as error:
        raise _CannotRun(str(error)) from None
    elapsed = time.perf_counter() - started
    if result.passed:
        click.secho(f"PASS {label}", fg="green", bold=True)
        click.echo(f"{result.report()} ({elapsed:.1f} s)")
        return
    click.secho(f"FAIL {label}", fg="red", bold=True)
    click.echo(result.report())
    sys.exit(EXIT_FAILED)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status instead of exiting."""
    try:
        cli.main(args=argv, prog_name="gradecheck", standalone_mode=False)
    except click.exceptions.Exit as exit_:
        return exit_.exit_code
    except click.ClickException as error:
        error.show()
        return error.exit_code if isinstance(error, _CannotRun) else EXIT_CANNOT_RUN
    except click.Abort:
        click.echo("Aborted.", err=True)
        return EXIT_CANNOT_RUN
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return EXIT_OK
