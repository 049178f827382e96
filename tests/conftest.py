"""Shared test configuration: Hypothesis profiles and common fixtures."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# "ci" is the default: derandomized with bounded examples, so a test run is
# reproducible.  Set HYPOTHESIS_PROFILE=explore for a longer randomized search.
settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=40,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "explore",
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    """The shipped examples/ folder."""
    return ROOT / "examples"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """tests/data: shared test inputs."""
    return ROOT / "tests" / "data"


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(f"_test_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def example_layers(examples_dir):
    """The module examples/layers.py (correct layers)."""
    return _load(examples_dir / "layers.py")


@pytest.fixture(scope="session")
def wrong_layers(data_dir):
    """The module tests/data/wrong_layers.py (layers with deliberate mistakes)."""
    return _load(data_dir / "wrong_layers.py")


@pytest.fixture(scope="session")
def example_mlp(examples_dir):
    """The module examples/mlp.py (a correct C4 backprop)."""
    return _load(examples_dir / "mlp.py")


@pytest.fixture
def execute_notebook(tmp_path: Path):
    """Run a notebook in a real IPython kernel (nbclient), in ``tmp_path``; returns the executed notebook.

    One kernel start per call.  ``session=True`` saves the notebook first and tells the kernel its file the way
    Jupyter Server does ($JPY_SESSION_NAME); otherwise the kernel does not know its file.
    """
    from nbclient import NotebookClient

    def run(notebook, *, session: bool):
        env = {k: v for k, v in os.environ.items() if k != "JPY_SESSION_NAME"}
        if session:
            import nbformat

            path = tmp_path / "exercise.ipynb"
            nbformat.write(notebook, path)
            env["JPY_SESSION_NAME"] = str(path)
        client = NotebookClient(notebook, timeout=240, kernel_name="python3",
                                resources={"metadata": {"path": str(tmp_path)}})
        client.execute(env=env)  # the kernel gets exactly this environment
        return notebook

    return run


@pytest.fixture(scope="session")
def worked_answers():
    """``worked_answers(exercise)``: the source of a twelve-weights submission that returns the reference's values on
    ``exercise``'s given values whatever its arguments (answers worked by hand for one student's numbers)."""
    import numpy as np

    from gradecheck._kinds import kind_of

    def source(exercise) -> str:
        kind = kind_of(exercise)
        expected = kind.expected(kind.given_instance(exercise.given))
        values = {key: np.asarray(value).tolist() for key, value in expected.items()}
        return (
            f"VALUES = {values!r}\n"
            "def forward(weights, inputs, biases):\n    return VALUES['a']\n"
            "def backward(weights, inputs, biases, upstream):\n"
            "    return VALUES['d_weights'], VALUES['d_biases'], VALUES['d_inputs']\n"
        )

    return source
