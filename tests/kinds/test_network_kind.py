"""Kind network (gradecheck/_kinds/network.py): the reference, the spec's presentation, mistakes, carry-forward, draws.

The exercises built on it (tests/kinds/test_network_ports.py, tests/test_example_exercises.py) test it end to
end; here it is tested on random architectures and on specs written for one property each.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradecheck.strategies as gst
from gradecheck._backprop import reference_backprop
from gradecheck._errors import GradecheckError
from gradecheck._exercises import load_exercise
from gradecheck._kinds import get_kind, kind_of
from gradecheck._kinds import _network_math as math
from gradecheck._kinds import _network_spec as specs
from gradecheck._kinds.network import ORDER, NetworkKind
from gradecheck._network import Network

EVERYTHING = ["z", "a", "delta", "d_a", "d_weights", "d_biases"]


def kind_for(table: dict[str, Any], entry_points: list[str], settings_table: dict[str, Any] | None = None) -> NetworkKind:
    """The network kind configured by a [network] table, as a spec would bind it."""
    return NetworkKind(specs.parse_network(table, entry_points, settings_table or {}))


def full_table(network: Network, batch: int | None, **extra: Any) -> tuple[dict[str, Any], list[str]]:
    """A [network] table for ``network`` whose one function returns every quantity, layer by layer."""
    depth = network.depth
    keys = [f"{name}[{l}]" for name in EVERYTHING for l in range(1, depth + 1)] + ["d_inputs", "loss"]
    table: dict[str, Any] = {
        "sizes": list(network.widths),
        "activations": list(network.activations),
        "loss": network.loss,
        "returns": {"everything": keys},
        **extra,
    }
    if "leaky_relu" in network.activations:
        table["negative_slope"] = network.negative_slope
    if batch is not None:
        table["batch"] = batch
        table["reduction"] = network.reduction
    return table, ["everything(weights, biases, x, target)"]


def canonical(case: gst.NetworkCase) -> specs.Canonical:
    m = 1 if case.x.ndim == 1 else case.x.shape[0]
    return specs.Canonical(
        weights=tuple(case.weights), biases=tuple(case.biases), x=case.x.reshape(m, -1),
        target=case.y.reshape(m, -1), upstream=None, learning_rate=None, single=case.x.ndim == 1,
    )


CASES = gst.network_cases(
    architectures=gst.architectures(max_depth=3, max_width=5, negative_slope=0.1),
    batch_sizes=st.none() | st.integers(1, 4),
)


# -- the reference ----------------------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(CASES)
def test_the_reference_agrees_with_the_explicit_backprop_and_its_own_numpy_model(case: gst.NetworkCase) -> None:
    """Every quantity, against gradecheck._backprop (the delta recursion and jax.grad) and the numpy delta recursion."""
    table, entry_points = full_table(case.network, case.batch_size)
    kind = kind_for(table, entry_points)
    c = canonical(case)
    ours, model = math.reference(kind.spec, c), math.numpy_pass(kind.spec, c)
    trace = reference_backprop(case.network, case.weights, case.biases, case.x, case.y)
    batch = np.atleast_2d
    assert float(ours["loss"]) == pytest.approx(trace.loss, rel=1e-10, abs=1e-12)
    assert float(model["loss"]) == pytest.approx(trace.loss, rel=1e-10, abs=1e-12)
    for l in range(case.network.depth):
        for key, theirs in (("z", trace.pre_activations[l]), ("a", trace.activations[l + 1]), ("delta", trace.deltas[l]),
                            ("d_a", trace.d_activations[l + 1])):
            np.testing.assert_allclose(ours[key][l], batch(theirs), rtol=1e-9, atol=1e-12, err_msg=f"{key}[{l + 1}]")
            np.testing.assert_allclose(model[key][l], batch(theirs), rtol=1e-7, atol=1e-10, err_msg=f"numpy {key}[{l + 1}]")
        for key, theirs in (("d_weights", trace.autodiff_d_weights[l]), ("d_biases", trace.autodiff_d_biases[l])):
            np.testing.assert_allclose(ours[key][l], theirs, rtol=1e-9, atol=1e-12, err_msg=f"{key}[{l + 1}]")
            np.testing.assert_allclose(model[key][l], theirs, rtol=1e-7, atol=1e-10, err_msg=f"numpy {key}[{l + 1}]")
    np.testing.assert_allclose(ours["d_inputs"], batch(trace.autodiff_d_inputs), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(model["d_inputs"], batch(trace.autodiff_d_inputs), rtol=1e-7, atol=1e-10)


def _upstream_kind(activation: str, sizes: list[int], batch: int | None = None) -> NetworkKind:
    table: dict[str, Any] = {
        "sizes": sizes, "activations": activation, "loss": "upstream",
        "returns": {"f": ["a[-1]", "d_weights[1]", "d_biases[1]", "d_inputs", "delta[1]"]},
    }
    if batch:
        table["batch"] = batch
    return kind_for(table, ["f(weights, biases, x, upstream)"])


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "identity", "leaky_relu"])
@pytest.mark.parametrize("batch", [None, 3])
def test_an_upstream_gradient_gives_the_gradients_of_its_dot_product_with_the_output(activation: str, batch: int | None) -> None:
    """With loss = "upstream", the outputs are d/dp of sum(upstream * a_L): central differences of a numpy forward."""
    kind = _upstream_kind(activation, [3, 2], batch)
    rng = np.random.default_rng(7)
    m = batch or 1
    c = specs.Canonical(
        weights=(rng.normal(size=(2, 3)),), biases=(rng.normal(size=2),), x=rng.normal(size=(m, 3)), target=None,
        upstream=rng.normal(size=(m, 2)), learning_rate=None, single=batch is None,
    )
    expected = kind.expected(specs.instance_of(kind.spec, c))

    def objective(W: np.ndarray, b: np.ndarray, x: np.ndarray) -> float:
        z = x @ W.T + b
        a = {"sigmoid": 1 / (1 + np.exp(-z)), "tanh": np.tanh(z), "identity": z,
             "leaky_relu": np.where(z > 0, z, 0.01 * z)}[activation]
        return float(np.sum(c.upstream * a))

    def differences(index: int) -> np.ndarray:
        values = [c.weights[0], c.biases[0], c.x]
        grad = np.zeros_like(values[index])
        for k in np.ndindex(grad.shape):
            moved = []
            for sign in (1, -1):
                changed = [v.copy() for v in values]
                changed[index][k] += sign * 1e-6
                moved.append(objective(*changed))
            grad[k] = (moved[0] - moved[1]) / 2e-6
        return grad

    np.testing.assert_allclose(expected["d_weights[1]"], differences(0), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(expected["d_biases[1]"], differences(1), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(np.atleast_2d(expected["d_inputs"]), differences(2), rtol=1e-6, atol=1e-9)


def test_relu_at_its_kink_has_derivative_zero_and_leaky_relu_its_slope() -> None:
    """relu'(0) = 0 and leaky_relu'(0) = negative_slope (the project's convention), in the reference and the models."""
    for activation, slope in (("relu", 0.0), ("leaky_relu", 0.25)):
        table: dict[str, Any] = {
            "sizes": [2, 3, 1], "activations": [activation, "identity"], "loss": "half_sse",
            "returns": {"f": ["delta[1]", "d_weights[1]"]},
        }
        if activation == "leaky_relu":
            table["negative_slope"] = slope
        kind = kind_for(table, ["f(weights, biases, x, target)"])
        c = specs.Canonical(  # z_1 = (0, 1, -1): the first unit sits exactly on the kink
            weights=(np.array([[1.0, -1.0], [1.0, 0.0], [0.0, -1.0]]), np.array([[1.0, 1.0, 1.0]])),
            biases=(np.zeros(3), np.zeros(1)), x=np.array([[1.0, 1.0]]), target=np.array([[0.0]]),
            upstream=None, learning_rate=None, single=True,
        )
        instance = specs.instance_of(kind.spec, c)
        expected = kind.expected(instance)
        d_a1 = 1.0 + 0.0 + (-1.0 * slope)  # dL/da_2 = a_2 - 0 = a_2, times W_2 = 1 per unit
        np.testing.assert_allclose(expected["delta[1]"], [slope * d_a1, d_a1, slope * d_a1])
        np.testing.assert_allclose(math.numpy_pass(kind.spec, c)["delta"][0][0], expected["delta[1]"])


def test_given_values_on_a_kink_are_refused_unless_the_margin_is_zero(tmp_path) -> None:
    text = EXAMPLE.replace('activations = ["tanh", "identity"]', 'activations = ["relu", "identity"]')
    text = text.replace("b = [0.5, 0.1]", "b = [0.0, 0.1]").replace("x = [1.0, -1.0]", "x = [1.0, 1.0]")
    text = text.replace("w = [[0.5, -0.2], [0.3, 0.4]]", "w = [[0.5, -0.5], [0.3, 0.4]]")
    with pytest.raises(GradecheckError, match=r"hidden unit\(s\) 1 of layer 1 have z_1 = 0,.*kink"):
        load_exercise(write_exercise(tmp_path / "a", text))
    exercise = load_exercise(write_exercise(tmp_path / "b", text.replace("[settings]", "[settings]\nkink_margin = 0")))
    kind = kind_of(exercise)
    assert kind.expected(kind.given_instance(exercise.given))["dW1"][0].tolist() == [0.0, 0.0]


def test_one_compilation_serves_a_network_family_across_sizes_and_batches() -> None:
    """Widths and batches are padded to powers of two (at least 8): no new compilation within a bucket."""
    kind = _upstream_kind("tanh", [3, 2], 3)
    rng = np.random.default_rng(1)

    def run(sizes: tuple[int, int], m: int) -> None:
        c = specs.Canonical(
            weights=(rng.normal(size=(sizes[1], sizes[0])),), biases=(rng.normal(size=sizes[1]),),
            x=rng.normal(size=(m, sizes[0])), target=None, upstream=rng.normal(size=(m, sizes[1])),
            learning_rate=None, single=False,
        )
        math.reference(kind.spec, c)

    run((3, 2), 3)
    before = math.trace_count()
    for sizes, m in [((3, 2), 3), ((5, 7), 1), ((8, 1), 8), ((1, 4), 6)]:
        run(sizes, m)
    assert math.trace_count() == before
    run((9, 2), 3)  # a width past the bucket: one more
    assert math.trace_count() == before + 1


# -- specs, presentation and parsing ------------------------------------------------------------------------

EXAMPLE = '''id = "{id}"
version = "1"
title = "A test network"
kind = "network"
statement = "statement.md"

[submission]
entry_points = ["forward(w, b, v, c, x)", "backward(w, b, v, c, x, t)"]

[network]
sizes = [2, 2, 1]
activations = ["tanh", "identity"]
loss = "half_sse"

[network.arguments]
w = "weights[1]"
b = "biases[1]"
v = "weights[2]"
c = "biases[2]"
t = {{ quantity = "target", shape = [] }}

[network.outputs]
y = {{ quantity = "a[2]", shape = [] }}
dW1 = "d_weights[1]"
db1 = "d_biases[1]"

[network.returns]
forward = ["y"]
backward = ["dW1", "db1"]

[given]
w = [[0.5, -0.2], [0.3, 0.4]]
b = [0.5, 0.1]
v = [[0.7, -0.6]]
c = [0.2]
x = [1.0, -1.0]
t = 0.5

[settings]
max_parameter = 1.0

[[items]]
name = "dW1"
outputs = ["dW1"]
points = 4
elements = true

[[items]]
name = "hidden"
instance = "hidden"
outputs = ["y", "dW1", "db1"]
points = 1
'''


def write_exercise(folder, text: str):
    folder.mkdir(parents=True)
    (folder / "statement.md").write_text("# A test network\n")
    (folder / "exercise.toml").write_text(text.replace("{id}", folder.name).replace("{{", "{").replace("}}", "}"))
    return folder


def test_the_example_spec_loads(tmp_path) -> None:
    exercise = load_exercise(write_exercise(tmp_path / "net", EXAMPLE))
    kind = kind_of(exercise)
    assert isinstance(kind, NetworkKind)


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ('sizes = [2, 2, 1]', 'sizes = [2, 2, 1]\nsizez = 3', ["exercise.toml:12: unknown key 'sizez' in [network]", "sizes"]),
        ('sizes = [2, 2, 1]', 'sizes = [2]', ["'network.sizes'", "at least two positive integers", "[2]"]),
        ('activations = ["tanh", "identity"]', 'activations = ["tanh"]', ["'network.activations'", "a list of 2"]),
        ('activations = ["tanh", "identity"]', 'activations = ["tanh", "sigmod"]',
         ["'network.activations[1]'", "one of identity, sigmoid", "'sigmod'"]),
        ('activations = ["tanh", "identity"]', 'activations = ["softmax", "identity"]', ["'network.activations[0]'", "output layer only"]),
        ('loss = "half_sse"', 'loss = "hinge"', ["'network.loss'", "'upstream'", "'hinge'"]),
        ('loss = "half_sse"', 'loss = "binary_cross_entropy"', ["'network.loss'", "needs a sigmoid output"]),
        ('loss = "half_sse"', 'loss = "half_sse"\nreduction = "mean"', ["'network.reduction'", "absent for a single example"]),
        ('loss = "half_sse"', 'loss = "half_sse"\norder = "column_major"', ["'network.order'", "parameters = 'flat'"]),
        ('loss = "half_sse"', 'loss = "half_sse"\nbatch = 0', ["'network.batch'", "B >= 1", "0"]),
        ('backward = ["dW1", "db1"]', '', ["submission.entry_points names backward", "[network.returns] does not define"]),
        ('backward = ["dW1", "db1"]', 'backward = ["dW1", "db1"]\nextra = ["y"]', ["not a function of entry_points: extra"]),
        ('w = "weights[1]"', 'w = "weights[3]"', ["'network.arguments.w'", "a layer number 1 .. 2", "'weights[3]'"]),
        ('w = "weights[1]"', 'w = "weight[1]"', ["'network.arguments.w'", "one of x, target", "'weight[1]'"]),
        ('b = "biases[1]"', 'b = "x[1]"', ["'network.arguments.b'", "x takes no layer number"]),
        ('dW1 = "d_weights[1]"', 'dW1 = "a[0]"', ["'network.outputs.dW1'", "a layer number 1 .. 2", "the input x is not a layer"]),
        ('dW1 = "d_weights[1]"', 'dW1 = "d_weights"', ["'network.outputs.dW1'", "one array", "d_weights[1], d_weights[2]"]),
        ('dW1 = "d_weights[1]"', 'dW1 = "z"', ["'network.outputs.dW1'", "z needs a layer number"]),
        ('dW1 = "d_weights[1]"', 'dW1 = { quantity = "d_weights[1]", shape = [-1, -1] }', ["'network.outputs.dW1.shape'"]),
        ('dW1 = "d_weights[1]"', 'dW1 = { quantity = "d_weights[1]", shape = [3] }',
         ["dW1 = 'd_weights[1]' has 4 number(s) here, which do not fit shape [3]"]),
        ('"backward(w, b, v, c, x, t)"', '"backward(w, b, v, c, x, t, lr)"', ["parameter 'lr'", "not a quantity name", "[network.arguments]"]),
        ('"backward(w, b, v, c, x, t)"', '"backward(w, b, v, c, x)"', ["'network.arguments.t'", "a parameter of a function"]),
        ('"forward(w, b, v, c, x)"', '"forward(w, b, v, c, x, W2)"', ["parameter 'W2'", "[network.arguments]"]),
        ('w = "weights[1]"', 'w = "weights[1]"\nW = "weights[1]"', ["'network.arguments.W'", "a parameter of a function"]),
        ('"forward(w, b, v, c, x)"', '"forward(w, b, v, c x)"', ["'submission.entry_points[0]'", "plain parameter names"]),
        ('loss = "half_sse"', 'loss = "half_sse"\nbiases = false', ["'network.arguments.b'", "no biases"]),
        ('loss = "half_sse"', 'loss = "half_sse"\nmistakes = ["upstream-ignored"]',
         ["'network.mistakes[0]'", "a mistake this network's graded outputs can show", "'upstream-ignored'"]),
        ('[settings]', '[settings]\nmax_magnitude = 2.0', ["unknown key 'max_magnitude' in [settings]", "max_parameter"]),
        ('[settings]', '[settings]\nkink_margin = -1', ["'settings.kink_margin'", ">= 0", "-1"]),
        ('[settings]', '[settings]\nbatch_sizes = [1, 4]', ["'settings.batch_sizes'", "absent for a single example"]),
        ('[settings]', '[settings]\nsizes = [2, 2]', ["'settings.sizes'", "a list of 3 entries"]),
        ('t = 0.5', 't = 0.5\nactivation = "tanh"', ["unknown key 'activation' in [given]", "Known keys there: w, b, v, c, x, t"]),
        ('b = [0.5, 0.1]', 'b = [0.5]', ["[given] b should hold 2 number(s)", "biases[1]"]),
        ('[network.returns]', '[netwrok]\nsizes = 1\n\n[network.returns]', ["exercise.toml:27: unknown key 'netwrok'", "network"]),
        ('outputs = ["dW1"]', 'outputs = ["dw1"]', ["'dw1'", "its outputs are: y, dW1, db1"]),
        ('elements = true', 'elements = true\nshape = [3, 2]', ["item 'dW1' has shape [3, 2]", "4 elements"]),
    ],
)
def test_a_malformed_network_spec_is_refused_naming_file_key_expectation_and_finding(tmp_path, old: str, new: str, words: list[str]) -> None:
    assert old in EXAMPLE
    folder = write_exercise(tmp_path / "net", EXAMPLE.replace(old, new, 1))
    with pytest.raises(GradecheckError) as info:
        load_exercise(folder)
    message = str(info.value)
    assert str(folder / "exercise.toml") in message
    for word in words:
        assert word in message, message


def test_a_layer_the_functions_never_receive_is_refused(tmp_path) -> None:
    text = EXAMPLE.replace('c = "biases[2]"\n', "").replace(", c, x", ", x").replace("c = [0.2]\n", "")
    with pytest.raises(GradecheckError, match=r"never receive biases\[2\], which the graded outputs need"):
        load_exercise(write_exercise(tmp_path / "net", text))


def test_the_unconfigured_kind_says_how_to_get_a_configured_one() -> None:
    with pytest.raises(GradecheckError, match=r"kind_of\(exercise\)"):
        get_kind("network").given_instance({})


def test_sizes_that_vary_must_be_visible_in_the_arguments(tmp_path, monkeypatch) -> None:
    text = EXAMPLE.replace('x = [1.0, -1.0]', 'x = [[1.0, -1.0]]').replace('loss = "half_sse"', 'loss = "half_sse"\nbatch = 1')
    text = text.replace('t = {{ quantity = "target", shape = [] }}', 't = {{ quantity = "target", shape = [-1] }}')
    text = text.replace("t = 0.5", "t = [0.5]").replace('y = {{ quantity = "a[2]", shape = [] }}', 'y = {{ quantity = "a[2]", shape = [-1] }}')
    load_exercise(write_exercise(tmp_path / "fine", text.replace("[settings]", "[settings]\nbatch_sizes = [1, 3]")))
    varying = text.replace("[settings]", "[settings]\nbatch_sizes = [1, 3]\nsizes = [[1, 3], 2, 1]")
    kind = kind_of(load_exercise(write_exercise(tmp_path / "varying", varying)))
    assert {specs.infer_shape(kind.spec, kind.given_instance(load_exercise(tmp_path / "varying").given))} == {((2, 2, 1), 1)}
    # The solver reads every size from the shipped argument forms; a spec whose arguments could not show one
    # is refused when it loads (the solver's failure stands in for such a spec).
    def undetermined(spec, instance):
        raise ValueError("nothing determines n_0")

    monkeypatch.setattr(specs, "infer_shape", undetermined)
    with pytest.raises(GradecheckError, match=r"\[settings\] lets sizes vary, but nothing determines n_0: pass an argument"):
        load_exercise(write_exercise(tmp_path / "hidden", varying))


def test_flat_numberings_and_layouts() -> None:
    def kind(**extra: Any) -> NetworkKind:
        return kind_for({"sizes": [3, 2], "activations": "identity", "loss": "upstream", "parameters": "flat",
                         "returns": {"f": ["d_weights"]}, **extra}, ["f(weights, biases, x, upstream)"])

    W = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert specs.flatten_weights(kind().spec, [W]).tolist() == [1, 2, 3, 4, 5, 6]
    assert specs.flatten_weights(kind(order="column_major").spec, [W]).tolist() == [1, 4, 2, 5, 3, 6]
    assert specs.flatten_weights(kind(layout="in_out").spec, [W]).tolist() == [1, 4, 2, 5, 3, 6]
    assert specs.flatten_weights(kind(layout="in_out", order="column_major").spec, [W]).tolist() == [1, 2, 3, 4, 5, 6]
    for extra in ({}, {"order": "column_major"}, {"layout": "in_out"}):
        spec = kind(**extra).spec
        np.testing.assert_array_equal(specs.unflatten_weights(spec, specs.flatten_weights(spec, [W]), (3, 2))[0], W)
    # flat_positions: (layer index, receiving unit, sending unit) of each flat index
    assert specs.flat_positions(kind(order="column_major").spec, (3, 2))[:3] == ((0, 0, 0), (0, 1, 0), (0, 0, 1))


LIST_FORM = {
    "sizes": [2, 3, 2], "activations": ["sigmoid", "sigmoid"], "loss": "half_sse", "layout": "in_out",
    "returns": {"backprop": [["dW1", "dW2"], ["db1", "db2"]]},
    "outputs": {"dW1": "d_weights[1]", "dW2": "d_weights[2]", "db1": "d_biases[1]", "db2": "d_biases[2]"},
}


def test_a_returned_list_of_arrays_is_split_into_its_output_keys() -> None:
    kind = kind_for(LIST_FORM, ["backprop(weights, biases, x, target)"])
    (entry,) = kind.entry_points
    assert entry.kinds == ("arrays", "arrays", "array", "array") and entry.returns == ("dW1", "dW2", "db1", "db2")
    instance = kind.given_instance({
        "weights": [[[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]], [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]],
        "biases": [[0.0, 0.1, 0.2], [0.3, 0.4]], "x": [1.0, 2.0], "target": [0.5, 0.5],
    })
    expected = kind.expected(instance)
    assert expected["dW1"].shape == (2, 3) and expected["dW2"].shape == (3, 2)  # (in, out)
    value = [[expected["dW1"].tolist(), expected["dW2"].tolist()], [expected["db1"].tolist(), expected["db2"].tolist()]]
    parsed = kind.parse_return(entry, value, entry.returns, expected)
    for key in entry.returns:
        np.testing.assert_array_equal(parsed[key], expected[key])
    parsed = kind.parse_return(entry, [value[0], value[1][:1]], entry.returns, expected)
    assert parsed["db1"] == parsed["db2"] == (
        "backprop should return a list of 2 arrays (db1, db2) there, got a sequence of 1"
    )
    assert isinstance(parsed["dW1"], np.ndarray)
    message = kind.parse_return(entry, 3.0, entry.returns, expected)["dW1"]
    assert message == "backprop should return 2 values ([dW1, dW2], [db1, db2]), got float"
    text = kind.describe(instance)
    assert text.splitlines()[0] == "weights = [[[0.1, 0.2, 0.3],"  # as given: (in, out)


def test_hidden_instances_stay_in_bounds_vary_their_sizes_and_start_small() -> None:
    exercise = load_exercise("single-neuron")
    kind = kind_of(exercise)
    seen: list[tuple[tuple[int, ...], int]] = []

    @settings(max_examples=40, deadline=None)
    @given(kind.instance_strategy(exercise.settings))
    def check(instance: dict[str, Any]) -> None:
        sizes, m = specs.infer_shape(kind.spec, instance)
        seen.append((sizes, m))
        assert 1 <= sizes[0] <= 3 and sizes[1] == 1 and 1 <= m <= 6
        assert np.all(np.abs(instance["w"]) <= 1.0) and abs(float(instance["b"])) <= 1.0
        assert np.all(np.abs(instance["X"]) <= 2.0) and np.all((instance["t"] >= 0) & (instance["t"] <= 1))
        assert instance["X"].shape == (m, sizes[0]) and instance["w"].shape == (sizes[0],) and instance["b"].shape == ()
        assert kind.describe(instance).startswith(f"sizes {sizes[0]}-1, batch of {m}\nw = ")

    check()
    assert len({s for s, _ in seen}) > 1 and len({m for _, m in seen}) > 1


def test_relu_units_of_hidden_instances_keep_off_the_kink() -> None:
    exercise = load_exercise("relu-sigmoid")
    kind = kind_of(exercise)

    @settings(max_examples=40, deadline=None)
    @given(kind.instance_strategy(exercise.settings))
    def check(instance: dict[str, Any]) -> None:
        z1 = instance["W1"] @ instance["x"] + instance["b1"]
        assert np.all(np.abs(z1) >= 0.05)

    check()


# -- mistakes and carry-forward --------------------------------------------------------------------------

STUDENT = '''
import numpy as np

def f(W1, b1, W2, b2, X, T):
    Z1 = X @ W1.T + b1
    A1 = np.tanh(Z1)
    Z2 = A1 @ W2.T + b2
    A2 = 1 / (1 + np.exp(-Z2))
    m = len(X)
    dA2 = (A2 - T) / m                         # half_sse, mean
    dZ2 = dA2 * A2 * (1 - A2)
    dA1 = dZ2 @ W2
    dZ1 = dA1 * (1 - A1 ** 2)
    dW2, db2 = dZ2.T @ A1, dZ2.sum(axis=0)
    dW1, db1 = dZ1.T @ X, dZ1.sum(axis=0)
    return dW1, db1, dW2, db2
'''
#: Mistake -> (what it replaces in STUDENT, with what): a student's code making it.
STUDENT_MISTAKES = {
    "hidden-uses-one-output": ("dA1 = dZ2 @ W2", "dA1 = dZ2[:, -1:] * W2[-1]"),
    "batch-mean-mismatch": ("dA2 = (A2 - T) / m", "dA2 = A2 - T"),
    "factor-two": ("dA2 = (A2 - T) / m", "dA2 = 2 * (A2 - T) / m"),
    "missing-activation-derivative": ("dZ2 = dA2 * A2 * (1 - A2)\n    dA1 = dZ2 @ W2\n    dZ1 = dA1 * (1 - A1 ** 2)",
                                      "dZ2 = dA2\n    dA1 = dZ2 @ W2\n    dZ1 = dA1"),
    "hidden-activation-derivative-missing": ("dZ1 = dA1 * (1 - A1 ** 2)", "dZ1 = dA1"),
    "derivative-on-preactivation": ("dZ2 = dA2 * A2 * (1 - A2)\n    dA1 = dZ2 @ W2\n    dZ1 = dA1 * (1 - A1 ** 2)",
                                    "dZ2 = dA2 * Z2 * (1 - Z2)\n    dA1 = dZ2 @ W2\n    dZ1 = dA1 * (1 - Z1 ** 2)"),
    "bias-not-summed": ("dW2, db2 = dZ2.T @ A1, dZ2.sum(axis=0)\n    dW1, db1 = dZ1.T @ X, dZ1.sum(axis=0)",
                        "dW2, db2 = dZ2.T @ A1, dZ2[-1]\n    dW1, db1 = dZ1.T @ X, dZ1[-1]"),
    "sign-error": ("dA2 = (A2 - T) / m", "dA2 = (T - A2) / m"),
    "transposed-weight-gradient": ("return dW1, db1, dW2, db2", "return dW1.T.reshape(W1.shape), db1, dW2.T.reshape(W2.shape), db2"),
    "layers-reversed": ("dW2, db2 = dZ2.T @ A1, dZ2.sum(axis=0)\n    dW1, db1 = dZ1.T @ X, dZ1.sum(axis=0)",
                        "dW2, db2 = dZ2.T @ A2, dZ2.sum(axis=0)\n    dW1, db1 = dZ1.T @ A1, dZ1.sum(axis=0)"),
}
STUDENT_NETWORK = {
    "sizes": [3, 3, 2], "activations": ["tanh", "sigmoid"], "loss": "half_sse", "batch": 3, "reduction": "mean",
    "arguments": {"W1": "weights[1]", "b1": "biases[1]", "W2": "weights[2]", "b2": "biases[2]", "X": "x", "T": "target"},
    "outputs": {"dW1": "d_weights[1]", "db1": "d_biases[1]", "dW2": "d_weights[2]", "db2": "d_biases[2]"},
    "returns": {"f": ["dW1", "db1", "dW2", "db2"]},
}
STUDENT_KIND = kind_for(STUDENT_NETWORK, ["f(W1, b1, W2, b2, X, T)"], {"batch_sizes": [2, 4]})


def _run(source: str, instance: dict[str, Any]) -> dict[str, np.ndarray]:
    namespace: dict[str, Any] = {}
    exec(compile(source, "<student>", "exec"), namespace)
    values = namespace["f"](*(np.array(instance[name]) for name in ("W1", "b1", "W2", "b2", "X", "T")))
    return dict(zip(("dW1", "db1", "dW2", "db2"), (np.asarray(v, dtype=np.float64) for v in values)))


def test_every_mistake_the_kind_models_is_one_a_student_makes() -> None:
    assert set(STUDENT_KIND.mistakes) == set(STUDENT_MISTAKES) and set(STUDENT_MISTAKES) <= set(ORDER)


@settings(max_examples=20, deadline=None)
@given(STUDENT_KIND.instance_strategy({"batch_sizes": [2, 4]}), st.sampled_from(sorted(STUDENT_MISTAKES)))
def test_each_mistake_model_is_what_the_students_code_returns(instance: dict[str, Any], mistake: str) -> None:
    expected = STUDENT_KIND.expected(instance)
    for key, value in _run(STUDENT, instance).items():
        np.testing.assert_allclose(value, expected[key], rtol=1e-9, atol=1e-12, err_msg=f"correct: {key}")
    old, new = STUDENT_MISTAKES[mistake]
    assert old in STUDENT
    theirs = _run(STUDENT.replace(old, new), instance)
    predicted = STUDENT_KIND.mistaken(instance, mistake)
    assert predicted is not None
    for key, value in theirs.items():
        if value.shape == expected[key].shape:
            np.testing.assert_allclose(predicted[key], value, rtol=1e-9, atol=1e-12, err_msg=f"{mistake}: {key}")
        else:  # a shape the grader refuses: the model leaves it out
            assert key not in predicted, (mistake, key)


@settings(max_examples=25, deadline=None)
@given(CASES)
def test_the_carry_rule_on_the_references_own_output_is_the_reference(case: gst.NetworkCase) -> None:
    table, entry_points = full_table(case.network, case.batch_size)
    table["returns"]["everything"] = table["returns"]["everything"] + ["d_weights", "d_biases"]
    table["parameters"] = "flat"
    kind = kind_for(table, entry_points)
    c = canonical(case)
    instance = specs.instance_of(kind.spec, c)
    expected = kind.expected(instance)
    assert kind.carry_from == (f"a[{case.network.depth}]",)
    rules = kind.backward_from_forward(instance, {kind.carry_from[0]: expected[kind.carry_from[0]]})
    assert rules and set(rules[0]) == {key for key, q in kind.spec.outputs.items() if q.is_gradient}
    for key, value in rules[0].items():
        np.testing.assert_allclose(value, expected[key], rtol=1e-7, atol=1e-10, err_msg=key)
