"""The worker process that runs one untrusted submission.

This file is executed as a script (``python -I _worker_main.py OUTPUT``), never
imported by the grader, and imports nothing from gradecheck: the submission
must not find grading code, expected answers or test specs in its process.

Protocol: one JSON object per line.  The grader writes requests to the
worker's standard input and reads one response per request from its standard
output.  Before any submission code runs, the worker moves the protocol onto
private duplicates of those descriptors and points descriptors 0, 1 and 2 at
``/dev/null`` and the OUTPUT file, so whatever the submission prints lands in
OUTPUT and cannot corrupt the protocol.  Values cross as JSON numbers, lists
and objects; NaN and infinities use Python's JSON extensions.  Nothing is
pickled in either direction.

Requests (``op``): ``load`` (source, filename, forbidden), ``call`` (name,
args, kinds), ``call_many`` (name, args_list, kinds), ``new`` (name, args),
``method`` (handle, name, args, kinds), ``attr`` (handle, name),
``set_item`` (handle, attr, key, value).  Responses: ``{"ok": true, ...}`` or
``{"ok": false, "error": {"type", "message", "traceback"}}``.
"""

import builtins
import importlib.abc
import json
import linecache
import os
import sys
import traceback

MAX_RESPONSE_BYTES = int(os.environ.get("GRADECHECK_MAX_RESPONSE_BYTES", str(4 * 1024 * 1024)))
_SUBMISSION_FILE = "<submission>"
#: "none" when the fork server put this worker in an empty network namespace.
NETWORK = "shared"


def _take_protocol_streams(output_path):
    protocol_in = os.fdopen(os.dup(0), "rb")
    protocol_out = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    output = os.open(output_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.close(output)
    return protocol_in, protocol_out


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


def _convert_args(args, kinds):
    kinds = kinds or ["raw"] * len(args)
    return [_from_wire(arg, kind) for arg, kind in zip(args, kinds)]


def _error(exc):
    frames = traceback.extract_tb(exc.__traceback__)
    own = [frame for frame in frames if frame.filename == _SUBMISSION_FILE]
    text = "".join(traceback.format_list(own[-5:]))
    message = str(exc) or "(no message)"
    if isinstance(exc, SyntaxError):
        message = f"{exc.msg} (line {exc.lineno})"
        if exc.text:
            message += f": {exc.text.strip()}"
    return {"type": type(exc).__name__, "message": message[:2000], "traceback": text[-4000:]}


class _Worker:
    def __init__(self):
        self.namespace = None
        self.objects = {}
        self.forbidden = None

    def load(self, request):
        self.forbidden = _ForbiddenImports(request.get("forbidden", ()))
        sys.meta_path.insert(0, self.forbidden)
        # The audit hook (which the submission cannot remove) refuses a forbidden import
        # even after the meta-path finder is taken out, and refuses to open files of the
        # grader's package; both give the same message.
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
        return {"names": names, "network": NETWORK}

    def _callable(self, name):
        if self.namespace is None:
            raise RuntimeError("no submission loaded")
        if name not in self.namespace:
            raise NameError(f"the submission defines no {name!r}")
        return self.namespace[name]

    def call(self, request):
        function = self._callable(request["name"])
        value = function(*_convert_args(request.get("args", []), request.get("kinds")))
        return {"value": _to_wire(value)}

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
        return {"value": _to_wire(value)}

    def attr(self, request):
        target = self.objects[request["handle"]]
        if not hasattr(target, request["name"]):
            return {"missing": True}
        return {"value": _to_wire(getattr(target, request["name"]))}

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
    serve(sys.argv[1], json.loads(sys.argv[2]) if len(sys.argv) > 2 else {})


def serve(output_path, limits):
    """Apply ``limits``, move the protocol off descriptors 0/1, answer requests until EOF."""
    _apply_limits(limits)
    protocol_in, protocol_out = _take_protocol_streams(output_path)
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
            text = json.dumps({"ok": False, "error": _error(exc)})
        if worker.forbidden is not None:  # every reply says which forbidden imports were tried so far
            text = text[:-1] + ', "forbidden_attempts": ' + json.dumps(worker.forbidden.attempts) + "}"
        sys.stdout.flush()
        sys.stderr.flush()
        protocol_out.write(text.encode() + b"\n")
        protocol_out.flush()


if __name__ == "__main__":
    main()
