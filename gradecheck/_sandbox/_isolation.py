"""Which isolation this machine can give a worker, and the one to use.

- ``namespaces``: bubblewrap (``bwrap``) starts the fork server in new PID,
  mount, network, IPC and UTS namespaces (and a user namespace when the grader
  is not root) with only the runtime tree as its filesystem, read-only; each
  worker then gets PID, mount and IPC namespaces of its own, a private
  size-capped tmpfs, its own /proc, and no privileges (a dedicated uid when
  the grader is root, no capabilities otherwise).
- ``container``: the grader is root but namespaces are refused (a Docker
  container, as on Gradescope).  The fork server chroots into the runtime
  tree; each worker runs as a dedicated uid in a private folder, and every
  process of that uid is killed when it ends.  The network is not isolated.
- ``none``: a separate process with limits and a fresh folder, as the same
  user as the grader, seeing the same files.  Grading runs, with a loud
  warning; ``--require-isolation`` refuses it.

``auto`` picks the first that works here; ``$GRADECHECK_ISOLATION`` overrides
``auto`` (CI forces ``container`` that way).
"""

from __future__ import annotations

import dataclasses
import functools
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from gradecheck._sandbox._limits import ISOLATION_LEVELS, SandboxError

__all__ = [
    "NO_ISOLATION_WARNING",
    "Isolation",
    "available_isolation",
    "bwrap_command_prefix",
    "ensure_available",
    "require_os_isolation",
    "resolve_isolation",
]

_CONFINE = Path(__file__).with_name("_runtime") / "confine.py"

NO_ISOLATION_WARNING = (
    "WARNING: submissions run WITHOUT operating-system isolation: as your user, seeing your files, "
    "possibly with network access. A hostile submission can read the reference solutions, forge its grade and "
    "tamper with other results. Install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap) or run "
    "as root in a container; --require-isolation refuses to grade without isolation."
)

_DESCRIPTIONS = {
    "namespaces": "bubblewrap namespaces: own PID, mount, network and IPC namespaces, read-only runtime-only filesystem",
    "container": "dedicated uid in a chroot of the runtime tree; sockets refused by seccomp (no network namespace)",
    "none": "separate process only: same user and filesystem as the grader, network not isolated",
}


@dataclasses.dataclass(frozen=True)
class Isolation:
    """A resolved isolation level and why it was chosen."""

    level: str
    reason: str

    @property
    def description(self) -> str:
        return _DESCRIPTIONS[self.level]

    @property
    def dedicated_uid(self) -> bool:
        """Workers run as a uid of their own (the grader is root)."""
        return self.level in ("namespaces", "container") and os.geteuid() == 0

    @property
    def network_isolated(self) -> bool:
        return self.level == "namespaces"


def bwrap_command_prefix() -> list[str]:
    """bubblewrap's namespace options for the fork server (root: no user namespace, capabilities kept)."""
    command = [
        shutil.which("bwrap") or "bwrap",
        "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
        "--die-with-parent", "--new-session",
    ]
    if os.geteuid() == 0:
        for capability in ("CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID", "CAP_KILL", "CAP_SETPCAP"):
            command += ["--cap-add", capability]
    else:
        command += ["--unshare-user", "--uid", "0", "--gid", "0", "--cap-add", "ALL"]
    return command


def _python_for_probe() -> str:
    from gradecheck._sandbox._tree import base_interpreter

    return base_interpreter()


_PROBE = """
import os, sys, types
confine = types.ModuleType("confine")
exec(sys.argv[1], confine.__dict__)  # the confinement code itself, whatever is mounted where
confine.unshare(confine.CLONE_NEWPID | confine.CLONE_NEWNS | confine.CLONE_NEWIPC | confine.CLONE_NEWUTS)
pid = os.fork()
if pid == 0:
    try:
        confine.make_mounts_private()
        confine.mount_private_folder("/tmp", 1 << 20, 64, os.getuid(), os.getgid())
        confine.mount_own_proc()
        os._exit(0)
    except BaseException as error:
        print(error, file=sys.stderr)
        os._exit(1)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
"""


@functools.lru_cache(maxsize=None)
def _namespaces_problem() -> str | None:
    """``None`` if bubblewrap can start a fork server that can confine workers here; else why not."""
    if sys.platform != "linux":
        return "namespaces need Linux"
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed"
    python = _python_for_probe()
    command = [*bwrap_command_prefix(), "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
               "--", python, "-I", "-S", "-c", _PROBE, _CONFINE.read_text(encoding="utf-8")]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as error:
        return f"bubblewrap could not run: {error}"
    if done.returncode != 0:
        detail = (done.stderr.strip().splitlines() or ["no message"])[-1]
        return f"bubblewrap cannot create the namespaces a worker needs here ({detail})"
    return None


@functools.lru_cache(maxsize=None)
def _container_problem() -> str | None:
    """``None`` if this process may chroot and switch uids (root, without namespaces); else why not."""
    if sys.platform != "linux" or not hasattr(os, "chroot"):
        return "the container mode needs Linux"
    if os.geteuid() != 0:
        return "the container mode needs the grader to run as root"
    probe = "import os; os.chroot('/'); os.setgroups([]); os.setresgid(65534, 65534, 65534); os.setresuid(65534, 65534, 65534)"
    try:
        done = subprocess.run([_python_for_probe(), "-I", "-S", "-c", probe], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as error:
        return f"could not test chroot and setuid: {error}"
    if done.returncode != 0:
        return "this root process may not chroot or switch uids (capabilities dropped?)"
    return None


def _problem(level: str) -> str | None:
    if level == "namespaces":
        return _namespaces_problem()
    if level == "container":
        return _container_problem()
    return None


def available_isolation() -> list[str]:
    """The isolation levels this machine can run, strongest first (``"none"`` is always there)."""
    return [level for level in ISOLATION_LEVELS if _problem(level) is None]


def ensure_available(level: str) -> None:
    """Raise :class:`SandboxError` unless ``level`` fully works here (the whole probe, not the quick check)."""
    problem = _problem(level)
    if problem is not None:
        raise SandboxError(f"isolation {level!r} is not available here: {problem}.")


def require_os_isolation(level: str) -> None:
    """Raise :class:`SandboxError` for ``"none"``: grading was asked to refuse to run without OS isolation."""
    if level == "none":
        raise SandboxError(
            "no operating-system isolation is available here, and it was required: install bubblewrap "
            "(Debian/Ubuntu: apt-get install bubblewrap) or run the grader as root in a container."
        )


def _requested(requested: str) -> str:
    if requested == "auto":
        requested = os.environ.get("GRADECHECK_ISOLATION", "auto").strip() or "auto"
    if requested != "auto" and requested not in ISOLATION_LEVELS:
        raise SandboxError(
            f"isolation must be one of auto, {', '.join(ISOLATION_LEVELS)}; found {requested!r}"
            f"{' (from $GRADECHECK_ISOLATION)' if os.environ.get('GRADECHECK_ISOLATION') else ''}."
        )
    return requested


_RESOLVING = threading.Lock()


def resolve_isolation(requested: str = "auto") -> Isolation:
    """The level to use for ``requested`` (``"auto"`` or a level); raises :class:`SandboxError` if unavailable."""
    wanted = _requested(requested)
    with _RESOLVING:  # one probe at a time: a thread warming the sandbox up (warm_up_soon) and the grader may ask together
        return _resolve(wanted)


def _quick_problem(level: str) -> str | None:
    """The cheap part of :func:`_problem`: enough for a level asked for by name (a failed start says the rest)."""
    if level == "namespaces" and shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed"
    if level == "container" and os.geteuid() != 0:
        return "the container mode needs the grader to run as root"
    if level != "none" and sys.platform != "linux":
        return "OS isolation needs Linux"
    return None


@functools.lru_cache(maxsize=None)
def _resolve(wanted: str) -> Isolation:
    if wanted != "auto":
        problem = _quick_problem(wanted)
        if problem is not None:
            raise SandboxError(f"isolation {wanted!r} is not available here: {problem}.")
        return Isolation(wanted, "requested")
    reasons = []
    for level in ISOLATION_LEVELS:
        problem = _problem(level)
        if problem is None:
            return Isolation(level, "; ".join(reasons) or "the strongest available")
        reasons.append(f"no {level}: {problem}")
    raise AssertionError("unreachable: 'none' is always available")
