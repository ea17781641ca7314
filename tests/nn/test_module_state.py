"""Module.state_dict / load_state_dict: all-or-nothing loads that name the key, the version
check after a load, and buffers (order, strictness, dtypes, round trips)."""

import numpy as np
import pytest

import nn
from autograd import Tensor, no_grad
from nn.module import Module, Parameter


def _model():
    nn.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))


def _snapshot(m):
    return {k: (v.dtype, v.tobytes()) for k, v in m.state_dict().items()}


def _shifted(m):
    return {k: v + 1 for k, v in m.state_dict().items()}


# -- all or nothing, naming the key ----------------------------------------------------------
@pytest.mark.parametrize(
    ("bad", "words"),
    [
        (np.array(["a", "b"]), "strings"),
        (np.array([1 + 2j, 3j]), "complex"),
        (np.array([object(), object()]), "object"),
        (np.array([True, False]), "bool"),
        (np.zeros(3, np.float32), "shape"),
        (np.array([np.nan, 0.0]), "NaN"),
        (np.array([np.inf, 0.0]), "infinite"),
        (np.array([1e300, 0.0]), "range"),  # float64 that overflows float32
    ],
)
def test_load_state_dict_bad_last_key_changes_nothing_and_names_it(bad, words):
    m = _model()
    before = _snapshot(m)
    state = _shifted(m)
    last = list(state)[-1]
    assert last == "2.bias"
    state[last] = bad
    with pytest.raises(ValueError, match=words) as info:
        m.load_state_dict(state)
    assert "'2.bias'" in str(info.value)
    assert _snapshot(m) == before


def test_load_state_dict_names_every_bad_key():
    m = _model()
    state = _shifted(m)
    state["0.weight"] = state["0.weight"].astype(np.complex128)
    state["2.bias"] = np.zeros(5)
    with pytest.raises(ValueError, match=r"'2\.bias': shape mismatch: got shape \(5,\)") as info:
        m.load_state_dict(state)
    assert "'0.weight': dtype complex128" in str(info.value)


def test_load_state_dict_refuses_a_value_that_is_not_an_array():
    m = _model()
    before = _snapshot(m)
    state = _shifted(m)
    state["2.weight"] = None
    with pytest.raises(TypeError, match=r"'2\.weight'"):
        m.load_state_dict(state)
    with pytest.raises(TypeError, match="mapping"):
        m.load_state_dict([("0.weight", state["0.weight"])])
    assert _snapshot(m) == before


def test_load_state_dict_strict_keys_change_nothing():
    m = _model()
    before = _snapshot(m)
    state = _shifted(m)
    state["extra"] = np.zeros(1)
    with pytest.raises(KeyError, match=r"unexpected keys \['extra'\]"):
        m.load_state_dict(state)
    del state["extra"], state["0.bias"]
    with pytest.raises(KeyError, match=r"missing keys \['0\.bias'\]"):
        m.load_state_dict(state)
    assert _snapshot(m) == before
    missing, unexpected = m.load_state_dict(state, strict=False)
    assert (missing, unexpected) == (["0.bias"], [])
    np.testing.assert_array_equal(m[0].weight.data, state["0.weight"])


def test_load_state_dict_accepts_tensors_and_casts_floats():
    m, other = _model(), _model()
    for p in other.parameters():
        p.data += 2
    m.load_state_dict(dict(other.named_parameters()))  # Parameters (require grad)
    for (k, a), b in zip(m.state_dict().items(), other.state_dict().values(), strict=True):
        np.testing.assert_array_equal(a, b, err_msg=k)
    m.load_state_dict({k: Tensor(v.astype(np.float64)) for k, v in _shifted(other).items()})
    assert m[0].weight.dtype == np.float32
    np.testing.assert_allclose(m[0].weight.data, other[0].weight.data + 1)


def test_load_state_dict_copies_are_in_place():
    m = _model()
    w = m[0].weight.data
    m.load_state_dict(_shifted(m))
    assert m[0].weight.data is w


def test_load_state_dict_swapping_aliased_values():
    """Values that view the module's own arrays are read before anything is overwritten."""
    m = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    a, b = m[0].weight.data.copy(), m[1].weight.data.copy()
    state = m.state_dict()
    state["0.weight"], state["1.weight"] = m[1].weight.data, m[0].weight.data
    m.load_state_dict(state)
    np.testing.assert_array_equal(m[0].weight.data, b)
    np.testing.assert_array_equal(m[1].weight.data, a)


def test_load_state_dict_between_forward_and_backward_raises():
    m = _model()
    loss = (m(Tensor(np.ones((5, 3), np.float32))) ** 2).sum()
    m.load_state_dict(_shifted(m))
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()
    loss = (m(Tensor(np.ones((5, 3), np.float32))) ** 2).sum()
    loss.backward()  # a fresh forward after the load is fine
    assert m[0].weight.grad is not None


# -- buffers -----------------------------------------------------------------------------------
class _Inner(Module):
    def __init__(self):
        super().__init__()
        self.weight = Parameter(np.ones((2, 2), np.float32))
        self.register_buffer("num_batches_tracked", np.array(0, np.int64))
        self.register_buffer("running_mean", np.zeros(2, np.float32))


class _Outer(Module):
    """Parameters, buffers and submodules registered interleaved."""

    def __init__(self):
        super().__init__()
        self.register_buffer("mask", np.array([0.0, -np.inf], np.float32))
        self.w = Parameter(np.zeros(2, np.float32))
        self.inner = _Inner()
        self.z = Parameter(np.ones(3, np.float32))
        self.register_buffer("step", Tensor(np.zeros(1, np.float32)))
        self.register_buffer("scratch", np.zeros(4), persistent=False)
        self.register_buffer("empty", None)
        self.last = nn.Linear(2, 1)


_ORDER = [
    "w",
    "z",
    "mask",
    "step",
    "inner.weight",
    "inner.num_batches_tracked",
    "inner.running_mean",
    "last.weight",
    "last.bias",
]


def test_buffers_in_state_dict_in_pytorch_order():
    m = _Outer()
    sd = m.state_dict()
    assert list(sd) == _ORDER
    assert sd["inner.num_batches_tracked"].dtype == np.int64
    assert [k for k, _ in m.named_buffers()] == [
        "mask",
        "step",
        "scratch",
        "inner.num_batches_tracked",
        "inner.running_mean",
    ]


def test_buffers_order_matches_torch():
    torch = pytest.importorskip("torch")

    class Inner(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = torch.nn.Parameter(torch.ones(2, 2))
            self.register_buffer("num_batches_tracked", torch.tensor(0))
            self.register_buffer("running_mean", torch.zeros(2))

    class Outer(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("mask", torch.tensor([0.0, -float("inf")]))
            self.w = torch.nn.Parameter(torch.zeros(2))
            self.inner = Inner()
            self.z = torch.nn.Parameter(torch.ones(3))
            self.register_buffer("step", torch.zeros(1))
            self.register_buffer("scratch", torch.zeros(4), persistent=False)
            self.register_buffer("empty", None)
            self.last = torch.nn.Linear(2, 1)

    theirs = Outer()
    assert list(theirs.state_dict()) == list(_Outer().state_dict()) == _ORDER
    ours = _Outer()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert [k for k, _ in theirs.named_buffers()] == [k for k, _ in ours.named_buffers()]


def test_buffers_load_in_place_keeping_dtype():
    m = _Outer()
    mean, count = m.inner.running_mean, m.inner.num_batches_tracked
    state = m.state_dict()
    state["inner.num_batches_tracked"] = np.array(7.0)  # a float count that is whole
    state["inner.running_mean"] = np.array([1.5, 2.5])
    m.load_state_dict(state)
    assert m.inner.num_batches_tracked is count
    assert count.dtype == np.int64
    assert count == 7
    assert m.inner.running_mean is mean
    np.testing.assert_array_equal(mean, [1.5, 2.5])
    np.testing.assert_array_equal(m.mask, [0.0, -np.inf])  # a float buffer may hold -inf


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("inner.num_batches_tracked", np.array(2.5), "whole numbers"),
        ("inner.num_batches_tracked", np.array(2**70, dtype=np.float64), "do not fit"),
        ("inner.num_batches_tracked", np.array(1 + 1j), "complex"),
        ("inner.running_mean", np.array([np.nan, 0.0]), "NaN"),
        ("mask", np.zeros(3, np.float32), "shape"),
    ],
)
def test_buffers_bad_values_change_nothing(key, value, words):
    m = _Outer()
    before = _snapshot(m)
    state = {k: v + 1 for k, v in m.state_dict().items()}
    state[key] = value
    with pytest.raises(ValueError, match=words) as info:
        m.load_state_dict(state)
    assert repr(key) in str(info.value)
    assert _snapshot(m) == before


def test_buffers_strict_missing_and_unexpected():
    m = _Outer()
    state = m.state_dict()
    del state["inner.running_mean"]
    state["scratch"] = np.zeros(4)  # non-persistent: not part of the state dict
    with pytest.raises(KeyError) as info:
        m.load_state_dict(state)
    assert "missing keys ['inner.running_mean']" in str(info.value)
    assert "unexpected keys ['scratch']" in str(info.value)
    keys = m.load_state_dict(state, strict=False)
    assert keys == (["inner.running_mean"], ["scratch"])


def test_buffers_save_load_round_trip(tmp_path):
    m = _Outer()
    m.inner.num_batches_tracked[...] = 41
    m.inner.running_mean[:] = [0.25, -3.0]
    m.step.data[:] = 9.0
    m.save(tmp_path / "m.npz")
    back = _Outer()
    back.load(tmp_path / "m.npz")
    for (k, a), b in zip(m.state_dict().items(), back.state_dict().values(), strict=True):
        assert a.dtype == b.dtype, k
        np.testing.assert_array_equal(a, b, err_msg=k)
    assert back.inner.num_batches_tracked.dtype == np.int64


def test_buffer_assignment_keeps_the_buffer():
    m = _Outer()
    m.inner.running_mean = np.array([3.0, 4.0], np.float32)
    assert "inner.running_mean" in m.state_dict()
    np.testing.assert_array_equal(m.state_dict()["inner.running_mean"], [3.0, 4.0])
    with pytest.raises(TypeError, match="'running_mean'"):
        m.inner.running_mean = "zero"
    m.inner.running_mean = Parameter(np.zeros(2, np.float32))  # now a parameter
    assert [k for k, _ in m.inner.named_buffers()] == ["num_batches_tracked"]


def test_tensor_buffer_load_bumps_its_version():
    m = _Outer()
    x = Parameter(np.ones(1, np.float32))
    y = (x * m.step).sum()  # mul saves the buffer for backward
    m.load_state_dict(m.state_dict())
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_register_buffer_refuses_bad_names_and_values():
    m = _Outer()
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("w", np.zeros(2))
    with pytest.raises(KeyError, match=r"'a\.b'"):
        m.register_buffer("a.b", np.zeros(2))
    with pytest.raises(TypeError, match="Parameter"):
        m.register_buffer("g", Tensor(np.zeros(2, np.float32), requires_grad=True))
    with pytest.raises(TypeError, match="numeric"):
        m.register_buffer("s", np.array(["x"]))
    with no_grad():
        m.register_buffer("ok", 3)
    assert m.ok.dtype.kind == "i"
