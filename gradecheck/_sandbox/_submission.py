"""One submission in a confined worker: load it, call its functions, collect what it prints.

The grader never imports a submission and trusts nothing the worker can
touch.  It talks to the worker over pipes that only these two processes hold
(JSON lines, no pickle, no eval), with a deadline on every write and read and
a cap on every buffer; what the submission prints arrives on a third pipe
that is drained while waiting and kept only as a bounded tail.  No path the
worker could replace (by a symlink, a FIFO, /dev/zero) is ever opened.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import select
import shutil
import signal
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

from gradecheck._sandbox._folderwatch import FolderWatch
from gradecheck._sandbox._forkserver import ForkServer, worker_environment
from gradecheck._sandbox._isolation import NO_ISOLATION_WARNING, resolve_isolation
from gradecheck._sandbox._limits import Limits, SandboxError, SubmissionFailure
from gradecheck._sandbox._slots import Slot, acquire_slot
from gradecheck._sandbox._tree import DEFAULT_PACKAGES

__all__ = ["SandboxedSubmission"]

#: gradecheck's own files: in the "none" mode the worker's audit hook refuses to open them (a message, not security).
_PACKAGE_DIR = Path(__file__).resolve().parents[1]
#: How long a worker whose pipe closed may take to exit before it is killed.
_EXIT_GRACE_SECONDS = 1.0


class _OutputTail:
    """The last ``limit`` bytes of a stream, and how many came before them."""

    def __init__(self, limit: int) -> None:
        self.limit = max(0, limit)
        self.data = bytearray()
        self.total = 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        self.data += chunk
        if len(self.data) > self.limit:
            del self.data[: len(self.data) - self.limit]

    def text(self, limit: int) -> str:
        kept = bytes(self.data[-limit:]) if limit < len(self.data) else bytes(self.data)
        dropped = self.total - len(kept)
        text = kept.decode("utf-8", "replace")
        if dropped > 0:
            text = f"[... {dropped} earlier bytes of output not kept ...]\n" + text
        return text


def _seconds(value: float) -> str:
    """``12 s``, ``0.4 s``: how long something ran, to a tenth of a second."""
    return f"{value:.1f} s" if value < 10 else f"{value:.0f} s"


def _set_nonblocking(fd: int) -> None:
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)


def _field(response: dict[str, Any], key: str) -> Any:
    if key not in response:
        raise SubmissionFailure("The worker sent a response that does not fit the request (was the protocol tampered with?).", "protocol")
    return response[key]


class SandboxedSubmission:
    """One submission, loaded in a confined worker process; call its functions by name.

    Args:
        source: the submission's Python source.
        filename: shown in messages (e.g. ``"alice.ipynb"``).
        forbidden_imports: top-level packages the submission may not import
            (refused with a message and recorded; under OS isolation they are
            also absent from the worker's filesystem).
        limits: resource limits and isolation (defaults: :class:`Limits`).
        packages: the packages the submission may import besides the standard
            library (top-level import names; numpy is always there): the
            runtime tree holds these and nothing else.  matplotlib, seaborn,
            tqdm and IPython get stand-ins that do nothing unless listed here.

    Raises :class:`~gradecheck._sandbox.SandboxError` when the requested
    isolation is not available or a worker could not be confined: the
    submission is then not run at all.  Use as a context manager, or call
    :meth:`close`.
    """

    def __init__(
        self,
        source: str,
        filename: str = "submission.py",
        forbidden_imports: Sequence[str] = (),
        limits: Limits | None = None,
        packages: Sequence[str] = DEFAULT_PACKAGES,
    ) -> None:
        self.source = source
        self.packages = tuple(dict.fromkeys((*DEFAULT_PACKAGES, *packages)))
        self.filename = filename
        self.forbidden_imports = tuple(forbidden_imports)
        self.limits = limits or Limits()
        self.isolation = resolve_isolation(self.limits.isolation)
        self.names: dict[str, str] = {}
        self.forbidden_attempts: list[str] = []
        #: Whether the worker runs without network (its own network namespace).
        self.network_isolated = False
        self.seccomp = False
        self.load_error: SubmissionFailure | None = None
        self.restarts = 0
        self._server: ForkServer | None = None
        self._pid: int | None = None
        self._pipes: dict[str, int] = {}
        self._slot: Slot | None = None
        self._folder: str | None = None
        self._watch: FolderWatch | None = None
        self._buffer = b""
        self._output = _OutputTail(self.limits.output_bytes)
        #: Seconds the submission has had so far: time spent waiting for its replies (loading included), not
        #: the grader's own work between calls (reference values, search), which load must not charge to it.
        self._spent = 0.0
        self._fatal: SubmissionFailure | None = None
        #: The timeout that spent the submission's time budget (no call after it runs), else ``None``.
        self.budget_spent: SubmissionFailure | None = None
        self._start()

    # -- what the results record ------------------------------------------------------

    @property
    def sandbox_info(self) -> dict[str, Any]:
        """The isolation this submission ran under, for its result (``gradecheck.sandbox``)."""
        server = self._server
        return {
            "isolation": self.isolation.level,
            "description": self.isolation.description,
            "network_isolated": self.network_isolated,
            "dedicated_uid": self.isolation.dedicated_uid,
            "seccomp": self.seccomp,
            "memory_cgroup": server is not None and server.cgroup is not None,
            "warning": NO_ISOLATION_WARNING if self.isolation.level == "none" else None,
        }

    @property
    def not_run_reason(self) -> str:
        """Why a call would not run now (the time budget was spent, or the worker kept failing); ``""`` if it would."""
        return str(self._fatal) if self._fatal is not None else ""

    # -- lifecycle -----------------------------------------------------------------

    def _spawn(self) -> None:
        level = self.isolation.level
        if self.isolation.dedicated_uid and self._slot is None:
            self._slot = acquire_slot()
        uid = self._slot.uid if self._slot is not None else None
        gid = self._slot.gid if self._slot is not None else None
        if level == "namespaces":
            home = "/tmp"
        elif level == "container":
            home = f"/work/{uid}-{os.urandom(6).hex()}"
        else:
            self._folder = tempfile.mkdtemp(prefix="gradecheck-worker-")
            home = self._folder
        try:
            self._spawn_with(ForkServer.get(self.isolation, self.limits, self.packages), uid, gid, home)
        except SandboxError:
            if self._server is None or not self._server.broken:
                raise  # the worker could not be confined: no second try
            # The fork server died (killed, say, by a worker of the "none" mode); a fresh one gets one try.
            self._spawn_with(ForkServer.get(self.isolation, self.limits, self.packages), uid, gid, home)

    def _spawn_with(self, server: ForkServer, uid: int | None, gid: int | None, home: str) -> None:
        self._server = server
        level = self.isolation.level
        to_worker = os.pipe()
        from_worker = os.pipe()
        output = os.pipe()
        theirs = [to_worker[0], from_worker[1], output[1]]
        # The container mode's fork server kills by uid: it holds the uid's reservation until it has.
        lock = [self._slot.lock_fd] if level == "container" and self._slot is not None and self._slot.lock_fd is not None else []
        try:
            reply = server.spawn(
                {
                    "uid": uid,
                    "gid": gid,
                    "rlimits": self.limits.rlimits(own_uid=uid is not None),
                    "env": worker_environment(home),
                    "folder": home,
                    "folder_bytes": self.limits.folder_bytes,
                    "folder_files": self.limits.folder_files,
                    "folder_inodes": self.limits.folder_files,
                },
                theirs + lock,
            )
        except BaseException:
            for fd in (to_worker[1], from_worker[0], output[0]):
                os.close(fd)
            raise
        finally:
            for fd in theirs:
                os.close(fd)
        self._pid = int(reply["pid"])
        self._pipes = {"to": to_worker[1], "from": from_worker[0], "output": output[0]}
        for fd in self._pipes.values():
            _set_nonblocking(fd)
        if level == "container" and server.tree_root is not None:  # no capped tmpfs there: watch the folder
            pid = self._pid
            self._watch = FolderWatch(
                server.tree_root / home.lstrip("/"), self.limits.folder_bytes, self.limits.folder_files,
                lambda: server.returncode("kill", pid),
            )
        #: Whether a seccomp filter guards the worker's system calls (it also refuses every socket but AF_UNIX).
        self.seccomp = bool(reply.get("seccomp"))
        self.network_isolated = self.isolation.network_isolated or reply.get("network") == "none" or self.seccomp

    def _start(self) -> None:
        self._buffer = b""
        self._spawn()
        if self.restarts == 0:  # the budget is the submission's: starting the sandbox (a fork server, a tree) is not
            self._spent = 0.0
        try:
            response = self._request(
                {
                    "op": "load",
                    "source": self.source,
                    "filename": self.filename,
                    "forbidden": list(self.forbidden_imports),
                    "packages": list(self.packages),
                    "protected": [str(_PACKAGE_DIR)] if self.isolation.level == "none" else [],
                    "response_bytes": self.limits.response_bytes,
                },
                what="loading the submission",
            )
        except SubmissionFailure as failure:
            self.load_error = failure
            return
        names = response.get("names", {})
        self.names = {str(k): str(v) for k, v in names.items()} if isinstance(names, dict) else {}

    def _stop_worker(self) -> None:
        """Have the worker killed (with all it started) and close our ends of its pipes."""
        if self._watch is not None:
            self._watch.close()
        if self._pid is not None and self._server is not None:
            self._drain_output()  # what it printed last (between requests a worker waits: all of it is there)
            if self.isolation.level == "container":
                # Its uid is swept when it is killed: that must be over before the uid can go to another worker.
                self._server.returncode("kill", self._pid)
            else:
                self._server.kill_soon(self._pid)
        self._pid = None
        for fd in self._pipes.values():
            try:
                os.close(fd)
            except OSError:
                pass
        self._pipes = {}
        self._watch = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def close(self) -> None:
        """Kill the worker with everything it started and give back its uid."""
        self._stop_worker()
        if self._slot is not None:
            self._slot.release()
            self._slot = None

    def __enter__(self) -> SandboxedSubmission:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    # -- output ----------------------------------------------------------------------

    def _drain_output(self, budget: int = 1 << 20) -> None:
        """Read what the worker printed, at most ``budget`` bytes now (a worker printing without end must
        not hold the grader here: the callers come back until their deadline)."""
        fd = self._pipes.get("output")
        while fd is not None and budget > 0:
            try:
                chunk = os.read(fd, 1 << 16)
            except OSError:  # nothing more now (EAGAIN), or closed
                return
            if not chunk:
                return
            budget -= len(chunk)
            self._output.add(chunk)

    def output_tail(self, limit: int = 2000) -> str:
        """The last ``limit`` characters the submission printed (stdout and stderr), with a note if more came before."""
        self._drain_output()
        return self._output.text(limit)

    @property
    def output_bytes(self) -> int:
        """How many bytes the submission printed in all."""
        self._drain_output()
        return self._output.total

    # -- requests ----------------------------------------------------------------

    def _remaining(self) -> float:
        return self.limits.total_timeout - self._spent

    def _died(self, what: str) -> SubmissionFailure:
        """The failure for a worker whose pipe closed; it is killed with everything it started either way."""
        assert self._server is not None and self._pid is not None
        deadline = time.monotonic() + max(0.0, min(_EXIT_GRACE_SECONDS, self._remaining()))
        code = self._server.returncode("poll", self._pid)
        while code is None and time.monotonic() < deadline:
            time.sleep(0.01)
            code = self._server.returncode("poll", self._pid)
        exceeded = self._watch.exceeded if self._watch is not None else None
        self._stop_worker()
        if exceeded:
            return SubmissionFailure(f"The submission's process was stopped while {what}: {exceeded}.", "too-large")
        if code is None:
            return SubmissionFailure(
                f"The submission's process closed its connection to the grader while {what}; "
                f"do not close file descriptors the submission did not open.",
                "crash",
            )
        if code < 0:
            name = signal.Signals(-code).name
            reason = {
                "SIGXCPU": f"it used more than {self.limits.cpu_seconds} s of CPU time",
                "SIGXFSZ": f"it wrote a file larger than {self.limits.file_bytes} bytes",
                "SIGKILL": "it was killed (out of memory, or past its CPU time?)",
                "SIGSEGV": "it crashed (segmentation fault)",
            }.get(name, f"it was killed by {name}")
            message = f"The submission's process died while {what}: {reason}."
        else:
            message = f"The submission's process exited (status {code}) while {what}; do not call exit() or os._exit()."
        if code == -signal.SIGKILL:
            message += f" The memory limit is {self.limits.memory_bytes // 1024**2} MiB."
        return SubmissionFailure(message, "crash")

    def _timed_out(self, timeout: float, what: str) -> SubmissionFailure:
        self._stop_worker()
        budget = self.limits.total_timeout
        if self.limits.call_timeout is not None and timeout >= self.limits.call_timeout and self._remaining() > 0:
            return SubmissionFailure(
                f"Timed out after {timeout:g} s (the limit for one call) while {what}: is there an endless loop, "
                f"or very slow code?", "timeout"
            )
        failure = SubmissionFailure(
            f"Timed out after {_seconds(timeout)} while {what}, when the submission's time budget ({budget:g} s in all, "
            f"loading included) ran out: is there an endless loop, or very slow code? Nothing after it was run.",
            "timeout",
        )
        self.budget_spent = failure
        self._fatal = SubmissionFailure(
            f"Not run: the submission's time budget ({budget:g} s) was spent while {what}, which did not finish.",
            "timeout",
        )
        return failure

    def _send(self, data: bytes, deadline: float, timeout: float, what: str) -> None:
        """Write ``data`` to the worker, draining its output meanwhile, before ``deadline``."""
        to, output = self._pipes["to"], self._pipes["output"]
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(to, view):]  # most requests fit in the pipe at once
                continue
            except BlockingIOError:
                pass
            except OSError as error:
                if error.errno in (errno.EPIPE, errno.EBADF):
                    raise self._died(what) from None
                raise
            left = deadline - time.monotonic()
            if left <= 0:
                raise self._timed_out(timeout, what)
            readable, _, _ = select.select([output], [to], [], left)
            if readable:
                self._drain_output()

    def _receive(self, deadline: float, timeout: float, what: str) -> bytes:
        """One response line from the worker before ``deadline``, draining its output meanwhile."""
        source, output = self._pipes["from"], self._pipes["output"]
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise self._timed_out(timeout, what)
            readable, _, _ = select.select([source, output], [], [], left)
            if output in readable:
                self._drain_output()
            if source not in readable:
                continue
            try:
                chunk = os.read(source, 1 << 16)
            except BlockingIOError:
                continue
            if not chunk:
                raise self._died(what)
            self._buffer += chunk
            if len(self._buffer) > self.limits.response_bytes + 1024:
                self._stop_worker()
                raise SubmissionFailure(
                    f"The submission returned too much data while {what} (over {self.limits.response_bytes} bytes).",
                    "too-large",
                )
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def _request(self, message: dict[str, Any], what: str) -> dict[str, Any]:
        if self._pid is None:
            raise SubmissionFailure("The submission's worker is not running.", "crash")
        timeout = self._remaining() if self.limits.call_timeout is None else min(self.limits.call_timeout, self._remaining())
        if timeout <= 0:
            self._stop_worker()
            self._fatal = self.budget_spent = SubmissionFailure(
                f"Not run: the submission's time budget ({self.limits.total_timeout:g} s in all) was spent before "
                f"{what}.", "timeout"
            )
            raise self._fatal
        began = time.monotonic()
        deadline = began + timeout
        try:
            self._send(json.dumps(message).encode() + b"\n", deadline, timeout, what)
            line = self._receive(deadline, timeout, what)
        finally:  # wall time, so a stopped or sleeping submission (or grader) still spends it
            self._spent += time.monotonic() - began
        try:
            response = json.loads(line)
        except ValueError:
            raise SubmissionFailure(f"The worker sent an unreadable response while {what}.", "protocol") from None
        if not isinstance(response, dict):
            raise SubmissionFailure(f"The worker sent an unreadable response while {what}.", "protocol")
        attempts = response.get("forbidden_attempts")
        if isinstance(attempts, list):
            for name in attempts:
                if isinstance(name, str) and name not in self.forbidden_attempts:
                    self.forbidden_attempts.append(name)
        if not response.get("ok"):
            error = response.get("error") or {}
            if not isinstance(error, dict):
                error = {}
            kind = str(error.get("type", "Error"))
            text = str(error.get("message", ""))
            if kind == "MemoryError":
                text += f" (it ran out of memory: the limit is {self.limits.memory_bytes // 1024**2} MiB)"
            elif kind == "CpuTimeExceeded":
                text = f"it used more than {self.limits.cpu_seconds} s of CPU time"
            raise SubmissionFailure(f"{kind} while {what}: {text}", "exception", str(error.get("traceback", "")))
        return response

    def _ensure_running(self) -> None:
        if self._fatal is not None:
            raise self._fatal
        # A dead worker is noticed when its pipe closes (see _died), not polled for before every call.
        if self._pid is None:
            if self.restarts >= self.limits.max_restarts:
                self._fatal = SubmissionFailure(
                    f"The submission's process failed {self.restarts + 1} times; no more calls were made.", "crash"
                )
                raise self._fatal
            self.restarts += 1
            self._start()
            if self.load_error is not None:
                raise self.load_error

    def _checked(self, message: dict[str, Any], what: str) -> dict[str, Any]:
        if self.load_error is not None:
            raise self.load_error
        self._ensure_running()
        return self._request(message, what)

    def call(self, name: str, args: Sequence[Any], kinds: Sequence[str] | None = None) -> Any:
        """Call the submission's function ``name``; returns the JSON-decoded value."""
        return self.call_structured(name, args, kinds)[0]

    def call_structured(self, name: str, args: Sequence[Any], kinds: Sequence[str] | None = None) -> tuple[Any, bool]:
        """Like :meth:`call`, and whether the function returned a list or tuple (``sequence``)."""
        message = {"op": "call", "name": name, "args": list(args), "kinds": list(kinds) if kinds else None}
        response = self._checked(message, f"calling {name}()")
        return _field(response, "value"), response.get("sequence") is True

    def call_many(self, name: str, args_list: Sequence[Sequence[Any]], kinds: Sequence[str] | None = None) -> list[Any]:
        """Call ``name`` once per argument list, in one round trip."""
        message = {"op": "call_many", "name": name, "args_list": [list(a) for a in args_list], "kinds": kinds}
        values = _field(self._checked(message, f"calling {name}() repeatedly"), "values")
        if not isinstance(values, list) or len(values) != len(args_list):
            raise SubmissionFailure(f"The worker sent an unreadable response while calling {name}().", "protocol")
        return values

    def new(self, name: str, args: Sequence[Any] = (), kinds: Sequence[str] | None = None) -> int:
        """Instantiate the submission's class (or call its factory) ``name``; returns a handle."""
        message = {"op": "new", "name": name, "args": list(args), "kinds": list(kinds) if kinds else None}
        handle = _field(self._checked(message, f"creating {name}"), "handle")
        if not isinstance(handle, int):
            raise SubmissionFailure(f"The worker sent an unreadable response while creating {name}.", "protocol")
        return handle

    def method(self, handle: int, name: str, args: Sequence[Any], kinds: Sequence[str] | None = None) -> Any:
        """Call method ``name`` of the object behind ``handle``."""
        return self.method_structured(handle, name, args, kinds)[0]

    def method_structured(
        self, handle: int, name: str, args: Sequence[Any], kinds: Sequence[str] | None = None
    ) -> tuple[Any, bool]:
        """Like :meth:`method`, and whether the method returned a list or tuple (``sequence``)."""
        message = {"op": "method", "handle": handle, "name": name, "args": list(args), "kinds": kinds}
        response = self._checked(message, f"calling .{name}()")
        return _field(response, "value"), response.get("sequence") is True

    def attr(self, handle: int, name: str) -> tuple[bool, Any]:
        """``(present, value)`` of attribute ``name`` of the object behind ``handle``."""
        response = self._checked({"op": "attr", "handle": handle, "name": name}, f"reading .{name}")
        return (not response.get("missing", False), response.get("value"))

    def set_item(self, handle: int, attr: str, key: str, value: Any) -> None:
        """``obj.<attr>[key] = value`` (in place when shapes match)."""
        self._checked({"op": "set_item", "handle": handle, "attr": attr, "key": key, "value": value}, f"setting {attr}[{key!r}]")

    def inspect(self, name: str, handle: int | None = None) -> tuple[str, Any]:
        """What ``name`` is: a name the submission defines, or (with ``handle``) an attribute of that object.

        Returns ``("missing", None)``; ``("callable", parameters)``, where
        ``parameters`` lists ``(name, kind, has_default)`` of its signature
        (``kind`` an :class:`inspect.Parameter` kind name; ``None`` when the
        signature cannot be read); or ``("value", value)`` with the
        JSON-decoded value.  What the worker sends is checked, never trusted.
        """
        what = f"reading .{name}" if handle is not None else f"looking up {name}"
        response = self._checked({"op": "inspect", "name": name, "handle": handle}, what)
        if response.get("missing"):
            return "missing", None
        if response.get("callable"):
            return "callable", _signature_parameters(response.get("parameters"))
        return "value", _field(response, "value")


_PARAMETER_KINDS = frozenset({"POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD", "VAR_POSITIONAL", "KEYWORD_ONLY", "VAR_KEYWORD"})


def _signature_parameters(raw: Any) -> list[tuple[str, str, bool]] | None:
    """The worker's description of a signature, if it is well formed (names are identifiers, kinds known)."""
    if not isinstance(raw, list) or len(raw) > 64:
        return None
    parameters = []
    for entry in raw:
        if not (
            isinstance(entry, list)
            and len(entry) == 3
            and isinstance(entry[0], str)
            and entry[0].isidentifier()
            and entry[1] in _PARAMETER_KINDS
            and isinstance(entry[2], bool)
        ):
            return None
        parameters.append((entry[0], entry[1], entry[2]))
    return parameters
