"""Run a batch of submissions in a process of its own and watch it from outside (tests/test_isolation_attacks.py).

:func:`run_batch` starts tests/attack_batch.py (a command line shaped like ``gradecheck grade
EXERCISE --out DIR FILE...``) with its own TMPDIR, an address-space cap and a deadline, and returns a
:class:`Batch`: its exit status, every input's results, and what it did outside its results
folder (the installation, the test's files, processes left running, the grading processes' peak
resident size).  Linux only: it reads /proc.
"""

from __future__ import annotations

import compileall
import dataclasses
import hashlib
import json
import os
import re
import shutil
import signal
import site
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RUNNER = ROOT / "tests" / "attack_batch.py"
PACKAGE_DIR = ROOT / "gradecheck"
EXERCISE = "twelve-weights"
#: Seconds per submission (at most 10 per call): generous, so that correct submissions keep their
#: marks on a loaded two-core machine.  sigstop_grader_late_reply.py sleeps 11 s in one call.
TIMEOUT = 12.0
#: Address-space cap of the batch and its grading processes (a JAX grading process needs ~1.6 GiB):
#: a grader that reads /dev/zero without end gets a MemoryError, not the machine's OOM killer.
BATCH_MEMORY = 5 * 1024**3 // 2
#: Wall seconds a batch may take before it counts as hung and is killed.
DEADLINE = 150.0
#: The files pth_in_site_packages.py plants; removed after every batch whatever happens.
PLANTED = ("zz-gradecheck-hostile.pth", "zz_gradecheck_hostile.py")
#: The name setsid_daemon.py gives its daemon (at most 15 characters: /proc/<pid>/comm).
DAEMON_NAME = "gcattack-daemon"


# -- processes --------------------------------------------------------------------------------------


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def _stat_fields(pid: int) -> list[bytes] | None:
    data = _read(f"/proc/{pid}/stat")
    return data.rsplit(b")", 1)[1].split() if data else None


def _start_time(pid: int) -> int | None:
    """Clock ticks after boot at which ``pid`` started; ``None`` when it is gone or a zombie."""
    fields = _stat_fields(pid)
    if not fields or fields[0] in (b"Z", b"X"):
        return None
    return int(fields[19])


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        data = _read(f"/proc/{pid}/task/{task}/children")
        found += [int(child) for child in data.split()] if data else []
    return found


def _descendants(pid: int) -> list[int]:
    found, todo = [], _children(pid)
    while todo:
        child = todo.pop()
        found.append(child)
        todo += _children(child)
    return found


def _describe(pid: int) -> str:
    command = (_read(f"/proc/{pid}/cmdline") or b"").replace(b"\0", b" ").decode(errors="replace").strip()
    name = (_read(f"/proc/{pid}/comm") or b"").decode(errors="replace").strip()
    return f"pid {pid} ({name}): {command[:160]}"


class _Watcher(threading.Thread):
    """Polls a process tree: every process seen (with its start time) and the grading processes' peak RSS."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.seen: dict[int, int] = {}
        self.grader_peak_rss = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.poll()
            self._stop_event.wait(0.05)

    def poll(self) -> None:
        for pid in [self.root, *_descendants(self.root)]:
            started = _start_time(pid)
            if started is None:
                continue
            self.seen.setdefault(pid, started)
            command = _read(f"/proc/{pid}/cmdline") or b""
            if pid == self.root or b"multiprocessing" in command:  # the batch and its grading processes
                status = (_read(f"/proc/{pid}/status") or b"").decode(errors="replace")
                match = re.search(r"VmHWM:\s+(\d+) kB", status)
                if match:
                    self.grader_peak_rss = max(self.grader_peak_rss, int(match.group(1)) * 1024)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def _alive(pid: int, started: int) -> bool:
    """Whether ``pid`` is still the process that started at ``started`` and has not begun to exit
    (an exiting process has no command line left)."""
    return _start_time(pid) == started and bool(_read(f"/proc/{pid}/cmdline"))


def _suspects(watcher: _Watcher, batch_started: int, by_command: bool) -> dict[int, int]:
    """Processes of this batch that may still run: seen in its tree, or started by it and escaped.

    Escaped ones are found by name (the daemon attack names itself) or, with ``by_command`` (the
    sandbox without OS isolation, whose forked workers keep the fork server's command line), by a
    command line that names this checkout's gradecheck package.  Not under OS isolation: there,
    such command lines are other tests' fork servers (pytest-xdist runs tests side by side).
    """
    found = {pid: started for pid, started in watcher.seen.items() if pid != watcher.root and _alive(pid, started)}
    found.update(daemons())
    for entry in filter(str.isdigit, os.listdir("/proc")) if by_command else ():
        pid = int(entry)
        started = _start_time(pid)
        if pid in found or started is None or started < batch_started:
            continue
        if os.fsencode(PACKAGE_DIR) in (_read(f"/proc/{pid}/cmdline") or b""):
            found[pid] = started
    return found


def kill_all(processes: dict[int, int]) -> None:
    for pid, started in processes.items():
        if _alive(pid, started):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


# -- snapshots --------------------------------------------------------------------------------------


def _installation_dirs() -> list[Path]:
    folders = set(site.getsitepackages()) | {site.getusersitepackages()}
    folders |= {entry for entry in sys.path if entry.endswith(("site-packages", "dist-packages"))}
    return sorted({Path(folder).resolve() for folder in folders if os.path.isdir(folder)} | {PACKAGE_DIR})


def _tree_snapshot(top: Path, skip: Sequence[Path] = ()) -> dict[str, tuple[int, int, int]]:
    """Relative path -> (mode, size, mtime) of everything under ``top`` (no symlinks followed, no __pycache__)."""
    found: dict[str, tuple[int, int, int]] = {}
    skipped = {str(path) for path in skip}
    for folder, subfolders, files in os.walk(top):
        subfolders[:] = [name for name in subfolders if name != "__pycache__" and os.path.join(folder, name) not in skipped]
        for name in [*files, *subfolders]:
            path = os.path.join(folder, name)
            if path in skipped:
                continue
            try:
                info = os.lstat(path)
            except OSError:
                continue
            size = info.st_size if stat.S_ISREG(info.st_mode) else 0
            found[os.path.relpath(path, top)] = (info.st_mode, size, info.st_mtime_ns)
    return found


def _installation_snapshot() -> dict[str, tuple[int, int, int]]:
    # Bytecode first: a module imported for the first time meanwhile (by another test process, say)
    # would otherwise show as a change of the installation.
    compileall.compile_dir(str(PACKAGE_DIR), quiet=1)
    snapshot = {}
    for folder in _installation_dirs():
        for name, value in _tree_snapshot(folder).items():
            snapshot[os.path.join(str(folder), name)] = value
    return snapshot


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    changes = [f"added {name}" for name in sorted(after.keys() - before.keys())]
    changes += [f"removed {name}" for name in sorted(before.keys() - after.keys())]
    changes += [f"changed {name}" for name in sorted(before.keys() & after.keys()) if before[name] != after[name]]
    return changes


def _results_snapshot(out: Path) -> dict[str, str]:
    if not out.is_dir():
        return {}
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(out.iterdir()) if path.is_file()}


def remove_planted_files() -> None:
    for folder in _installation_dirs():
        for name in PLANTED:
            (folder / name).unlink(missing_ok=True)


def daemons() -> dict[int, int]:
    """Processes that the daemon attack started (it names itself), wherever they are."""
    found = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        started = _start_time(int(entry))
        if started is not None and (_read(f"/proc/{entry}/comm") or b"").strip() == DAEMON_NAME.encode()[:15]:
            found[int(entry)] = started
    return found


# -- running a batch --------------------------------------------------------------------------------


def strict_json(text: str) -> Any:
    def refuse(constant: str) -> Any:
        raise ValueError(f"non-standard JSON constant {constant}")

    return json.loads(text, parse_constant=refuse)


@dataclasses.dataclass(repr=False)
class Batch:
    """What one graded batch did, observed from outside."""

    mode: str
    files: list[Path]
    out: Path
    returncode: int | None  #: None: it hung and was killed at the deadline
    log: str  #: the tail of its stderr
    wall: float
    results: dict[Path, list[dict[str, Any]]]  #: input -> its results (read after the batch, and after the grace period)
    strays: list[str]  #: results files that belong to no input, or cannot be read
    out_at_exit: dict[str, str]
    out_later: dict[str, str]
    installation_changes: list[str]
    tmp_changes: list[str]
    leftovers: list[str]
    grader_peak_rss: int
    extras: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __repr__(self) -> str:
        return f"<Batch of {len(self.files)} inputs, mode {self.mode}: {self.status()}>"

    def status(self) -> str:
        if self.returncode is None:
            return f"the batch hung and was killed after {self.wall:.0f} s"
        if self.returncode != 0:
            last = self.log.strip().splitlines()[-1:] or ["(no output)"]
            return f"the batch exited with status {self.returncode}: {last[0][:300]}"
        return f"the batch finished in {self.wall:.1f} s"

    def result(self, name: str) -> dict[str, Any]:
        """The one result of the input called ``name``."""
        (path,) = [path for path in self.files if path.name == name]
        found = self.results.get(path, [])
        assert len(found) == 1, f"{name!r} has {len(found)} results ({self.status()})"
        return found[0]

    def text(self, name: str) -> str:
        """Everything the result of ``name`` tells its student, as one string."""
        return json.dumps(self.result(name))

    def error(self, name: str) -> str:
        return str(self.result(name)["gradecheck"].get("error") or "")


def run_batch(
    folder: Path,
    files: Sequence[Path],
    *,
    isolation: str | None,
    jobs: int = 2,
    deadline: float = DEADLINE,
    resume: bool = False,
    html: bool = False,
) -> Batch:
    """Grade ``files`` (already written under ``folder``) into ``folder/out``, in a batch process of their own.

    ``isolation`` is passed to ``grade_batch`` when not ``None`` (``Batch.mode`` is then ``"none"``).
    """
    mode = isolation or "none"
    out, scratch = folder / "out", folder / "tmp"
    scratch.mkdir(exist_ok=True)
    command = [sys.executable, str(RUNNER), EXERCISE, "--out", str(out), "--jobs", str(jobs), "--timeout", str(TIMEOUT),
               "--max-memory", str(BATCH_MEMORY)]
    if isolation is not None:
        command += ["--isolation", isolation]
    command += (["--resume"] if resume else []) + (["--html"] if html else []) + ["--", *map(str, files)]
    installation = _installation_snapshot()
    tmp_before = _tree_snapshot(folder, skip=[out, scratch])
    started = time.monotonic()
    # The batch's own TMPDIR: today's workers make their folders there, and a killed grader's are removed with it.
    environment = {**os.environ, "TMPDIR": str(scratch)}
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
                                   env=environment, start_new_session=True)
        batch = _observe(process, folder, mode, files, out, deadline, started, installation, tmp_before)
        stderr.seek(0)
        batch.log = stderr.read().decode(errors="replace")[-4000:]
    shutil.rmtree(scratch, ignore_errors=True)
    return batch


def _observe(
    process: subprocess.Popen[bytes],
    folder: Path,
    mode: str,
    files: Sequence[Path],
    out: Path,
    deadline: float,
    started: float,
    installation: dict[str, tuple[int, int, int]],
    tmp_before: dict[str, tuple[int, int, int]],
) -> Batch:
    batch_started = _start_time(process.pid) or 0
    watcher = _Watcher(process.pid)
    watcher.start()
    returncode: int | None
    try:
        returncode = process.wait(timeout=deadline)
    except subprocess.TimeoutExpired:
        watcher.poll()
        kill_all(watcher.seen)
        process.wait()
        returncode = None
    finally:
        watcher.stop()
    wall = time.monotonic() - started
    # What is still running shortly after the batch ended was left behind by it.
    grace = time.monotonic() + 3.0
    by_command = mode == "none"
    suspects = _suspects(watcher, batch_started, by_command)
    while suspects and time.monotonic() < grace:
        time.sleep(0.1)
        suspects = _suspects(watcher, batch_started, by_command)
    leftovers = [_describe(pid) for pid in suspects]
    out_at_exit = _results_snapshot(out)
    later = time.monotonic() + 4.0  # give a leftover the time to do what it stayed for
    while any(_alive(pid, since) for pid, since in suspects.items()) and time.monotonic() < later:
        time.sleep(0.1)
    kill_all(suspects)
    out_later = _results_snapshot(out)
    installation_changes = differences(installation, _installation_snapshot())
    remove_planted_files()
    tmp_changes = differences(tmp_before, _tree_snapshot(folder, skip=[out, folder / "tmp"]))
    results, strays = _read_results(out, files)
    return Batch(mode, list(files), out, returncode, "", wall, results, strays, out_at_exit, out_later,
                 installation_changes, tmp_changes, leftovers, watcher.grader_peak_rss)


def _read_results(out: Path, files: Sequence[Path]) -> tuple[dict[Path, list[dict[str, Any]]], list[str]]:
    from gradecheck._result_files import display_name

    # Results record each input's path in printable form (a newline as \n).
    by_path = {display_name(os.path.abspath(path)): path for path in files}
    results: dict[Path, list[dict[str, Any]]] = {path: [] for path in files}
    strays = []
    for path in sorted(out.glob("*.json")) if out.is_dir() else []:
        try:
            result = strict_json(path.read_text(encoding="utf-8"))
            source = by_path[result["gradecheck"]["submission_path"]]
        except (OSError, ValueError, KeyError, TypeError) as error:
            strays.append(f"{path.name}: {type(error).__name__}: {error}")
            continue
        results[source].append(result)
    return results, strays


class Listener:
    """A TCP listener on loopback that records what reaches it (no attack may reach it)."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.1)
        self.received: list[bytes] = []
        self._stop_event = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop_event.is_set():
            try:
                connection, _ = self.socket.accept()
            except OSError:
                continue
            with connection:
                connection.settimeout(1.0)
                try:
                    self.received.append(connection.recv(1024) or b"(connected, sent nothing)")
                except OSError:
                    self.received.append(b"(connected)")

    def close(self) -> None:
        self._stop_event.set()
        self._thread.join()
        self.socket.close()
