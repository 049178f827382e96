"""Reading a submission file safely (read_submission_file, grade_file, grade_bytes): only regular files, at most
max_bytes, symbolic links only into the given folders, and any failure while parsing is an error result.

Special files (pipes, links to /dev/zero, a 256 MiB sparse file, 100,000-deep JSON) are made in tmp_path.
Nothing here starts a grading process: every input is refused or fails to parse before grading.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gradecheck._errors import SubmissionError
from gradecheck._exercises import load_exercise
from gradecheck._grading import grade_bytes, grade_file
from gradecheck._submissions import DEFAULT_MAX_BYTES, read_submission, read_submission_file

EXERCISE = load_exercise("twelve-weights")
SOURCE = b"def forward(weights, inputs, biases):\n    return [0.5, 0.5, 0.5]\n"
_posix = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes (POSIX)")


def _within(seconds: float, call: Callable[[], Any], unblock: Callable[[], None] = lambda: None) -> Any:
    """``call()``, failing the test (not hanging it) when it takes longer than ``seconds``."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as error:  # handed to the test below
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        unblock()
        pytest.fail(f"still blocked after {seconds} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _open_writer(fifo: Path) -> Callable[[], None]:
    """Unblocks a reader stuck opening ``fifo`` (opening the other end lets its open return)."""

    def unblock() -> None:
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass

    return unblock


def _refusal(path: Path, **options: Any) -> str:
    with pytest.raises(SubmissionError) as info:
        read_submission_file(path, **options)
    return str(info.value)


# -- regular files and sizes --------------------------------------------------------------------


def test_a_regular_file_is_read_whole_and_the_default_cap_is_a_few_mib(tmp_path: Path) -> None:
    path = tmp_path / "alice.py"
    path.write_bytes(SOURCE)
    assert read_submission_file(path) == SOURCE
    assert 1 << 20 <= DEFAULT_MAX_BYTES <= 16 << 20


def test_a_file_over_the_cap_is_refused_naming_its_size_the_cap_and_the_option(tmp_path: Path) -> None:
    big = tmp_path / "big.py"
    with big.open("wb") as handle:
        handle.truncate(256 << 20)  # sparse: no disk used
    message = _within(10, lambda: _refusal(big))
    assert "256 MiB (268,435,456 bytes)" in message and "4 MiB limit" in message and "--max-size" in message
    exact = tmp_path / "exact.py"
    exact.write_bytes(b"x" * 10)
    assert read_submission_file(exact, max_bytes=10) == b"x" * 10
    assert "is 10 bytes, over the 9 bytes limit" in _refusal(exact, max_bytes=9)


# -- special files ------------------------------------------------------------------------------


@_posix
def test_a_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.py"
    os.mkfifo(fifo)
    message = _within(5, lambda: _refusal(fifo), unblock=_open_writer(fifo))
    assert "named pipe (FIFO), not a regular file" in message and "not read or graded" in message
    message = _within(5, lambda: pytest.raises(SubmissionError, read_submission, fifo), unblock=_open_writer(fifo))
    assert "named pipe" in str(message.value)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_link_to_dev_zero_is_never_read(tmp_path: Path) -> None:
    zero = tmp_path / "zero.py"
    zero.symlink_to("/dev/zero")
    followed = _within(5, lambda: _refusal(zero))  # a link the caller named is followed, to a device: refused
    assert "a character device, not a regular file" in followed and "/dev/zero" in followed
    outside = _within(5, lambda: _refusal(zero, roots=[tmp_path]))
    assert "symbolic link to '/dev/zero', outside the folders and files given" in outside


def test_a_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "work.py"
    folder.mkdir()
    assert "is a folder" in _refusal(folder)


@_posix
def test_a_socket_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.py"
    if len(str(path)) > 100:
        pytest.skip("tmp_path too long for a socket address")
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        assert "a socket, not a regular file" in _refusal(path)
    finally:
        server.close()


# -- symbolic links -----------------------------------------------------------------------------


def test_links_are_followed_only_into_the_given_folders_and_files(tmp_path: Path) -> None:
    subs, outside = tmp_path / "subs", tmp_path / "outside"
    (subs / "group").mkdir(parents=True)
    outside.mkdir()
    (subs / "group" / "alice.py").write_bytes(SOURCE)
    (outside / "secret.py").write_bytes(b"SECRET = 1\n")
    inside = subs / "inside.py"
    inside.symlink_to(Path("group") / "alice.py")
    escape = subs / "escape.py"
    escape.symlink_to(Path("..") / "outside" / "secret.py")
    chain = subs / "chain.py"
    chain.symlink_to("inside.py")
    assert read_submission_file(inside, roots=[subs]) == SOURCE
    assert read_submission_file(chain, roots=[subs]) == SOURCE
    message = _refusal(escape, roots=[subs])
    assert "symbolic link to" in message and "secret.py" in message and "outside the folders" in message
    assert read_submission_file(escape, roots=[subs, outside / "secret.py"]) == b"SECRET = 1\n"  # a file given
    assert read_submission_file(escape) == b"SECRET = 1\n"  # roots=None: the caller named this link
    dangling = subs / "dangling.py"
    dangling.symlink_to("nowhere.py")
    assert "no such file" in _refusal(dangling, roots=[subs])


# -- grading: reading and parsing never raise -----------------------------------------------------


@_posix
def test_grade_file_gives_an_error_result_for_a_refused_file(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.py"
    os.mkfifo(fifo)
    result = _within(5, lambda: grade_file(EXERCISE, fifo), unblock=_open_writer(fifo))
    assert result["score"] == 0 and "named pipe" in result["gradecheck"]["error"]
    big = tmp_path / "big.py"
    big.write_bytes(b"#" * 2048)
    result = grade_file(EXERCISE, big, max_bytes=1024)
    assert result["score"] == 0 and "over the 1 KiB limit" in result["gradecheck"]["error"]


def test_a_notebook_nested_100000_deep_is_an_error_result(tmp_path: Path) -> None:
    depth = 100_000
    data = b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [' + b"[" * depth + b"]" * depth + b"]}"
    result = grade_bytes(EXERCISE, "deep.ipynb", data)
    assert result["score"] == 0 and "nested too deeply" in result["gradecheck"]["error"]
    path = tmp_path / "deep.ipynb"
    path.write_bytes(data)
    assert "nested too deeply" in grade_file(EXERCISE, path)["gradecheck"]["error"]


def test_any_failure_while_parsing_is_an_error_result(monkeypatch: pytest.MonkeyPatch) -> None:
    import gradecheck._grading as grading

    def explode(name: str, data: bytes) -> None:
        raise KeyError("a parser bug")

    monkeypatch.setattr(grading, "submission_from_bytes", explode)
    result = grade_bytes(EXERCISE, "odd.ipynb", b"{}")
    assert result["score"] == 0 and "KeyError" in result["gradecheck"]["error"]
