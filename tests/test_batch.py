"""Batch grading (gradecheck._batch and ``gradecheck grade --out``): one results file per input,
whatever happens to the submissions or to the grader.

Submissions are generated from templates into tmp_path: correct ones, wrong ones (typical
mistakes, partial credit) and cheap broken ones (syntax errors, exceptions, nothing returned).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import nbformat
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradecheck._batch import grade_batch, result_names
from gradecheck._cli import main
from gradecheck._exercises import load_exercise
from gradecheck._result_files import KEY_NAME

EXERCISE = "twelve-weights"
MAX_SCORE = load_exercise(EXERCISE).max_score


class KnownWeakness(AssertionError):
    """The batch grader mishandles this case in the way its xfail reason describes."""


# -- templates ----------------------------------------------------------------------------------
# Each template is (category, source); "{i}" is replaced by the student number so files differ.

_FORWARD = '''
def forward(weights, inputs, biases):
    W = np.asarray(weights, dtype=float).reshape(3, 4)
    return 1.0 / (1.0 + np.exp(-(W @ inputs + biases)))
'''

_TEMPLATES: dict[str, tuple[str, str]] = {
    "correct_vectorised": ("correct", '''"""Student {i}: vectorised numpy."""
import numpy as np
''' + _FORWARD + '''
def backward(weights, inputs, biases, upstream):
    W = np.asarray(weights, dtype=float).reshape(3, 4)
    a = forward(weights, inputs, biases)
    d_z = upstream * a * (1.0 - a)
    return np.outer(d_z, inputs).reshape(12), d_z, W.T @ d_z
'''),
    "correct_loops": ("correct", '''"""Student {i}: explicit loops, lists returned."""
import math


def forward(weights, inputs, biases):
    return [1.0 / (1.0 + math.exp(-(sum(weights[4 * r + c] * inputs[c] for c in range(4)) + biases[r])))
            for r in range(3)]


def backward(weights, inputs, biases, upstream):
    a = forward(weights, inputs, biases)
    d_z = [upstream[r] * a[r] * (1.0 - a[r]) for r in range(3)]
    d_weights = [d_z[r] * inputs[c] for r in range(3) for c in range(4)]
    d_inputs = [sum(weights[4 * r + c] * d_z[r] for r in range(3)) for c in range(4)]
    return d_weights, d_z, d_inputs
'''),
    "wrong_sign": ("wrong", '''"""Student {i}: the gradients have the wrong sign."""
import numpy as np
''' + _FORWARD + '''
def backward(weights, inputs, biases, upstream):
    W = np.asarray(weights, dtype=float).reshape(3, 4)
    a = forward(weights, inputs, biases)
    d_z = -upstream * a * (1.0 - a)
    return np.outer(d_z, inputs).reshape(12), d_z, W.T @ d_z
'''),
    "wrong_no_sigmoid_derivative": ("wrong", '''"""Student {i}: forgets the sigmoid's derivative."""
import numpy as np
''' + _FORWARD + '''
def backward(weights, inputs, biases, upstream):
    W = np.asarray(weights, dtype=float).reshape(3, 4)
    d_z = np.asarray(upstream, dtype=float)
    return np.outer(d_z, inputs).reshape(12), d_z, W.T @ d_z
'''),
    "wrong_upstream_ignored": ("wrong", '''"""Student {i}: assumes the upstream gradient is all ones."""
import numpy as np
''' + _FORWARD + '''
def backward(weights, inputs, biases, upstream):
    W = np.asarray(weights, dtype=float).reshape(3, 4)
    a = forward(weights, inputs, biases)
    d_z = a * (1.0 - a)
    return np.outer(d_z, inputs).reshape(12), d_z, W.T @ d_z
'''),
    "broken_syntax": ("broken", '''"""Student {i}: a syntax error."""
def forward(weights, inputs, biases)
    return weights
'''),
    "broken_import_error": ("broken", '''"""Student {i}: raises at import."""
raise ValueError("student {i} broke the import")
'''),
    "broken_none": ("broken", '''"""Student {i}: returns nothing."""
def forward(weights, inputs, biases):
    pass


def backward(weights, inputs, biases, upstream):
    pass
'''),
    "broken_backward_raises": ("broken_call", '''"""Student {i}: backward raises."""
import numpy as np
''' + _FORWARD + '''
def backward(weights, inputs, biases, upstream):
    raise IndexError("student {i}: index 12 is out of bounds")
'''),
}
_ORDER = sorted(_TEMPLATES)


def _write_notebook(path: Path, source: str) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("Generated submission", id="intro"),
        nbformat.v4.new_code_cell(source, id="answer"),
    ]
    nbformat.write(notebook, str(path))


def generate(folder: Path, count: int, *, prelude: str = "") -> dict[Path, str]:
    """Write ``count`` submissions under ``folder`` (two subfolders, every 10th a notebook).

    Returns path -> template name.  ``prelude`` is prepended to every source (e.g. a sleep).
    """
    made: dict[Path, str] = {}
    for i in range(count):
        template = _ORDER[i % len(_ORDER)]
        source = prelude + _TEMPLATES[template][1].replace("{i}", str(i))
        section = folder / ("section_a" if i % 2 else "section_b")
        section.mkdir(parents=True, exist_ok=True)
        if i % 10 == 3:
            path = section / f"student_{i:03d}.ipynb"
            _write_notebook(path, source)
        else:
            path = section / f"student_{i:03d}.py"
            path.write_text(source, encoding="utf-8")
        made[path] = template
    return made


def _results(out: Path) -> dict[str, dict[str, Any]]:
    return {path.name: json.loads(path.read_text(encoding="utf-8")) for path in out.glob("*.json")}


def _assert_score_fits(template: str, score: float) -> None:
    category = _TEMPLATES[template][0]
    if category == "correct":
        assert score == MAX_SCORE, (template, score)
    elif category == "broken":
        assert score == 0, (template, score)
    else:
        assert 0 < score < MAX_SCORE, (template, score)


# -- (a) 200 submissions through the CLI -------------------------------------------------------------


@pytest.mark.slow
def test_grading_200_generated_submissions_writes_exactly_200_results(tmp_path: Path, capsys) -> None:
    made = generate(tmp_path / "subs", 200)
    files = sorted(made)
    out = tmp_path / "results"
    status = main(["grade", EXERCISE, str(tmp_path / "subs"), "--out", str(out), "--jobs", "2", "--no-progress"])
    assert status == 0, capsys.readouterr().err
    assert "graded 200 submission(s)" in capsys.readouterr().out
    results = _results(out)
    assert len(results) == 200
    assert sorted(results) == sorted(result_names(files))
    assert not list(out.glob(".*.tmp"))
    for path, name in zip(files, result_names(files)):
        result = results[name]
        assert result["gradecheck"]["submission"] == path.name
        _assert_score_fits(made[path], result["score"])
    with (out / "gradebook.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 200
    assert sorted(row["submission"] for row in rows) == sorted(str(path) for path in files)
    assert (out / "summary.html").is_file()


# -- (b) the grader is killed mid-batch, then resumed --------------------------------------------------


@pytest.mark.slow
def test_a_batch_killed_midway_resumes_to_exactly_one_complete_result_per_input(tmp_path: Path, capsys) -> None:
    # Every submission sleeps a little at import, so the batch takes several seconds.
    made = generate(tmp_path / "subs", 30, prelude="import time as _t\n_t.sleep(0.4)\n")
    files = sorted(made)
    names = result_names(files)
    out = tmp_path / "results"
    command = [sys.executable, "-m", "gradecheck", "grade", EXERCISE, str(tmp_path / "subs"), "--out", str(out),
               "--jobs", "2", "--no-progress", "--timeout", "30"]
    grader = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while len(list(out.glob("*.json"))) < 3:
            assert grader.poll() is None, "the grader ended before it could be killed"
            assert time.monotonic() < deadline, "no results appeared within 120 s"
            time.sleep(0.05)
        os.killpg(grader.pid, signal.SIGKILL)
    finally:
        if grader.poll() is None:
            os.killpg(grader.pid, signal.SIGKILL)
        grader.wait()
    assert grader.returncode == -signal.SIGKILL
    done_before = {path.name for path in out.glob("*.json")}
    assert 3 <= len(done_before) < 30, "the kill should land mid-batch"
    assert not (out / "gradebook.csv").exists()
    # Before resuming, results are forged: one finished result is changed (its score flipped), and a
    # full-marks result is written for a wrong submission not graded yet, with its right path and hash.
    by_name = dict(zip(names, files))
    changed = sorted(done_before)[0]
    _tamper(out / changed, full=_TEMPLATES[made[by_name[changed]]][0] != "correct")
    forged = next(name for name in names if name not in done_before and _TEMPLATES[made[by_name[name]]][0] != "correct")
    _forge_full_marks(out / forged, by_name[forged])

    status = main(["grade", EXERCISE, str(tmp_path / "subs"), "--out", str(out), "--jobs", "2",
                   "--no-progress", "--resume"])
    assert status == 0
    reported = capsys.readouterr().out
    match = re.search(r"graded (\d+) submission\(s\), skipped (\d+) already graded", reported)
    assert match, reported
    graded, skipped = int(match.group(1)), int(match.group(2))
    assert (graded, skipped) == (30 - len(done_before) + 1, len(done_before) - 1)
    assert "regraded 2 submission(s) whose results file failed verification" in reported

    entries = sorted(path.name for path in out.iterdir())
    assert [name for name in entries if name.endswith(".json")] == sorted(names)
    assert not [name for name in entries if name.endswith(".tmp") or (name.startswith(".") and name != KEY_NAME)]
    results = _results(out)
    for path, name in zip(files, names):
        result = results[name]
        assert {"score", "max_score", "tests", "gradecheck"} <= set(result)
        assert result["gradecheck"]["submission"] == path.name
        _assert_score_fits(made[path], result["score"])
    with (out / "gradebook.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(row["submission"] for row in rows) == sorted(str(path) for path in files)


def _tamper(target: Path, *, full: bool) -> None:
    """Change a finished result's score (to full marks, or to none), keeping its signature."""
    result = json.loads(target.read_text(encoding="utf-8"))
    for test in result["tests"]:
        test["score"] = test["max_score"] if full else 0.0
        test["status"] = "passed" if full else "failed"
    result["score"] = result["max_score"] if full else 0.0
    target.write_text(json.dumps(result), encoding="utf-8")


def _forge_full_marks(target: Path, source: Path) -> None:
    """A full-marks result for ``source``, as anyone who can write into the results folder could write it."""
    exercise = load_exercise(EXERCISE)
    tests = [{"name": "all", "score": MAX_SCORE, "max_score": MAX_SCORE, "status": "passed", "output": "",
              "visibility": "visible"}]
    info = {"exercise": EXERCISE, "version": exercise.version, "submission": source.name,
            "submission_path": os.path.abspath(source), "error": None, "mistakes": [],
            "submission_sha256": hashlib.sha256(source.read_bytes()).hexdigest(), "signature": "0" * 64}
    target.write_text(json.dumps({"score": MAX_SCORE, "max_score": MAX_SCORE, "tests": tests, "gradecheck": info}))


# -- (c) any executor -----------------------------------------------------------------------------------


def _without_timing(result: dict[str, Any]) -> dict[str, Any]:
    """The result without what differs between runs: the time taken, and the signature (which covers it)."""
    info = {key: value for key, value in result["gradecheck"].items() if key != "signature"}
    return {**{key: value for key, value in result.items() if key != "execution_time"}, "gradecheck": info}


@pytest.mark.slow
def test_a_custom_executor_gives_the_same_results_as_the_default_pool(tmp_path: Path) -> None:
    made = generate(tmp_path / "subs", len(_ORDER) + 1)
    files = sorted(made)
    pooled, threaded = tmp_path / "pooled", tmp_path / "threaded"
    grade_batch(EXERCISE, files, pooled, jobs=2, timeout=30)
    seen: list[str] = []
    with ThreadPoolExecutor(1) as executor:
        summary = grade_batch(EXERCISE, files, threaded, timeout=30, executor=executor,
                              on_result=lambda outcome: seen.append(outcome[0]))
        assert executor.submit(len, "still open").result() == 10, "grade_batch must not shut a given executor down"
    assert summary.graded == len(files) and len(seen) == len(files)
    first, second = _results(pooled), _results(threaded)
    assert sorted(first) == sorted(second) == sorted(result_names(files))
    for name in first:
        assert _without_timing(first[name]) == _without_timing(second[name]), name
    assert {made[path] for path in files} == set(_ORDER)


# -- (d) result names ---------------------------------------------------------------------------------

_segments = st.text(alphabet="ab_-. é", min_size=1, max_size=4).filter(lambda s: s.strip(". ") != "")


@given(st.lists(st.tuples(_segments, _segments, st.sampled_from([".py", ".ipynb"])), min_size=1, max_size=12,
                unique=True))
def test_result_names_are_distinct_safe_and_deterministic(parts: list[tuple[str, str, str]]) -> None:
    files = [Path("subs") / folder / (stem + suffix) for folder, stem, suffix in parts]
    names = result_names(files)
    assert len(names) == len(files) == len(set(names))
    assert names == result_names(list(files))
    for name in names:
        assert name.endswith(".json") and re.fullmatch(r"[A-Za-z0-9._-]+", name)


@pytest.mark.slow
def test_same_stem_files_in_different_folders_get_their_own_results(tmp_path: Path) -> None:
    correct = _TEMPLATES["correct_vectorised"][1].replace("{i}", "0")
    broken = _TEMPLATES["broken_import_error"][1].replace("{i}", "1")
    (tmp_path / "group1").mkdir()
    (tmp_path / "group2").mkdir()
    files = [tmp_path / "group1" / "alice.py", tmp_path / "group2" / "alice.py", tmp_path / "group2" / "alice.ipynb"]
    files[0].write_text(correct)
    files[1].write_text(broken)
    _write_notebook(files[2], correct)
    out = tmp_path / "out"
    summary = grade_batch(EXERCISE, files, out, jobs=2, timeout=30)
    names = [path.name for path in summary.results]
    assert len(set(names)) == 3 and names == result_names(files)
    scores = [json.loads(path.read_text())["score"] for path in summary.results]
    assert scores == [MAX_SCORE, 0.0, MAX_SCORE]
    again = grade_batch(EXERCISE, files, out, jobs=2, timeout=30, resume=True)
    assert (again.graded, again.skipped) == (0, 3)
    assert [path.name for path in again.results] == names


@pytest.mark.slow
def test_resume_after_a_same_stem_file_is_added_does_not_reuse_another_files_result(tmp_path: Path) -> None:
    (tmp_path / "group1").mkdir()
    (tmp_path / "group2").mkdir()
    late, early = tmp_path / "group1" / "alice.py", tmp_path / "group2" / "alice.py"
    early.write_text(_TEMPLATES["correct_vectorised"][1].replace("{i}", "0"))
    out = tmp_path / "out"
    grade_batch(EXERCISE, [early], out, jobs=1, timeout=30)
    late.write_text(_TEMPLATES["broken_import_error"][1].replace("{i}", "1"))
    files = sorted([late, early])
    summary = grade_batch(EXERCISE, files, out, jobs=1, timeout=30, resume=True)
    scores = {path: json.loads(target.read_text())["score"] for path, target in zip(files, summary.results)}
    assert scores[early] == MAX_SCORE
    if scores[late] != 0.0:
        raise KnownWeakness(f"{late} (raises at import) was given {scores[late]}: the result of {early}")
