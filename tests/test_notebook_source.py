"""Which source gradecheck.notebook.check grades (gradecheck._notebook_source), without a kernel."""

from __future__ import annotations

from pathlib import Path

import nbformat

from gradecheck._notebook_source import from_file, from_history, notebook_path
from gradecheck._submissions import submission_from_bytes


def test_the_history_is_replayed_in_order_without_checking_or_broken_cells() -> None:
    history = ["", "def f():\n    return 1", "def g(:\n    pass", "%matplotlib inline\nx = f()",
               "import gradecheck.notebook as gn\ngn.check('e')", "gn.check('e')"]
    source = from_history(history, "e")
    submission = submission_from_bytes(source.name, source.data)
    assert submission.exercise == "e"
    assert "# --- cell 1 ---\ndef f()" in submission.source and "# --- cell 3 ---" in submission.source
    assert "def g" not in submission.source and "gradecheck" not in submission.source
    assert any(note.startswith("left out In[2]: it does not compile") for note in source.notes)
    assert "In[1] to In[4]" in source.description and "deleted since it ran still counts" in source.notes[0]


def test_a_saved_notebook_older_than_the_cell_run_last_is_noted(tmp_path: Path) -> None:
    path = tmp_path / "n.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("def f():\n    return 1")]), path)
    assert from_file(path, ["", "def f():\n    return 1", "gn.check()"]).notes == ()
    stale = from_file(path, ["", "def f():\n    return 1", "def f():\n    return 2", "gn.check()"])
    assert "In[2]) is not in the saved notebook" in stale.notes[0] and "save the notebook" in stale.notes[0]


def test_the_notebook_file_comes_from_the_front_end(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "n.ipynb"
    path.write_text("{}")
    monkeypatch.chdir(tmp_path)
    assert notebook_path({}, {"JPY_SESSION_NAME": str(path)}) == path
    assert notebook_path({}, {"JPY_SESSION_NAME": "elsewhere/n.ipynb"}) == path  # the kernel runs in its folder
    assert notebook_path({"__vsc_ipynb_file__": str(path)}, {}) == path
    assert notebook_path({}, {"JPY_SESSION_NAME": str(tmp_path / "gone.ipynb")}) is None
