"""gradecheck.notebook.check in a real kernel (nbclient): the report inline, the score returned, the kernel left
as it was.  One kernel start per test."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
import pytest

import gradecheck
from gradecheck._exercises import load_exercise
from gradecheck._grading import grade_file
from gradecheck._self_check import self_check_bytes
from gradecheck._submissions import template_notebook

REFERENCE = Path(gradecheck.__file__).resolve().parents[1] / "reference" / "twelve-weights"
CORRECT = REFERENCE / "solution.py"
UPSTREAM_IGNORED = REFERENCE / "mistakes" / "upstream-ignored.py"
NO_DERIVATIVE = REFERENCE / "mistakes" / "missing-activation-derivative.py"

# The kernel's state after the checks: what they returned, and whether they left anything behind.
PROBE = """
import json, os, sys
children = open(f"/proc/{os.getpid()}/task/{os.getpid()}/children").read().split()
print(json.dumps({"checks": {name: [r.score, r.max_score, list(r.failed), r.hidden_points_not_checked, repr(r)]
                             for name, r in CHECKS.items()},
                  "jax": "jax" in sys.modules, "cwd": os.getcwd(), "children": children}))
"""


def _template(code: str) -> Any:
    exercise = load_exercise("twelve-weights")
    notebook = template_notebook(exercise=exercise.id, version=exercise.version, title=exercise.title,
                                 statement=exercise.statement, starter_code=code)
    return notebook


def _probe(notebook: Any) -> dict[str, Any]:
    [output] = [o for o in notebook.cells[-1].outputs if o.output_type == "stream"]
    return json.loads(output.text)


def _report(cell: Any) -> tuple[str, str]:
    [shown] = [o for o in cell.outputs if o.output_type == "display_data"]
    return shown.data["text/html"], shown.data["text/plain"]


def test_check_grades_the_saved_notebook_and_shows_the_report(execute_notebook: Any, tmp_path: Path) -> None:
    exercise = load_exercise("twelve-weights")
    visible = sum(item.points for item in exercise.items if item.self_check)
    total = sum(item.points for item in exercise.items)
    notebook = _template(CORRECT.read_text())
    assert "gn.check()" in notebook.cells[3].source  # the template's own check cell, run as it is
    # A later cell that uses gn is the self-check too: the grader (and so this check) leaves it out.
    notebook.cells.append(
        nbformat.v4.new_code_cell("CHECKS = {'visible': _, 'hidden': gn.check(hidden=True, display=False)}\n" + PROBE)
    )
    executed = execute_notebook(notebook, session=True)
    html, text = _report(executed.cells[3])
    assert f"Score: <strong>{visible:g} / {visible:g}</strong>" in html
    assert f"dL/dW: 12/12 elements correct" in html and 'class="cells"' in html  # the element grids
    assert f"Not checked here: {total - visible:g} more points of the grade&#x27;s {total:g}" in html
    assert "gn.check(hidden=True)" in html
    assert f"Graded: the saved notebook {tmp_path / 'exercise.ipynb'}" in html
    assert "<!DOCTYPE" not in html and html.startswith('<div class="gradecheck-report">')
    assert f"Score: {visible:g} / {visible:g}" in text
    state = _probe(executed)
    assert state["checks"]["visible"][:4] == [visible, visible, [], total - visible]
    assert state["checks"]["hidden"][:4] == [total, total, [], 0.0]
    assert f"twelve-weights: {visible:g} / {visible:g}" in state["checks"]["visible"][4]
    assert state == {**state, "jax": False, "cwd": str(tmp_path), "children": []}


def test_check_grades_the_kernel_history_without_a_notebook_file(execute_notebook: Any) -> None:
    exercise = load_exercise("twelve-weights")
    wrong = self_check_bytes(exercise, "wrong.py", NO_DERIVATIVE.read_bytes())
    graded = grade_file(exercise, UPSTREAM_IGNORED)
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(NO_DERIVATIVE.read_text()),
        nbformat.v4.new_code_cell("import gradecheck.notebook as gn\nfirst = gn.check('twelve-weights')"),
        nbformat.v4.new_code_cell(UPSTREAM_IGNORED.read_text()),  # redefines forward and backward, as a kernel does
        nbformat.v4.new_code_cell("second = gn.check('twelve-weights', hidden=True)"),
        nbformat.v4.new_code_cell("CHECKS = {'first': first, 'second': second}"),
        nbformat.v4.new_code_cell(PROBE),
    ])
    executed = execute_notebook(notebook, session=False)
    html, _ = _report(executed.cells[1])
    failed = [t["name"] for t in wrong["tests"] if t["status"] == "failed"]
    assert f"Score: <strong>{wrong['score']:g} / {wrong['max_score']:g}</strong>" in html
    assert failed and failed[0] in html and "Activation derivative missing" in html
    assert "Graded: this kernel&#x27;s history (In[1] to In[1]" in html
    second_html, _ = _report(executed.cells[3])
    assert f"Score: <strong>{graded['score']:g} / {graded['max_score']:g}</strong>" in second_html
    assert "Smallest failing instance found" in second_html
    state = _probe(executed)
    assert state["checks"]["first"][:3] == [wrong["score"], wrong["max_score"], failed]
    assert state["checks"]["second"][:2] == [graded["score"], graded["max_score"]]
    assert state["jax"] is False and state["children"] == []


def test_check_without_an_exercise_id_says_what_to_do(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from gradecheck import notebook as gn
    from gradecheck._errors import GradecheckError

    plain = tmp_path / "plain.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), plain)
    with pytest.raises(GradecheckError, match=r"check\('EXERCISE-ID'\)"):
        gn.check(notebook=plain, display=False)
