"""The worker: runs one untrusted submission and answers the grader's requests.

Loaded by the fork server (``forkserver.py``) inside the sandbox, or run as a
script (``python -I worker.py PROTOCOL_IN_FD PROTOCOL_OUT_FD``) where no fork
server can run; never imported by the grader, and it imports nothing from
gradecheck.  Under OS isolation it lives in a filesystem view that holds only
Python's standard library, the allowed packages and this runtime: there is no
grading code, expected answer or test spec to find.

Descriptors: the fork server hands the worker its protocol pipes on two
descriptors of its own and points 0 at an empty pipe and 1 and 2 at the
output pipe that the grader drains, so whatever the submission prints goes
there and cannot corrupt the protocol.

Protocol: one JSON object per line, requests in, one response per request out.
Values cross as JSON numbers, lists and objects; NaN and infinities use
Python's JSON extensions.  Nothing is pickled in either direction.  A value
returned by ``call`` or ``method`` comes with ``sequence``: whether it was a
list or tuple (a tuple of arrays and a 2-d array are the same JSON).

Requests (``op``): ``load`` (source, filename, forbidden, protected,
response_bytes, packages: the allowed packages, for stand-ins and messages),
``call`` (name, args, kinds), ``call_many`` (name, args_list, kinds), ``new``
(name, args, kinds), ``method`` (handle, name, args, kinds), ``attr`` (handle,
name), ``set_item`` (handle, attr, key, value), ``inspect`` (name, and handle
for an attribute of an object: says whether it is missing, callable, with its
parameters, or a value).  Responses:
``{"ok": true, ...}`` or ``{"ok": false, "error": {"type", "message", "traceback"}}``.
"""

import builtins
import importlib.abc
import importlib.util
import json
import linecache
import os
import signal
import sys
import traceback

#: The largest response sent; the grader's ``load`` request sets it (``Limits.response_bytes``).
MAX_RESPONSE_BYTES = 4 * 1024 * 1024
_SUBMISSION_FILE = "<submission>"


def _load_sibling(name):
    """The runtime module ``name`` beside this file (the worker imports nothing from gradecheck)."""
    spec = importlib.util.spec_from_file_location(f"_gradecheck_{name}", os.path.join(os.path.dirname(__file__), f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: Stand-ins for matplotlib, tqdm and IPython's display (loaded once, in the fork server: warm in every worker).
notebook_stubs = _load_sibling("notebook_stubs")
#: The packages a submission may import besides the standard library (the ``load`` request names them).
_PACKAGES = ["numpy"]


class _ForbiddenImports(importlib.abc.MetaPathFinder):
    """Refuses imports of the named top-level packages, and remembers the attempts."""

    def __init__(self, names):
        self.names = frozenset(names)
        self.attempts = []

    def find_spec(self, fullname, path=None, target=None):
        self.refuse(fullname)
        return None

    def refuse(self, fullname):
        """Raise ImportError (and remember the attempt) if ``fullname`` is in a forbidden package."""
        top = fullname.partition(".")[0]
        if top in self.names:
            if top not in self.attempts:
                self.attempts.append(top)
            raise ImportError(
                f"importing {top!r} is not allowed in this exercise: write the backward pass by hand "
                f"with numpy (forbidden here: {', '.join(sorted(self.names))})",
                name=fullname,
            )


class _TooLarge(ValueError):
    pass


class CpuTimeExceeded(BaseException):
    """Raised in the submission's code at its CPU-time limit (SIGXCPU); the process is killed a second later."""


def _on_cpu_limit(signum, frame):
    raise CpuTimeExceeded("the submission used up its CPU time")


def _guard(forbidden, protected):
    protected = tuple(os.path.join(os.path.realpath(p), "") for p in protected)

    def hook(event, args):
        if event == "import":
            forbidden.refuse(str(args[0]))
        elif event == "open" and protected and isinstance(args[0], (str, bytes, os.PathLike)):
            path = os.path.realpath(os.fsdecode(args[0]))
            if path.startswith(protected):
                raise PermissionError(f"reading {os.fsdecode(args[0])} is not allowed while grading")

    return hook


def _to_wire(value, depth=0, budget=None):
    if budget is None:
        budget = [MAX_RESPONSE_BYTES // 8]
    if depth > 32:
        raise TypeError("the returned value is nested more than 32 levels deep")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**53 else float(value)
    if isinstance(value, float):
        return value
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        if isinstance(value, numpy.ndarray):
            kind = value.dtype.kind
            budget[0] -= value.size
            if budget[0] < 0:
                raise _TooLarge(
                    f"the returned value is too large to check (an array of {value.size} numbers; "
                    f"the limit is about {MAX_RESPONSE_BYTES // 8} numbers in all)"
                )
            if kind in "biuf":
                return value.astype(float).tolist()
            if kind == "O":
                return [_to_wire(item, depth + 1, budget) for item in value.tolist()]
            raise TypeError(f"an array of dtype {value.dtype} (expected real numbers)")
        if isinstance(value, numpy.generic):
            return _to_wire(value.item(), depth + 1, budget)
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooLarge("the returned value is too large to check (too many numbers)")
    if isinstance(value, (list, tuple)):
        return [_to_wire(item, depth + 1, budget) for item in value]
    if isinstance(value, dict):
        return {str(key): _to_wire(item, depth + 1, budget) for key, item in value.items()}
    if isinstance(value, complex):
        raise TypeError("a complex number (expected real numbers)")
    raise TypeError(f"a value of type {type(value).__name__} (expected numbers, lists or numpy arrays)")


def _from_wire(value, kind):
    if kind == "float":
        return float(value)
    if kind == "int":
        return int(value)
    if kind == "array":
        import numpy

        return numpy.array(value, dtype=numpy.float64)
    if kind == "arrays":
        import numpy

        return [numpy.array(item, dtype=numpy.float64) for item in value]
    return value


#: At most this many parameters of a signature are described by ``inspect``.
_MAX_PARAMETERS = 64


def _parameters(function):
    """``[[name, kind, has_default], ...]`` of ``function``'s signature, or None if it cannot be read."""
    import inspect

    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return None
    return [
        [str(p.name), p.kind.name, p.default is not p.empty]
        for p in list(signature.parameters.values())[:_MAX_PARAMETERS]
    ]


def _convert_args(args, kinds):
    kinds = kinds or ["raw"] * len(args)
    return [_from_wire(arg, kind) for arg, kind in zip(args, kinds)]


def _and(names):
    names = list(names)
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)


def _error(exc):
    frames = traceback.extract_tb(exc.__traceback__)
    own = [frame for frame in frames if frame.filename == _SUBMISSION_FILE]
    text = "".join(traceback.format_list(own[-5:]))
    message = str(exc) or "(no message)"
    if isinstance(exc, SyntaxError):
        message = f"{exc.msg} (line {exc.lineno})"
        if exc.text:
            message += f": {exc.text.strip()}"
    if type(exc) is ModuleNotFoundError:
        message += (f" (only Python's standard library and {_and(_PACKAGES)} are installed where submissions are "
                    f"graded; plotting with matplotlib, tqdm progress bars and IPython's display() also work, "
                    f"and do nothing)")
    return {"type": type(exc).__name__, "message": message[:2000], "traceback": text[-4000:]}


class _Worker:
    def __init__(self):
        self.namespace = None
        self.objects = {}
        self.forbidden = None

    def load(self, request):
        global MAX_RESPONSE_BYTES
        MAX_RESPONSE_BYTES = int(request.get("response_bytes", MAX_RESPONSE_BYTES))
        _PACKAGES[:] = [str(name) for name in request.get("packages", ["numpy"])]
        # Stand-ins first, then the forbidden finder in front of them: a forbidden package is refused even if stubbed.
        notebook_stubs.install(_PACKAGES)
        self.forbidden = _ForbiddenImports(request.get("forbidden", ()))
        sys.meta_path.insert(0, self.forbidden)
        # Messages, not security: a forbidden import gets a clear refusal (and is
        # recorded) from the finder and the audit hook; isolation comes from the
        # operating system (the packages are absent from the sandbox's view).
        sys.addaudithook(_guard(self.forbidden, request.get("protected", ())))
        for name in list(sys.modules):
            if name.partition(".")[0] in self.forbidden.names:
                del sys.modules[name]
        source = request["source"]
        linecache.cache[_SUBMISSION_FILE] = (len(source), None, source.splitlines(True), _SUBMISSION_FILE)
        code = compile(source, _SUBMISSION_FILE, "exec")
        module = type(sys)("submission")
        module.__file__ = request.get("filename", "submission.py")
        module.__builtins__ = builtins
        sys.modules["submission"] = module
        self.namespace = module.__dict__
        exec(code, self.namespace)
        names = {}
        for name, value in list(self.namespace.items()):
            if name.startswith("_") or not callable(value):
                continue
            names[name] = "class" if isinstance(value, type) else "function"
        return {"names": names}

    def _callable(self, name):
        if self.namespace is None:
            raise RuntimeError("no submission loaded")
        if name not in self.namespace:
            raise NameError(f"the submission defines no {name!r}")
        return self.namespace[name]

    def call(self, request):
        function = self._callable(request["name"])
        value = function(*_convert_args(request.get("args", []), request.get("kinds")))
        return {"value": _to_wire(value), "sequence": isinstance(value, (list, tuple))}

    def call_many(self, request):
        function = self._callable(request["name"])
        kinds = request.get("kinds")
        values = [_to_wire(function(*_convert_args(args, kinds))) for args in request["args_list"]]
        return {"values": values}

    def new(self, request):
        factory = self._callable(request["name"])
        handle = len(self.objects) + 1
        self.objects[handle] = factory(*_convert_args(request.get("args", []), request.get("kinds")))
        return {"handle": handle}

    def method(self, request):
        target = self.objects[request["handle"]]
        value = getattr(target, request["name"])(*_convert_args(request.get("args", []), request.get("kinds")))
        return {"value": _to_wire(value), "sequence": isinstance(value, (list, tuple))}

    def attr(self, request):
        target = self.objects[request["handle"]]
        if not hasattr(target, request["name"]):
            return {"missing": True}
        return {"value": _to_wire(getattr(target, request["name"]))}

    def inspect(self, request):
        """What a name of the submission (or, with ``handle``, an attribute of an object) is."""
        name = request["name"]
        if request.get("handle") is None:
            if self.namespace is None or name not in self.namespace:
                return {"missing": True}
            value = self.namespace[name]
        else:
            target = self.objects[request["handle"]]
            if not hasattr(target, name):
                return {"missing": True}
            value = getattr(target, name)
        if callable(value):
            return {"callable": True, "parameters": _parameters(value)}
        return {"value": _to_wire(value)}

    def set_item(self, request):
        import numpy

        container = getattr(self.objects[request["handle"]], request["attr"])
        current = container[request["key"]]
        value = numpy.array(request["value"], dtype=numpy.float64)
        if isinstance(current, numpy.ndarray) and current.shape == value.shape:
            current[...] = value
        else:
            container[request["key"]] = value
        return {}


def _apply_limits(limits):
    try:
        import resource
    except ImportError:  # not POSIX: only the grader's timeouts apply
        return
    for name, value in limits.items():
        if hasattr(resource, name):
            try:
                resource.setrlimit(getattr(resource, name), (value, value))
            except (ValueError, OSError):
                pass


def main():
    """Run standalone: protocol on the descriptors named in argv, output on 1 and 2."""
    _apply_limits(json.loads(sys.argv[3]) if len(sys.argv) > 3 else {})
    serve(int(sys.argv[1]), int(sys.argv[2]))


def serve(protocol_in_fd, protocol_out_fd):
    """Answer requests read from ``protocol_in_fd`` on ``protocol_out_fd`` until end of input."""
    protocol_in = os.fdopen(protocol_in_fd, "rb")
    protocol_out = os.fdopen(protocol_out_fd, "wb")
    if hasattr(signal, "SIGXCPU"):  # a worker that is PID 1 of its namespace would ignore the default action
        signal.signal(signal.SIGXCPU, _on_cpu_limit)
    try:
        import numpy  # noqa: F401  (warm: most submissions need it)
    except ImportError:
        pass
    worker = _Worker()
    while True:
        line = protocol_in.readline()
        if not line:
            return
        request = json.loads(line)
        handler = getattr(worker, request.get("op", ""), None)
        try:
            if handler is None or request["op"].startswith("_"):
                raise ValueError(f"unknown request {request.get('op')!r}")
            response = {"ok": True, **handler(request)}
            text = json.dumps(response)
            if len(text) > MAX_RESPONSE_BYTES:
                raise ValueError(
                    f"the returned value is too large to check ({len(text)} bytes as JSON, "
                    f"limit {MAX_RESPONSE_BYTES})"
                )
        except BaseException as exc:  # noqa: BLE001  (the submission may raise anything, KeyboardInterrupt included)
            if isinstance(exc, ModuleNotFoundError) and worker.forbidden is not None:
                # A forbidden package is absent from the sandbox: trying to import it is still an attempt.
                top = str(exc.name or "").partition(".")[0]
                if top in worker.forbidden.names and top not in worker.forbidden.attempts:
                    worker.forbidden.attempts.append(top)
            text = json.dumps({"ok": False, "error": _error(exc)})
        if worker.forbidden is not None:  # every reply says which forbidden imports were tried so far
            text = text[:-1] + ', "forbidden_attempts": ' + json.dumps(worker.forbidden.attempts) + "}"
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001  (the submission may have replaced the streams)
                pass
        protocol_out.write(text.encode() + b"\n")
        protocol_out.flush()


if __name__ == "__main__":
    main()
