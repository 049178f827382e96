"""The grader's handle on its fork server (``_runtime/forkserver.py``): one per process and isolation level.

The fork server is started inside the isolation it serves (see
:mod:`gradecheck._sandbox._isolation`) and forks a confined worker per
submission.  Every request has a timeout: a fork server that does not answer
in time (stopped, looping, dead) is killed with everything it started, and the
next request starts a fresh one.  Killing it is always possible from here:
under bubblewrap, killing bubblewrap (PID 1 of the sandbox) kills every process
in it; in the container mode, workers die with their fork server
(``PR_SET_PDEATHSIG``) and whatever they started is killed by uid.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Sequence

from gradecheck._sandbox._cgroups import Cgroup, create_cgroup
from gradecheck._sandbox._isolation import Isolation, bwrap_command_prefix
from gradecheck._sandbox._limits import Limits, SandboxError
from gradecheck._sandbox._slots import sweep_unreserved
from gradecheck._sandbox._tree import DEFAULT_PACKAGES, PACKAGES, RUNTIME, runtime_tree

__all__ = ["ForkServer", "worker_environment"]

_RUNTIME_SOURCES = Path(__file__).with_name("_runtime")
#: Seconds for a spawn (the first one waits for the fork server to start) and for other requests.
_SPAWN_SECONDS, _REQUEST_SECONDS = 60.0, 10.0
#: Memory and processes for the fork server itself (numpy loaded, bubblewrap) on top of a worker's, in its cgroup.
_SERVER_MEMORY, _SERVER_PROCESSES = 512 * 1024**2, 8
_THREADS = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def worker_environment(home: str) -> dict[str, str]:
    """The whole environment of a worker: nothing of the grader's."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": home,
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        **_THREADS,
    }


def _server_environment() -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", **_THREADS}


class ForkServer:
    """A running fork server; :meth:`get` returns this process's one for an isolation level."""

    _lock = threading.Lock()
    _instances: dict[tuple[str, tuple[str, ...]], ForkServer] = {}
    _closing_at_exit = False

    def __init__(self, isolation: Isolation, limits: Limits, packages: Sequence[str] = DEFAULT_PACKAGES) -> None:
        self.isolation = isolation
        #: The packages of its runtime tree (top-level import names), besides the standard library.
        self.packages = tuple(packages)
        self.cgroup: Cgroup | None = None
        self.uids_used: set[int] = set()
        self.broken = False
        #: The runtime tree on this machine's disk (the OS isolation levels), else ``None``.
        self.tree_root: Path | None = runtime_tree(self.packages).root if isolation.level != "none" else None
        self._request_lock = threading.Lock()
        self._buffer = b""
        command, config, env = self._command(isolation, self.packages)
        if isolation.level != "none":
            self.cgroup = create_cgroup(limits.memory_bytes + _SERVER_MEMORY, limits.processes + _SERVER_PROCESSES)
        self._cgroup_limits = (limits.memory_bytes, limits.processes)
        # Message boundaries (SOCK_SEQPACKET, Linux): a request that wants no reply can be sent ahead of the next.
        kind = getattr(socket, "SOCK_SEQPACKET", socket.SOCK_STREAM)
        try:
            ours, theirs = socket.socketpair(socket.AF_UNIX, kind)
        except OSError:
            kind = socket.SOCK_STREAM
            ours, theirs = socket.socketpair(socket.AF_UNIX, kind)
        self._framed = kind != socket.SOCK_STREAM
        command = [*command, str(theirs.fileno()), json.dumps(config)]
        if self.cgroup is not None:
            # The shell moves itself into the group, then becomes the fork server: nothing escapes it.
            join = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 97; shift; done; shift; exec "$@"'
            command = ["/bin/sh", "-c", join, "sh", *self.cgroup.procs_files, "--", *command]
        try:
            self.process = subprocess.Popen(
                command,
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=env,
                start_new_session=True,
            )
        except OSError as error:
            ours.close()
            raise SandboxError(f"could not start the sandbox's fork server ({command[0]}): {error}") from None
        finally:
            theirs.close()
        self.channel = ours

    # -- starting ------------------------------------------------------------------

    @staticmethod
    def _command(isolation: Isolation, packages: Sequence[str]) -> tuple[list[str], dict[str, Any], dict[str, str]]:
        flags = ["-I", "-S", "-B", "-X", "utf8"]  # -B: the fork server writes no bytecode anywhere
        if isolation.level == "namespaces":
            tree = runtime_tree(packages)
            command = [
                *bwrap_command_prefix(),
                "--ro-bind", str(tree.root), "/",
                "--dev", "/dev",
                "--proc", "/proc",
                "--clearenv",
                *[arg for key, value in _server_environment().items() for arg in ("--setenv", key, value)],
                "--chdir", "/",
                "--", tree.python, *flags, f"{RUNTIME}/forkserver.py",
            ]
            config = {"mode": "namespaces", "runtime": RUNTIME, "path": [PACKAGES]}
        elif isolation.level == "container":
            tree = runtime_tree(packages)
            command = [tree.python, *flags, str(tree.root / RUNTIME.lstrip("/") / "forkserver.py")]
            config = {"mode": "container", "chroot": str(tree.root), "runtime": RUNTIME, "path": [PACKAGES]}
        else:
            command = [sys.executable, "-I", "-B", "-X", "utf8", str(_RUNTIME_SOURCES / "forkserver.py")]
            config = {"mode": "none", "runtime": str(_RUNTIME_SOURCES), "path": []}
        return command, config, _server_environment()

    @classmethod
    def get(cls, isolation: Isolation, limits: Limits, packages: Sequence[str] = DEFAULT_PACKAGES) -> ForkServer:
        """This process's running fork server for ``isolation`` and the allowed ``packages`` (its runtime tree),
        started (again) when needed."""
        # Without OS isolation the worker sees the grader's packages whatever the tree: one server does for all.
        key = (isolation.level, tuple(sorted(set(packages))) if isolation.level != "none" else DEFAULT_PACKAGES)
        with cls._lock:
            server = cls._instances.get(key)
            if server is None or server.broken or server.process.poll() is not None:
                if server is not None:
                    server.close()
                server = cls(isolation, limits, key[1])
                if not cls._instances and not cls._closing_at_exit:
                    # Stopped with the process: no fork server, socket or pipe left to the interpreter's teardown
                    # (which would warn "subprocess ... is still running", "unclosed socket").
                    atexit.register(cls.close_all)
                    cls._closing_at_exit = True
                cls._instances[key] = server
            else:
                server.limit_cgroup(limits)
            return server

    def limit_cgroup(self, limits: Limits) -> None:
        """The group's limits for the next worker (one group per fork server: workers running at the same
        time, as under a thread pool, share the latest limits)."""
        wanted = (limits.memory_bytes, limits.processes)
        if self.cgroup is not None and wanted != self._cgroup_limits:
            if self.cgroup.set_limits(limits.memory_bytes + _SERVER_MEMORY, limits.processes + _SERVER_PROCESSES):
                self._cgroup_limits = wanted

    @classmethod
    def close_all(cls) -> None:
        with cls._lock:
            for server in cls._instances.values():
                server.close()
            cls._instances.clear()

    # -- requests ------------------------------------------------------------------

    def request(self, message: dict[str, Any], fds: Sequence[int] = (), timeout: float = _REQUEST_SECONDS) -> dict[str, Any]:
        """Send ``message`` (with ``fds``) and return the reply; raises :class:`SandboxError` after ``timeout``."""
        with self._request_lock:
            if self.broken:
                raise SandboxError("the sandbox's fork server was stopped after an earlier failure")
            deadline = time.monotonic() + timeout
            try:
                self.channel.settimeout(timeout)
                socket.send_fds(self.channel, [json.dumps(message).encode()], list(fds))
                while b"\n" not in self._buffer:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise TimeoutError
                    self.channel.settimeout(left)
                    chunk = self.channel.recv(1 << 16)
                    if not chunk:
                        raise EOFError
                    self._buffer += chunk
            except (OSError, EOFError) as error:
                self._fail()
                why = "did not answer in time" if isinstance(error, TimeoutError) else "stopped"
                raise SandboxError(f"the sandbox's fork server {why}{self._stderr_tail()}") from None
            line, _, self._buffer = self._buffer.partition(b"\n")
        reply = json.loads(line)
        if not isinstance(reply, dict):
            raise SandboxError("the sandbox's fork server sent an unreadable reply")
        return reply

    def spawn(self, spawn: dict[str, Any], fds: Sequence[int]) -> dict[str, Any]:
        """Fork a confined worker; raises :class:`SandboxError` (with the failed step) if it could not be confined."""
        reply = self.request({"op": "spawn", **spawn}, fds, timeout=_SPAWN_SECONDS)
        if "error" in reply:
            raise SandboxError(f"the sandbox could not start a worker: {reply['error']}")
        if spawn.get("uid") is not None:
            self.uids_used.add(int(spawn["uid"]))
        return reply

    def kill_soon(self, pid: int) -> None:
        """Ask for the worker to be killed without waiting for it (requests are handled in order)."""
        if not self._framed:
            self.returncode("kill", pid)
            return
        with self._request_lock:
            if self.broken:
                return
            try:
                self.channel.settimeout(_REQUEST_SECONDS)
                self.channel.sendall(json.dumps({"op": "kill", "pid": pid, "reply": False}).encode())
            except OSError:
                self._fail()

    def returncode(self, op: str, pid: int) -> int | None:
        """``op`` is ``"poll"`` or ``"kill"``; a lost fork server means the worker is gone (SIGKILL)."""
        try:
            reply = self.request({"op": op, "pid": pid})
        except SandboxError:
            return -signal.SIGKILL
        if reply.get("gone"):
            return -signal.SIGKILL
        code = reply.get("returncode")
        return None if code is None else int(code)

    # -- ending ----------------------------------------------------------------------

    def _stderr_tail(self) -> str:
        if self.process.poll() is None or self.process.stderr is None:
            return ""
        try:
            text = self.process.stderr.read(8192).decode("utf-8", "replace").strip()
        except (OSError, ValueError):
            return ""
        return f": {text.splitlines()[-1]}" if text else ""

    def _fail(self) -> None:
        self.broken = True
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

    def close(self) -> None:
        """Stop the fork server and everything it started."""
        self.broken = True
        try:
            self.channel.close()
        except OSError:
            pass
        if self.process.poll() is None:
            try:
                self.process.wait(timeout=2)  # it ends its workers when its socket closes
            except subprocess.TimeoutExpired:
                pass
        self._fail()
        if self.process.stderr is not None:
            self.process.stderr.close()
        if self.isolation.level == "container" and self.uids_used:
            # What its workers started may live on; their uids are swept unless reserved again meanwhile.
            sweep_unreserved(self.uids_used, _kill_uids)
        if self.cgroup is not None:
            self.cgroup.remove()


def _kill_uids(uids: list[int]) -> None:
    """Kill every process of these dedicated uids (what a killed container-mode fork server left)."""
    script = "import os, sys\nfor uid in map(int, sys.argv[1:]):\n    pid = os.fork()\n    if pid == 0:\n" \
             "        os.setresuid(uid, uid, uid); os.kill(-1, 9); os._exit(0)\n    os.waitpid(pid, 0)\n"
    try:
        subprocess.run([sys.executable, "-I", "-S", "-c", script, *map(str, sorted(uids))], timeout=30,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tempfile.gettempdir())
    except (OSError, subprocess.SubprocessError):
        pass
