"""The fork server: a warm parent that forks one confined worker per submission.

Started once per grading process by the grader (``python -I -S forkserver.py
SOCKET_FD CONFIG_JSON``), inside the sandbox it is meant for; imports nothing
from gradecheck.  It loads the worker, the confinement steps and numpy once,
then serves requests on a Unix socket, one JSON object per message:

- ``spawn`` (uid, gid, rlimits, env, folder_bytes, folder_inodes), with three
  descriptors passed by ``SCM_RIGHTS`` (the worker's protocol input, protocol
  output and output pipe): forks a worker, confines it, and answers ``{"pid"}``
  once the worker says it is confined, or ``{"error"}`` if any step failed.
- ``poll`` (pid): ``{"returncode"}``, ``null`` while it runs.
- ``kill`` (pid): kills the worker (with everything it started) and answers
  ``{"returncode"}``; with ``"reply": false`` it answers nothing (the grader
  goes on at once; the fork server handles requests in order).

Modes (``CONFIG_JSON["mode"]``):

- ``namespaces``: already inside bubblewrap (its own PID, mount, network, IPC
  and UTS namespaces; a read-only view with only the runtime tree).  Each
  worker gets new PID, mount and IPC namespaces of its own (it is PID 1 there:
  when it dies, everything it started dies), a private size-capped tmpfs at
  /tmp, its own /proc, and no privileges: another uid (when the grader is
  root) or no capabilities (in a user namespace), and ``no_new_privs``.
- ``container``: root without namespaces.  The fork server first chroots into
  the runtime tree; each worker runs as a dedicated uid in a private folder,
  and every process of that uid is killed when the worker ends.
- ``none``: no isolation beyond a separate process, limits and a fresh folder.

Forking from this single-threaded process is what makes a worker cost
milliseconds instead of an interpreter start and a numpy import.
"""

import importlib.util
import json
import os
import select
import shutil
import signal
import socket
import sys
import time
import traceback

CONFIG = json.loads(sys.argv[2])
MODE = CONFIG["mode"]
#: Seconds a new worker has to report that it is confined.
SETUP_SECONDS = 10.0


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


try:  # kept open through the chroot, to find re-parented strays; no worker keeps it
    PROC = os.open("/proc", os.O_RDONLY | os.O_DIRECTORY)
except OSError:
    PROC = None
if CONFIG.get("chroot"):
    os.chroot(CONFIG["chroot"])
    os.chdir("/")
for _entry in CONFIG.get("path", ()):
    sys.path.append(_entry)
worker = _load("_gradecheck_worker", os.path.join(CONFIG["runtime"], "worker.py"))
confine = _load("_gradecheck_confine", os.path.join(CONFIG["runtime"], "confine.py"))
seccomp = _load("_gradecheck_seccomp", os.path.join(CONFIG["runtime"], "seccomp.py"))
SECCOMP_FILTER = seccomp.compiled()
try:
    import numpy  # noqa: F401  (warm: inherited by every worker)
except ImportError:
    pass


def _status(code):
    if os.WIFSIGNALED(code):
        return -os.WTERMSIG(code)
    return os.WEXITSTATUS(code)


def _report(fd, message):
    os.write(fd, json.dumps(message).encode() + b"\n")


def _confine_worker(request, report_fd):
    """In the worker, before any submission code: every step or a report of the one that failed."""
    uid, gid = request.get("uid"), request.get("gid")
    os.setsid()
    if MODE == "namespaces":
        confine.make_mounts_private()
        owner = (uid, gid) if uid is not None else (os.getuid(), os.getgid())
        confine.mount_private_folder("/tmp", request["folder_bytes"], request["folder_inodes"], *owner)
        # bubblewrap's /dev/shm is shared by the sandbox's workers, one student after another: one of its own.
        confine.mount_private_folder("/dev/shm", request["folder_bytes"], request["folder_inodes"], *owner)
        confine.mount_own_proc()
        folder = "/tmp"
    elif MODE == "container":
        folder = request["folder"]
    else:
        folder = request["folder"]
        try:
            confine.unshare(confine.CLONE_NEWNET)
            network = "none"
        except OSError:
            try:
                confine.unshare(0x10000000 | confine.CLONE_NEWNET)  # CLONE_NEWUSER too, where allowed
                network = "none"
            except OSError:
                network = "shared"
        _report(report_fd, {"network": network})
    os.chdir(folder)
    confine.set_rlimits(request["rlimits"])
    confine.prefer_for_oom_kill()
    if uid is not None:
        confine.become(uid, gid)
    elif MODE == "namespaces":
        confine.drop_capabilities()
    confine.no_new_privileges()
    if MODE == "container":
        confine.die_with_parent()
    os.environ.clear()
    os.environ.update(request["env"])


def _filter_system_calls():
    """Install the seccomp filter; where no isolation was promised ("none"), a failure only means no filter."""
    try:
        return seccomp.install(SECCOMP_FILTER)
    except OSError:
        if MODE == "none":
            return False
        raise


def _run_worker(request, fds, report_fd, channel):
    """The worker process: confine, report, serve; never returns."""
    code = 0
    try:
        channel.close()
        stdin_read, stdin_write = os.pipe()
        os.close(stdin_write)  # reading standard input gives end of file at once
        protocol_in, protocol_out, output = fds
        os.dup2(stdin_read, 0)
        os.dup2(output, 1)
        os.dup2(output, 2)
        for fd in (stdin_read, output):
            os.close(fd)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        try:
            _confine_worker(request, report_fd)
            confine.close_other_descriptors([protocol_in, protocol_out, report_fd])
            filtered = _filter_system_calls()
        except Exception as error:  # noqa: BLE001  (every failure is reported, none runs the submission)
            _report(report_fd, {"error": f"{type(error).__name__}: {error}"})
            code = 70
            return
        _report(report_fd, {"ready": True, "seccomp": filtered})
        os.close(report_fd)
        confine.close_other_descriptors([protocol_in, protocol_out])
        worker.serve(protocol_in, protocol_out)
    except BaseException:  # noqa: BLE001
        code = 71
        try:
            traceback.print_exc()
        except Exception:  # noqa: BLE001
            pass
    finally:
        os._exit(code)


class ForkServer:
    def __init__(self, channel):
        self.channel = channel
        self.workers = {}  # pid -> spawn request
        self.finished = {}  # pid -> return code, reaped while answering another request

    # -- spawning --------------------------------------------------------------------

    def spawn(self, request, fds):
        if len(fds) not in (3, 4):
            for fd in fds:
                os.close(fd)
            return {"error": f"spawn needs 3 descriptors (and the uid's lock), got {len(fds)}"}
        # The container mode's uid lock: held here until the uid is swept, so that no other worker
        # can be given the uid before every process of the one before is dead.
        request["lock"] = fds[3] if len(fds) == 4 else None
        fds = fds[:3]
        uid = request.get("uid")
        if MODE == "container":
            self._sweep(uid)
            self._fresh_folder(request["folder"], uid, request["gid"])
        report_read, report_write = os.pipe()
        try:
            if MODE == "namespaces":
                pid = self._fork_in_new_namespaces(request, fds, report_write)
            else:
                pid = os.fork()
                if pid == 0:
                    os.close(report_read)
                    _run_worker(request, fds, report_write, self.channel)
        except OSError as error:
            os.close(report_read)
            self._release(request)
            return {"error": f"could not start a worker: {error}"}
        finally:
            os.close(report_write)
            for fd in fds:
                os.close(fd)
        self.workers[pid] = request
        reply = self._await_ready(pid, report_read)
        os.close(report_read)
        if "error" in reply:
            self.kill({"pid": pid})
        return reply

    def _fork_in_new_namespaces(self, request, fds, report_write):
        """Fork a child that unshares PID/mount/IPC/UTS namespaces and forks the worker, PID 1 there."""
        relay_read, relay_write = os.pipe()
        middle = os.fork()
        if middle == 0:
            code = 0
            try:
                os.close(relay_read)
                confine.unshare(confine.CLONE_NEWPID | confine.CLONE_NEWNS | confine.CLONE_NEWIPC | confine.CLONE_NEWUTS,
                                "creating the worker's namespaces")
                pid = os.fork()
                if pid == 0:
                    os.close(relay_write)
                    _run_worker(request, fds, report_write, self.channel)
                os.write(relay_write, str(pid).encode())
            except BaseException as error:  # noqa: BLE001
                _report(report_write, {"error": f"{type(error).__name__}: {error}"})
                code = 70
            finally:
                os._exit(code)
        os.close(relay_write)
        data = b""
        while True:
            chunk = os.read(relay_read, 64)
            if not chunk:
                break
            data += chunk
        os.close(relay_read)
        os.waitpid(middle, 0)
        if not data:
            raise OSError("the worker's namespaces could not be created")
        return int(data)  # the worker, now this process's child (we are a subreaper)

    def _await_ready(self, pid, report_read):
        deadline = time.monotonic() + SETUP_SECONDS
        buffer, reply = b"", {"pid": pid}
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return {"error": "the worker did not finish its setup in time"}
            ready, _, _ = select.select([report_read], [], [], left)
            if not ready:
                continue
            chunk = os.read(report_read, 4096)
            if not chunk:
                return {"error": "the worker exited during its setup"}
            buffer += chunk
            while b"\n" in buffer:
                line, _, buffer = buffer.partition(b"\n")
                message = json.loads(line)
                if "error" in message:
                    return {"error": f"the worker could not be confined: {message['error']}"}
                if "network" in message:
                    reply["network"] = message["network"]
                if message.get("ready"):
                    reply["seccomp"] = bool(message.get("seccomp"))
                    return reply

    # -- container mode: the folder and the uid of a worker ------------------------------

    @staticmethod
    def _fresh_folder(folder, uid, gid):
        """A new empty folder of the worker's, owned by its uid, mode 0700 (named by the grader, one per worker)."""
        if os.path.dirname(os.path.normpath(folder)) != "/work":
            raise ValueError(f"a worker's folder must be directly in /work, not {folder!r}")
        shutil.rmtree(folder, ignore_errors=True)
        os.mkdir(folder, 0o700)
        os.chown(folder, uid, gid)

    def _sweep(self, uid):
        """Kill every process of ``uid`` (a dedicated worker uid): kill(-1) from a child that became it.

        kill(-1) signals every process the caller may signal in one pass that
        process creation cannot race (the kernel holds its task list lock).
        """
        pid = os.fork()
        if pid == 0:
            try:
                os.setresuid(uid, uid, uid)
                os.kill(-1, signal.SIGKILL)
            except OSError:
                pass
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        self._kill_strays()  # and reap those that were re-parented to us

    # -- ending ------------------------------------------------------------------------

    def _finish(self, pid, code):
        request = self.workers.pop(pid, None)
        if request is not None and MODE == "container":
            self._sweep(request["uid"])
            shutil.rmtree(request["folder"], ignore_errors=True)
        if request is not None:
            self._release(request)
        return _status(code)

    @staticmethod
    def _release(request):
        if request.get("lock") is not None:
            os.close(request["lock"])
            request["lock"] = None

    def _reap_others(self):
        """Reap exited children that are not the worker being asked about (strays, other workers)."""
        while True:
            try:
                pid, code = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid in self.workers:
                self.finished[pid] = self._finish(pid, code)
            elif MODE == "none":
                self._kill_strays()

    def _kill_strays(self):
        """Kill and reap children that are not live workers: descendants that escaped a finished worker."""
        if PROC is None:
            return
        try:
            fd = os.open(f"{os.getpid()}/task/{os.getpid()}/children", os.O_RDONLY, dir_fd=PROC)
            with os.fdopen(fd) as handle:
                children = [int(p) for p in handle.read().split()]
        except OSError:
            return
        strays = [pid for pid in children if pid not in self.workers]
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

    def poll(self, request):
        pid = int(request["pid"])
        if pid in self.finished:
            return {"returncode": self.finished.pop(pid)}
        if pid not in self.workers:
            return {"returncode": None, "gone": True}
        done, code = os.waitpid(pid, os.WNOHANG)
        if not done:
            return {"returncode": None}
        return {"returncode": self._finish(pid, code)}

    def kill(self, request):
        pid = int(request["pid"])
        if pid in self.finished:
            return {"returncode": self.finished.pop(pid)}
        if pid not in self.workers:
            return {"returncode": None, "gone": True}
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _, code = os.waitpid(pid, 0)
        if MODE == "none":
            self._kill_strays()
        return {"returncode": self._finish(pid, code)}

    def shutdown(self):
        for pid in list(self.workers):
            self.kill({"pid": pid})

    def serve(self):
        while True:
            try:
                message, fds, _, _ = socket.recv_fds(self.channel, 1 << 20, 4)
            except OSError:
                return
            if not message:
                return
            request = json.loads(message)
            op = request.get("op")
            if op == "spawn":
                reply = self.spawn(request, fds)
            elif op in ("poll", "kill"):
                reply = getattr(self, op)(request)
            else:
                reply = {"error": f"unknown request {op!r}"}
            self._reap_others()
            if request.get("reply", True):
                self.channel.sendall(json.dumps(reply).encode() + b"\n")


def main():
    channel = socket.socket(fileno=int(sys.argv[1]))
    confine.become_subreaper()
    server = ForkServer(channel)
    try:
        server.serve()
    finally:
        server.shutdown()
    # Nothing is left to flush or clean up: ending here spares the interpreter's teardown (numpy's modules,
    # about 0.1 s), which the grader waits for when it closes the sandbox.
    os._exit(0)


if __name__ == "__main__":
    main()
