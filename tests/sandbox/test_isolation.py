"""The OS isolation's defences, each tested directly under each OS isolation level this machine runs.

Every test here is meant to fail when its defence is taken away (the
filesystem view, the namespaces, the uid, a limit, a cap): each was checked
that way once.
"""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import AVAILABLE, failure_of, fast, processes_named

import gradecheck
from gradecheck._sandbox import SandboxedSubmission, SandboxError, SubmissionFailure, _forkserver, _isolation
from gradecheck._sandbox import resolve_isolation
from gradecheck._sandbox._cgroups import create_cgroup
from gradecheck._sandbox._tree import runtime_tree

ROOT = Path(gradecheck.__file__).resolve().parent.parent


# -- which isolation ----------------------------------------------------------------------------


@pytest.mark.skipif(not os.environ.get("CI"), reason="only CI promises both OS isolation levels")
def test_ci_runs_both_os_isolation_levels() -> None:
    assert "namespaces" in AVAILABLE and "container" in AVAILABLE, AVAILABLE


def test_auto_takes_the_strongest_level_and_the_environment_overrides_it(monkeypatch) -> None:
    monkeypatch.delenv("GRADECHECK_ISOLATION", raising=False)
    assert resolve_isolation("auto").level == AVAILABLE[0]
    monkeypatch.setenv("GRADECHECK_ISOLATION", "none")
    assert resolve_isolation("auto").level == "none"
    assert resolve_isolation(AVAILABLE[0]).level == AVAILABLE[0]  # a level asked for by name wins
    monkeypatch.setenv("GRADECHECK_ISOLATION", "chroot")
    with pytest.raises(SandboxError, match="GRADECHECK_ISOLATION"):
        resolve_isolation("auto")


def test_a_level_that_cannot_run_here_is_refused_with_the_reason(monkeypatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    _isolation._resolve.cache_clear()
    _isolation._namespaces_problem.cache_clear()
    try:
        with pytest.raises(SandboxError, match="bubblewrap"):
            resolve_isolation("namespaces")
        assert "namespaces" not in _isolation.available_isolation()
    finally:
        _isolation._resolve.cache_clear()
        _isolation._namespaces_problem.cache_clear()


def test_every_result_of_a_worker_records_its_isolation(isolation: str) -> None:
    with SandboxedSubmission("def f():\n    return 1\n", limits=fast(isolation)) as submission:
        info = submission.sandbox_info
    assert info["isolation"] == isolation
    assert (info["warning"] is not None) == (isolation == "none")
    # A network namespace (namespaces), or the seccomp filter refusing every socket but AF_UNIX (container).
    assert info["network_isolated"] and info["seccomp"] or isolation == "none"


# -- the filesystem ----------------------------------------------------------------------------

_PROBE_PATHS = """
import os
import re
def f(paths):
    seen = {}
    for path in paths:
        try:
            with open(path, 'rb') as handle:
                seen[path] = 'read %d bytes' % len(handle.read(100))
        except IsADirectoryError:
            seen[path] = 'listed %d entries' % len(os.listdir(path))
        except OSError as error:
            seen[path] = type(error).__name__
    return seen
"""


def _secrets(tmp_path: Path) -> list[str]:
    jax_spec = importlib.util.find_spec("jax")
    outside = tmp_path / "other-student.py"
    outside.write_text("secret = 42\n")
    return [
        str(Path(gradecheck.__file__)),
        str(ROOT / "reference" / "twelve-weights" / "solution.py"),
        str(ROOT / "gradecheck" / "exercises" / "twelve-weights" / "exercise.toml"),
        str(Path(jax_spec.origin)) if jax_spec and jax_spec.origin else "/nonexistent-jax",
        str(Path(sys.prefix) / "pyvenv.cfg"),
        str(outside),
        str(tmp_path),
        *_files_in_home(),
        os.getcwd(),
        f"/proc/{os.getpid()}/environ",
        f"/proc/{os.getpid()}/mem",
    ]


def _files_in_home() -> list[str]:
    """A few of the grader's own files in its home folder (not the Python installation, which may live there)."""
    home = Path(os.path.expanduser("~"))
    python = Path(sys.base_prefix).resolve()
    found = []
    try:
        for entry in sorted(home.iterdir()):
            if entry.is_file() and not entry.is_symlink():
                found.append(str(entry))
            elif entry.is_dir() and not python.is_relative_to(entry.resolve()):
                found.append(str(entry))
    except OSError:
        pass
    return found[:8]


def test_nothing_of_the_grader_is_visible(run_isolated, tmp_path: Path) -> None:
    paths = _secrets(tmp_path)
    seen = run_isolated(_PROBE_PATHS, args=[paths])
    leaked = {path: what for path, what in seen.items() if what not in ("FileNotFoundError", "PermissionError")}
    assert not leaked, f"the worker could read: {leaked}"


def test_the_worker_sees_only_the_runtime_tree(run_isolated) -> None:
    source = "import os, sys\ndef f():\n    return [sorted(os.listdir('/')), sys.path]\n"
    top, path = run_isolated(source)
    tree = runtime_tree()
    assert set(top) <= set(os.listdir(tree.root)), set(top) - set(os.listdir(tree.root))
    assert not any("site-packages" in entry or "dist-packages" in entry for entry in path), path


def test_forbidden_packages_are_absent_not_just_refused(run_isolated) -> None:
    # Where the grader has them, on the worker's import path or not: none can be found, however it looks.
    folders = sorted({str(Path(importlib.util.find_spec(name).origin).parent.parent) for name in ("jax", "gradecheck", "hypothesis")})
    source = (
        "import importlib.util, sys\n"
        "sys.meta_path[:] = [m for m in sys.meta_path if 'Forbidden' not in type(m).__name__]\n"
        "def f(folders):\n"
        "    sys.path[:0] = folders\n"
        "    return {name: importlib.util.find_spec(name) is not None for name in ('jax', 'gradecheck', 'hypothesis', 'numpy')}\n"
    )
    assert run_isolated(source, args=[folders]) == {"jax": False, "gradecheck": False, "hypothesis": False, "numpy": True}


def test_the_filesystem_is_read_only_but_the_private_folder(run_isolated) -> None:
    source = (
        "import os\n"
        "def f():\n"
        "    outcome = {}\n"
        "    for path in ('/opt/gradecheck/runtime/worker.py', '/new-file', '/usr/x', os.environ['HOME'] + '/mine'):\n"
        "        try:\n"
        "            open(path, 'a').close()\n"
        "            outcome[path] = 'written'\n"
        "        except OSError as error:\n"
        "            outcome[path] = type(error).__name__\n"
        "    return outcome\n"
    )
    outcome = run_isolated(source)
    assert [what for what in outcome.values()].count("written") == 1 and list(outcome.values())[-1] == "written", outcome


def test_the_root_is_mounted_read_only() -> None:
    if "namespaces" not in AVAILABLE:
        pytest.skip("namespaces are not available here")
    source = "import os\ndef f():\n    return [bool(os.statvfs(p).f_flag & os.ST_RDONLY) for p in ('/', '/usr', '/opt/gradecheck')]\n"
    with SandboxedSubmission(source, limits=fast("namespaces")) as submission:
        assert submission.call("f", []) == [True, True, True]


# -- processes, users, network -------------------------------------------------------------------


def test_the_grader_and_other_processes_cannot_be_seen_or_signalled(run_isolated) -> None:
    source = (
        "import os, signal\n"
        "def f(grader):\n"
        "    try:\n"
        "        os.kill(grader, 0)\n"
        "        signalled = 'yes'\n"
        "    except OSError as error:\n"
        "        signalled = type(error).__name__\n"
        "    try:\n"
        "        visible = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())\n"
        "    except OSError:\n"
        "        visible = []\n"
        "    return [signalled, visible, os.getuid()]\n"
    )
    signalled, visible, uid = run_isolated(source, args=[os.getpid()])
    assert signalled in ("ProcessLookupError", "PermissionError")
    # Its own PID namespace shows the worker alone (PID 1); the container mode has no /proc at all.
    assert visible == ([1] if run_isolated.isolation == "namespaces" else []), visible
    assert uid != os.getuid() or os.getuid() != 0


def test_two_workers_at_once_have_different_uids_and_cannot_touch_each_other(os_isolation: str) -> None:
    name = f"gc-sibling-{os.getpid() % 10000}"
    victim_source = f"import ctypes, os\ndef f():\n    ctypes.CDLL(None).prctl(15, {name.encode()!r}, 0, 0, 0)\n    return os.getuid()\n"
    attacker_source = (
        "import os, signal\n"
        "def f(pid, folder):\n"
        "    outcome = [os.getuid()]\n"
        "    try:\n"
        "        os.kill(pid, signal.SIGKILL)\n"
        "        outcome.append('killed')\n"
        "    except OSError as error:\n"
        "        outcome.append(type(error).__name__)\n"
        "    try:\n"
        "        outcome.append(os.listdir(folder))\n"
        "    except OSError as error:\n"
        "        outcome.append(type(error).__name__)\n"
        "    return outcome\n"
    )
    with SandboxedSubmission(victim_source, limits=fast(os_isolation)) as victim:
        victim_uid = victim.call("f", [])
        (victim_pid,) = processes_named(name)
        with SandboxedSubmission(attacker_source, limits=fast(os_isolation)) as attacker:
            uid, killed, listed = attacker.call("f", [victim_pid, f"/work/{victim_uid}"])
        assert uid != victim_uid
        assert killed in ("PermissionError", "ProcessLookupError")
        assert listed in ("PermissionError", "FileNotFoundError")
        assert victim.call("f", []) == victim_uid


def test_no_network(os_isolation: str) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    source = (
        "import socket\n"
        "def f(port):\n"
        "    try:\n"
        "        socket.create_connection(('127.0.0.1', port), timeout=2).close()\n"
        "        return 'connected'\n"
        "    except OSError as error:\n"
        "        return type(error).__name__\n"
    )
    try:
        with SandboxedSubmission(source, limits=fast(os_isolation)) as submission:
            assert submission.network_isolated
            assert submission.call("f", [server.getsockname()[1]]) != "connected"
    finally:
        server.close()


def test_the_namespaces_mode_has_a_network_namespace_of_its_own() -> None:
    """Beside the seccomp filter: no interface but loopback (the host's are not there to reach)."""
    if "namespaces" not in AVAILABLE:
        pytest.skip("namespaces are not available here")
    source = "def f():\n    with open('/proc/self/net/dev') as handle:\n        return sorted(line.split(':')[0].strip() for line in handle.readlines()[2:])\n"
    with SandboxedSubmission(source, limits=fast("namespaces")) as submission:
        assert submission.call("f", []) == ["lo"]


# -- limits ------------------------------------------------------------------------------------


def test_cpu_time_is_limited(run_isolated) -> None:
    error = failure_of(run_isolated, "def f():\n    while True:\n        pass\n", cpu_seconds=1, call_timeout=8.0)
    assert "used more than 1 s of CPU time" in str(error)


def test_file_size_is_limited(run_isolated) -> None:
    error = failure_of(run_isolated, "def f():\n    open('big', 'wb').write(b'x' * (4 << 20))\n", file_bytes=1 << 20)
    assert "File too large" in str(error)


_FILL = """
import os
import re
def f(count, size):
    written = 0
    try:
        for k in range(count):
            with open(f'f{k}', 'wb') as handle:
                handle.write(b'x' * size)
            written += 1
    except OSError as error:
        return [written, error.errno]
    return [written, 0]
"""


_namespaces_only = pytest.mark.skipif("namespaces" not in AVAILABLE, reason="namespaces are not available here")


def _fill(isolation: str, count: int, size: int, **limits: int) -> int:
    """How many files of ``size`` bytes the worker wrote before its folder's cap stopped it."""
    with SandboxedSubmission(_FILL, limits=fast(isolation, **limits)) as submission:
        try:
            written, errno_ = submission.call("f", [count, size])
        except SubmissionFailure as failure:  # the container mode's watch stops the worker
            assert failure.kind == "too-large" and ("folder" in str(failure) or "files" in str(failure)), failure
            return -1
    assert errno_ != 0, f"all {written} files were written"
    return written


def test_the_private_folder_has_a_size_cap(os_isolation: str) -> None:
    assert _fill(os_isolation, 400, 1 << 20, folder_bytes=4 << 20) < 20


def test_the_private_folder_has_a_file_count_cap(os_isolation: str) -> None:
    assert _fill(os_isolation, 5000, 1, folder_files=64) < 64


def test_open_files_are_limited(run_isolated) -> None:
    source = "def f():\n    handles = [open('f%d' % k, 'w') for k in range(200)]\n    return len(handles)\n"
    error = failure_of(run_isolated, source, open_files=32)
    assert "Too many open files" in str(error)


def test_processes_are_limited(run_isolated) -> None:
    source = (
        "import os, time\n"
        "def f():\n"
        "    started = 0\n"
        "    try:\n"
        "        for _ in range(100):\n"
        "            if os.fork() == 0:\n"
        "                time.sleep(30)\n"
        "                os._exit(0)\n"
        "            started += 1\n"
        "    except OSError:\n"
        "        pass\n"
        "    return started\n"
    )
    assert run_isolated(source, processes=16) < 100


def test_memory_outside_the_address_space_is_limited_by_the_cgroup(os_isolation: str) -> None:
    source = (
        "import os\n"
        "def f(total):\n"
        "    chunk, held, fds = b'x' * (16 << 20), 0, []\n"
        "    try:\n"
        "        while held < total:\n"
        "            fd = os.memfd_create('hoard')\n"
        "            os.write(fd, chunk)\n"
        "            fds.append(fd)\n"
        "            held += len(chunk)\n"
        "    except OSError:\n"
        "        pass\n"
        "    return held\n"
    )
    probe = create_cgroup(1 << 30, 64)
    if probe is None:
        pytest.skip("no memory cgroup can be created here")
    probe.remove()
    limits = fast(os_isolation, memory_bytes=256 << 20, open_files=128, file_bytes=32 << 20, call_timeout=20.0)
    with SandboxedSubmission(source, limits=limits) as submission:
        assert submission.sandbox_info["memory_cgroup"], "cgroups work here, but the worker is not in one"
        try:
            held = submission.call("f", [1536 << 20])
        except SubmissionFailure as failure:
            assert failure.kind == "crash", failure
            return
    assert held < 1024 << 20, f"the worker held {held >> 20} MiB in memfds"


def test_the_worker_caps_its_replies(run_isolated) -> None:
    error = failure_of(run_isolated, "def f():\n    return [0.5] * 300_000\n", response_bytes=1 << 20)
    assert "too large to check" in str(error)


def test_the_grader_caps_what_it_buffers_from_the_worker(run_isolated) -> None:
    # A reply written straight to the protocol pipe, around the worker's own cap, without a newline.
    source = (
        "import os\n"
        "def f():\n"
        "    for fd in range(3, 64):\n"
        "        try:\n"
        "            os.write(fd, b'x' * (8 << 20))\n"
        "        except OSError:\n"
        "            pass\n"
    )
    error = failure_of(run_isolated, source, response_bytes=1 << 20, call_timeout=5.0)
    assert error.kind == "too-large", error


# -- the fork server ---------------------------------------------------------------------------


def test_a_stopped_fork_server_costs_one_timeout_then_grading_goes_on(os_isolation: str, monkeypatch) -> None:
    monkeypatch.setattr(_forkserver, "_SPAWN_SECONDS", 2.0)
    with SandboxedSubmission("def f():\n    return 1\n", limits=fast(os_isolation)) as submission:
        assert submission.call("f", []) == 1
        server = submission._server
    assert server is not None
    for pid in _descendants(server.process.pid):
        os.kill(pid, signal.SIGSTOP)
    started = time.monotonic()
    with SandboxedSubmission("def f():\n    return 2\n", limits=fast(os_isolation)) as submission:
        assert submission.call("f", []) == 2
        assert submission._server is not server, "the stopped fork server was used again"
    assert 2.0 <= time.monotonic() - started < 10, "the request to the stopped fork server did not time out"
    assert server.broken and server.process.poll() is not None, "the stopped fork server was not killed"


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            with open(f"/proc/{current}/task/{current}/children") as handle:
                todo.extend(int(child) for child in handle.read().split())
        except OSError:
            continue
    return found


@_namespaces_only
def test_shared_memory_is_private_to_each_worker_and_capped() -> None:
    source = (
        "import os\n"
        "def f(size):\n"
        "    before = os.listdir('/dev/shm')\n"
        "    try:\n"
        "        with open('/dev/shm/left-behind', 'wb') as handle:\n"
        "            handle.write(b'x' * size)\n"
        "        wrote = size\n"
        "    except OSError:\n"
        "        wrote = 0\n"
        "    return [before, wrote]\n"
    )
    limits = fast("namespaces", folder_bytes=4 << 20, file_bytes=64 << 20)
    with SandboxedSubmission(source, limits=limits) as first:
        assert first.call("f", [1 << 20]) == [[], 1 << 20]
        assert first.call("f", [32 << 20])[1] == 0, "/dev/shm is not capped"
    with SandboxedSubmission(source, limits=limits) as second:
        assert second.call("f", [1])[0] == [], "a file left in /dev/shm by another worker is visible"


# -- the seccomp filter ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "machine, header",
    [("x86_64", "/usr/include/x86_64-linux-gnu/asm/unistd_64.h"), ("aarch64", "/usr/include/asm-generic/unistd.h")],
)
def test_the_seccomp_system_call_numbers_match_the_kernel_headers(machine: str, header: str) -> None:
    if not Path(header).exists():
        pytest.skip(f"{header} is not installed (Debian: linux-libc-dev)")
    seccomp: dict[str, Any] = {}  # the runtime file is not a module of the package: run, not imported
    exec((Path(gradecheck.__file__).parent / "_sandbox" / "_runtime" / "seccomp.py").read_text(), seccomp)
    defined = dict(re.findall(r"#define __NR_(\w+)\s+(\d+)\b", Path(header).read_text()))
    wrong = {name: (number, defined.get(name)) for name, number in seccomp["SYSCALLS"][machine].items() if int(defined.get(name, -1)) != number}
    assert not wrong, wrong


_SYSTEM_CALLS = """
import ctypes, os, socket
def f():
    libc = ctypes.CDLL(None, use_errno=True)
    outcome = {}
    for name, flags in (('user', 0x10000000), ('mount', 0x00020000), ('network', 0x40000000)):
        outcome[name] = [libc.unshare(flags), ctypes.get_errno()]
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
        outcome['inet'] = 'opened'
    except OSError as error:
        outcome['inet'] = error.errno
    outcome['unix'] = len(socket.socketpair())
    pid = os.fork()
    if pid == 0:
        os._exit(5)
    outcome['fork'] = os.waitpid(pid, 0)[1] >> 8
    return outcome
"""


def test_the_worker_can_create_no_namespace_and_open_no_network_socket(run_isolated) -> None:
    outcome = run_isolated(_SYSTEM_CALLS)
    assert outcome["user"] == outcome["mount"] == outcome["network"] == [-1, 1], outcome  # EPERM
    assert outcome["inet"] == 1 and outcome["unix"] == 2 and outcome["fork"] == 5, outcome


_HOLDER = """
import sys
from gradecheck._sandbox import Limits, SandboxedSubmission
source = "import ctypes, os\\ndef f(name):\\n    ctypes.CDLL(None).prctl(15, name.encode(), 0, 0, 0)\\n    return os.getuid()\\n"
with SandboxedSubmission(source, limits=Limits(isolation=sys.argv[1])) as submission:
    print(submission.call("f", [sys.argv[2]]), flush=True)
    sys.stdin.readline()
"""


def test_a_closing_container_fork_server_sweeps_no_uid_that_another_process_holds(monkeypatch) -> None:
    if "container" not in AVAILABLE:
        pytest.skip("the container mode is not available here")
    from gradecheck._sandbox._slots import SLOT_COUNT

    # A uid range of this test's own (inherited by the holder), so that no other grading process running
    # beside it (the suite's other workers) takes the uid the test releases first.
    monkeypatch.setenv("GRADECHECK_SANDBOX_UID_BASE", str(70000 + (os.getpid() % 1000) * SLOT_COUNT))
    _forkserver.ForkServer.close_all()
    with SandboxedSubmission("import os\ndef f():\n    return os.getuid()\n", limits=fast("container")) as first:
        uid = first.call("f", [])
    # Released: another grading process may now take the same uid, and does.
    name = f"gc-holder-{os.getpid() % 10000}"
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, AVAILABLE[0], name], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert int(holder.stdout.readline()) == uid, "the other process did not get the same uid"
        _forkserver.ForkServer.close_all()  # this process's container fork server ends, and sweeps what it may
        time.sleep(0.3)
        assert processes_named(name), "closing a fork server killed a worker of another process"
    finally:
        holder.communicate("\n", timeout=30)
        _forkserver.ForkServer.close_all()  # later tests start from the usual range


def test_the_cache_keeps_the_trees_in_use_and_prunes_old_ones(tmp_path: Path, monkeypatch) -> None:
    from gradecheck._sandbox import _tree

    monkeypatch.setenv("GRADECHECK_CACHE_DIR", str(tmp_path))
    stale = time.time() - 3 * 3600
    for k in range(12):
        old = tmp_path / f"tree-old{k:02d}"
        (old / "x").mkdir(parents=True)
        (old / ".used").touch()
        os.utime(old / ".used", (stale + k, stale + k))  # old00 is the least recently used
    recent = tmp_path / "tree-recent"
    recent.mkdir()
    (recent / ".used").touch()
    monkeypatch.setattr(_tree, "_BUILT", {})
    built = _tree.runtime_tree()
    kept = sorted(p.name for p in tmp_path.glob("tree-*"))
    assert built.root.name in kept and "tree-recent" in kept
    assert len(kept) == _tree._KEEP_TREES, kept  # the one built and the most recently used others
    assert "tree-old11" in kept and "tree-old00" not in kept
