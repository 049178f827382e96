"""Attacks on the grader's isolation (issue 9): every hostile submission in tests/data/attacks, and
inputs that are not code at all, graded in batches beside correct submissions.

Each batch runs in a process of its own (tests/attack_harness.py runs tests/attack_batch.py, a
command line shaped like ``gradecheck grade EXERCISE --out DIR FILE...``), under an address-space
cap, with a deadline, and watched: which processes it starts, how large its grading processes grow,
what is left running.
For every batch the tests assert what the defence must guarantee:

* every input gets exactly one result and the batch finishes (no hang, no exception);
* every correct submission keeps 15/15, and every attack gets no more than its own honest part
  (usually 0, or 1.5/15 for a correct forward);
* nothing outside changed: the installation (site-packages, the gradecheck package), the test's
  own folders, other results (also a few seconds after the batch ended); no process is left running.

The batches run in every isolation mode the sandbox offers (``available_isolation()``):
``namespaces`` (bubblewrap) and ``container`` (root without namespaces: a dedicated uid and a
chroot).  Until the sandbox has that API, the tests run once against today's sandbox (mode
``none``) and show which attacks succeed.

Bounded on purpose: the attacks stop after a few seconds and a few GiB, act only on the batch that
grades them (found among their own ancestors), and the tests kill whatever is left.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import shutil
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from attack_harness import (
    EXERCISE,
    PACKAGE_DIR,
    ROOT,
    Batch,
    Listener,
    daemons,
    differences,
    kill_all,
    remove_planted_files,
    run_batch,
    strict_json,
)

ATTACKS = ROOT / "tests" / "data" / "attacks"
REFERENCE = PACKAGE_DIR.parent / "reference" / "twelve-weights" / "solution.py"
FULL_MARKS = 15.0
FORWARD_ONLY = 1.5
#: Wall seconds for the batch of attacks that hang the grader today.
HANG_DEADLINE = 30.0
#: The grading processes (not the workers) must stay below this resident size.
GRADER_RSS_LIMIT = 1024**3
#: What a worker may put on disk in all (its private writable folder's cap must be below this).
WORKER_DISK_BOUND = 512 * 1024**2
#: A line of the reference solution: it must never appear in a result.
REFERENCE_LINE = "d_z = upstream * a * (1.0 - a)"
_LINUX = Path("/proc/self/stat").exists()

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not _LINUX or os.name != "posix", reason="the attacks use Linux /proc"),
]


# -- isolation modes --------------------------------------------------------------------------------


def _available_isolation() -> list[str] | None:
    """The sandbox's modes on this machine; ``None`` where the sandbox has no isolation API yet."""
    try:
        from gradecheck._sandbox import available_isolation  # type: ignore[attr-defined]
    except ImportError:
        return None
    return list(available_isolation())


AVAILABLE = _available_isolation()
#: Without the API, today's sandbox runs once, as mode "none", and no isolation argument is passed.
MODES = ["namespaces", "container"] if AVAILABLE is not None else ["none"]


def _missing(mode: str) -> str:
    if mode == "namespaces":
        return "bwrap is not installed" if not shutil.which("bwrap") else "bwrap cannot create user, pid, mount and net namespaces here"
    if mode == "container":
        return "it needs root" if os.geteuid() != 0 else "no unprivileged uid or runtime tree is available"
    return "unknown mode"


def _isolation(mode: str) -> str | None:
    """The isolation argument for ``grade_batch``: none where the sandbox has no isolation API yet."""
    return mode if AVAILABLE is not None else None


@pytest.fixture(scope="module", params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    if AVAILABLE is not None and request.param not in AVAILABLE:
        pytest.skip(f"isolation {request.param!r} is not available: {_missing(request.param)}")
    return str(request.param)


@pytest.fixture(scope="module", autouse=True)
def _no_planted_files_or_daemons() -> Iterator[None]:
    remove_planted_files()
    yield
    remove_planted_files()
    kill_all(daemons())


# -- helpers ----------------------------------------------------------------------------------------


def _correct_source(name: str) -> str:
    """The reference solution as a student's file, with words of its own at the end (a secret to others)."""
    return f"# gradecheck: exercise={EXERCISE}\n{REFERENCE.read_text()}\n# {name}: own words {_secret(name)}\n"


def _secret(name: str) -> str:
    return hashlib.sha256(f"secret of {name}".encode()).hexdigest()[:20]


def _write(folder: Path, sources: dict[str, str]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, source in sources.items():
        path = folder / name
        path.write_text(source, encoding="utf-8")
        paths.append(path)
    return paths


def _attack(name: str) -> str:
    return (ATTACKS / name).read_text(encoding="utf-8")


# -- the batches ------------------------------------------------------------------------------------

#: Attack file -> (the batch that grades it, the most it may score: its own honest part).
ATTACKS_TABLE: dict[str, tuple[str, float]] = {
    # A wrong submission gets 15/15 by reading the reference solution ...
    "ref_via_subprocess_cat.py": ("forgery_batch", 0.0),
    "ref_via_dir_fd.py": ("forgery_batch", 0.0),
    "ref_via_ctypes_open.py": ("forgery_batch", 0.0),
    "ref_via_hard_link.py": ("forgery_batch", 0.0),
    "ref_via_audit_closure.py": ("forgery_batch", 0.0),
    # ... or by importing jax past the guard.
    "jax_empty_forbidden_set.py": ("forgery_batch", 0.0),
    "jax_patch_refuse.py": ("forgery_batch", 0.0),
    "jax_catch_refusal.py": ("forgery_batch", 0.0),
    # It reads the grader's memory, joins its network, holds memory and disk, stops the grader.
    "read_grader_memory.py": ("forgery_batch", FORWARD_ONLY),
    "setns_grader_network.py": ("forgery_batch", 0.0),
    "memfd_past_memory_limit.py": ("forgery_batch", 0.0),
    "many_files_under_size_limit.py": ("forgery_batch", 0.0),
    "sigstop_grader_late_reply.py": ("forgery_batch", FORWARD_ONLY),
    # It turns its output file into a symlink.
    "output_symlink_reference.py": ("forgery_batch", 0.0),
    "output_symlink_sibling.py": ("forgery_batch", 0.0),
    "output_symlink_fifo.py": ("breakers_batch", 0.0),
    "output_symlink_dev_zero.py": ("breakers_batch", 0.0),
    "sigstop_fork_server.py": ("breakers_batch", 0.0),
    # In a batch, it destroys other students' results.
    "rewrite_other_results.py": ("results_batch", 0.0),
    "setsid_daemon.py": ("results_batch", 0.0),
    "pth_in_site_packages.py": ("results_batch", 0.0),
    "kill_siblings.py": ("killer_batch", FORWARD_ONLY),
    "forge_result_kill_batch.py": ("forge_batch", 0.0),
}

#: Inputs that are not code (made by the tests): the batch that grades them, the most they may score.
INPUTS_TABLE: dict[str, tuple[str, float]] = {
    "fifo.py": ("breakers_batch", 0.0),
    "device_zero.py": ("breakers_batch", 0.0),
    "link_to_dev_zero.py": ("breakers_batch", 0.0),
    "huge_256_mib.py": ("breakers_batch", 0.0),
    "deep_json.ipynb": ("breakers_batch", 0.0),
    "l" * 237 + ".py": ("names_batch", FULL_MARKS),
    "new\nline.py": ("names_batch", FULL_MARKS),
    "-leading-dash.py": ("names_batch", FULL_MARKS),
    "..py": ("names_batch", FULL_MARKS),
    "..dots..py": ("names_batch", FULL_MARKS),
    "folder.py": ("names_batch", 0.0),
    "summary.py": ("names_batch", FULL_MARKS),
    "gradebook.py": ("names_batch", FULL_MARKS),
}

BATCHES = ["forgery_batch", "results_batch", "killer_batch", "forge_batch", "breakers_batch", "names_batch"]


def _batch_files(folder: Path, correct: Sequence[str], attacks: Sequence[str]) -> list[Path]:
    return _write(folder, {name: _correct_source(name) for name in correct}) + _write(folder, {name: _attack(name) for name in attacks})


def _attacks_of(batch: str) -> list[str]:
    return [name for name, (where, _) in ATTACKS_TABLE.items() if where == batch]


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


@pytest.fixture(scope="module")
def forgery_batch(mode: str, tmp_path_factory: pytest.TempPathFactory, listener: Listener) -> Batch:
    """Attacks that try to earn marks they did not, or to reach what the worker must not see."""
    folder = tmp_path_factory.mktemp(f"forgery-{mode}")
    files = _batch_files(folder / "subs", ["a_correct_1.py", "a_correct_2.py"], _attacks_of("forgery_batch"))
    before = len(listener.received)
    # Most of these attacks wait (for a path, a process, a timeout) rather than compute: grade 6 at a time.
    batch = run_batch(folder, files, isolation=_isolation(mode), jobs=6)
    batch.extras["network"] = listener.received[before:]
    return batch


@pytest.fixture(scope="module")
def results_batch(mode: str, tmp_path_factory: pytest.TempPathFactory) -> Batch:
    """Attacks on other students' results and on the installation (the .pth attack comes last)."""
    folder = tmp_path_factory.mktemp(f"results-{mode}")
    subs = folder / "subs"
    files = _batch_files(subs, ["a_correct_1.py", "a_correct_2.py"], ["rewrite_other_results.py", "setsid_daemon.py"])
    files += _batch_files(subs, ["m_correct_3.py"], ["pth_in_site_packages.py"])
    return run_batch(folder, files, isolation=_isolation(mode))


@pytest.fixture(scope="module")
def killer_batch(mode: str, tmp_path_factory: pytest.TempPathFactory) -> Batch:
    """A submission that SIGKILLs its siblings' workers while they are graded (graded second of seven)."""
    folder = tmp_path_factory.mktemp(f"killer-{mode}")
    subs = folder / "subs"
    files = _batch_files(subs, ["a_correct_1.py"], ["kill_siblings.py"])
    files += _batch_files(subs, [f"c_correct_{k}.py" for k in range(2, 7)], [])
    return run_batch(folder, files, isolation=_isolation(mode))


@pytest.fixture(scope="module")
def forge_batch(mode: str, tmp_path_factory: pytest.TempPathFactory) -> Batch:
    """A forged full-marks result and a killed batch; ``extras["resumed"]`` is the --resume run after it."""
    folder = tmp_path_factory.mktemp(f"forge-{mode}")
    files = _batch_files(folder / "subs", ["a_correct_1.py", "a_correct_2.py"], ["forge_result_kill_batch.py"])
    batch = run_batch(folder, files, isolation=_isolation(mode))
    batch.extras["resumed"] = run_batch(folder, files, isolation=_isolation(mode), resume=True)
    return batch


def _special_inputs(folder: Path) -> list[Path]:
    """The FIFO, the device, the link to /dev/zero and the 256 MiB file of INPUTS_TABLE.

    The big file is one comment of accented letters: two bytes each in UTF-8, six as JSON escapes.
    """
    folder.mkdir(parents=True, exist_ok=True)
    os.mkfifo(folder / "fifo.py")
    made = [folder / "fifo.py"]
    try:
        os.mknod(folder / "device_zero.py", 0o600 | stat.S_IFCHR, os.makedev(1, 5))
        made.append(folder / "device_zero.py")
    except OSError:  # not root, or a file system without device files: the link below still tests the read
        pass
    os.symlink("/dev/zero", folder / "link_to_dev_zero.py")
    made.append(folder / "link_to_dev_zero.py")
    with (folder / "huge_256_mib.py").open("wb") as handle:
        handle.write(b"# a comment of 256 MiB\n#")
        block = "\u00e9".encode() * 2**22
        for _ in range(32):
            handle.write(block)
        handle.write(b"\n")
    made.append(folder / "huge_256_mib.py")
    return made


@pytest.fixture(scope="module")
def breakers_batch(mode: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Batch]:
    """Attacks and inputs that hang the grader, make it read without end, or crash it.

    One grading process each, so that each shows its own outcome even when the batch hangs (the
    grading processes write the results files themselves)."""
    folder = tmp_path_factory.mktemp(f"breakers-{mode}")
    subs = folder / "subs"
    files = _batch_files(subs, ["a_correct_1.py"], _attacks_of("breakers_batch")) + _special_inputs(subs)
    files += _write(subs, {"deep_json.ipynb": '{"cells": ' + "[" * 100_000 + "]" * 100_000 + "}"})
    yield run_batch(folder, files, isolation=_isolation(mode), jobs=len(files), deadline=HANG_DEADLINE)
    (subs / "huge_256_mib.py").unlink(missing_ok=True)


@pytest.fixture(scope="module")
def names_batch(mode: str, tmp_path_factory: pytest.TempPathFactory) -> Batch:
    """Odd file names, a folder, and submissions named like the batch's own files."""
    folder = tmp_path_factory.mktemp(f"names-{mode}")
    subs = folder / "subs"
    long_name = "l" * 237 + ".py"  # 240 characters
    odd = ["new\nline.py", "-leading-dash.py", "..py", "..dots..py", "summary.py", "gradebook.py"]
    files = _write(subs, {name: _correct_source(name) for name in ["a_correct_1.py", *odd]})
    (subs / "folder.py").mkdir()
    files.append(subs / "folder.py")
    files += _write(subs, {long_name: _correct_source(long_name)})  # last: a batch that dies on it has graded the others
    return run_batch(folder, files, isolation=_isolation(mode), html=True)


def _batch(request: pytest.FixtureRequest, name: str) -> Batch:
    return request.getfixturevalue(name)  # type: ignore[no-any-return]


def _correct_names(batch: Batch) -> list[str]:
    return [path.name for path in batch.files if "_correct_" in path.name]


# -- the corpus -------------------------------------------------------------------------------------


def test_every_attack_file_is_graded_and_says_what_it_does() -> None:
    names = {path.name for path in ATTACKS.glob("*.py")}
    assert names == set(ATTACKS_TABLE), f"not in ATTACKS_TABLE: {names - set(ATTACKS_TABLE)}; no file: {set(ATTACKS_TABLE) - names}"
    for name in sorted(names):
        first = _attack(name).splitlines()[0]
        assert first.startswith("# Hostile: "), f"{name} must start with '# Hostile: <what it does>', not {first!r}"


# -- what every batch must guarantee --------------------------------------------------------------------


@pytest.mark.parametrize("batch_name", BATCHES)
def test_the_batch_finishes_and_every_input_gets_exactly_one_result(mode: str, batch_name: str, request: pytest.FixtureRequest) -> None:
    """No hang, no exception, no input without a result or with two, a gradebook row per input."""
    batch = _batch(request, batch_name)
    counts = {path.name: len(batch.results[path]) for path in batch.files}
    wrong = {name: count for name, count in counts.items() if count != 1}
    assert batch.returncode == 0 and not wrong and not batch.strays, (
        f"{batch.status()}; inputs without exactly one result: {wrong}; stray results: {batch.strays}\n{batch.log[-1500:]}"
    )
    with (batch.out / "gradebook.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    from gradecheck._result_files import display_name

    # The gradebook shows each path printable (a newline as \n): one row per input, one line per row.
    assert sorted(os.path.basename(row["submission"]) for row in rows) == sorted(display_name(path.name) for path in batch.files)


@pytest.mark.parametrize("batch_name", BATCHES)
def test_correct_submissions_keep_full_marks(mode: str, batch_name: str, request: pytest.FixtureRequest) -> None:
    batch = _batch(request, batch_name)
    scores = {path.name: [result["score"] for result in batch.results[path]] for path in batch.files if "_correct_" in path.name}
    lost = {name: score for name, score in scores.items() if score != [FULL_MARKS]}
    assert not lost, f"correct submissions that lost credit (or their result): {lost}; {batch.status()}"


@pytest.mark.parametrize("batch_name", BATCHES)
def test_nothing_outside_the_batch_changed(mode: str, batch_name: str, request: pytest.FixtureRequest) -> None:
    """The installation, the submissions and the test's folders, the results a few seconds later, running processes."""
    batch = _batch(request, batch_name)
    later = differences(batch.out_at_exit, batch.out_later)
    problems = {
        "the installation changed": batch.installation_changes,
        "files in the test's folders changed": batch.tmp_changes,
        "processes were left running": batch.leftovers,
        "results changed after the batch ended": later,
    }
    problems = {what: found for what, found in problems.items() if found}
    assert not problems, f"{batch.status()}; {problems}"


@pytest.mark.parametrize("batch_name", BATCHES)
def test_the_grading_processes_stay_small(mode: str, batch_name: str, request: pytest.FixtureRequest) -> None:
    batch = _batch(request, batch_name)
    assert batch.grader_peak_rss < GRADER_RSS_LIMIT, (
        f"a grading process reached {batch.grader_peak_rss / 2**20:.0f} MiB resident "
        f"(limit {GRADER_RSS_LIMIT / 2**20:.0f} MiB); {batch.status()}"
    )


def test_every_result_records_its_isolation_mode(mode: str, forgery_batch: Batch) -> None:
    """``result["gradecheck"]["sandbox"]["isolation"]`` names the mode the worker ran in."""
    expected = {mode} if AVAILABLE is not None else {"namespaces", "container", "none"}
    wrong = {}
    for path, found in forgery_batch.results.items():
        for result in found:
            isolation = (result["gradecheck"].get("sandbox") or {}).get("isolation", "(missing)")
            if isolation not in expected:
                wrong[path.name] = isolation
    assert not wrong, f"results whose gradecheck.sandbox.isolation is not one of {sorted(expected)}: {wrong}"


# -- each attack ------------------------------------------------------------------------------------


@pytest.mark.parametrize("attack", sorted(ATTACKS_TABLE))
def test_an_attack_earns_no_more_than_its_honest_part(mode: str, attack: str, request: pytest.FixtureRequest) -> None:
    """Read a few seconds after its batch ended, so that a daemon's late rewrite counts."""
    batch_name, bound = ATTACKS_TABLE[attack]
    batch = _batch(request, batch_name)
    result = batch.result(attack)
    error = str(result["gradecheck"].get("error") or "")
    assert result["score"] <= bound, (
        f"{attack} got {result['score']:g}/{result['max_score']:g} (its honest part is {bound:g}); error: {error[:300]!r}"
    )
    assert "grader failed" not in error, f"{attack} made the grader itself fail: {error[:300]}"


def _input_id(name: str) -> str:
    shown = name if len(name) <= 40 else f"{name[:6]}...{name[-3:]}({len(name)}-chars)"
    return shown.replace("\n", "NEWLINE")


@pytest.mark.parametrize("name", sorted(INPUTS_TABLE), ids=_input_id)
def test_an_odd_input_gets_one_result_and_no_unearned_credit(mode: str, name: str, request: pytest.FixtureRequest) -> None:
    batch_name, bound = INPUTS_TABLE[name]
    batch = _batch(request, batch_name)
    if name not in {path.name for path in batch.files}:
        pytest.skip(f"{name!r} could not be made on this machine")
    result = batch.result(name)
    error = str(result["gradecheck"].get("error") or "")
    assert result["score"] <= bound, f"{name!r} got {result['score']:g}"
    if bound == 0.0:
        assert error, f"{name!r} got no credit but no message either"
        assert "grader failed" not in error, f"{name!r} made the grader itself fail: {error[:300]}"


def test_no_attack_reaches_a_listener_of_the_grader(mode: str, forgery_batch: Batch) -> None:
    received = forgery_batch.extras["network"]
    assert not received, f"a worker reached the test's listener on 127.0.0.1: {received}; {forgery_batch.error('setns_grader_network.py')[:200]}"


def _reported(batch: Batch, attack: str, pattern: str) -> re.Match[str] | None:
    return re.search(pattern, batch.error(attack))


def test_memfds_count_against_the_memory_limit(mode: str, forgery_batch: Batch) -> None:
    match = _reported(forgery_batch, "memfd_past_memory_limit.py", r"held (\d+) bytes in \d+ memfds; RLIMIT_AS is (\d+)")
    if match is None:  # the worker was stopped before it could say: the defence held
        return
    held, limit = int(match.group(1)), int(match.group(2))
    assert held <= limit, f"the worker held {held / 2**30:.2f} GiB in memfds, past its memory limit of {limit / 2**30:.2f} GiB"


def test_many_small_files_cannot_fill_the_disk(mode: str, forgery_batch: Batch) -> None:
    match = _reported(forgery_batch, "many_files_under_size_limit.py", r"allocated (\d+) bytes in (\d+) files")
    if match is None:
        return
    written = int(match.group(1))
    assert written <= WORKER_DISK_BOUND, (
        f"the worker put {written / 2**30:.2f} GiB on disk in {match.group(2)} files (bound {WORKER_DISK_BOUND / 2**20:.0f} MiB)"
    )


def test_the_output_file_cannot_show_the_reference_or_a_sibling(mode: str, forgery_batch: Batch) -> None:
    leaks = []
    if REFERENCE_LINE in forgery_batch.text("output_symlink_reference.py"):
        leaks.append("output_symlink_reference.py: its feedback shows the reference solution")
    text = forgery_batch.text("output_symlink_sibling.py")
    leaks += [f"output_symlink_sibling.py: its feedback shows {name}" for name in _correct_names(forgery_batch) if _secret(name) in text]
    assert not leaks, "; ".join(leaks)


def test_a_forged_result_does_not_survive_resume(mode: str, forge_batch: Batch) -> None:
    resumed: Batch = forge_batch.extras["resumed"]
    result = resumed.result("forge_result_kill_batch.py")
    assert result["score"] == 0.0, (
        f"after --resume the forger has {result['score']:g}/{result['max_score']:g} (first run: {forge_batch.status()})"
    )
    assert resumed.returncode == 0 and all(len(found) == 1 for found in resumed.results.values()), resumed.status()
    assert [resumed.result(name)["score"] for name in _correct_names(resumed)] == [FULL_MARKS, FULL_MARKS]


def test_a_submission_named_summary_does_not_replace_the_class_summary(mode: str, names_batch: Batch) -> None:
    is_class_summary = _is_class_summary(names_batch.out / "summary.html")
    assert is_class_summary, f"summary.html is not the class summary; {names_batch.status()}"
    own = _result_paths(names_batch, "summary.py")
    assert own, f"summary.py has no result; {names_batch.status()}"
    report = own[0].with_suffix(".html")
    assert report.is_file() and not _is_class_summary(report), f"summary.py's report {report.name} is missing or is the class summary"


def _is_class_summary(path: Path) -> bool:
    return path.is_file() and ": class summary</title>" in path.read_text(encoding="utf-8")


def _result_paths(batch: Batch, name: str) -> list[Path]:
    (source,) = [path for path in batch.files if path.name == name]
    found = []
    for path in batch.out.glob("*.json"):
        try:
            if strict_json(path.read_text(encoding="utf-8"))["gradecheck"]["submission_path"] == os.path.abspath(source):
                found.append(path)
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return found


def test_gradebook_cells_cannot_start_a_formula(mode: str, names_batch: Batch) -> None:
    """A spreadsheet runs a cell that starts with = + - or @ (here: the results name of -leading-dash.py)."""
    gradebook = names_batch.out / "gradebook.csv"
    assert gradebook.is_file(), f"no gradebook; {names_batch.status()}"
    with gradebook.open(newline="", encoding="utf-8") as handle:
        risky = [cell for row in csv.reader(handle) for cell in row if cell[:1] in ("=", "+", "-", "@")]
    assert not risky, f"gradebook cells that a spreadsheet would run as formulas: {risky}"
