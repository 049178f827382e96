"""Submission files: .py and .ipynb to Python source, IPython syntax removal, templates."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import nbformat
import nbformat.v3 as v3
import nbformat.v4 as v4
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradecheck._errors import GradecheckError, InvalidArgumentError, SubmissionError
from gradecheck._submissions import (
    SKIP_TAG,
    Submission,
    read_submission,
    submission_from_bytes,
    template_notebook,
    write_template,
)


def notebook_bytes(*cells, metadata=None) -> bytes:
    return nbformat.writes(v4.new_notebook(cells=list(cells), metadata=metadata or {})).encode()


def write_notebook(path: Path, *cells, metadata=None) -> Path:
    path.write_bytes(notebook_bytes(*cells, metadata=metadata))
    return path


def header(n: int) -> str:
    return f"# --- cell {n} ---"


# --- .py files ---------------------------------------------------------------


def test_py_source_is_returned_unchanged(tmp_path):
    text = "import numpy as np\r\n\ndef f(x):\n    return 2 * x  # é\n"
    path = tmp_path / "solution.py"
    path.write_bytes(text.encode("utf-8"))
    submission = read_submission(path)
    assert submission == Submission(path=str(path), kind="py", source=text, exercise=None, notes=())


def test_py_path_is_kept_as_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("s.py").write_text("x = 1\n")
    assert read_submission("s.py").path == "s.py"
    assert read_submission(Path("s.py")).path == "s.py"


def test_py_bom_is_dropped():
    text = "x = 1\n"
    submission = submission_from_bytes("s.py", codecs.BOM_UTF8 + text.encode())
    assert submission.source == text
    compile(submission.source, "s.py", "exec")


def test_empty_py_is_allowed():
    submission = submission_from_bytes("empty.py", b"")
    assert (submission.kind, submission.source, submission.exercise) == ("py", "", None)


def test_uppercase_extension_is_accepted():
    assert submission_from_bytes("S.PY", b"x = 1\n").kind == "py"


@pytest.mark.parametrize("bom", [b"", codecs.BOM_UTF8])
def test_invalid_utf8_names_file_offset_and_line(bom):
    prefix = bom + b"x = 1\ny = 2\n# "
    data = prefix + b"\xe9t\xe9\n"
    with pytest.raises(SubmissionError) as info:
        submission_from_bytes("latin.py", data)
    message = str(info.value)
    assert "'latin.py'" in message
    assert "UTF-8" in message
    assert f"offset {len(prefix)}" in message
    line = prefix.count(b"\n") + 1
    assert f"line {line}" in message
    assert "0xe9" in message
    assert "save the file with utf-8" in message.lower()


def test_exercise_comment_in_first_lines():
    data = b"#!/usr/bin/env python\n# gradecheck: exercise=dense-1\nx = 1\n"
    submission = submission_from_bytes("s.py", data)
    assert submission.exercise == "dense-1"
    assert submission.source == data.decode()


def test_exercise_comment_after_first_lines_is_ignored():
    data = b"x = 1\n" * 10 + b"# gradecheck: exercise=late\n"
    assert submission_from_bytes("s.py", data).exercise is None


def test_exercise_comment_must_be_a_whole_line():
    assert submission_from_bytes("s.py", b"x = 1  # gradecheck: exercise=e1\n").exercise is None


def test_malformed_exercise_comment_is_noted():
    submission = submission_from_bytes("s.py", b"# gradecheck: exercise=\nx = 1\n")
    assert submission.exercise is None
    assert len(submission.notes) == 1
    assert "line 1" in submission.notes[0] and "exercise=<id>" in submission.notes[0]


# --- file handling -------------------------------------------------------------


@pytest.mark.parametrize("name", ["answer.txt", "answer", "answer.py.bak", "notebook.json"])
def test_other_extensions_are_refused(name):
    with pytest.raises(SubmissionError) as info:
        submission_from_bytes(name, b"x = 1\n")
    message = str(info.value)
    assert repr(name) in message
    assert ".py" in message and ".ipynb" in message


def test_extension_is_checked_before_reading(tmp_path):
    with pytest.raises(SubmissionError, match=r"\.ipynb"):
        read_submission(tmp_path / "missing.docx")


def test_missing_file(tmp_path):
    path = tmp_path / "missing.py"
    with pytest.raises(SubmissionError) as info:
        read_submission(path)
    assert repr(str(path)) in str(info.value)
    assert "check the path" in str(info.value)


def test_folder_instead_of_file(tmp_path):
    folder = tmp_path / "work.py"
    folder.mkdir()
    with pytest.raises(SubmissionError) as info:
        read_submission(folder)
    assert "folder" in str(info.value) and repr(str(folder)) in str(info.value)


def test_data_argument_replaces_reading(tmp_path):
    path = tmp_path / "never_written.py"
    submission = read_submission(path, data=b"y = 3\n")
    assert submission.source == "y = 3\n" and submission.path == str(path)
    assert not path.exists()


def test_data_must_be_bytes():
    with pytest.raises(InvalidArgumentError, match="bytes"):
        submission_from_bytes("s.py", "x = 1\n")  # type: ignore[arg-type]


def test_submission_error_is_a_gradecheck_error():
    assert issubclass(SubmissionError, GradecheckError)


def test_nothing_is_executed(tmp_path):
    marker = tmp_path / "ran"
    code = f"open({str(marker)!r}, 'w').write('x')\nraise SystemExit(3)\n"
    (tmp_path / "s.py").write_text(code)
    write_notebook(tmp_path / "n.ipynb", v4.new_code_cell(code))
    assert read_submission(tmp_path / "s.py").source == code
    assert code.rstrip("\n") in read_submission(tmp_path / "n.ipynb").source
    assert not marker.exists()


# --- notebooks: reading ----------------------------------------------------------


def test_notebook_code_cells_joined_with_cell_headers(tmp_path):
    path = write_notebook(
        tmp_path / "n.ipynb",
        v4.new_markdown_cell("# Exercise"),
        v4.new_code_cell("import numpy as np\n"),
        v4.new_raw_cell("raw text"),
        v4.new_code_cell("def f(x):\n    return np.tanh(x)"),
        metadata={"gradecheck": {"exercise": "tanh-1", "version": "2"}},
    )
    submission = read_submission(path)
    cells = ["import numpy as np", "def f(x):\n    return np.tanh(x)"]
    assert submission.kind == "ipynb"
    assert submission.exercise == "tanh-1"
    assert submission.source == f"{header(2)}\n{cells[0]}\n\n{header(4)}\n{cells[1]}\n"
    assert submission.notes == ()
    compile(submission.source, str(path), "exec")


def test_notebook_line_numbers_map_back_to_cells():
    cells = ["a = 1\nb = 2", "c = 3\n\nd = undefined_name"]
    submission = submission_from_bytes("n.ipynb", notebook_bytes(*(v4.new_code_cell(c) for c in cells)))
    lines = submission.source.splitlines()
    error_line = next(i for i, line in enumerate(lines) if "undefined_name" in line)
    last_header = max(i for i, line in enumerate(lines[:error_line]) if line.startswith("# --- cell "))
    assert lines[last_header] == header(2)
    assert error_line - last_header == cells[1].splitlines().index("d = undefined_name") + 1


def test_notebook_without_gradecheck_metadata_has_no_exercise():
    assert submission_from_bytes("n.ipynb", notebook_bytes(v4.new_code_cell("x = 1"))).exercise is None


@pytest.mark.parametrize("block", [["e1"], {"exercise": 7}, {"version": "1"}, "e1"])
def test_malformed_gradecheck_metadata_is_noted(block):
    data = notebook_bytes(v4.new_code_cell("x = 1"), metadata={"gradecheck": block})
    submission = submission_from_bytes("n.ipynb", data)
    assert submission.exercise is None
    assert any("gradecheck" in note and "exercise" in note for note in submission.notes)


def test_v3_notebook_is_upgraded(tmp_path):
    worksheet = v3.new_worksheet(cells=[
        v3.new_text_cell("markdown", source="Intro"),
        v3.new_code_cell(input="x = 2"),
        v3.new_code_cell(input="%pylab inline\ny = x + 1"),
    ])
    path = tmp_path / "old.ipynb"
    path.write_text(v3.writes_json(v3.new_notebook(worksheets=[worksheet])))
    submission = read_submission(path)
    assert submission.source == f"{header(2)}\nx = 2\n\n{header(3)}\npass\ny = x + 1\n"
    assert submission.notes == ("removed IPython magic on cell 3, line 1: %pylab inline",)
    scope: dict = {}
    exec(compile(submission.source, str(path), "exec"), scope)  # our own test code, not a submission
    assert scope["y"] == 3


def test_source_given_as_a_list_of_lines():
    data = json.loads(notebook_bytes(v4.new_code_cell("")))
    data["cells"][0]["source"] = ["x = 1\n", "y = 2"]
    submission = submission_from_bytes("n.ipynb", json.dumps(data).encode())
    assert submission.source == f"{header(1)}\nx = 1\ny = 2\n"


def test_notebook_bom_is_accepted():
    data = codecs.BOM_UTF8 + notebook_bytes(v4.new_code_cell("x = 1"))
    assert "x = 1" in submission_from_bytes("n.ipynb", data).source


# --- notebooks: format warnings become notes -------------------------------------


def test_missing_cell_ids_give_a_note_not_a_warning():
    data = json.loads(notebook_bytes(v4.new_code_cell("x = 1")))
    assert data["nbformat_minor"] >= 5
    del data["cells"][0]["id"]
    submission = submission_from_bytes("n.ipynb", json.dumps(data).encode())  # filterwarnings=error
    assert "x = 1" in submission.source
    assert any("warning" in note and "id" in note for note in submission.notes)


def test_duplicate_cell_ids_give_a_note_not_a_warning():
    data = json.loads(notebook_bytes(v4.new_code_cell("x = 1"), v4.new_code_cell("y = 2")))
    data["cells"][1]["id"] = data["cells"][0]["id"]
    submission = submission_from_bytes("n.ipynb", json.dumps(data).encode())
    assert "y = 2" in submission.source
    assert any(data["cells"][0]["id"] in note for note in submission.notes)


def test_schema_violation_gives_a_note_and_is_read():
    data = json.loads(notebook_bytes(v4.new_code_cell("x = 1")))
    del data["cells"][0]["outputs"]
    submission = submission_from_bytes("n.ipynb", json.dumps(data).encode())
    assert submission.source == f"{header(1)}\nx = 1\n"
    assert any("does not fully follow" in note and "outputs" in note for note in submission.notes)


def test_cell_source_that_is_not_text_is_skipped_with_a_note():
    data = json.loads(notebook_bytes(v4.new_code_cell("x = 1"), v4.new_code_cell("y = 2")))
    data["cells"][0]["source"] = 5
    submission = submission_from_bytes("n.ipynb", json.dumps(data).encode())
    assert submission.source == f"{header(2)}\ny = 2\n"
    assert "skipped cell 1: its source is not text" in submission.notes


# --- notebooks: errors -----------------------------------------------------------


def test_invalid_json_names_line_and_column():
    text = '{\n  "nbformat": 4,\n  oops\n}'  # "oops" starts at line 3, column 3
    with pytest.raises(SubmissionError) as info:
        submission_from_bytes("broken.ipynb", text.encode())
    message = str(info.value)
    assert message.startswith("'broken.ipynb' is not a valid notebook: invalid JSON at line 3 column 3")
    assert "save it again from Jupyter" in message
    assert "name it .py" not in message


def test_python_saved_as_notebook_gets_a_hint():
    with pytest.raises(SubmissionError) as info:
        submission_from_bytes("script.ipynb", b"import numpy as np\n")
    assert "invalid JSON at line 1 column 1" in str(info.value)
    assert "name it .py" in str(info.value)


def test_truncated_notebook():
    data = notebook_bytes(v4.new_code_cell("x = 1"))
    with pytest.raises(SubmissionError, match="'cut.ipynb' is not a valid notebook: invalid JSON"):
        submission_from_bytes("cut.ipynb", data[: len(data) // 2])


def test_empty_notebook_file():
    with pytest.raises(SubmissionError) as info:
        submission_from_bytes("empty.ipynb", b"  \n")
    assert "'empty.ipynb'" in str(info.value) and "empty" in str(info.value).split(":", 1)[1]


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ("[1, 2]", "JSON array"),
        ('"text"', "JSON string"),
        ("null", "JSON null"),
        ('{"cells": []}', "without an 'nbformat' field"),
        ('{"nbformat": 99, "cells": []}', "version 99 is not supported"),
        ('{"nbformat": "4", "cells": []}', "version '4' is not supported"),
        ('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}}', "cells"),
        ('{"nbformat": 4, "nbformat_minor": 5, "metadata": [], "cells": []}', "structure"),
    ],
)
def test_json_that_is_not_a_notebook(document, expected):
    with pytest.raises(SubmissionError) as info:
        submission_from_bytes("data.ipynb", document.encode())
    message = str(info.value)
    assert message.startswith("'data.ipynb' is not a valid notebook: ")
    assert expected in message
    assert "Jupyter" in message


def test_notebook_without_code_cells():
    with pytest.raises(SubmissionError) as info:
        submission_from_bytes("prose.ipynb", notebook_bytes(v4.new_markdown_cell("a"), v4.new_markdown_cell("b")))
    message = str(info.value)
    assert message.startswith("'prose.ipynb' has no code to grade")
    assert "2 cells" in message and "none is a code cell" in message
    assert "Write your solution in a code cell" in message


def test_notebook_with_only_empty_code_cells():
    data = notebook_bytes(v4.new_markdown_cell("a"), v4.new_code_cell(""), v4.new_code_cell("  \n\n"))
    with pytest.raises(SubmissionError, match=r"'blank.ipynb' has no code to grade: its 2 code cells are empty"):
        submission_from_bytes("blank.ipynb", data)


def test_notebook_whose_code_is_all_skipped_or_ipython():
    data = notebook_bytes(
        v4.new_code_cell("x = 1", metadata={"tags": [SKIP_TAG]}),
        v4.new_code_cell("%%bash\necho hi"),
        v4.new_code_cell("%matplotlib inline\n!ls"),
    )
    with pytest.raises(SubmissionError) as info:
        submission_from_bytes("n.ipynb", data)
    message = str(info.value)
    assert "has no code to grade" in message
    assert f"1 tagged {SKIP_TAG!r}" in message and "2 holding only IPython commands" in message


def test_empty_v3_notebook_has_no_code(tmp_path):
    path = tmp_path / "old.ipynb"
    path.write_text(v3.writes_json(v3.new_notebook(worksheets=[v3.new_worksheet(cells=[])])))
    with pytest.raises(SubmissionError, match="has no code to grade"):
        read_submission(path)


# --- notebooks: cells and IPython syntax ---------------------------------------------


def read_cells(*sources: str) -> Submission:
    return submission_from_bytes("n.ipynb", notebook_bytes(*(v4.new_code_cell(s) for s in sources)))


def test_skip_tag_removes_the_cell_with_a_note():
    data = notebook_bytes(
        v4.new_code_cell("x = 1"),
        v4.new_code_cell("plot(x)", metadata={"tags": ["other", SKIP_TAG]}),
        v4.new_code_cell("y = 2", metadata={"tags": ["other"]}),
    )
    submission = submission_from_bytes("n.ipynb", data)
    assert submission.source == f"{header(1)}\nx = 1\n\n{header(3)}\ny = 2\n"
    assert submission.notes == (f"skipped cell 2: tagged {SKIP_TAG!r}",)


def test_cell_magic_drops_the_whole_cell():
    submission = read_cells("x = 1", "\n  %%timeit\nx ** 2", "y = 2")
    assert submission.source == f"{header(1)}\nx = 1\n\n{header(3)}\ny = 2\n"
    assert submission.notes == ("removed cell magic on cell 2 (the whole cell): %%timeit",)


@pytest.mark.parametrize(
    ("line", "what"),
    [
        ("%matplotlib inline", "IPython magic"),
        ("%load_ext autoreload", "IPython magic"),
        ("!pip install numpy", "shell command"),
        ("files = !ls -1", "IPython assignment"),
        ("result = %timeit -o f(1)", "IPython assignment"),
        ("a, b = !echo 1 2", "IPython assignment"),
        ("self.out=!pwd", "IPython assignment"),
    ],
)
def test_ipython_line_is_replaced_by_pass_with_a_note(line, what):
    submission = read_cells("x = 1", f"def f(v):\n    return v\n{line}\ny = f(x)")
    assert submission.source == f"{header(1)}\nx = 1\n\n{header(2)}\ndef f(v):\n    return v\npass\ny = f(x)\n"
    assert submission.notes == (f"removed {what} on cell 2, line 3: {line}",)


def test_ipython_line_inside_a_block_keeps_indentation():
    submission = read_cells("for i in range(3):\n    %time total = i\n\nif True:\n  !echo hi\nz = 1")
    assert submission.source == f"{header(1)}\nfor i in range(3):\n    pass\n\nif True:\n  pass\nz = 1\n"
    assert [note.split(":")[0] for note in submission.notes] == [
        "removed IPython magic on cell 1, line 2",
        "removed shell command on cell 1, line 5",
    ]
    compile(submission.source, "n.ipynb", "exec")


@pytest.mark.parametrize(
    "code",
    [
        "y = (10\n     % 3)",
        "y = [1,\n     ~2]",
        "y = 10 \\\n    % 3",
        's = """\n%not a magic\n!not a shell\n"""',
        "s = '''it''s\n%also text\n'''",
        "s = 'a\\\n%b'",
        "x = 1  # ' in a comment\ny = 2",
        "value = 5 % 3\nflag = x != 2",
        "x = {'%': 1}\n",
    ],
)
def test_python_that_looks_like_ipython_is_kept(code):
    compile(code, "code", "exec")
    submission = read_cells(code)
    assert submission.source == f"{header(1)}\n{code.rstrip(chr(10))}\n"
    assert submission.notes == ()


def test_help_syntax_is_left_alone():
    assert read_cells("len?\nx = 1").source == f"{header(1)}\nlen?\nx = 1\n"


def test_windows_line_endings_in_cells():
    submission = read_cells("x = 1\r\n%time y = 2\r\nz = 3\r\n")
    assert submission.source == f"{header(1)}\nx = 1\npass\nz = 3\n"
    assert submission.notes == ("removed IPython magic on cell 1, line 2: %time y = 2",)


def test_long_removed_lines_are_shortened_in_notes():
    line = "!" + "x" * 200
    (note,) = read_cells(f"y = 1\n{line}").notes
    assert note.endswith("\N{HORIZONTAL ELLIPSIS}") and len(note) < len(line)


# --- Hypothesis: round trips ---------------------------------------------------------

names = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True).filter(
    lambda s: s not in {"if", "in", "is", "or", "as", "def", "del", "for", "and", "not", "try"}
)
assignments = st.builds(lambda n, v: f"{n} = {v}", names, st.integers(-1000, 1000))
cells = st.lists(assignments, min_size=1, max_size=5).map("\n".join)


@given(st.lists(cells, min_size=1, max_size=6))
def test_assignment_cells_round_trip(sources):
    submission = read_cells(*sources)
    compile(submission.source, "n.ipynb", "exec")
    for number, source in enumerate(sources, 1):
        assert f"{header(number)}\n{source}\n" in submission.source
    assert submission.notes == ()


ipython_lines = st.sampled_from(["%matplotlib inline", "!ls -l", "out = !pwd", "t = %timeit -o 1", "%%capture"])


@given(st.lists(st.tuples(assignments, st.booleans(), ipython_lines), min_size=1, max_size=8))
def test_ipython_lines_inside_blocks_are_removed_and_the_rest_kept(rows):
    # Alternate top-level lines and lines in an `if` block; an IPython line follows every row marked True.
    lines, expected_notes = [], 0
    for assignment, add_ipython, ipython in rows:
        lines += ["if True:", f"    {assignment}"]
        if add_ipython:
            lines.append(f"    {ipython}")
            expected_notes += 1
    submission = read_cells("\n".join(lines))
    compile(submission.source, "n.ipynb", "exec")
    for assignment, _, _ in rows:
        assert f"    {assignment}\n" in submission.source
    assert "%" not in submission.source and "!" not in submission.source
    assert len(submission.notes) == expected_notes
    assert all(note.startswith("removed ") and "on cell 1, line " in note for note in submission.notes)


# --- templates -------------------------------------------------------------------------

TEMPLATE = dict(
    exercise="dense-1",
    version="2024.1",
    title="A dense layer",
    statement="Write `forward` and `backward` for a dense layer.",
    starter_code="def forward(x, w, b):\n    raise NotImplementedError\n",
)


def test_template_notebook_structure():
    notebook = template_notebook(**TEMPLATE)
    nbformat.validate(notebook)
    assert notebook.nbformat == 4
    assert notebook.metadata["gradecheck"] == {"exercise": TEMPLATE["exercise"], "version": TEMPLATE["version"]}
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    assert set(notebook.metadata) == {"gradecheck", "kernelspec"}
    assert [cell.cell_type for cell in notebook.cells] == ["markdown", "code", "markdown", "code"]
    assert "gn.check()" in notebook.cells[3].source
    assert notebook.cells[0].source.startswith(f"# {TEMPLATE['title']}\n")
    assert TEMPLATE["statement"] in notebook.cells[0].source
    assert notebook.cells[1].source == TEMPLATE["starter_code"]
    assert "gradecheck check <this notebook>" in notebook.cells[2].source


def test_template_custom_check_command():
    notebook = template_notebook(**TEMPLATE, check_command="gradecheck check --exercise dense-1 me.ipynb")
    assert "gradecheck check --exercise dense-1 me.ipynb" in notebook.cells[2].source


@pytest.mark.parametrize(("argument", "value"), [("exercise", ""), ("exercise", "two words"), ("version", None)])
def test_template_rejects_bad_ids(argument, value):
    with pytest.raises(InvalidArgumentError, match=argument):
        template_notebook(**{**TEMPLATE, argument: value})


@pytest.mark.parametrize(
    ("cell", "noted"),
    [
        ("import gradecheck.notebook as gn\ngn.check()", False),
        ("from gradecheck import notebook\nresult = notebook.check('dense-1', hidden=True)\n%time pass", False),
        ("import gradecheck.notebook as gn\ndef backward(x):\n    return x\ngn.check()", True),
    ],
)
def test_a_cell_that_imports_gradecheck_is_left_out(cell, noted):
    """The self-check's cell cannot run in the sandbox (no gradecheck there): it is not part of the solution."""
    notebook = template_notebook(**TEMPLATE)
    notebook.cells[3].source = cell
    submission = submission_from_bytes("n.ipynb", nbformat.writes(notebook).encode())
    assert "gradecheck" not in submission.source and TEMPLATE["starter_code"] in submission.source
    assert any("left out cell 4" in note and "move your functions" in note for note in submission.notes) == noted


def test_a_later_cell_that_uses_the_self_check_is_left_out_too():
    notebook = template_notebook(**TEMPLATE)
    notebook.cells.append(nbformat.v4.new_code_cell("result = gn.check(hidden=True)\nprint(result)"))
    notebook.cells.append(nbformat.v4.new_code_cell("def helper():\n    return check_twice"))  # not a bound name
    submission = submission_from_bytes("n.ipynb", nbformat.writes(notebook).encode())
    assert "gn." not in submission.source and "def helper" in submission.source


def test_written_template_round_trips(tmp_path):
    path = tmp_path / "dense 1.ipynb"
    write_template(path, **TEMPLATE)
    submission = read_submission(path)
    assert submission.exercise == TEMPLATE["exercise"]
    assert TEMPLATE["starter_code"] in submission.source
    assert submission.notes == ()
    written = nbformat.read(path, as_version=4)
    assert "gradecheck check 'dense 1.ipynb'" in written.cells[2].source


def test_written_template_is_reproducible(tmp_path):
    write_template(tmp_path / "a.ipynb", **TEMPLATE)
    write_template(tmp_path / "b.ipynb", **TEMPLATE, check_command="gradecheck check a.ipynb")
    assert (tmp_path / "a.ipynb").read_bytes() == (tmp_path / "b.ipynb").read_bytes()


def test_template_folder_must_exist(tmp_path):
    path = tmp_path / "no" / "such" / "t.ipynb"
    with pytest.raises(InvalidArgumentError) as info:
        write_template(path, **TEMPLATE)
    assert repr(str(path.parent)) in str(info.value) and "create it first" in str(info.value)
    assert not path.parent.exists()


def test_template_must_be_a_notebook(tmp_path):
    with pytest.raises(InvalidArgumentError, match=r"\.ipynb"):
        write_template(tmp_path / "t.py", **TEMPLATE)


def test_a_statement_with_its_own_heading_is_not_given_the_title_again():
    notebook = template_notebook(**{**TEMPLATE, "statement": "\n# Dense layer\n\nWrite it."})
    assert notebook.cells[0].source == "# Dense layer\n\nWrite it."
    assert template_notebook(**TEMPLATE).cells[0].source.count("# ") == 1


def test_the_template_says_what_may_be_imported_and_what_is_forbidden():
    notebook = template_notebook(**TEMPLATE, allowed_packages=("scipy",), forbidden_imports=("jax", "torch"))
    intro = notebook.cells[0].source
    assert "### What you may import" in intro
    assert "Python's standard library and `numpy`, `scipy`." in intro
    assert "`matplotlib`" in intro and "`tqdm`" in intro and "`display(...)`" in intro
    assert "Importing `jax`, `torch` is not allowed here" in intro
    assert "What you may import" not in template_notebook(**TEMPLATE).cells[0].source


def test_cell_magics_that_run_python_keep_their_code_on_the_same_lines():
    submission = read_cells("%%time\ndef f():\n    return 1", "%%capture --no-stderr\nx = f()", "%%timeit\nf()")
    assert submission.source == "# --- cell 1 ---\n\ndef f():\n    return 1\n\n# --- cell 2 ---\n\nx = f()\n"
    assert submission.notes == (
        "removed cell magic line on cell 1 (its code is kept): %%time",
        "removed cell magic line on cell 2 (its code is kept): %%capture --no-stderr",
        "removed cell magic on cell 3 (the whole cell): %%timeit",
    )
