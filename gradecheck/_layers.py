"""The layer protocol (DESIGN.md C5): loading layers and calling them safely.

A layer object has ``forward(*inputs) -> output`` and ``backward(upstream)``
returning the gradient for each input (one array for one input, a list or
tuple for several).  Optional attributes: ``params`` (dict name -> array),
``grads`` (same keys, filled by ``backward``) and ``input_shapes`` (list of
shape tuples).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import inspect
import sys
import types
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from gradecheck._errors import LayerProtocolError, LoadError

__all__ = ["LayerSpec", "load_object", "layer_factory", "describe_layer"]


def load_object(target: str) -> tuple[Any, str]:
    """Load ``FILE.py:NAME`` and return ``(object, "FILE.py:NAME")``.

    The file is imported as a fresh module under a private name, with its
    folder on ``sys.path`` for the duration of the import so that sibling
    modules resolve.  Raises :class:`LoadError` with a reason the user can act on.
    """
    file_part, sep, name = target.rpartition(":")
    if not sep or not file_part or not name:
        raise LoadError(
            f"expected FILE.py:NAME (for example layers.py:Dense), got {target!r}."
        )
    path = Path(file_part)
    if not path.is_file():
        raise LoadError(f"no such file: {str(path)!r} (from {target!r}); check the path.")
    module_name = f"_gradecheck_user_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise LoadError(f"cannot import {str(path)!r}: expected a Python source file ending in .py.")
    module = importlib.util.module_from_spec(spec)
    folder = str(path.resolve().parent)
    sys.path.insert(0, folder)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        sys.modules.pop(module_name, None)
        raise LoadError(
            f"importing {str(path)!r} failed with {type(error).__name__}: {error}"
        ) from error
    finally:
        if sys.path and sys.path[0] == folder:
            del sys.path[0]
    if not hasattr(module, name):
        public = sorted(
            n for n, v in vars(module).items() if not n.startswith("_") and not isinstance(v, types.ModuleType)
        )
        raise LoadError(
            f"{str(path)!r} defines no name {name!r}; it defines: {', '.join(public) or 'nothing public'}."
        )
    return getattr(module, name), target


def layer_factory(obj: Any) -> Callable[[], Any]:
    """Turn a layer class, a zero-argument factory or a layer instance into a factory.

    An instance is reused (its ``params`` are restored after every check); a
    class or factory gives a fresh layer for every Hypothesis example.
    """
    if _is_layer(obj):
        return lambda: obj
    if callable(obj):
        try:
            inspect.signature(obj).bind()
        except TypeError as error:
            raise LayerProtocolError(
                f"{_name_of(obj)} needs arguments to build a layer ({error}); pass a class or "
                f"function that builds a layer with no arguments, e.g. lambda: Dense(4, 3)."
            ) from None
        except ValueError:
            pass  # builtins without a signature: just try to call them
        return obj
    raise LayerProtocolError(
        f"expected a layer (an object with forward and backward methods), a layer class or a "
        f"zero-argument factory; got {type(obj).__name__}."
    )


def _is_layer(obj: Any) -> bool:
    return (
        not inspect.isclass(obj)
        and callable(getattr(obj, "forward", None))
        and callable(getattr(obj, "backward", None))
    )


def _name_of(obj: Any) -> str:
    return getattr(obj, "__qualname__", None) or type(obj).__name__


@dataclasses.dataclass(frozen=True)
class LayerSpec:
    """What gradcheck learned about a layer by looking at it.

    Attributes:
        name: the class name, for messages.
        n_inputs: how many arrays ``forward`` takes.
        input_shapes: the shapes the layer asked for, or ``None`` to draw one
            shape shared by every input.
        param_names: the keys of ``params`` (empty when there are none).
        input_names: a name per input for reports: ``forward``'s parameter
            names where they can be read, else ``inputs[0]``, ``inputs[1]``...
    """

    name: str
    n_inputs: int
    input_shapes: tuple[tuple[int, ...], ...] | None
    param_names: tuple[str, ...]
    input_names: tuple[str, ...]


def describe_layer(layer: Any, *, inputs: int | None = None) -> LayerSpec:
    """Inspect a layer instance and check it follows the protocol.

    ``inputs``: how many inputs ``forward`` takes, when the caller knows it
    (shapes given to :func:`gradecheck.check_layer`); else it is read from
    ``input_shapes`` or ``forward``'s signature.
    """
    name = type(layer).__name__
    if not _is_layer(layer):
        raise LayerProtocolError(
            f"{name} does not follow the layer protocol: it needs methods forward(*inputs) and "
            f"backward(upstream); found forward={callable(getattr(layer, 'forward', None))}, "
            f"backward={callable(getattr(layer, 'backward', None))}."
        )
    raw_shapes = getattr(layer, "input_shapes", None)
    shapes: tuple[tuple[int, ...], ...] | None = None
    if raw_shapes is not None:
        try:
            shapes = tuple(tuple(int(side) for side in shape) for shape in raw_shapes)
        except (TypeError, ValueError):
            raise LayerProtocolError(
                f"{name}.input_shapes should be a list of shape tuples such as [(4,)], got {raw_shapes!r}."
            ) from None
        if not shapes or any(side < 1 for shape in shapes for side in shape):
            raise LayerProtocolError(
                f"{name}.input_shapes should list one shape per input with sides >= 1, got {raw_shapes!r}."
            )
    if inputs is not None:
        n_inputs = inputs
    else:
        n_inputs = len(shapes) if shapes is not None else _count_forward_inputs(layer, name)
    params = getattr(layer, "params", None)
    param_names: tuple[str, ...] = ()
    if params is not None:
        if not isinstance(params, dict):
            raise LayerProtocolError(
                f"{name}.params should be a dict of name -> numpy array, got {type(params).__name__}."
            )
        for key, value in params.items():
            if not (isinstance(value, np.ndarray) and value.dtype.kind == "f"):
                raise LayerProtocolError(
                    f"{name}.params[{key!r}] should be a float numpy array (gradcheck perturbs it in "
                    f"place), got {type(value).__name__}"
                    + (f" of dtype {value.dtype}" if isinstance(value, np.ndarray) else "")
                    + "."
                )
        param_names = tuple(params)
    return LayerSpec(name, n_inputs, shapes, param_names, _input_names(layer, n_inputs))


def _input_names(layer: Any, n_inputs: int) -> tuple[str, ...]:
    try:
        parameters = list(inspect.signature(layer.forward).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    names = [
        p.name
        for p in parameters
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    ]
    if len(names) == n_inputs:
        return tuple(names)
    return tuple(f"inputs[{i}]" for i in range(n_inputs))


def _count_forward_inputs(layer: Any, name: str) -> int:
    try:
        signature = inspect.signature(layer.forward)
    except (TypeError, ValueError):
        raise LayerProtocolError(
            f"cannot read the signature of {name}.forward; set {name}.input_shapes, e.g. [(4,)]."
        ) from None
    count = 0
    for parameter in signature.parameters.values():
        if parameter.kind is parameter.VAR_POSITIONAL:
            raise LayerProtocolError(
                f"{name}.forward takes *args, so gradcheck cannot tell how many inputs it has; "
                f"set {name}.input_shapes, e.g. [(3,), (3,)]."
            )
        if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD) and (
            parameter.default is parameter.empty
        ):
            count += 1
    if count == 0:
        raise LayerProtocolError(f"{name}.forward takes no inputs; it should take at least one array.")
    return count
