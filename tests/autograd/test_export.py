"""``autograd.export.to_onnx``: the models and plain functions written as ONNX pass the
checker and, run in onnxruntime, give tracegrad's outputs to float32 rounding, at the
example's batch size and at others (the batch axis is dynamic); parameters are initializers
named as in the state dict; what cannot be exported raises, naming the op and its scope."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import autograd
import autograd.functional as F
import nn
from autograd import Tensor, no_grad
from autograd.export import ExportError, to_onnx
from autograd.export_trace import flatten

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

ATOL = 2e-5  # float32: the same sums in another order


def f32(*shape, seed=0):
    return np.random.default_rng(seed + sum(shape)).standard_normal(shape).astype(np.float32)


def run_onnx(path, *arrays):
    options = ort.SessionOptions()
    options.log_severity_level = 3  # no warnings on stderr
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    feed = {i.name: np.asarray(a) for i, a in zip(session.get_inputs(), arrays)}
    return session.run(None, feed)


def reference(fn, *arrays):
    with no_grad():
        return [t.data for t in flatten(fn(*[Tensor(a) for a in arrays]))]


def assert_exports(fn, examples, *others, tmp_path, **kwargs):
    """Export ``fn`` on ``examples``; check the model and compare it with tracegrad on the
    examples and on each input list in ``others``. Returns the model."""
    path = tmp_path / "model.onnx"
    model = to_onnx(fn, examples, path, **kwargs)
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    for arrays in (examples, *others):
        got, expected = run_onnx(path, *arrays), reference(fn, *arrays)
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            assert g.shape == e.shape
            np.testing.assert_allclose(g, e, atol=ATOL, rtol=1e-5)
    return model


@pytest.fixture(autouse=True)
def _seeded():
    nn.manual_seed(0)


# -- the models ------------------------------------------------------------------------------


def test_mlp_on_images_with_any_batch_size(tmp_path):
    mlp = nn.MLP([64, 32, 10], activation="relu").eval()
    model = assert_exports(
        mlp, [f32(3, 1, 8, 8)], [f32(1, 1, 8, 8)], [f32(7, 1, 8, 8)], tmp_path=tmp_path
    )
    (x,) = model.graph.input
    dims = [d.dim_param or d.dim_value for d in x.type.tensor_type.shape.dim]
    assert (x.name, dims) == ("input", ["batch", 1, 8, 8])
    assert [o.name for o in model.graph.output] == ["output"]


def test_lenet5_parameters_are_initializers_named_as_in_the_state_dict(tmp_path):
    lenet = nn.LeNet5().eval()
    model = assert_exports(lenet, [f32(2, 1, 28, 28)], [f32(5, 1, 28, 28)], tmp_path=tmp_path)
    weights = {i.name: onnx.numpy_helper.to_array(i) for i in model.graph.initializer}
    for name, value in lenet.state_dict().items():
        np.testing.assert_array_equal(weights[name], value)
    ops = {n.op_type for n in model.graph.node}
    assert {"Conv", "MaxPool", "Relu", "MatMul"} <= ops
    assert any(n.name.startswith("lenet5.conv1/Conv") for n in model.graph.node)


def test_autoencoder(tmp_path):
    ae = nn.Autoencoder([64, 32, 8]).eval()
    assert_exports(ae, [f32(1, 64)], [f32(4, 64)], tmp_path=tmp_path)


@pytest.mark.parametrize("variant", ["standard", "peephole", "coupled"])
def test_fused_lstm_maps_to_one_onnx_lstm_node(tmp_path, variant):
    lstm = nn.LSTM(5, 7, variant=variant).eval()
    axes = {"input": {0: "sequence", 1: "batch"}}
    model = assert_exports(
        lstm, [f32(4, 3, 5)], [f32(6, 2, 5)], [f32(1, 1, 5)], tmp_path=tmp_path, dynamic_axes=axes
    )
    assert [n.op_type for n in model.graph.node].count("LSTM") == 1
    names = {i.name for i in model.graph.initializer}
    assert {"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"} <= names


def test_stacked_bidirectional_lstm_and_a_given_state(tmp_path):
    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True).eval()
    axes = {name: {1: "batch"} for name in ("input", "input_1", "input_2")}
    axes["input"][0] = "sequence"

    def fn(x, h, c):
        return lstm(x, (h, c))

    state = [f32(4, 2, 4), f32(4, 2, 4, seed=1)]
    other = [f32(3, 5, 3), f32(4, 5, 4), f32(4, 5, 4, seed=1)]
    assert_exports(fn, [f32(6, 2, 3), *state], other, tmp_path=tmp_path, dynamic_axes=axes)


def test_gru_and_a_char_lstm_on_integer_ids(tmp_path):
    gru = nn.GRU(5, 7, batch_first=True).eval()
    axes = {"input": {0: "batch", 1: "sequence"}}
    assert_exports(gru, [f32(3, 4, 5)], [f32(2, 6, 5)], tmp_path=tmp_path, dynamic_axes=axes)
    # CharLSTM reads its ids through np.asarray: the copy is recognised as the input
    lm = nn.CharLSTM(20, 8, 16).eval()
    ids = np.random.default_rng(0).integers(0, 20, (5, 2))
    other = np.random.default_rng(1).integers(0, 20, (3, 4))
    axes = {"input": {0: "sequence", 1: "batch"}}
    assert_exports(lm, [ids], [other], tmp_path=tmp_path, dynamic_axes=axes)


def test_layers_in_eval_mode(tmp_path):
    net = nn.Sequential(nn.Linear(4, 5), nn.BatchNorm1d(5), nn.LayerNorm(5), nn.GELU())
    net.add_module("drop", nn.Dropout(0.3))
    net.add_module("soft", nn.Softmax(dim=1))
    net(Tensor(f32(8, 4)))  # training mode: running statistics move
    assert_exports(net.eval(), [f32(3, 4)], [f32(6, 4)], tmp_path=tmp_path)
    conv = nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1, dilation=2, groups=2), nn.AvgPool2d(2), nn.Flatten()
    )
    assert_exports(conv.eval(), [f32(2, 2, 9, 9)], [f32(3, 2, 9, 9)], tmp_path=tmp_path)


# -- plain functions -------------------------------------------------------------------------

FUNCTIONS = {
    "arithmetic": lambda x, y: (x * y + x.exp() - y**2).sum(axis=1) / y.tanh().mean(),
    "activations": lambda x, y: (
        F.gelu(x) + F.gelu(y, approximate="tanh") + F.leaky_relu(x, 0.2) + x.clamp(-0.5, 0.5)
    ),
    "softmax": lambda x, y: F.softmax(x, dim=-1) + F.log_softmax(y, axis=1),
    "where": lambda x, y: (
        autograd.where(np.array([True, False, True, False]), x, y) + autograd.maximum(x, y)
    ),
    "reductions": lambda x, y: x.max(axis=1) + x.min(axis=1) + y.prod(dim=1) + y.norm(dim=1),
    "slices": lambda x, y: x[:, 1:3] * y[:, ::-2] + x[..., None, -1] + y[-1, :2],
    "gather": lambda x, y: x[::-1, [0, 2, 2]] + y[:, np.array([True, False, True, True])],
    "join": lambda x, y: (
        autograd.stack([x, y], axis=1).reshape(x.shape[0], -1)
        + autograd.concatenate([y, x], axis=1)
    ),
    "pad": lambda x, y: F.pad(x, (1, 2), value=0.5) + F.pad(y, (2, 1)),
    "cast": lambda x, y: x.double() * 2 + y.abs().sqrt().double(),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_a_function_of_tensors(tmp_path, name):
    fn = FUNCTIONS[name]
    assert_exports(
        fn, [f32(3, 4), f32(3, 4, seed=1)], [f32(5, 4), f32(5, 4, seed=1)], tmp_path=tmp_path
    )


def test_static_shapes_and_a_later_opset(tmp_path):
    def fn(x):
        return (x + 1).mean(axis=0, keepdims=True) * x.reshape(-1)

    model = assert_exports(fn, [f32(6)], tmp_path=tmp_path, dynamic_axes={}, opset=18)
    assert model.opset_import[0].version == 18
    dims = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    assert dims == [6]


# -- what cannot be exported -----------------------------------------------------------------


class WithLoss(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return F.cross_entropy(self.fc(x), np.array([0, 1]))


def test_an_op_without_an_onnx_equivalent_is_named_with_its_scope(tmp_path):
    with pytest.raises(ExportError, match=r"op 'nll_loss' \(scope 'withloss'\).*no ONNX"):
        to_onnx(WithLoss(), [f32(2, 4)], tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


def test_dropout_in_training_mode_asks_for_eval(tmp_path):
    net = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))
    with pytest.raises(ExportError, match=r"'dropout' \(scope 'sequential.1'\).*eval\(\)"):
        to_onnx(net, [f32(3, 4)], tmp_path / "m.onnx", retrace=False)


def test_values_computed_outside_the_graph_are_refused(tmp_path):
    w = Tensor(f32(4), requires_grad=True)
    with pytest.raises(ExportError, match="changes with the input values"):
        to_onnx(lambda x: autograd.where(x > 0, x, w), [f32(3, 4)], tmp_path / "m.onnx")
    with pytest.raises(ExportError, match="reaches no output"):
        to_onnx(lambda x, y: x * w, [f32(3, 4), f32(3, 4)], tmp_path / "m.onnx")


def test_a_fixed_size_on_the_dynamic_batch_axis_is_refused(tmp_path):
    bias = Tensor(f32(3, 4))

    def fn(x):
        return x + bias

    with pytest.raises(ExportError, match=r"fixed size 3 on the dynamic axis 'batch'"):
        to_onnx(fn, [f32(3, 4)], tmp_path / "m.onnx")
    assert_exports(fn, [f32(3, 4)], tmp_path=tmp_path, dynamic_axes={})
    with pytest.raises(ExportError, match="depends on the example's size"):
        to_onnx(lambda x: x[1:] * 2, [f32(3, 4)], tmp_path / "m.onnx")


def test_bad_arguments(tmp_path):
    with pytest.raises(TypeError, match="returned a str"):
        to_onnx(lambda x: "no", [f32(2)], tmp_path / "m.onnx")
    with pytest.raises(ValueError, match="opset must be"):
        to_onnx(lambda x: x * 2, [f32(2)], tmp_path / "m.onnx", opset=11)
    with pytest.raises(ValueError, match="unknown inputs"):
        to_onnx(lambda x: x * 2, [f32(2)], tmp_path / "m.onnx", dynamic_axes={"x": {0: "b"}})


def test_a_missing_onnx_names_the_extra_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx now raises ImportError
    with pytest.raises(ModuleNotFoundError, match=r"pip install 'tracegrad\[export\]'"):
        to_onnx(lambda x: x * 2, [f32(2)], tmp_path / "m.onnx")
