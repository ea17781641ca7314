"""Recurrent layers: parity with torch.nn.RNN/LSTM/GRU and the cells (float64, 1e-9), fused vs
unfused LSTM for every variant, parameter layouts, error messages and the per-step scopes."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor

T, B, D, H, L = 4, 2, 3, 4, 2
TOL = 1e-9


@pytest.fixture(params=["float32", "float64"])
def dtype(request):
    previous = autograd.get_default_dtype()
    autograd.set_default_dtype(np.dtype(request.param))
    yield np.dtype(request.param)
    autograd.set_default_dtype(previous)


def _close(a, b, tol=TOL):
    if hasattr(b, "detach"):
        b = b.detach().numpy()
    np.testing.assert_allclose(a, b, rtol=0, atol=tol)


def _loss(outs, gs):
    """sum_k <outs[k], gs[k]>, a scalar touching every output (ours or torch)."""
    total = None
    for o, g in zip(outs, gs, strict=True):
        term = (o * (Tensor(g) if isinstance(o, Tensor) else g)).sum()
        total = term if total is None else total + term
    return total


def _flat(result):
    """(out, h_n) or (out, (h_n, c_n)) -> [out, h_n, (c_n)]."""
    out, final = result
    return [out, *final] if isinstance(final, tuple) else [out, final]


def _copy(ours, theirs):
    t_state = theirs.state_dict()
    assert list(ours.state_dict()) == list(t_state)
    for k, v in ours.state_dict().items():
        assert v.shape == tuple(t_state[k].shape), k
    ours.load_state_dict({k: v.detach().numpy() for k, v in t_state.items()})


def _parity(ours, theirs, rng, *, lstm, with_state, x_shape=(T, B, D), layers=L):
    torch = pytest.importorskip("torch")
    _copy(ours, theirs)
    xs = rng.standard_normal(x_shape)
    n_states = 2 if lstm else 1
    states = [rng.standard_normal((layers, x_shape[1], H)) for _ in range(n_states)]
    x = Tensor(xs.copy(), requires_grad=True)
    xt = torch.from_numpy(xs.copy()).requires_grad_()
    if with_state:
        s = [Tensor(a.copy(), requires_grad=True) for a in states]
        st = [torch.from_numpy(a.copy()).requires_grad_() for a in states]
        arg, arg_t = (tuple(s), tuple(st)) if lstm else (s[0], st[0])
        got, want = _flat(ours(x, arg)), _flat(theirs(xt, arg_t))
    else:
        got, want = _flat(ours(x)), _flat(theirs(xt))
    assert len(got) == len(want) == 1 + n_states
    for a, b in zip(got, want, strict=True):
        assert a.dtype == np.float64
        assert a.shape == tuple(b.shape)
        _close(a.data, b)
    gs = [rng.standard_normal(a.shape) for a in got]
    _loss(got, gs).backward()
    _loss(want, [torch.from_numpy(g) for g in gs]).backward()
    _close(x.grad, xt.grad)
    if with_state:
        for a, b in zip(s, st, strict=True):
            _close(a.grad, b.grad)
    t_params = dict(theirs.named_parameters())
    o_params = dict(ours.named_parameters())
    assert list(o_params) == list(t_params)
    for name, p in o_params.items():
        assert p.grad is not None, name
        _close(p.grad, t_params[name].grad)


# -- parity with torch.nn -----------------------------------------------------------------
def _make(kind, bias):
    torch = pytest.importorskip("torch")
    if kind in ("tanh", "relu"):
        return (
            nn.RNN(D, H, num_layers=L, nonlinearity=kind, bias=bias),
            torch.nn.RNN(D, H, num_layers=L, nonlinearity=kind, bias=bias),
            False,
        )
    if kind.startswith("lstm"):
        return (
            nn.LSTM(D, H, num_layers=L, fused=kind == "lstm_fused", bias=bias),
            torch.nn.LSTM(D, H, num_layers=L, bias=bias),
            True,
        )
    return (
        nn.GRU(D, H, num_layers=L, bias=bias, fused=kind == "gru_fused"),
        torch.nn.GRU(D, H, num_layers=L, bias=bias),
        False,
    )


KINDS = ["tanh", "relu", "lstm_fused", "lstm_unfused", "gru_fused", "gru_unfused"]


@pytest.mark.usefixtures("float64")
@pytest.mark.parametrize("with_state", [False, True], ids=["zero_state", "given_state"])
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize("kind", KINDS)
def test_recurrent_matches_torch(rng, kind, bias, with_state):
    ours, theirs, lstm = _make(kind, bias)
    _parity(ours, theirs.double(), rng, lstm=lstm, with_state=with_state)


@pytest.mark.usefixtures("float64")
@pytest.mark.parametrize("kind", ["tanh", "lstm_fused", "lstm_unfused", "gru_fused"])
def test_single_step_single_batch(rng, kind):
    ours, theirs, lstm = _make(kind, True)
    _parity(ours, theirs.double(), rng, lstm=lstm, with_state=True, x_shape=(1, 1, D))


@pytest.mark.usefixtures("float64")
def test_state_dict_keys_match_torch():
    torch = pytest.importorskip("torch")
    want = [f"{w}_l{k}" for k in range(L) for w in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    for ours, theirs in [
        (nn.RNN(D, H, L), torch.nn.RNN(D, H, L)),
        (nn.LSTM(D, H, L), torch.nn.LSTM(D, H, L)),
        (nn.GRU(D, H, L), torch.nn.GRU(D, H, L)),
    ]:
        assert list(ours.state_dict()) == list(theirs.state_dict()) == want


@pytest.mark.usefixtures("float64")
def test_recurrent_default_init_bound():
    nn.manual_seed(0)
    hidden = 64
    for m in (nn.RNN(5, hidden), nn.LSTM(5, hidden), nn.GRU(5, hidden), nn.LSTMCell(5, hidden)):
        for name, p in m.named_parameters():
            assert np.abs(p.data).max() <= 1 / np.sqrt(hidden), name
            assert p.dtype == np.float64


# -- LSTM variants: fused vs unfused ------------------------------------------------------
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize("variant", ["standard", "peephole", "coupled"])
def test_lstm_fused_matches_unfused(rng, dtype, variant, bias):
    tol = 1e-6 if dtype == np.float32 else 1e-12
    nn.manual_seed(7)
    fused = nn.LSTM(D, H, num_layers=L, variant=variant, fused=True, bias=bias)
    nn.manual_seed(7)
    unfused = nn.LSTM(D, H, num_layers=L, variant=variant, fused=False, bias=bias)
    for (k, a), (k2, b) in zip(
        fused.state_dict().items(), unfused.state_dict().items(), strict=True
    ):
        assert k == k2
        assert a.dtype == dtype
        np.testing.assert_array_equal(a, b)
    xs = rng.standard_normal((T, B, D)).astype(dtype)
    h0, c0 = (rng.standard_normal((L, B, H)).astype(dtype) for _ in range(2))
    results = []
    for m in (fused, unfused):
        x = Tensor(xs.copy(), requires_grad=True)
        s = (Tensor(h0.copy(), requires_grad=True), Tensor(c0.copy(), requires_grad=True))
        outs = _flat(m(x, s))
        for o in outs:
            assert o.dtype == dtype
        gs = [np.random.default_rng(1).standard_normal(o.shape).astype(dtype) for o in outs]
        _loss(outs, gs).backward()
        grads = {n: p.grad for n, p in m.named_parameters()}
        results.append(([o.data for o in outs], [x.grad, s[0].grad, s[1].grad], grads))
    (o1, g1, p1), (o2, g2, p2) = results
    for a, b in zip(o1 + g1, o2 + g2, strict=True):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)
    assert list(p1) == list(p2)
    for n in p1:
        np.testing.assert_allclose(p1[n], p2[n], rtol=tol, atol=tol, err_msg=n)


@pytest.mark.usefixtures("float64")
def test_lstm_variant_parameter_layouts():
    peep = nn.LSTM(D, H, num_layers=L, variant="peephole")
    sd = peep.state_dict()
    for k in range(L):
        assert sd[f"weight_peep_l{k}"].shape == (3, H)
        assert sd[f"weight_ih_l{k}"].shape == (4 * H, D if k == 0 else H)
    assert "weight_peep_l0" not in nn.LSTM(D, H).state_dict()
    coupled = nn.LSTM(D, H, num_layers=L, variant="coupled").state_dict()
    assert coupled["weight_ih_l0"].shape == (3 * H, D)
    assert coupled["weight_hh_l0"].shape == (3 * H, H)
    assert coupled["bias_ih_l1"].shape == (3 * H,)
    assert coupled["weight_ih_l1"].shape == (3 * H, H)
    assert not any("peep" in k for k in coupled)


@pytest.mark.usefixtures("float64")
@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("variant", ["peephole", "coupled"])
def test_lstm_variant_matches_torch_primitives(rng, variant, fused):
    """Single layer against tests/torch_references' step-by-step torch loop."""
    torch = pytest.importorskip("torch")
    from tests.torch_references.rnn import lstm_cell_loop

    m = nn.LSTM(D, H, variant=variant, fused=fused)
    xs = rng.standard_normal((T, B, D))
    h0, c0 = rng.standard_normal((1, B, H)), rng.standard_normal((1, B, H))
    x = Tensor(xs, requires_grad=True)
    out, (h_n, c_n) = m(x, (Tensor(h0), Tensor(c0)))
    tw = {k: torch.from_numpy(v).requires_grad_() for k, v in m.state_dict().items()}
    xt = torch.from_numpy(xs).requires_grad_()
    peep = [tw["weight_peep_l0"]] if variant == "peephole" else []
    ref = lstm_cell_loop(
        torch,
        xt,
        torch.from_numpy(h0[0]),
        torch.from_numpy(c0[0]),
        tw["weight_ih_l0"],
        tw["weight_hh_l0"],
        tw["bias_ih_l0"],
        tw["bias_hh_l0"],
        *peep,
        variant=variant,
    )
    _close(out.data, ref[:-1])
    _close(h_n.data[0], ref[-2])
    _close(c_n.data[0], ref[-1])
    g = rng.standard_normal(out.shape)
    out.backward(g)
    (ref[:-1] * torch.from_numpy(g)).sum().backward()
    _close(x.grad, xt.grad)
    for n, p in m.named_parameters():
        _close(p.grad, tw[n].grad)


# -- cells --------------------------------------------------------------------------------
@pytest.mark.usefixtures("float64")
@pytest.mark.parametrize("with_state", [False, True], ids=["zero_state", "given_state"])
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_cells_match_torch(rng, kind, bias, with_state):
    torch = pytest.importorskip("torch")
    if kind == "lstm":
        ours, theirs = nn.LSTMCell(D, H, bias=bias), torch.nn.LSTMCell(D, H, bias=bias).double()
    else:
        ours, theirs = nn.GRUCell(D, H, bias=bias), torch.nn.GRUCell(D, H, bias=bias).double()
    want_keys = ["weight_ih", "weight_hh"] + (["bias_ih", "bias_hh"] if bias else [])
    assert list(ours.state_dict()) == list(theirs.state_dict()) == want_keys
    _copy(ours, theirs)
    xs = rng.standard_normal((B, D))
    n_states = 2 if kind == "lstm" else 1
    states = [rng.standard_normal((B, H)) for _ in range(n_states)]
    x = Tensor(xs.copy(), requires_grad=True)
    xt = torch.from_numpy(xs.copy()).requires_grad_()
    s = [Tensor(a.copy(), requires_grad=True) for a in states]
    st = [torch.from_numpy(a.copy()).requires_grad_() for a in states]
    if with_state:
        arg, arg_t = (tuple(s), tuple(st)) if kind == "lstm" else (s[0], st[0])
        got, want = ours(x, arg), theirs(xt, arg_t)
    else:
        got, want = ours(x), theirs(xt)
    got = list(got) if kind == "lstm" else [got]
    want = list(want) if kind == "lstm" else [want]
    for a, b in zip(got, want, strict=True):
        assert a.shape == (B, H)
        _close(a.data, b)
    gs = [rng.standard_normal((B, H)) for _ in got]
    _loss(got, gs).backward()
    _loss(want, [torch.from_numpy(g) for g in gs]).backward()
    _close(x.grad, xt.grad)
    if with_state:
        for a, b in zip(s, st, strict=True):
            _close(a.grad, b.grad)
    t_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        _close(p.grad, t_params[name].grad)


# -- errors -------------------------------------------------------------------------------
def test_bad_variant():
    with pytest.raises(ValueError, match=r"variant must be one of.*'bogus'"):
        nn.LSTM(D, H, variant="bogus")


def test_bad_nonlinearity_and_layers():
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(D, H, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="num_layers must be >= 1"):
        nn.GRU(D, H, num_layers=0)


@pytest.mark.parametrize("cls", [nn.RNN, nn.LSTM, nn.GRU])
def test_wrong_input_size(cls):
    m = cls(D, H)
    with pytest.raises(ValueError, match=r"input must be \(T, B, 3\), got \(4, 2, 5\)"):
        m(Tensor(np.zeros((T, B, 5), dtype=np.float32)))
    with pytest.raises(ValueError, match=r"\(T, B, 3\)"):
        m(Tensor(np.zeros((B, D), dtype=np.float32)))  # missing the time axis


@pytest.mark.parametrize("cls", [nn.RNN, nn.GRU])
def test_wrong_h0_shape(cls):
    m = cls(D, H, num_layers=L)
    x = Tensor(np.zeros((T, B, D), dtype=np.float32))
    with pytest.raises(ValueError, match=r"h0: expected shape \(2, 2, 4\), got \(1, 2, 4\)"):
        m(x, Tensor(np.zeros((1, B, H), dtype=np.float32)))


def test_lstm_wrong_state_shapes():
    m = nn.LSTM(D, H, num_layers=L)
    x = Tensor(np.zeros((T, B, D), dtype=np.float32))
    good = Tensor(np.zeros((L, B, H), dtype=np.float32))
    bad = Tensor(np.zeros((L, B, H + 1), dtype=np.float32))
    with pytest.raises(ValueError, match=r"LSTM h0: expected shape \(2, 2, 4\), got \(2, 2, 5\)"):
        m(x, (bad, good))
    with pytest.raises(ValueError, match=r"LSTM c0: expected shape \(2, 2, 4\)"):
        m(x, (good, bad))


def test_cell_wrong_input_size():
    with pytest.raises(ValueError, match="5"):
        nn.LSTMCell(D, H)(Tensor(np.zeros((B, D + 2), dtype=np.float32)))


# -- scopes -------------------------------------------------------------------------------
def _op_scopes(*roots):
    return {t.scope for r in roots for t in autograd.topological_order(r) if t.op}


def test_unfused_lstm_tags_each_step_with_cell_scope():
    m = nn.LSTM(D, H, num_layers=L, fused=False)
    out, (_h_n, c_n) = m(Tensor(np.ones((T, B, D), dtype=np.float32)))
    scopes = _op_scopes(out, c_n)
    assert "lstm.cell" in scopes
    assert all(s == "lstm" or s.endswith(".cell") for s in scopes)
    ops = {t.op for t in autograd.topological_order(out) if t.scope.endswith(".cell")}
    assert {"sigmoid", "tanh", "matmul"} <= ops
    # the fused kernel has no per-step scope
    fused = nn.LSTM(D, H, fused=True)
    out, _ = fused(Tensor(np.ones((T, B, D), dtype=np.float32)))
    assert not any(s.endswith(".cell") for s in _op_scopes(out))


def test_cell_scope_nested_in_a_model():
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.LSTM(D, H, fused=False)
            self.head = nn.Linear(H, 1)

        def forward(self, x):
            out, _ = self.rnn(x)
            return self.head(out[-1])

    y = Model()(Tensor(np.ones((T, B, D), dtype=np.float32)))
    assert {"model.rnn.cell", "model.head"} <= _op_scopes(y)


def test_repr():
    assert repr(nn.LSTM(D, H, 2, variant="coupled", fused=False)) == (
        "LSTM(3, 4, num_layers=2, variant='coupled', fused=False)"
    )
    assert repr(nn.GRUCell(D, H)) == "GRUCell(3, 4)"
