"""The command line: gradecheck verify (C1), exit statuses and messages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gradecheck._cli import main


def test_verify_passes_a_correct_layer(examples_dir, capsys):
    status = main(["verify", f"{examples_dir / 'layers.py'}:MultiplyGate", "--max-examples", "20"])
    out = capsys.readouterr().out
    assert status == 0, out
    assert out.startswith("PASS ")
    assert "gradients match" in out


def test_verify_fails_a_wrong_layer_with_the_counterexample(data_dir, capsys):
    status = main(["verify", f"{data_dir / 'wrong_layers.py'}:SwappedMultiplyGate", "--max-examples", "50"])
    out = capsys.readouterr().out
    assert status == 1
    assert out.startswith("FAIL ")
    assert "Smallest failing example" in out
    assert "upstream = " in out


def test_verify_accepts_a_c4_backprop_function(examples_dir, data_dir, capsys):
    assert main(["verify", f"{examples_dir / 'mlp.py'}:backprop", "--max-examples", "30"]) == 0
    assert main(["verify", f"{data_dir / 'wrong_layers.py'}:backprop_missing_hidden_derivative"]) == 1
    assert "layer 0 is wrong" in capsys.readouterr().out


@pytest.mark.parametrize(
    "target, fragment",
    [
        ("nowhere.py:Layer", "no such file"),
        ("layers_without_name", "expected FILE.py:NAME"),
    ],
)
def test_verify_cannot_run_exits_2_with_a_message(target, fragment, capsys):
    assert main(["verify", target]) == 2
    assert fragment in capsys.readouterr().err


def test_verify_missing_name_exits_2(examples_dir, capsys):
    assert main(["verify", f"{examples_dir / 'layers.py'}:Missing"]) == 2
    assert "defines no name 'Missing'" in capsys.readouterr().err


def test_unknown_option_is_a_usage_error(capsys):
    assert main(["verify", "--bogus"]) == 2


def test_help_explains_verify(capsys):
    assert main(["verify", "--help"]) == 0
    out = capsys.readouterr().out
    assert "layer protocol" in out and "backprop(weights, biases, x, y)" in out


@pytest.mark.slow
def test_python_dash_m_entry_point(examples_dir, data_dir):
    ok = subprocess.run(
        [sys.executable, "-m", "gradecheck", "verify", f"{examples_dir / 'layers.py'}:Sigmoid", "--max-examples", "10"],
        capture_output=True, text=True, timeout=120,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "gradecheck", "verify", f"{data_dir / 'wrong_layers.py'}:SigmoidDerivativeOnInput"],
        capture_output=True, text=True, timeout=120,
    )
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "FAIL" in bad.stdout


def test_commands_leave_no_hypothesis_folder_where_they_run(tmp_path: Path, examples_dir: Path) -> None:
    environment = {key: value for key, value in os.environ.items() if key != "HYPOTHESIS_STORAGE_DIRECTORY"}
    environment["GRADECHECK_CACHE_DIR"] = str(tmp_path / "cache")
    work = tmp_path / "work"
    work.mkdir()
    for arguments in (["check", str(examples_dir / "submissions" / "twelve-weights" / "bob.py")],
                      ["verify", str(examples_dir.parent / "tests" / "data" / "wrong_layers.py") + ":SigmoidDerivativeOnInput"]):
        subprocess.run([sys.executable, "-m", "gradecheck", *arguments], cwd=work, env=environment, capture_output=True, timeout=300)
    assert list(work.iterdir()) == []
    assert (tmp_path / "cache" / "hypothesis").is_dir()


def test_verify_shows_a_near_miss_with_expected_and_got_printed_differently(data_dir, capsys):
    # Off by a relative 1.7e-6 against rtol 1e-6: at 4 significant digits Expected and Got both print 0.125.
    assert main(["verify", f"{data_dir / 'wrong_layers.py'}:backprop_just_outside_tolerance", "--max-examples", "5"]) == 1
    out = capsys.readouterr().out
    rows = [line.split("|") for line in out.splitlines() if line.strip().startswith("(")]
    assert rows, out
    for row in rows:
        expected, got = row[1].strip(), row[2].strip()
        assert expected != got and float(expected) != float(got), out
