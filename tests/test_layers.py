"""Loading FILE.py:NAME and inspecting layers (the layer protocol, C5)."""

from __future__ import annotations

import numpy as np
import pytest

from gradecheck import _layers
from gradecheck._errors import LayerProtocolError, LoadError


def test_load_object_returns_the_named_object(examples_dir):
    obj, label = _layers.load_object(f"{examples_dir / 'layers.py'}:MultiplyGate")
    assert obj.__name__ == "MultiplyGate"
    assert label.endswith("layers.py:MultiplyGate")


@pytest.mark.parametrize(
    "target, fragment",
    [
        ("layers.py", "expected FILE.py:NAME"),
        ("does/not/exist.py:Layer", "no such file"),
    ],
)
def test_load_errors_say_what_to_do(target, fragment):
    with pytest.raises(LoadError, match=fragment):
        _layers.load_object(target)


def test_missing_name_lists_what_the_file_defines(examples_dir):
    with pytest.raises(LoadError, match=r"defines no name 'Nope'.*Dense.*MultiplyGate"):
        _layers.load_object(f"{examples_dir / 'layers.py'}:Nope")


def test_import_errors_are_load_errors(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("def f(:\n")
    with pytest.raises(LoadError, match="SyntaxError"):
        _layers.load_object(f"{broken}:f")


class TwoInputs:
    def forward(self, x, y):
        return x + y

    def backward(self, upstream):
        return [upstream, upstream]


class Star:
    def forward(self, *xs):
        return sum(xs)

    def backward(self, upstream):
        return upstream


def test_describe_layer_reads_inputs_and_params():
    spec = _layers.describe_layer(TwoInputs())
    assert (spec.n_inputs, spec.input_names, spec.input_shapes, spec.param_names) == (2, ("x", "y"), None, ())


def test_varargs_forward_needs_input_shapes():
    with pytest.raises(LayerProtocolError, match="input_shapes"):
        _layers.describe_layer(Star())
    layer = Star()
    layer.input_shapes = [(2,), (2,), (2,)]
    assert _layers.describe_layer(layer).input_names == ("inputs[0]", "inputs[1]", "inputs[2]")


def test_params_must_be_float_arrays():
    layer = TwoInputs()
    layer.params = {"W": [[1.0]]}
    with pytest.raises(LayerProtocolError, match=r"params\['W'\] should be a float numpy array"):
        _layers.describe_layer(layer)
    layer.params = {"W": np.ones(2, dtype=int)}
    with pytest.raises(LayerProtocolError, match="dtype int"):
        _layers.describe_layer(layer)


def test_layer_factory_accepts_classes_factories_and_instances():
    instance = TwoInputs()
    assert _layers.layer_factory(instance)() is instance
    assert isinstance(_layers.layer_factory(TwoInputs)(), TwoInputs)
    with pytest.raises(LayerProtocolError, match="needs arguments"):
        _layers.layer_factory(lambda n: TwoInputs())
    with pytest.raises(LayerProtocolError, match="expected a layer"):
        _layers.layer_factory(42)
