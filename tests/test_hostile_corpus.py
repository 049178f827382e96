"""The hostile corpus (tests/data/hostile): broken and malicious submissions for twelve-weights.

The whole corpus is graded once, as a batch (two jobs, a few seconds per submission), and every
input must get exactly one valid results file, no more credit than its ``max_score_fraction`` in
EXPECTED.toml, and a message saying what went wrong; the gradebook has a row per input and the
grader process itself stays small.  Entries with an ``xfail`` key document a known weakness of
the grader: their test fails, strictly, with :class:`KnownWeakness` until the grader is fixed.

Two attacks on the grader itself are generated here rather than kept in the corpus, because they
must not run in the shared batch: killing the grader's own process, and a forked child that leaves
the worker's process group.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import os
import resource
import signal
import sys
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pytest
from process_tools import processes_named

from gradecheck._batch import BatchSummary, grade_batch, result_names
from gradecheck._exercises import load_exercise
from gradecheck._grading import grade_file
from gradecheck._reports import render_text
from gradecheck._sandbox import Limits

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 only
    import tomli as tomllib

HOSTILE = Path(__file__).resolve().parent / "data" / "hostile"
EXERCISE = "twelve-weights"
#: Wall seconds per submission: small, so that the five endless or slow entries cost ~5 s each.
TIMEOUT = 5.0
#: Where write_outside_cwd.py writes; removed before and after the batch.
OUTSIDE_WRITE = Path("/tmp/gradecheck-hostile-outside-write.txt")
#: The grader process (not its workers) must stay below this resident size.
GRADER_RSS_LIMIT = 2 * 1024**3
_TOLERANCE = 1e-9


class KnownWeakness(AssertionError):
    """The grader mishandles this case in the way its xfail reason describes."""


def _expected() -> dict[str, dict[str, Any]]:
    with (HOSTILE / "EXPECTED.toml").open("rb") as handle:
        return tomllib.load(handle)


EXPECTED = _expected()
CORPUS = sorted(path for path in HOSTILE.iterdir() if path.suffix in (".py", ".ipynb"))
NAMES = dict(zip((path.name for path in CORPUS), result_names(CORPUS)))


@dataclasses.dataclass(frozen=True)
class Graded:
    out: Path
    summary: BatchSummary
    reported: list[tuple[str, float, float, str | None]]
    results: dict[str, dict[str, Any]]


def _strict_json(text: str) -> Any:
    """``json.loads`` that refuses NaN and infinities (not JSON, and not accepted by Gradescope)."""

    def refuse(constant: str) -> Any:
        raise ValueError(f"non-standard JSON constant {constant}")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Graded:
    """The corpus graded once with the default process pool (2 jobs)."""
    out = tmp_path_factory.mktemp("hostile-results")
    OUTSIDE_WRITE.unlink(missing_ok=True)
    reported: list[tuple[str, float, float, str | None]] = []
    try:
        summary = grade_batch(EXERCISE, CORPUS, out, jobs=2, timeout=TIMEOUT, on_result=reported.append)
    finally:
        OUTSIDE_WRITE.unlink(missing_ok=True)
    results = {}
    for name, result_name in NAMES.items():
        path = out / result_name
        results[name] = _strict_json(path.read_text(encoding="utf-8")) if path.exists() else None
    return Graded(out, summary, reported, results)


# -- the corpus itself ----------------------------------------------------------------------------


def test_the_corpus_is_large_and_every_file_has_an_expectation() -> None:
    names = {path.name for path in CORPUS}
    assert len(names) >= 32
    assert names == set(EXPECTED), f"files without an entry: {names - set(EXPECTED)}; entries without a file: {set(EXPECTED) - names}"
    for name, entry in EXPECTED.items():
        assert isinstance(entry.get("message"), str) and entry["message"].strip(), name
        assert 0.0 <= entry.get("max_score_fraction", -1) <= 1.0, name
        assert set(entry) <= {"message", "max_score_fraction", "xfail"}, name


@pytest.mark.parametrize("path", [p for p in CORPUS if p.stat().st_size > 0], ids=lambda p: p.name)
def test_every_nonempty_corpus_file_says_what_it_does(path: Path) -> None:
    head = path.read_bytes()[:600].decode("utf-8", "replace")
    assert any(word in head for word in ("Hostile:", "Broken:", "Forbidden:")), head[:200]


def test_the_corpus_covers_both_file_types_and_unreadable_bytes() -> None:
    suffixes = [path.suffix for path in CORPUS]
    assert suffixes.count(".ipynb") >= 4 and suffixes.count(".py") >= 28
    assert any(path.stat().st_size == 0 for path in CORPUS)
    undecodable = []
    for path in CORPUS:
        try:
            path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            undecodable.append(path.name)
    assert undecodable


# -- the batch ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_every_input_gets_exactly_one_results_file(graded: Graded) -> None:
    written = sorted(path.name for path in graded.out.iterdir())
    expected_results = sorted(NAMES.values())
    assert [name for name in written if name.endswith(".json")] == expected_results
    assert not [name for name in written if name.endswith(".tmp")]
    assert graded.summary.graded == len(CORPUS) and graded.summary.skipped == 0
    assert sorted(Path(target).name for target, *_ in graded.reported) == expected_results
    missing = [name for name, result in graded.results.items() if result is None]
    assert not missing


@pytest.mark.slow
def test_every_result_is_valid_gradescope_json(graded: Graded) -> None:
    exercise = load_exercise(EXERCISE)
    for name, result in graded.results.items():
        assert isinstance(result, dict), name
        for key, kind in (("score", (int, float)), ("max_score", (int, float)), ("execution_time", (int, float)),
                          ("output", str), ("tests", list), ("gradecheck", dict)):
            assert isinstance(result.get(key), kind), f"{name}: {key} = {result.get(key)!r}"
        assert math.isclose(result["max_score"], exercise.max_score), name
        assert 0.0 <= result["score"] <= result["max_score"], name
        assert result["tests"], name
        for test in result["tests"]:
            assert isinstance(test["name"], str) and isinstance(test["output"], str), name
            assert test["status"] in ("passed", "failed"), name
            assert test["visibility"] in ("visible", "hidden", "after_due_date", "after_published"), name
            assert 0.0 <= test["score"] <= test["max_score"], name
            assert (test["status"] == "passed") == (test["score"] >= test["max_score"]), name
        assert math.isclose(result["score"], sum(t["score"] for t in result["tests"]), abs_tol=1e-6), name
        assert math.isclose(result["max_score"], sum(t["max_score"] for t in result["tests"]), abs_tol=1e-6), name
        info = result["gradecheck"]
        assert info["exercise"] == EXERCISE and info["submission"] == name
        assert info["error"] is None or isinstance(info["error"], str), name
        # The reports' own reader accepts it (it raises on anything that is not C2).
        assert render_text(result)


@pytest.mark.slow
def test_the_gradebook_has_one_row_per_input(graded: Graded) -> None:
    with graded.summary.gradebook.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(CORPUS)
    assert sorted(Path(row["submission"]).name for row in rows) == sorted(NAMES)
    for row in rows:
        name = Path(row["submission"]).name
        assert row["results"] == NAMES[name]
        assert float(row["score"]) == graded.results[name]["score"]
    assert graded.summary.summary.is_file()


@pytest.mark.slow
def test_the_grader_process_stays_small(graded: Graded) -> None:
    # ru_maxrss is in KiB on Linux and in bytes on macOS; the workers are children, not counted here.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak_bytes = peak if sys.platform == "darwin" else peak * 1024
    assert peak_bytes < GRADER_RSS_LIMIT


def _entry_params() -> list[Any]:
    params = []
    for path in CORPUS:
        entry = EXPECTED.get(path.name, {})
        marks = [pytest.mark.slow]
        if "xfail" in entry:
            marks.append(pytest.mark.xfail(strict=True, raises=KnownWeakness, reason=entry["xfail"]))
        params.append(pytest.param(path.name, marks=marks, id=path.name))
    return params


@pytest.mark.parametrize("name", _entry_params())
def test_each_entry_gets_no_unearned_credit_and_a_message(graded: Graded, name: str) -> None:
    result = graded.results[name]
    assert result is not None, f"no results file for {name}"
    entry = EXPECTED[name]
    fraction = result["score"] / result["max_score"]
    texts = [result["gradecheck"].get("error") or ""] + [test["output"] for test in result["tests"]]
    found = any(entry["message"].lower() in text.lower() for text in texts)
    problems = []
    if fraction > entry["max_score_fraction"] + _TOLERANCE:
        problems.append(f"score {result['score']} / {result['max_score']} is above the bound {entry['max_score_fraction']}")
    if not found:
        shown = sorted({text.splitlines()[0][:160] for text in texts if text})[:6]
        problems.append(f"no error or test output contains {entry['message']!r}; they begin: {shown}")
    if problems:
        raise KnownWeakness(f"{name}: " + "; ".join(problems))


# -- attacks on the grader itself -------------------------------------------------------------------

KILL_THE_GRADER = '''"""Hostile: kills the grader's pool process (an ancestor whose command line names multiprocessing)."""
import os
import signal

GRADER_TEST_PID = {test_pid}


def _parent_of(pid):
    with open(f"/proc/{{pid}}/stat", "rb") as handle:
        return int(handle.read().rsplit(b")", 1)[1].split()[1])


pid = os.getpid()
for _ in range(4):
    pid = _parent_of(pid)
    if pid <= 1 or pid == GRADER_TEST_PID:
        break
    with open(f"/proc/{{pid}}/cmdline", "rb") as handle:
        if b"multiprocessing" in handle.read():
            os.kill(pid, signal.SIGKILL)
            break
raise RuntimeError("hostile corpus: the grader was not found")
'''

ESCAPE_THE_GROUP = '''"""Hostile: forks a child that leaves the worker's session (setsid), names itself and lingers a while."""
import ctypes
import os
import time

if os.fork() == 0:
    os.setsid()
    ctypes.CDLL(None).prctl(15, {name!r}, 0, 0, 0)  # PR_SET_NAME: findable in /proc from outside
    print("escapee started", flush=True)
    time.sleep({linger})
    os._exit(0)
time.sleep(0.5)
raise RuntimeError("hostile corpus: a child left the process group")
'''

_linux_only = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")


@_linux_only
@pytest.mark.slow
def test_a_submission_that_kills_the_grader_costs_only_its_own_result(tmp_path: Path) -> None:
    folder = tmp_path / "subs"
    folder.mkdir()
    reference = (Path(__file__).resolve().parents[1] / "reference" / EXERCISE / "solution.py").read_text()
    (folder / "a_correct.py").write_text(reference)
    (folder / "m_kill_the_grader.py").write_text(KILL_THE_GRADER.format(test_pid=os.getpid()))
    (folder / "z_correct.py").write_text(reference)
    files = sorted(folder.iterdir())
    out = tmp_path / "out"
    try:
        grade_batch(EXERCISE, files, out, jobs=1, timeout=TIMEOUT)
    except BrokenProcessPool as error:
        raise KnownWeakness(f"the batch was aborted: {error}") from error
    results = {path.name: _strict_json((out / name).read_text()) for path, name in zip(files, result_names(files))}
    assert results["a_correct.py"]["score"] == results["z_correct.py"]["score"] == 15
    assert results["m_kill_the_grader.py"]["score"] == 0


@_linux_only
def test_children_that_leave_the_process_group_do_not_outlive_grading(tmp_path: Path) -> None:
    name = f"gc-escapee-{os.getpid() % 100000}".encode()
    source = tmp_path / "escape.py"
    source.write_text(ESCAPE_THE_GROUP.format(name=name, linger=30))
    result = grade_file(load_exercise(EXERCISE), source, limits=Limits(call_timeout=TIMEOUT, total_timeout=TIMEOUT))
    assert result["score"] == 0 and "left the process group" in (result["gradecheck"]["error"] or "")
    assert "escapee started" in result["output"], "the child did not start"
    deadline = time.monotonic() + 2.0
    while processes_named(name.decode()) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = processes_named(name.decode())
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    if left:
        raise KnownWeakness(f"processes {left}, forked by the submission, still ran after grading")
