"""Notebooks as students write them: plots, progress bars, display() and magics cost no credit, at every level.

The worker answers imports of matplotlib, seaborn, tqdm and IPython with
stand-ins that do nothing (``_runtime/notebook_stubs.py``); an exercise's
``allowed_packages`` put real packages into its runtime tree.  Neither may
let a submission see more of the grader than before.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat import v4

from gradecheck._exercises import load_exercise, reference_dir
from gradecheck._grading import grade_file
from gradecheck._sandbox import Limits, SandboxedSubmission
from gradecheck._sandbox._tree import PACKAGES, cache_dir
from gradecheck._submissions import write_template

from conftest import fast

#: Cells a course notebook holds besides the solution.
PLOTTING_CELLS = [
    "%matplotlib inline\nimport matplotlib.pyplot as plt\nfrom IPython.display import display, clear_output\n"
    "from tqdm.auto import tqdm\nfrom tqdm import trange\n!pip install --quiet tqdm",
    "%%time\nweights = [0.80, 0.87, 0.16, 0.96, 0.89, 0.87, 0.31, 0.08, 0.09, 0.69, 0.03, 0.42]\n"
    "inputs = [0.75, 0.98, 0.74, 0.28]\nbiases = [0.68, 0.83, 0.01]",
    "fig, ax = plt.subplots(figsize=(4, 3))\nline, = ax.plot([0, 1], [1, 0], label='loss')\nax.set_title('loss')\n"
    "ax.legend()\nfig.savefig('loss.png')\nplt.savefig('again.png', dpi=100)\nplt.show()",
    "fig, (left, right) = plt.subplots(1, 2)\nfig, axes = plt.subplots(2, 2, sharex=True)\n"
    "for panel in axes.flat:\n    counts, edges, _ = panel.hist([1, 2, 2, 3], bins=3)\nplt.tight_layout()\nplt.close('all')",
    "steps = [forward(weights, inputs, biases) for _ in tqdm(range(3), desc='forward')]\ndisplay(steps[-1])\n"
    "clear_output(wait=True)\nfor _ in trange(2):\n    pass",
]


def _notebook(folder: Path, solution: str, cells: list[str]) -> Path:
    """The twelve-weights template as 'gradecheck template' writes it, the solution in its starter cell, ``cells`` after."""
    exercise = load_exercise("twelve-weights")
    path = folder / "twelve-weights.ipynb"
    write_template(path, exercise=exercise.id, version=exercise.version, title=exercise.title,
                   statement=exercise.statement, starter_code=exercise.starter_code)
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[1].source = solution
    notebook.cells[2:2] = [v4.new_code_cell(cell) for cell in cells]
    nbformat.write(notebook, path)
    return path


def _solution() -> str:
    return (reference_dir(load_exercise("twelve-weights").directory) / "solution.py").read_text()


def test_a_template_notebook_that_plots_gets_full_marks(isolation: str, tmp_path: Path) -> None:
    path = _notebook(tmp_path, _solution(), PLOTTING_CELLS)
    result = grade_file(load_exercise("twelve-weights"), path, limits=Limits(isolation=isolation))
    failed = [(test["name"], test["output"]) for test in result["tests"] if test["status"] != "passed"]
    assert result["score"] == result["max_score"] == 15, failed
    assert result["gradecheck"]["sandbox"]["isolation"] == isolation
    assert result["gradecheck"]["error"] is None


def test_without_the_stand_ins_the_same_notebook_would_fail(tmp_path: Path) -> None:
    # The same notebook, its plotting import renamed to a package that is not there: it loses everything.
    cells = [PLOTTING_CELLS[0].replace("matplotlib.pyplot", "matplotlibx.pyplot"), *PLOTTING_CELLS[1:]]
    path = _notebook(tmp_path, _solution(), cells)
    result = grade_file(load_exercise("twelve-weights"), path, limits=Limits(isolation="none"))
    assert result["score"] == 0
    assert "No module named 'matplotlibx'" in result["gradecheck"]["error"]
    assert "standard library and numpy are installed" in result["gradecheck"]["error"]


def test_a_forbidden_import_still_costs_credit_beside_plots(isolation: str, tmp_path: Path) -> None:
    solution = _solution() + "\nimport jax\n"
    path = _notebook(tmp_path, solution, PLOTTING_CELLS[:3])
    result = grade_file(load_exercise("twelve-weights"), path, limits=Limits(isolation=isolation))
    assert result["score"] == 0
    assert result["gradecheck"]["error_kind"] == "forbidden-import"
    assert "imports jax, which this exercise forbids" in result["gradecheck"]["error"]


def test_a_forbidden_package_is_refused_even_where_it_has_a_stand_in(run) -> None:
    source = (
        "def f():\n"
        "    try:\n"
        "        import tqdm\n"
        "    except ImportError as error:\n"
        "        return str(error)\n"
        "    return 'imported'\n"
    )
    with SandboxedSubmission(source, forbidden_imports=("tqdm",), limits=fast(run.isolation)) as submission:
        assert "importing 'tqdm' is not allowed" in submission.call("f", [])
        assert submission.forbidden_attempts == ["tqdm"]


_STAND_INS = (
    "import sys\n"
    "def f():\n"
    "    import matplotlib, matplotlib.pyplot as plt, mpl_toolkits.mplot3d, seaborn as sns, tqdm, tqdm.auto\n"
    "    import IPython.display\n"
    "    from matplotlib.colors import ListedColormap\n"
    "    plt.figure(); sns.set_theme(); plt.style.use('ggplot'); matplotlib.rcParams['lines.linewidth'] = 2\n"
    "    fig = plt.figure(); axes = fig.subplots(3, 1); ax3 = fig.add_subplot(projection='3d')\n"
    "    ListedColormap(['red'])(0.5)\n"
    "    with tqdm.tqdm(total=3) as bar:\n"
    "        bar.update(1); bar.set_postfix(loss=0.1)\n"
    "    names = ('matplotlib', 'mpl_toolkits', 'seaborn', 'tqdm', 'IPython')\n"
    "    return {\n"
    "        'files': [getattr(sys.modules[n], '__file__', None) for n in names],\n"
    "        'axes': len(axes), 'items': list(tqdm.auto.tqdm([1, 2, 3])), 'trange': list(tqdm.trange(2)),\n"
    "        'display': display(1), 'ipython': repr(get_ipython().run_line_magic('matplotlib', 'inline')),\n"
    "        'format': f'{plt.gca().get_xlim():.3f}',\n"
    "    }\n"
)


def test_the_stand_ins_accept_what_notebooks_do_and_are_no_files(run) -> None:
    seen = run(_STAND_INS)
    assert seen["files"] == [None] * 5  # stand-ins, not packages: nothing was found on disk
    assert seen["axes"] == 3 and seen["items"] == [1, 2, 3] and seen["trange"] == [0, 1]
    assert seen["display"] is None and "stand-in" in seen["ipython"] and seen["format"] == ""


_VIEW = (
    "import os, sys\n"
    "def _view():\n"
    "    seen = []\n"
    "    for folder, subfolders, files in os.walk('/'):\n"
    "        subfolders[:] = [s for s in subfolders if os.path.join(folder, s) not in ('/proc', '/dev', '/sys')]\n"
    "        seen += [os.path.join(folder, name) for name in files]\n"
    "    return sorted(seen)\n"
    "BEFORE = _view()\n"
    "def f(paths):\n"
    "    import matplotlib.pyplot as plt, seaborn, tqdm.auto, IPython.display, sortedcontainers\n"
    "    plt.savefig('/etc/passwd'); matplotlib_dirs = [plt.matplotlib.get_configdir(), plt.get_cachedir()]\n"
    "    return {'same_view': _view() == BEFORE, 'exists': [p for p in paths if os.path.exists(p)],\n"
    "            'path': sys.path, 'packages': sorted(os.listdir(PACKAGES))}\n"
)


def test_the_stand_ins_and_allowed_packages_show_nothing_new_of_the_grader(os_isolation: str) -> None:
    home = os.path.expanduser("~")
    python = os.path.realpath(sys.base_prefix)  # the interpreter and its standard library are in the tree
    grader = [sys.prefix, str(cache_dir()), str(Path(__file__).resolve().parents[2]), str(Path(nbformat.__file__).parent),
              *[entry for entry in sys.path if "-packages" in entry],
              *[os.path.join(home, name) for name in os.listdir(home)
                if not python.startswith(os.path.join(os.path.realpath(home), name) + os.sep)]]
    source = _VIEW.replace("PACKAGES", repr(PACKAGES))
    with SandboxedSubmission(source, limits=fast(os_isolation), packages=("sortedcontainers",)) as submission:
        assert submission.load_error is None, submission.load_error
        seen = submission.call("f", [[path for path in grader if path and path != "/"]])
    assert seen["same_view"], "importing the stand-ins and an allowed package changed what the worker sees"
    assert seen["exists"] == [], f"the worker sees the grader's {seen['exists']}"
    assert not any("site-packages" in entry or "dist-packages" in entry for entry in seen["path"]), seen["path"]
    # The allowed package (pure Python, no requirements) and numpy, nothing else of the grader's environment.
    tops = {name.partition("-")[0].removesuffix(".libs") for name in seen["packages"]}
    assert tops == {"numpy", "sortedcontainers"}, seen["packages"]
