"""A warm parent that forks one fresh worker process per submission.

Executed as a script (``python -I _zygote_main.py WORKER_SCRIPT SOCKET_FD``) by
the grader, once; imports nothing from gradecheck.  It loads the worker code
and numpy once, then serves requests on a Unix socket: ``spawn`` receives the
two pipe ends of a new worker (with ``SCM_RIGHTS``) and forks a child that
becomes a session leader, moves into its own folder and environment, applies
its limits and runs the worker loop; ``wait`` and ``poll`` reap children and
report their exit status the way ``subprocess.Popen.returncode`` does.
Forking from this single-threaded process is what makes a worker cost
milliseconds instead of an interpreter start and a numpy import.
"""

import importlib.util
import json
import os
import signal
import socket
import sys


def _become_subreaper():
    """Linux: orphans of our workers (a child that called setsid and outlived its worker) are
    re-parented to this process instead of init, so :func:`_sweep` can find and kill them."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def _isolate_network():
    """Linux: move this (single-threaded, freshly forked) process into a new network namespace,
    which has no interfaces but a loopback that is down: no network at all.  Needs root or
    unprivileged user namespaces; returns whether it worked."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        new_net, new_user = 0x40000000, 0x10000000  # CLONE_NEWNET, CLONE_NEWUSER
        return libc.unshare(new_net) == 0 or libc.unshare(new_user | new_net) == 0
    except (OSError, AttributeError):
        return False


def _children():
    pid = os.getpid()
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


def _sweep(workers):
    """Kill and reap every child that is not a live worker: escaped descendants of finished workers."""
    for _ in range(10):
        strays = [pid for pid in _children() if pid not in workers]
        if not strays:
            return
        for pid in strays:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for pid in strays:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def _status(code):
    if os.WIFSIGNALED(code):
        return -os.WTERMSIG(code)
    return os.WEXITSTATUS(code)


def _child(channel, fds, request, worker):
    try:
        channel.close()
        os.setsid()
        os.dup2(fds[0], 0)
        os.dup2(fds[1], 1)
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        for fd in (*fds, null):
            os.close(fd)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        isolated = request.get("isolate_network", True) and _isolate_network()
        os.chdir(request["folder"])
        os.environ.clear()
        os.environ.update(request["env"])
        worker.NETWORK = "none" if isolated else "shared"
        worker.serve(request["output"], request["limits"])
    finally:
        os._exit(0)


def main():
    spec = importlib.util.spec_from_file_location("_gradecheck_worker", sys.argv[1])
    worker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(worker)
    try:
        import numpy  # noqa: F401  (warm: inherited by every worker)
    except ImportError:
        pass
    channel = socket.socket(fileno=int(sys.argv[2]))
    subreaper = _become_subreaper()
    workers = set()
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(channel, 1 << 20, 2)
        except OSError:
            return
        if not message:
            return
        request = json.loads(message)
        op = request.get("op")
        if op == "spawn":
            pid = os.fork()
            if pid == 0:
                _child(channel, fds, request, worker)
            for fd in fds:
                os.close(fd)
            workers.add(pid)
            reply = {"pid": pid}
        elif op in ("wait", "poll"):
            flags = 0 if op == "wait" else os.WNOHANG
            try:
                done, code = os.waitpid(request["pid"], flags)
            except ChildProcessError:
                reply = {"returncode": None, "gone": True}
            else:
                reply = {"returncode": _status(code) if done else None}
            if reply["returncode"] is not None or reply.get("gone"):
                workers.discard(request["pid"])
                if subreaper:
                    _sweep(workers)
        else:
            reply = {"error": f"unknown request {op!r}"}
        channel.sendall(json.dumps(reply).encode() + b"\n")


if __name__ == "__main__":
    main()
