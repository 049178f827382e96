"""Kinds from outside the package: a kind.py in the exercise folder, or an entry point in the group gradecheck.kinds.

Both must work wherever an exercise is loaded, grading's worker pool included
(those processes load the exercise again, from its folder).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import gradecheck
import gradecheck.kinds
from gradecheck._exercises import ExerciseSpecError, load_exercise
from gradecheck._grading import grade_source
from gradecheck._kinds import get_kind, kind_names, kind_of

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "tests" / "data" / "validate" / "local-kind"
SQUARE = COURSE / "exercises" / "square"
REFERENCE = COURSE / "reference" / "square"


def test_the_documented_example_is_the_tested_kind() -> None:
    doc = gradecheck.kinds.__doc__
    block = doc[doc.index("passes it)::\n") + len("passes it)::\n"):]
    assert textwrap.dedent(block).strip() == (SQUARE / "kind.py").read_text().strip()


def test_the_public_module_is_reachable_from_gradecheck_and_exports_what_a_kind_needs() -> None:
    assert gradecheck.kinds is sys.modules["gradecheck.kinds"]
    for name in gradecheck.kinds.__all__:
        assert getattr(gradecheck.kinds, name) is not None, name
    assert {"ExerciseKind", "EntryPoint", "SpecKey", "SpecProblem", "jax_reference", "as_output_array", "Mistake",
            "MISTAKES"} <= set(gradecheck.kinds.__all__)


def test_importing_the_kinds_module_does_not_import_jax() -> None:
    code = "import sys, gradecheck.kinds; print('jax' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_a_local_kind_grades_its_exercise() -> None:
    exercise = load_exercise(SQUARE)
    kind = kind_of(exercise)
    assert type(kind).__name__ == "Square" and isinstance(kind, gradecheck.kinds.ExerciseKind)
    right = grade_source(exercise, (REFERENCE / "solution.py").read_text())
    assert right["score"] == right["max_score"] == 5.0
    wrong = grade_source(exercise, (REFERENCE / "mistakes" / "sign-error.py").read_text())
    assert wrong["score"] < 5.0 and wrong["gradecheck"]["mistakes"] == ["sign-error"]


def _square_copy(tmp_path: Path, kind_py: str | None, spec_edit=lambda s: s) -> Path:
    folder = tmp_path / "exercises" / "square"
    shutil.copytree(SQUARE, folder)
    if kind_py is None:
        (folder / "kind.py").unlink()
    else:
        (folder / "kind.py").write_text(kind_py)
    (folder / "exercise.toml").write_text(spec_edit((folder / "exercise.toml").read_text()))
    return folder


@pytest.mark.parametrize(
    ("kind_py", "words"),
    [
        (None, ["exercise.toml:4:", "kind 'local'", "kind.py", "does not exist"]),
        ("X = 1\n", ["defines no KIND", "KIND = YourKind()"]),
        ("KIND = 42\n", ["KIND is int, not an exercise kind", "ExerciseKind"]),
        ("raise RuntimeError('boom')\n", ["importing the exercise's kind failed", "RuntimeError: boom"]),
    ],
)
def test_a_broken_local_kind_is_refused_with_the_file(tmp_path: Path, kind_py: str | None, words: list[str]) -> None:
    folder = _square_copy(tmp_path, kind_py)
    with pytest.raises(ExerciseSpecError) as info:
        load_exercise(folder)
    for word in words:
        assert word in str(info.value), str(info.value)


def test_a_local_kind_is_reloaded_when_its_file_changes(tmp_path: Path) -> None:
    folder = _square_copy(tmp_path, (SQUARE / "kind.py").read_text())
    assert kind_of(load_exercise(folder)).mistakes == ("sign-error",)
    text = (folder / "kind.py").read_text().replace('mistakes = ("sign-error",)', "mistakes = ()")
    (folder / "kind.py").write_text(text + "\n# edited\n")
    assert kind_of(load_exercise(folder)).mistakes == ()


def test_a_kind_that_declares_nothing_accepts_any_given_and_settings_keys(tmp_path: Path) -> None:
    text = (SQUARE / "kind.py").read_text()
    text = text.replace("    given_keys = ", "    _given = ").replace("    settings_keys = ", "    _settings = ")
    folder = _square_copy(tmp_path, text, lambda s: s.replace("max_magnitude = 3.0", "max_magnitude = 3.0\nanything = 1"))
    assert load_exercise(folder).settings == {"max_magnitude": 3.0, "anything": 1}
    strict = _square_copy(tmp_path / "strict", (SQUARE / "kind.py").read_text(),
                          lambda s: s.replace("max_magnitude = 3.0", "max_magnitude = 3.0\nanything = 1"))
    with pytest.raises(ExerciseSpecError, match="unknown key 'anything' in \\[settings\\]"):
        load_exercise(strict)


def test_an_unknown_kind_lists_where_kinds_come_from(tmp_path: Path) -> None:
    folder = _square_copy(tmp_path, None, lambda s: s.replace('kind = "local"', 'kind = "netwrk"'))
    with pytest.raises(ExerciseSpecError) as info:
        load_exercise(folder)
    message = str(info.value)
    assert "exercise.toml:4:" in message and "did you mean 'network'" in message
    assert "gradecheck.kinds" in message and "'local'" in message


def _fake_distribution(tmp_path: Path, entry: str = "square_plugin = fakecourse_kinds:Square") -> Path:
    """A folder that importlib.metadata sees as an installed distribution with a gradecheck.kinds entry point."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "fakecourse_kinds.py").write_text((SQUARE / "kind.py").read_text())
    info = site / "fakecourse-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fakecourse\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[gradecheck.kinds]\n{entry}\n")
    return site


def _plugin_exercise(tmp_path: Path) -> Path:
    return _square_copy(tmp_path, None, lambda s: s.replace('kind = "local"', 'kind = "square_plugin"'))


def test_an_installed_kind_is_found_by_its_entry_point(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = _fake_distribution(tmp_path)
    monkeypatch.syspath_prepend(str(site))
    assert "square_plugin" in kind_names()
    kind = get_kind("square_plugin")
    assert type(kind).__name__ == "Square"
    exercise = load_exercise(_plugin_exercise(tmp_path))
    result = grade_source(exercise, (REFERENCE / "solution.py").read_text())
    assert result["score"] == result["max_score"] == 5.0


def test_a_broken_entry_point_names_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(_fake_distribution(tmp_path, "square_plugin = fakecourse_kinds:NOTHING")))
    with pytest.raises(gradecheck.GradecheckError, match="fakecourse_kinds:NOTHING"):
        get_kind("square_plugin")


def test_a_shipped_kind_wins_over_an_installed_one_of_the_same_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(_fake_distribution(tmp_path, "network = fakecourse_kinds:Square")))
    assert type(get_kind("network")).__name__ == "NetworkKind"


def _grade_in_pool(exercise: Path, out: Path, env: dict[str, str]) -> dict:
    submission = out.parent / "solution.py"
    shutil.copy(REFERENCE / "solution.py", submission)
    wrong = out.parent / "wrong.py"
    shutil.copy(REFERENCE / "mistakes" / "sign-error.py", wrong)
    run = subprocess.run(
        [sys.executable, "-m", "gradecheck", "grade", str(exercise), str(submission), str(wrong), "--out", str(out),
         "--jobs", "1", "--no-progress"],
        capture_output=True, text=True, timeout=600, env=env, cwd=out.parent,
    )
    assert run.returncode == 0, run.stderr + run.stdout
    return {p.stem: json.loads(p.read_text()) for p in out.glob("*.json")}


@pytest.mark.slow
def test_local_and_installed_kinds_load_in_the_grading_pool(tmp_path: Path) -> None:
    site = _fake_distribution(tmp_path)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    local = _square_copy(tmp_path / "local", (SQUARE / "kind.py").read_text())
    plugin = _plugin_exercise(tmp_path / "plugin")
    for exercise, name in ((local, "local"), (plugin, "plugin")):
        out = tmp_path / f"{name}-run" / "results"
        out.parent.mkdir()
        results = _grade_in_pool(exercise, out, env)
        assert results["solution"]["score"] == results["solution"]["max_score"] == 5.0, results["solution"]["output"]
        assert results["wrong"]["gradecheck"]["mistakes"] == ["sign-error"]


SECTIONS = '''
    section_keys = {
        "network": {
            "sizes": SpecKey("layer sizes, input first", "array", required=True, minimum=1),
            "layers": SpecKey("one table per layer", "tables", keys={
                "activation": SpecKey("the activation", "string", choices=("sigmoid", "tanh")),
            }),
        },
        "notes": None,
    }
'''
NETWORK = '''
[network]
sizes = [3, 1]

[[network.layers]]
activation = "tanh"

[[network.layers]]
activation = "sigmoid"
'''


def _with_sections(tmp_path: Path, spec_tail: str) -> Path:
    text = (SQUARE / "kind.py").read_text().replace('    mistakes = ("sign-error",)\n', '    mistakes = ("sign-error",)\n' + SECTIONS)
    return _square_copy(tmp_path, text, lambda s: s + spec_tail)


def test_a_kind_s_own_tables_are_kept_for_it_when_they_fit_its_declaration(tmp_path: Path) -> None:
    exercise = load_exercise(_with_sections(tmp_path, NETWORK + '\n[notes]\nanything = "goes"\n'))
    assert exercise.sections["network"]["layers"][1] == {"activation": "sigmoid"}
    assert exercise.sections["notes"] == {"anything": "goes"}


@pytest.mark.parametrize(
    ("tail", "marker", "words"),
    [
        (NETWORK.replace('activation = "sigmoid"', 'activation = "softplus"'), "softplus",
         ["network.layers[1] activation should be one of 'sigmoid', 'tanh'; found 'softplus'"]),
        (NETWORK.replace('activation = "sigmoid"', 'activaton = "sigmoid"'), "activaton",
         ["unknown key 'activaton' in network.layers[1]", "Did you mean 'activation'"]),
        (NETWORK.replace("sizes = [3, 1]", "sizes = [3, 0]"), "sizes", ["[network] sizes should be", ">= 1"]),
        (NETWORK.replace("sizes = [3, 1]", "size = [3, 1]"), "size = ", ["unknown key 'size' in [network]", "Did you mean 'sizes'"]),
        (NETWORK.replace("sizes = [3, 1]\n", ""), "[network]", ["[network] is missing 'sizes' (layer sizes, input first)"]),
        (NETWORK + "\n[netwrk]\nx = 1\n", "[netwrk]", ["unknown key 'netwrk' in the top level", "Did you mean 'network'"]),
    ],
)
def test_a_kind_s_own_tables_are_checked_against_its_declaration(tmp_path: Path, tail: str, marker: str, words: list[str]) -> None:
    folder = _with_sections(tmp_path, tail)
    text = (folder / "exercise.toml").read_text()
    line = next(n for n, row in enumerate(text.splitlines(), start=1) if marker in row)
    with pytest.raises(ExerciseSpecError) as info:
        load_exercise(folder)
    message = str(info.value)
    assert message.startswith(f"{folder / 'exercise.toml'}:{line}: "), message
    for word in words:
        assert word in message, message
