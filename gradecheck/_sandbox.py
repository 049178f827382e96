"""Run untrusted submission code in a separate, limited worker process.

The grader never imports a submission.  :class:`SandboxedSubmission` starts
``_worker_main.py`` as a separate Python process in a fresh temporary folder,
with a scrubbed environment, resource limits and its own process group, and
talks to it in JSON lines (see that file).  Whatever the submission does
(raises, exits, loops, allocates, prints), a call returns a value or raises
:class:`SubmissionFailure` with a message for the learner; the grader goes on.

What is enforced (POSIX): wall time per call and per submission (the whole
process group is killed, and descendants that left it), CPU time,
address-space size, size of files written, size of each response; on Linux,
where the grader may create namespaces, no network (a new network namespace:
see :attr:`SandboxedSubmission.network_isolated`).  The worker's folder is
deleted afterwards.
"""

from __future__ import annotations

import dataclasses
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Sequence

__all__ = ["Limits", "SandboxedSubmission", "SubmissionFailure", "WORKER_SCRIPT"]

WORKER_SCRIPT = Path(__file__).with_name("_worker_main.py")
ZYGOTE_SCRIPT = Path(__file__).with_name("_zygote_main.py")
#: The grader's own files (exercises, reference solutions): a worker may not open them.
PACKAGE_DIR = Path(__file__).resolve().parent
#: How long a worker whose pipe closed may take to exit before it is killed.
_EXIT_GRACE_SECONDS = 1.0


@dataclasses.dataclass(frozen=True)
class Limits:
    """Resource limits for one submission's worker process.

    Attributes:
        call_timeout: wall seconds for one request (loading counts as one).
        total_timeout: wall seconds for the whole submission, all requests.
        memory_bytes: address-space limit of the worker (``RLIMIT_AS``).
        cpu_seconds: CPU-time limit of the worker (``RLIMIT_CPU``).
        file_bytes: largest file the worker may write (``RLIMIT_FSIZE``).
        response_bytes: largest JSON response accepted from the worker.
        max_restarts: how many times a crashed worker is restarted before
            every further call fails at once.
    """

    call_timeout: float = 10.0
    total_timeout: float = 120.0
    memory_bytes: int = 2 * 1024**3
    cpu_seconds: int = 120
    file_bytes: int = 16 * 1024**2
    response_bytes: int = 4 * 1024**2
    max_restarts: int = 3


class SubmissionFailure(Exception):
    """The submission's code failed: an exception, a crash, a timeout, a bad value.

    ``str(error)`` is a message for the learner.  ``kind`` is one of
    ``"exception"``, ``"timeout"``, ``"crash"``, ``"too-large"``, ``"protocol"``.
    """

    def __init__(self, message: str, kind: str = "exception", details: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.details = details


def _scrubbed_environment(home: str) -> dict[str, str]:
    keep = {key: os.environ[key] for key in ("PATH", "LANG", "LC_ALL", "SYSTEMROOT") if key in os.environ}
    return {
        **keep,
        "HOME": home,
        "TMPDIR": home,
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


def _rlimits(limits: Limits) -> dict[str, int]:
    """The resource limits the worker applies to itself before loading the submission.

    (Applied by the worker rather than in a ``preexec_fn``: forking a process
    that runs JAX threads is unsafe, and spawning without one is faster.)
    """
    return {
        "RLIMIT_AS": limits.memory_bytes,
        "RLIMIT_CPU": limits.cpu_seconds,
        "RLIMIT_FSIZE": limits.file_bytes,
        "RLIMIT_CORE": 0,
    }


def _field(response: dict[str, Any], key: str) -> Any:
    if key not in response:
        raise SubmissionFailure("The worker sent a response that does not fit the request (was the protocol tampered with?).", "protocol")
    return response[key]


class _Zygote:
    """The grader's handle on its warm fork server (``_zygote_main.py``); one per grader process."""

    _lock = threading.Lock()
    _instance: _Zygote | None = None

    def __init__(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-I", "-B", str(ZYGOTE_SCRIPT), str(WORKER_SCRIPT), str(theirs.fileno())],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=_scrubbed_environment(tempfile.gettempdir()),
                start_new_session=True,
            )
        finally:
            theirs.close()
        self.channel = ours
        self.reader = ours.makefile("rb")
        self.request_lock = threading.Lock()

    def request(self, message: dict[str, Any], fds: Sequence[int] = ()) -> dict[str, Any]:
        with self.request_lock:
            socket.send_fds(self.channel, [json.dumps(message).encode()], list(fds))
            line = self.reader.readline()
        if not line:
            raise OSError("the worker fork server exited")
        return dict(json.loads(line))

    def close(self) -> None:
        for closable in (self.reader, self.channel):
            try:
                closable.close()
            except OSError:
                pass
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    @classmethod
    def get(cls) -> _Zygote | None:
        """The running fork server, started on first use; ``None`` where it cannot run."""
        if os.name != "posix" or not hasattr(socket, "send_fds"):
            return None
        with cls._lock:
            if cls._instance is None or cls._instance.process.poll() is not None:
                if cls._instance is not None:
                    cls._instance.close()
                try:
                    cls._instance = _Zygote()
                except OSError:
                    cls._instance = None
            return cls._instance


class _ForkedWorker:
    """A worker forked by the zygote, with the slice of ``subprocess.Popen`` the sandbox uses."""

    def __init__(self, zygote: _Zygote, folder: str, limits: Limits) -> None:
        self.zygote = zygote
        to_worker_read, to_worker_write = os.pipe()
        from_worker_read, from_worker_write = os.pipe()
        try:
            reply = zygote.request(
                {
                    "op": "spawn",
                    "folder": folder,
                    "env": _scrubbed_environment(folder),
                    "output": "output.txt",
                    "limits": _rlimits(limits),
                },
                [to_worker_read, from_worker_write],
            )
        except BaseException:
            for fd in (to_worker_write, from_worker_read):
                os.close(fd)
            raise
        finally:
            os.close(to_worker_read)
            os.close(from_worker_write)
        self.pid = int(reply["pid"])
        self.stdin = os.fdopen(to_worker_write, "wb")
        self.stdout = os.fdopen(from_worker_read, "rb")
        self.returncode: int | None = None

    def _ask(self, op: str) -> int | None:
        try:
            reply = self.zygote.request({"op": op, "pid": self.pid})
        except OSError:
            return -signal.SIGKILL  # the fork server is gone: so is our view of the child
        if reply.get("gone"):
            return -signal.SIGKILL
        code = reply.get("returncode")
        return None if code is None else int(code)

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self._ask("poll")
        return self.returncode

    def wait(self) -> int:
        if self.returncode is None:
            self.returncode = self._ask("wait")
        return -signal.SIGKILL if self.returncode is None else self.returncode


def _spawn_worker(folder: str, limits: Limits) -> Any:
    """A fresh worker process: forked from the warm zygote where possible, else a new interpreter."""
    zygote = _Zygote.get()
    if zygote is not None:
        try:
            return _ForkedWorker(zygote, folder, limits)
        except OSError:
            pass
    return subprocess.Popen(
        [sys.executable, "-I", "-B", str(WORKER_SCRIPT), "output.txt", json.dumps(_rlimits(limits))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=folder,
        env=_scrubbed_environment(folder),
        start_new_session=True,
    )


class SandboxedSubmission:
    """One submission, loaded in a worker process; call its functions by name.

    Args:
        source: the submission's Python source.
        filename: shown in messages (e.g. ``"alice.ipynb"``).
        forbidden_imports: top-level packages the submission may not import.
        limits: resource limits (defaults: :class:`Limits`).

    Use as a context manager, or call :meth:`close`.
    """

    def __init__(
        self,
        source: str,
        filename: str = "submission.py",
        forbidden_imports: Sequence[str] = (),
        limits: Limits | None = None,
    ) -> None:
        self.source = source
        self.filename = filename
        self.forbidden_imports = tuple(forbidden_imports)
        self.limits = limits or Limits()
        self.names: dict[str, str] = {}
        self.forbidden_attempts: list[str] = []
        #: Whether the worker runs without network (a new network namespace; Linux, root or user namespaces).
        self.network_isolated = False
        self.load_error: SubmissionFailure | None = None
        self.restarts = 0
        self._process: Any = None
        self._folder: str | None = None
        self._buffer = b""
        self._started = time.monotonic()
        self._fatal: SubmissionFailure | None = None
        self._start()

    # -- lifecycle -----------------------------------------------------------------

    def _start(self) -> None:
        self._folder = tempfile.mkdtemp(prefix="gradecheck-worker-")
        self._buffer = b""
        self._process = _spawn_worker(self._folder, self.limits)
        try:
            response = self._request(
                {
                    "op": "load",
                    "source": self.source,
                    "filename": self.filename,
                    "forbidden": list(self.forbidden_imports),
                    "protected": [str(PACKAGE_DIR)],
                },
                what="loading the submission",
            )
        except SubmissionFailure as failure:
            self.load_error = failure
            return
        self.network_isolated = response.get("network") == "none"
        names = response.get("names", {})
        self.names = {str(k): str(v) for k, v in names.items()} if isinstance(names, dict) else {}

    def close(self) -> None:
        """Kill the worker's process group and delete its folder."""
        process, self._process = self._process, None
        if process is not None:
            self._kill(process)
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def __enter__(self) -> SandboxedSubmission:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    @staticmethod
    def _kill(process: Any) -> None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        for stream in (process.stdin, process.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        process.wait()

    def output_tail(self, limit: int = 2000) -> str:
        """The last ``limit`` characters the submission printed (stdout and stderr)."""
        if self._folder is None:
            return ""
        path = Path(self._folder, "output.txt")
        try:
            with path.open("rb") as handle:
                size = handle.seek(0, os.SEEK_END)
                handle.seek(max(0, size - limit))
                return handle.read().decode("utf-8", "replace")
        except OSError:
            return ""

    # -- requests ----------------------------------------------------------------

    def _remaining(self) -> float:
        return self.limits.total_timeout - (time.monotonic() - self._started)

    def _died(self, what: str) -> SubmissionFailure:
        """The failure for a worker whose pipe closed; it is killed with its group either way."""
        process = self._process
        assert process is not None
        # A closed pipe normally means the process has exited; one that closed its
        # pipes and lives on (sleeping, looping) must not hold the grader until it exits.
        deadline = time.monotonic() + max(0.0, min(_EXIT_GRACE_SECONDS, self._remaining()))
        code = process.poll()
        while code is None and time.monotonic() < deadline:
            time.sleep(0.005)
            code = process.poll()
        self._kill(process)  # its descendants, and our ends of the pipes
        self._process = None  # the next call starts a fresh worker
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
                "SIGKILL": "it was killed (out of memory?)",
                "SIGSEGV": "it crashed (segmentation fault)",
            }.get(name, f"it was killed by {name}")
            message = f"The submission's process died while {what}: {reason}."
        else:
            message = f"The submission's process exited (status {code}) while {what}; do not call exit() or os._exit()."
        hint = ""
        if code == -signal.SIGKILL:
            hint = f" The memory limit is {self.limits.memory_bytes // 1024**2} MiB."
        return SubmissionFailure(message + hint, "crash")

    def _request(self, message: dict[str, Any], what: str) -> dict[str, Any]:
        process = self._process
        if process is None or process.stdin is None or process.stdout is None:
            raise SubmissionFailure("The submission's worker is not running.", "crash")
        timeout = min(self.limits.call_timeout, self._remaining())
        if timeout <= 0:
            raise SubmissionFailure(
                f"The submission used up its total time ({self.limits.total_timeout:g} s).", "timeout"
            )
        try:
            process.stdin.write(json.dumps(message).encode() + b"\n")
            process.stdin.flush()
        except (BrokenPipeError, OSError):
            raise self._died(what) from None
        deadline = time.monotonic() + timeout
        fd = process.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                self._kill(process)
                self._process = None
                raise SubmissionFailure(
                    f"Timed out after {timeout:g} s while {what}: is there an endless loop, or very slow code?",
                    "timeout",
                )
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                raise self._died(what)
            self._buffer += chunk
            if len(self._buffer) > self.limits.response_bytes + 1024:
                self._kill(process)
                self._process = None
                raise SubmissionFailure(
                    f"The submission returned too much data while {what} (over {self.limits.response_bytes} bytes).",
                    "too-large",
                )
        line, _, self._buffer = self._buffer.partition(b"\n")
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
            kind = str(error.get("type", "Error"))
            text = str(error.get("message", ""))
            if kind == "MemoryError":
                text += f" (it ran out of memory: the limit is {self.limits.memory_bytes // 1024**2} MiB)"
            raise SubmissionFailure(f"{kind} while {what}: {text}", "exception", str(error.get("traceback", "")))
        return response

    def _ensure_running(self) -> None:
        if self._fatal is not None:
            raise self._fatal
        # A dead worker is noticed when its pipe closes (see _died), not polled for
        # before every call: with the fork server, a poll is a round trip.
        if self._process is None:
            if self.restarts >= self.limits.max_restarts:
                self._fatal = SubmissionFailure(
                    f"The submission's process failed {self.restarts + 1} times; no more calls were made.", "crash"
                )
                raise self._fatal
            self.restarts += 1
            if self._folder is not None:
                shutil.rmtree(self._folder, ignore_errors=True)
            self._start()
            if self.load_error is not None:
                raise self.load_error

    def _checked(self, message: dict[str, Any], what: str) -> dict[str, Any]:
        if self.load_error is not None:
            raise self.load_error
        self._ensure_running()
        try:
            return self._request(message, what)
        except SubmissionFailure as failure:
            if failure.kind == "timeout" and self._remaining() <= 0:
                self._fatal = failure
            raise

    def call(self, name: str, args: Sequence[Any], kinds: Sequence[str] | None = None) -> Any:
        """Call the submission's function ``name``; returns the JSON-decoded value."""
        message = {"op": "call", "name": name, "args": list(args), "kinds": list(kinds) if kinds else None}
        return _field(self._checked(message, f"calling {name}()"), "value")

    def call_many(self, name: str, args_list: Sequence[Sequence[Any]], kinds: Sequence[str] | None = None) -> list[Any]:
        """Call ``name`` once per argument list, in one round trip."""
        message = {"op": "call_many", "name": name, "args_list": [list(a) for a in args_list], "kinds": kinds}
        values = _field(self._checked(message, f"calling {name}() repeatedly"), "values")
        if not isinstance(values, list) or len(values) != len(args_list):
            raise SubmissionFailure(f"The worker sent an unreadable response while calling {name}().", "protocol")
        return values

    def new(self, name: str, args: Sequence[Any] = ()) -> int:
        """Instantiate the submission's class (or call its factory) ``name``; returns a handle."""
        handle = _field(self._checked({"op": "new", "name": name, "args": list(args)}, f"creating {name}"), "handle")
        if not isinstance(handle, int):
            raise SubmissionFailure(f"The worker sent an unreadable response while creating {name}.", "protocol")
        return handle

    def method(self, handle: int, name: str, args: Sequence[Any], kinds: Sequence[str] | None = None) -> Any:
        """Call method ``name`` of the object behind ``handle``."""
        message = {"op": "method", "handle": handle, "name": name, "args": list(args), "kinds": kinds}
        return _field(self._checked(message, f"calling .{name}()"), "value")

    def attr(self, handle: int, name: str) -> tuple[bool, Any]:
        """``(present, value)`` of attribute ``name`` of the object behind ``handle``."""
        response = self._checked({"op": "attr", "handle": handle, "name": name}, f"reading .{name}")
        return (not response.get("missing", False), response.get("value"))

    def set_item(self, handle: int, attr: str, key: str, value: Any) -> None:
        """``obj.<attr>[key] = value`` (in place when shapes match)."""
        self._checked({"op": "set_item", "handle": handle, "attr": attr, "key": key, "value": value}, f"setting {attr}[{key!r}]")
