"""Call a submission loaded in the sandbox as if it were a module (the pytest plugin's ``--gradecheck-sandbox``).

Functions are called by name.  A class becomes a :class:`SandboxedClass`:
calling it creates the object in the worker and returns a
:class:`SandboxedObject`, a proxy that holds only a handle.  Its methods run in
the worker; its other attributes are read from the worker as JSON each time
(so ``layer.params`` and ``layer.grads`` are always current), and a dict
attribute comes back as a :class:`SandboxedDict` that writes changes back
(``params[name] = value``, or :meth:`SandboxedDict.write_back` after changing
an array in place).  Nothing is pickled; every value is numbers, text, lists
or dicts, and arrays arrive as float64 numpy arrays.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from gradecheck._errors import SubmissionError

__all__ = ["SandboxedClass", "SandboxedDict", "SandboxedModule", "SandboxedObject"]


def _to_wire(value: Any) -> tuple[Any, str]:
    """An argument as a JSON value and the worker's conversion kind (numpy arrays arrive as float64 arrays)."""
    if isinstance(value, np.ndarray):
        return np.asarray(value, dtype=np.float64).tolist(), "array"
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, np.ndarray) for v in value):
        return [np.asarray(v, dtype=np.float64).tolist() for v in value], "arrays"
    return _plain(value), "raw"


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(
        f"cannot pass a {type(value).__name__} to a sandboxed submission: pass numbers, strings, lists, "
        f"dicts or numpy arrays."
    )


def _numeric_tree(value: Any) -> bool:
    if isinstance(value, list):
        return all(_numeric_tree(v) for v in value)
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _from_wire(value: Any) -> Any:
    """A returned JSON value with lists of numbers as float64 arrays.

    A rectangular nested list becomes one array (so a returned tuple of
    same-shaped arrays arrives as one stacked array; it still unpacks);
    a ragged list becomes a tuple of converted items.
    """
    if isinstance(value, list):
        if _numeric_tree(value):
            try:
                return np.array(value, dtype=np.float64)
            except ValueError:  # ragged
                pass
        return tuple(_from_wire(v) for v in value)
    if isinstance(value, dict):
        return {k: _from_wire(v) for k, v in value.items()}
    return value


def _returned(value: Any, sequence: bool) -> Any:
    """A returned value: a list or tuple stays a tuple of converted items, anything else as :func:`_from_wire`."""
    if sequence and isinstance(value, list):
        return tuple(_from_wire(v) for v in value)
    return _from_wire(value)


def _signature(parameters: Sequence[tuple[str, str, bool]] | None) -> inspect.Signature | None:
    """The signature the worker described (defaults shown as ``...``), or ``None``."""
    if parameters is None:
        return None
    try:
        return inspect.Signature(
            [
                inspect.Parameter(name, getattr(inspect.Parameter, kind), default=... if has_default else inspect.Parameter.empty)
                for name, kind, has_default in parameters
            ]
        )
    except ValueError:  # an order Python would not allow: no signature rather than a wrong one
        return None


def _wire_arguments(name: str, args: Sequence[Any], kwargs: dict[str, Any]) -> tuple[list[Any], list[str]]:
    if kwargs:
        raise TypeError(
            f"{name}() of a sandboxed submission takes positional arguments only; "
            f"got keyword argument(s) {', '.join(sorted(kwargs))}."
        )
    wire = [_to_wire(arg) for arg in args]
    return [w for w, _ in wire], [k for _, k in wire]


def _failed(filename: str, failure: Any) -> SubmissionError:
    details = f"\n{failure.details.rstrip()}" if failure.details else ""
    return SubmissionError(f"{filename}: {failure}{details}")


class SandboxedModule:
    """The submission loaded in gradecheck's sandboxed worker process.

    ``module.forward(weights, inputs, biases)`` calls the submission's
    ``forward`` in the worker: numpy arrays are sent as float64 arrays (the
    function receives numpy arrays), numbers, strings, lists and dicts as
    JSON; the returned value comes back with lists of numbers as float64
    arrays (see :func:`_from_wire`; a returned list or tuple is a tuple).
    ``module.LayerNorm(4)`` creates an object of the submission's class in
    the worker and returns a :class:`SandboxedObject`.  A failure inside the
    submission raises :class:`~gradecheck.SubmissionError`.
    """

    def __init__(self, sandbox: Any, filename: str) -> None:
        self._sandbox = sandbox
        self._filename = filename

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_"):
            raise AttributeError(name)
        kind = self._sandbox.names.get(name)
        if kind is None:
            defined = ", ".join(sorted(self._sandbox.names)) or "nothing callable"
            raise AttributeError(f"{self._filename} defines no function or class {name!r}; it defines: {defined}.")
        if kind == "class":
            return SandboxedClass(self, name)
        call = functools.partial(self._call, name)
        functools.update_wrapper(call, _named(name), assigned=("__name__", "__qualname__"), updated=())
        return call

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        from gradecheck._sandbox import SubmissionFailure

        values, kinds = _wire_arguments(name, args, kwargs)
        try:
            value, sequence = self._sandbox.call_structured(name, values, kinds)
        except SubmissionFailure as failure:
            raise _failed(self._filename, failure) from None
        return _returned(value, sequence)

    def __dir__(self) -> list[str]:
        return sorted(self._sandbox.names)

    def __repr__(self) -> str:
        return f"<sandboxed submission {self._filename!r}>"

    def close(self) -> None:
        """Stop the worker process."""
        self._sandbox.close()


def _named(name: str) -> Callable[..., Any]:
    def stand_in() -> None:  # pragma: no cover - only its names are used
        pass

    stand_in.__name__ = stand_in.__qualname__ = name
    return stand_in


class SandboxedClass:
    """A class (or factory) of a sandboxed submission; calling it creates the object in the worker.

    Positional arguments only, converted like a function's.  ``inspect.signature``
    gives the constructor's parameters as the worker read them, so
    :func:`gradecheck.check_layer` can tell whether it needs arguments.
    """

    def __init__(self, module: SandboxedModule, name: str) -> None:
        from gradecheck._sandbox import SubmissionFailure

        self._module, self.__name__, self.__qualname__ = module, name, name
        try:
            kind, parameters = module._sandbox.inspect(name)
        except SubmissionFailure as failure:
            raise _failed(module._filename, failure) from None
        signature = _signature(parameters) if kind == "callable" else None
        if signature is not None:
            self.__signature__ = signature

    def __call__(self, *args: Any, **kwargs: Any) -> SandboxedObject:
        from gradecheck._sandbox import SubmissionFailure

        values, kinds = _wire_arguments(self.__name__, args, kwargs)
        try:
            handle = self._module._sandbox.new(self.__name__, values, kinds)
        except SubmissionFailure as failure:
            raise _failed(self._module._filename, failure) from None
        return _object_class(self.__name__)(self._module, handle)

    def __repr__(self) -> str:
        return f"<sandboxed class {self.__name__} of {self._module._filename!r}>"


@functools.cache
def _object_class(name: str) -> type[SandboxedObject]:
    """A subclass of :class:`SandboxedObject` named like the submission's class (for messages)."""
    return type(name, (SandboxedObject,), {"__doc__": f"A {name} object living in the sandboxed worker."})


class SandboxedObject:
    """An object of the submission, living in the worker; this proxy holds its handle.

    Attribute access asks the worker: a method becomes a function that calls
    it there (with the method's signature); any other attribute is read as
    JSON (arrays as float64 numpy arrays, a dict as a :class:`SandboxedDict`).
    Setting attributes on the proxy is refused; write into a dict attribute
    instead (``layer.params["W"] = value``).
    """

    def __init__(self, module: SandboxedModule, handle: int) -> None:
        object.__setattr__(self, "_module", module)
        object.__setattr__(self, "_handle", handle)
        object.__setattr__(self, "_methods", {})

    def __getattr__(self, name: str) -> Any:
        from gradecheck._sandbox import SubmissionFailure

        if name.startswith("_"):
            raise AttributeError(name)
        methods = self._methods
        if name in methods:
            return methods[name]
        sandbox = self._module._sandbox
        try:
            kind, value = sandbox.inspect(name, self._handle)
        except SubmissionFailure as failure:
            raise _failed(self._module._filename, failure) from None
        if kind == "missing":
            raise AttributeError(f"{type(self).__name__} object (sandboxed) has no attribute {name!r}")
        if kind == "callable":
            method = functools.partial(self._call, name)
            functools.update_wrapper(method, _named(name), assigned=("__name__", "__qualname__"), updated=())
            signature = _signature(value)
            if signature is not None:
                method.__signature__ = signature  # type: ignore[attr-defined]
            methods[name] = method
            return method
        converted = _from_wire(value)
        if isinstance(converted, dict):
            return SandboxedDict(self, name, converted)
        return converted

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        from gradecheck._sandbox import SubmissionFailure

        values, kinds = _wire_arguments(name, args, kwargs)
        try:
            value, sequence = self._module._sandbox.method_structured(self._handle, name, values, kinds)
        except SubmissionFailure as failure:
            raise _failed(self._module._filename, failure) from None
        return _returned(value, sequence)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(
            f"cannot set {name!r} on a sandboxed {type(self).__name__}: the object lives in the worker process; "
            f"write into one of its dicts instead (e.g. layer.params[{name!r}] = value)."
        )

    def __repr__(self) -> str:
        return f"<sandboxed {type(self).__name__} object of {self._module._filename!r}>"


class SandboxedDict(dict):  # type: ignore[type-arg]
    """A dict attribute of a :class:`SandboxedObject`, read from the worker (numbers as float64 arrays).

    ``d[key] = value`` also writes the value into the worker's dict (in place
    where shapes match, as ``params`` updates need); after changing one of its
    arrays in place, :meth:`write_back` sends it.
    """

    def __init__(self, owner: SandboxedObject, attribute: str, values: dict[str, Any]) -> None:
        super().__init__(
            (key, np.asarray(value, dtype=np.float64) if isinstance(value, (int, float)) and not isinstance(value, bool) else value)
            for key, value in values.items()
        )
        self._owner, self._attribute = owner, attribute

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self.write_back(key)

    def write_back(self, key: str) -> None:
        """Send ``self[key]`` (numbers) to the worker's dict."""
        from gradecheck._sandbox import SubmissionFailure

        module = self._owner._module
        try:
            module._sandbox.set_item(self._owner._handle, self._attribute, str(key), _plain(self[key]))
        except SubmissionFailure as failure:
            raise _failed(module._filename, failure) from None
