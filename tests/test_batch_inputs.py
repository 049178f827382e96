"""A batch that nothing breaks (gradecheck._batch, ``gradecheck grade --out``), without grading processes.

Every input gets exactly one results file whatever it is: pipes, links to /dev/zero, a 256 MiB
file, folders, links out of the given folders, odd names (240 characters, a newline, a leading
dash, bytes that are not UTF-8, summary.py).  Refused inputs are never graded: these tests make
the default process pool fail if it is started.  Results are signed and ``--resume`` keeps only
results that verify.  Gradebook cells cannot be spreadsheet formulas.

Inputs that must be graded here are broken notebooks: they fail to parse before any sandbox is
started, so a ThreadPoolExecutor grades them in this process in milliseconds.
"""

from __future__ import annotations

import csv
import json
import os
import re
import stat
from concurrent.futures import BrokenExecutor, Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import gradecheck._batch as batch
from gradecheck._batch import grade_batch, write_gradebook
from gradecheck._cli import main
from gradecheck._exercises import load_exercise
from gradecheck._result_files import KEY_NAME, MAX_NAME, display_name, result_names

EXERCISE = "twelve-weights"
TITLE = load_exercise(EXERCISE).title
SOURCE = "def forward(weights, inputs, biases):\n    return [0.5, 0.5, 0.5]\n"
_posix = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes and symbolic links (POSIX)")


@pytest.fixture
def no_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refused inputs are never graded: starting the default process pool fails the test."""

    def refuse(jobs: int, isolation: str) -> Any:
        raise AssertionError("a grading process pool was started for inputs that are refused")

    monkeypatch.setattr(batch, "_default_executor", refuse)


@pytest.fixture
def thread_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default executor is a thread pool: broken notebooks are graded in this process."""
    monkeypatch.setattr(batch, "_default_executor", lambda jobs, isolation: ThreadPoolExecutor(jobs))


def _results(out: Path) -> dict[str, dict[str, Any]]:
    return {path.name: json.loads(path.read_text(encoding="utf-8")) for path in out.glob("*.json")}


def _gradebook(out: Path) -> list[list[str]]:
    with (out / "gradebook.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def _broken_notebooks(folder: Path, names: list[str]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in names:
        path = folder / f"{name}.ipynb"
        path.write_text(f"not a notebook ({name})", encoding="utf-8")
        paths.append(path)
    return paths


# -- odd inputs ---------------------------------------------------------------------------------


@_posix
def test_odd_inputs_each_get_one_error_result_and_no_grading_process(tmp_path: Path, no_pool: None, capsys) -> None:
    subs, outside = tmp_path / "subs", tmp_path / "outside"
    subs.mkdir()
    outside.mkdir()
    (outside / "secret.py").write_text(SOURCE)
    os.mkfifo(subs / "fifo.py")
    (subs / "zero.py").symlink_to("/dev/zero")
    with (subs / "big.py").open("wb") as handle:
        handle.truncate(256 << 20)
    (subs / "folder.py").mkdir()
    (subs / "escape.py").symlink_to(outside / "secret.py")
    out = tmp_path / "out"
    assert main(["grade", EXERCISE, str(subs), "--out", str(out), "--no-progress"]) == 0
    results = _results(out)
    expected = {
        "fifo.json": "named pipe (FIFO), not a regular file",
        "zero.json": "symbolic link to '/dev/zero', outside the folders",
        "big.json": "256 MiB (268,435,456 bytes), over the 4 MiB limit",
        "folder.json": "is a folder",
        "escape.json": "symbolic link to",
    }
    assert sorted(results) == sorted(expected)
    for name, words in expected.items():
        assert results[name]["score"] == 0, name
        assert words in results[name]["gradecheck"]["error"], (name, results[name]["gradecheck"]["error"])
    rows = _gradebook(out)
    assert len(rows) == 1 + len(expected)
    assert "graded 5 submission(s)" in capsys.readouterr().out
    assert "<h1>" in (out / "summary.html").read_text()


def test_the_size_limit_is_an_option(tmp_path: Path, no_pool: None, capsys) -> None:
    path = tmp_path / "alice.py"
    path.write_text("#" * 3000)
    assert main(["grade", EXERCISE, str(path), "--max-size", "2KiB"]) == 0
    error = json.loads(capsys.readouterr().out)["gradecheck"]["error"]
    assert "2.93 KiB (3,000 bytes), over the 2 KiB limit" in error and "--max-size" in error
    summary = grade_batch(EXERCISE, [path], tmp_path / "out", max_bytes=100)
    assert "over the 100 bytes limit" in json.loads(summary.results[0].read_text())["gradecheck"]["error"]
    assert main(["grade", EXERCISE, str(path), "--max-size", "lots"]) == 2
    assert "expected a size such as 4MiB" in capsys.readouterr().err


# -- odd names ----------------------------------------------------------------------------------

ODD_NAMES = [
    "x" * 240 + ".py",
    "new\nline.py",
    "-rf.py",
    "--help.ipynb",
    "..py",
    "summary.py",
    "Summary.ipynb",
    "gradebook.py",
    "gradebook.csv.py",
    ".gradecheck-key.py",
    "tab\there.py",
]


def _odd_files(folder: Path) -> list[Path]:
    folder.mkdir()
    paths = [folder / name for name in ODD_NAMES]
    if os.name == "posix":
        paths.append(Path(os.fsdecode(os.fsencode(str(folder)) + b"/bad\xff\xfe.py")))
        paths.append(Path(os.fsdecode(os.fsencode(str(folder)) + b"/bad\xff\xfd.py")))
    for path in paths:
        path.write_text(SOURCE)
    return paths


def test_odd_names_get_safe_bounded_distinct_results_files_and_rows(tmp_path: Path, no_pool: None) -> None:
    files = _odd_files(tmp_path / "subs")
    out = tmp_path / "out"
    # max_bytes=1 refuses every file, so nothing is graded: this is about names.
    summary = grade_batch(EXERCISE, files, out, html=True, max_bytes=1)
    names = [path.name for path in summary.results]
    assert len(set(name.casefold() for name in names)) == len(files)
    for name in names:
        assert re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9._-]*\.json", name), name
        assert len(name) <= MAX_NAME + 16, name
        assert name.casefold() not in ("summary.json", "gradebook.json")
    assert sorted(path.name for path in out.glob("*.json")) == sorted(names)
    assert sorted(path.name for path in out.glob("*.html")) == sorted(
        [name[: -len(".json")] + ".html" for name in names] + ["summary.html"]
    )
    assert f"<h1>{TITLE}</h1>" in (out / "summary.html").read_text() and "class summary" in (out / "summary.html").read_text()
    rows = _gradebook(out)
    assert rows[0][:2] == ["submission", "results"]
    assert [row[0] for row in rows[1:]] == [display_name(path) for path in files]
    assert [row[1] for row in rows[1:]] == names
    assert all("\n" not in row[0] for row in rows[1:])
    for path, target in zip(files, summary.results):
        info = json.loads(target.read_text())["gradecheck"]
        assert info["submission"] == display_name(path.name) and info["submission_path"] == display_name(path)
    assert not list(out.glob(".*.tmp"))


class _DyingExecutor(ThreadPoolExecutor):
    """Every call's grading process 'dies': its future fails with BrokenExecutor."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_exception(BrokenExecutor("A process in the process pool was terminated abruptly"))
        return future


def test_a_crashed_grading_process_is_recorded_without_raising_again(tmp_path: Path) -> None:
    files = [path for path in _odd_files(tmp_path / "subs") if path.name != "..py"]  # "..py" has no extension
    out = tmp_path / "out"
    with _DyingExecutor(1) as executor:
        summary = grade_batch(EXERCISE, files, out, executor=executor)
    assert summary.graded == len(files)
    for target in summary.results:
        result = json.loads(target.read_text())
        assert result["score"] == 0 and "killed the grader's process" in result["gradecheck"]["error"]
        assert result["gradecheck"]["submission_sha256"] == batch.hashlib.sha256(SOURCE.encode()).hexdigest()


def test_a_results_file_that_cannot_be_read_back_becomes_an_error_result(tmp_path: Path, thread_pool: None) -> None:
    files = _broken_notebooks(tmp_path / "subs", ["alice"])

    def lose(outcome: tuple[str, float, float, str | None]) -> None:
        Path(outcome[0]).unlink()  # written, then lost before the gradebook is made

    summary = grade_batch(EXERCISE, files, tmp_path / "out", on_result=lose)
    result = json.loads(summary.results[0].read_text())
    assert result["score"] == 0 and "could not be read back" in result["gradecheck"]["error"]
    assert _gradebook(tmp_path / "out")[1][2] == "0.0"


# -- the gradebook ------------------------------------------------------------------------------

FORMULAS = ["=HYPERLINK(\"http://x\")", "+1+2", "-3+4", "@SUM(A1)", "\tx", "\rx", "\nx"]


def test_gradebook_cells_that_a_spreadsheet_would_run_are_escaped_and_numbers_stay_numbers(tmp_path: Path) -> None:
    files = [Path(text + ".py") for text in FORMULAS]
    targets = [tmp_path / f"r{k}.json" for k in range(len(files))]
    results = [
        {
            "score": 1.5,
            "max_score": 15,
            "tests": [{"name": "=t", "score": 0.5}],
            "gradecheck": {"mistakes": [text], "error": text.lstrip("\n") + "\nsecond line"},
        }
        for text in FORMULAS
    ]
    write_gradebook(tmp_path / "gradebook.csv", files, targets, results)
    rows = _gradebook(tmp_path)
    assert rows[0] == ["submission", "results", "score", "max_score", "mistakes", "error", "'=t"]
    for row, text, path in zip(rows[1:], FORMULAS, files):
        submission, _, score, max_score, mistakes, error, test = row
        shown = display_name(path)  # one printable line: a tab or newline in a name is written \t, \n
        assert submission == ("'" + shown if shown[0] in "=+-@" else shown)
        assert mistakes == "'" + text
        first_line = (text.lstrip("\n") + "\nsecond line").strip().splitlines()[0].strip()  # a reason's first line, trimmed
        assert error == ("'" + first_line if first_line[:1] in ("=", "+", "-", "@", "\t") else first_line)
        assert (score, max_score, test) == ("1.5", "15", "0.5")


def test_a_batch_of_files_named_like_formulas_has_no_formula_cell(tmp_path: Path, no_pool: None,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    files = [Path(name + ".py") for name in ("=1+2", "+cmd", "-2", "@SUM(A1)")]
    for path in files:
        path.write_text(SOURCE)
    grade_batch(EXERCISE, files, tmp_path / "out", max_bytes=1)
    for row in _gradebook(tmp_path / "out")[1:]:
        assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in row), row


# -- resume trusts only results this grader wrote -----------------------------------------------


def _forge(target: Path, source: Path, *, signature: str | None = None, keep_signature: bool = False) -> None:
    """Write a full-marks result for ``source`` at ``target``, with the right path and hash."""
    result = json.loads(target.read_text()) if target.exists() else None
    forged = {
        "score": 15.0,
        "max_score": 15.0,
        "tests": [{"name": "all", "score": 15.0, "max_score": 15.0, "status": "passed", "output": "", "visibility": "visible"}],
        "gradecheck": {
            "exercise": EXERCISE,
            "version": load_exercise(EXERCISE).version,
            "submission": source.name,
            "submission_path": display_name(os.path.abspath(source)),
            "submission_sha256": batch.hashlib.sha256(source.read_bytes()).hexdigest(),
            "error": None,
            "mistakes": [],
        },
    }
    if keep_signature and result is not None:
        forged["gradecheck"]["signature"] = result["gradecheck"]["signature"]
    elif signature is not None:
        forged["gradecheck"]["signature"] = signature
    target.write_text(json.dumps(forged))


def test_resume_keeps_verified_results_and_regrades_forged_ones(tmp_path: Path, thread_pool: None) -> None:
    files = _broken_notebooks(tmp_path / "subs", ["alice", "bob", "carol", "dave"])
    out = tmp_path / "out"
    first = grade_batch(EXERCISE, files, out)
    assert (first.graded, first.skipped, first.unverified) == (4, 0, 0)
    key = out / KEY_NAME
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    again = grade_batch(EXERCISE, files, out, resume=True)
    assert (again.graded, again.skipped, again.unverified) == (0, 4, 0)

    alice, bob, carol, dave = (out / name for name in result_names(files))
    _forge(alice, files[0], keep_signature=True)  # a finished result changed: its signature no longer fits
    bob.unlink()
    _forge(bob, files[1])  # a result never written by the grader: no signature
    _forge(carol, files[2], signature="0" * 64)  # a made-up signature
    dave.unlink()
    os.mkfifo(dave) if hasattr(os, "mkfifo") else dave.write_text("{")  # not even a file: must not block
    resumed = grade_batch(EXERCISE, files, out, resume=True)
    assert (resumed.graded, resumed.skipped, resumed.unverified) == (4, 0, 4)
    for target in (alice, bob, carol, dave):
        result = json.loads(target.read_text())
        assert result["score"] == 0 and "not a valid notebook" in result["gradecheck"]["error"], target.name
    assert len(list(out.glob("*.json"))) == 4


def test_results_signed_with_another_key_or_an_untrustworthy_key_file_are_regraded(
    tmp_path: Path, thread_pool: None
) -> None:
    files = _broken_notebooks(tmp_path / "subs", ["alice", "bob"])
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    grade_batch(EXERCISE, files, out)
    grade_batch(EXERCISE, files, elsewhere)
    alice = out / result_names(files)[0]
    alice.write_text((elsewhere / alice.name).read_text())  # signed, but with another folder's key
    assert grade_batch(EXERCISE, files, out, resume=True).unverified == 1
    key = out / KEY_NAME
    key.chmod(0o644)  # others could read it: a new key is made, every result is regraded
    summary = grade_batch(EXERCISE, files, out, resume=True)
    assert (summary.graded, summary.unverified) == (2, 2)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert grade_batch(EXERCISE, files, out, resume=True).skipped == 2


def test_resume_regrades_a_changed_file_and_the_cli_says_how_many_failed_verification(
    tmp_path: Path, thread_pool: None, capsys
) -> None:
    files = _broken_notebooks(tmp_path / "subs", ["alice", "bob", "carol"])
    out = tmp_path / "out"
    command = ["grade", EXERCISE, str(tmp_path / "subs"), "--out", str(out), "--no-progress", "--resume"]
    assert main(command) == 0
    files[0].write_text("changed, still not a notebook")
    _forge(out / result_names(files)[1], files[1], keep_signature=True)
    capsys.readouterr()
    assert main(command) == 0
    reported = capsys.readouterr().out
    assert "graded 2 submission(s), skipped 1 already graded" in reported
    assert "regraded 1 submission(s) whose results file failed verification" in reported
