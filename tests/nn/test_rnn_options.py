"""RNN/LSTM/GRU options against torch.nn with copied weights (float64, rtol 1e-9): batch_first,
bidirectional (``*_reverse`` weights, h_n/c_n ordered layer 0 fwd, layer 0 rev, ...), dropout
between layers; the fused and unfused paths; shape errors and the dropout checks."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nn
from autograd import Tensor

torch = pytest.importorskip("torch")

T, B, D, H = 5, 3, 4, 3
RTOL, ATOL = 1e-9, 1e-12


def _close(a, b, what=""):
    if hasattr(b, "detach"):
        b = b.detach().numpy()
    np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL, err_msg=what)


def _flat(result):
    """(out, h_n) or (out, (h_n, c_n)) -> [out, h_n, (c_n)]."""
    out, final = result
    return [out, *final] if isinstance(final, tuple) else [out, final]


def _make(kind, layers, bidirectional, batch_first, fused=True, dropout=0.0):
    opts = dict(
        num_layers=layers, batch_first=batch_first, bidirectional=bidirectional, dropout=dropout
    )
    if kind == "rnn":
        ours, theirs = nn.RNN(D, H, **opts), torch.nn.RNN(D, H, **opts)
    elif kind == "lstm":
        ours, theirs = nn.LSTM(D, H, fused=fused, **opts), torch.nn.LSTM(D, H, **opts)
    else:
        ours, theirs = nn.GRU(D, H, fused=fused, **opts), torch.nn.GRU(D, H, **opts)
    theirs = theirs.double()
    t_state = theirs.state_dict()
    assert list(ours.state_dict()) == list(t_state)
    for k, v in ours.state_dict().items():
        assert v.shape == tuple(t_state[k].shape), k
    ours.load_state_dict({k: v.detach().numpy() for k, v in t_state.items()})
    return ours, theirs


def _run_both(ours, theirs, kind, xs, states):
    """Forward both; states None or a list of arrays (h0, (c0))."""
    x = Tensor(xs.copy(), requires_grad=True)
    xt = torch.from_numpy(xs.copy()).requires_grad_()
    s = st = None
    if states is None:
        got, want = _flat(ours(x)), _flat(theirs(xt))
    else:
        s = [Tensor(a.copy(), requires_grad=True) for a in states]
        st = [torch.from_numpy(a.copy()).requires_grad_() for a in states]
        arg, arg_t = (tuple(s), tuple(st)) if kind == "lstm" else (s[0], st[0])
        got, want = _flat(ours(x, arg)), _flat(theirs(xt, arg_t))
    return (x, s, got), (xt, st, want)


def _parity(ours, theirs, kind, rng, *, layers, bidirectional, batch_first, with_state):
    dirs = 2 if bidirectional else 1
    xs = rng.standard_normal((B, T, D) if batch_first else (T, B, D))
    n_states = 2 if kind == "lstm" else 1
    states = [rng.standard_normal((layers * dirs, B, H)) for _ in range(n_states)]
    (x, s, got), (xt, st, want) = _run_both(ours, theirs, kind, xs, states if with_state else None)
    assert len(got) == len(want) == 1 + n_states
    out_shape = (B, T, dirs * H) if batch_first else (T, B, dirs * H)
    assert got[0].shape == out_shape
    for a, b in zip(got, want, strict=True):
        assert a.dtype == np.float64
        assert a.shape == tuple(b.shape)
        _close(a.data, b)
    for a in got[1:]:
        assert a.shape == (layers * dirs, B, H)
    seed = np.random.default_rng(99)
    gs = [seed.standard_normal(a.shape) for a in got]
    total = sum(((o * Tensor(g)).sum() for o, g in zip(got, gs, strict=True)), Tensor(0.0))
    total.backward()
    sum((o * torch.from_numpy(g)).sum() for o, g in zip(want, gs, strict=True)).backward()
    _close(x.grad, xt.grad, "input")
    if with_state:
        for a, b in zip(s, st, strict=True):
            _close(a.grad, b.grad, "state")
    t_params = dict(theirs.named_parameters())
    o_params = dict(ours.named_parameters())
    assert list(o_params) == list(t_params)
    for name, p in o_params.items():
        assert p.grad is not None, name
        _close(p.grad, t_params[name].grad, name)


@pytest.mark.usefixtures("float64")
@pytest.mark.parametrize("with_state", [False, True], ids=["zero_state", "given_state"])
@pytest.mark.parametrize("batch_first", [False, True], ids=["tbd", "batch_first"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_options_match_torch(rng, kind, layers, bidirectional, batch_first, with_state):
    ours, theirs = _make(kind, layers, bidirectional, batch_first)
    _parity(
        ours,
        theirs,
        kind,
        rng,
        layers=layers,
        bidirectional=bidirectional,
        batch_first=batch_first,
        with_state=with_state,
    )


@pytest.mark.usefixtures("float64")
@pytest.mark.parametrize("with_state", [False, True], ids=["zero_state", "given_state"])
@pytest.mark.parametrize("batch_first", [False, True], ids=["tbd", "batch_first"])
@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_unfused_bidirectional_matches_torch(rng, kind, batch_first, with_state):
    ours, theirs = _make(kind, 2, True, batch_first, fused=False)
    _parity(
        ours,
        theirs,
        kind,
        rng,
        layers=2,
        bidirectional=True,
        batch_first=batch_first,
        with_state=with_state,
    )


@pytest.mark.usefixtures("float64")
def test_bidirectional_state_dict_order():
    m = nn.LSTM(D, H, num_layers=2, bidirectional=True)
    names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    want = [f"{w}_l{k}{s}" for k in range(2) for s in ("", "_reverse") for w in names]
    assert list(m.state_dict()) == want
    assert m.state_dict()["weight_ih_l1"].shape == (4 * H, 2 * H)
    assert m.state_dict()["weight_ih_l1_reverse"].shape == (4 * H, 2 * H)


@pytest.mark.usefixtures("float64")
def test_peephole_bidirectional_has_own_reverse_peephole(rng):
    m = nn.LSTM(D, H, num_layers=2, variant="peephole", bidirectional=True)
    sd = m.state_dict()
    for k in range(2):
        assert sd[f"weight_peep_l{k}"].shape == sd[f"weight_peep_l{k}_reverse"].shape == (3, H)
    assert not np.array_equal(sd["weight_peep_l0"], sd["weight_peep_l0_reverse"])
    unfused = nn.LSTM(D, H, num_layers=2, variant="peephole", bidirectional=True, fused=False)
    unfused.load_state_dict(sd)
    xs = rng.standard_normal((T, B, D))
    results = []
    for mod in (m, unfused):
        out, (h_n, c_n) = mod(Tensor(xs.copy()))
        (out.sum() + h_n.sum() + c_n.sum()).backward()
        results.append(
            (out.data, h_n.data, c_n.data, {n: p.grad for n, p in mod.named_parameters()})
        )
    for a, b in zip(results[0][:3], results[1][:3], strict=True):
        _close(a, b)
    for n, g in results[0][3].items():
        assert np.abs(g).sum() > 0, n
        _close(g, results[1][3][n], n)


@pytest.mark.usefixtures("float64")
def test_reverse_direction_runs_on_reversed_time(rng):
    """Reversing the input in time swaps the roles: the reverse half of the output at t equals
    a forward-only run (with the reverse weights) over the reversed sequence, flipped back."""
    bi = nn.GRU(D, H, bidirectional=True)
    fwd = nn.GRU(D, H)
    fwd.load_state_dict(
        {k.removesuffix("_reverse"): v for k, v in bi.state_dict().items() if "reverse" in k}
    )
    xs = rng.standard_normal((T, B, D))
    out, h_n = bi(Tensor(xs))
    ref, ref_h = fwd(Tensor(xs[::-1].copy()))
    _close(out.data[:, :, H:], ref.data[::-1])
    _close(h_n.data[1], ref_h.data[0])
    _close(out.data[0, :, H:], h_n.data[1])  # the reverse direction ends at t = 0
    _close(out.data[-1, :, :H], h_n.data[0])


# -- dropout ---------------------------------------------------------------------------------
@pytest.mark.usefixtures("float64")
@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_dropout_eval_is_identity_and_matches_torch(rng, kind):
    ours, theirs = _make(kind, 2, True, False, dropout=0.5)
    ours.eval()
    theirs.eval()
    _parity(
        ours, theirs, kind, rng, layers=2, bidirectional=True, batch_first=False, with_state=True
    )


@pytest.mark.usefixtures("float64")
@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_dropout_one_zeroes_the_second_layer_input(rng, kind):
    """p = 1 between layers: layer 1 sees zeros, so its output is what zero input gives,
    whatever x is, and x gets no gradient through layer 1; layer 0's h_n is untouched."""
    ours, _ = _make(kind, 2, False, False, dropout=1.0)
    ours.train()
    xs = rng.standard_normal((T, B, D))
    x = Tensor(xs, requires_grad=True)
    got = _flat(ours(x))
    ours.eval()
    ref_eval = _flat(ours(Tensor(xs)))
    # layer 0 is not dropped: its final state is the eval one
    for a, b in zip(got[1:], ref_eval[1:], strict=True):
        _close(a.data[0], b.data[0])
    # layer 1 alone on zeros, weights of layer 1
    single = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[kind](H, H)
    single.load_state_dict(
        {k.replace("_l1", "_l0"): v for k, v in ours.state_dict().items() if "_l1" in k}
    )
    zero = _flat(single(Tensor(np.zeros((T, B, H)))))
    _close(got[0].data, zero[0].data)
    assert not np.allclose(got[0].data, ref_eval[0].data)
    got[0].sum().backward()
    np.testing.assert_array_equal(x.grad, np.zeros_like(xs))


@pytest.mark.usefixtures("float64")
@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_dropout_training_differs_from_eval(rng, kind):
    ours, _ = _make(kind, 2, True, True, dropout=0.3)
    xs = rng.standard_normal((B, T, D))
    ours.train()
    train_out = _flat(ours(Tensor(xs)))
    ours.eval()
    eval_out = _flat(ours(Tensor(xs)))
    assert not np.allclose(train_out[0].data, eval_out[0].data)
    # the first layer's final states (both directions) never see dropout
    for a, b in zip(train_out[1:], eval_out[1:], strict=True):
        _close(a.data[:2], b.data[:2])
        assert not np.allclose(a.data[2:], b.data[2:])


def test_dropout_warns_with_one_layer_and_validates():
    for cls in (nn.RNN, nn.LSTM, nn.GRU):
        with pytest.warns(UserWarning, match="num_layers greater than 1.*dropout=0.2"):
            cls(D, H, dropout=0.2)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            cls(D, H, num_layers=2, dropout=0.2)
            cls(D, H, dropout=0.0)
        for bad in (-0.1, 1.5, "0.2", True):
            with pytest.raises(ValueError, match=rf"{cls.__name__}: dropout must be .*\[0, 1\]"):
                cls(D, H, num_layers=2, dropout=bad)


# -- errors and repr -------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [nn.RNN, nn.LSTM, nn.GRU])
def test_batch_first_input_error_names_layout(cls):
    m = cls(D, H, batch_first=True)
    with pytest.raises(ValueError, match=rf"{cls.__name__}: input must be \(B, T, 4\), got"):
        m(Tensor(np.zeros((B, T, D + 1), dtype=np.float32)))


@pytest.mark.parametrize("cls", [nn.RNN, nn.GRU])
def test_bidirectional_h0_shape_error(cls):
    m = cls(D, H, num_layers=2, bidirectional=True, batch_first=True)
    x = Tensor(np.zeros((B, T, D), dtype=np.float32))
    bad = Tensor(np.zeros((2, B, H), dtype=np.float32))
    with pytest.raises(ValueError, match=rf"{cls.__name__} h0: expected shape \(4, 3, 3\)"):
        m(x, bad)
    out, h_n = m(x, Tensor(np.zeros((4, B, H), dtype=np.float32)))
    assert out.shape == (B, T, 2 * H)
    assert h_n.shape == (4, B, H)


def test_lstm_bidirectional_c0_shape_error():
    m = nn.LSTM(D, H, bidirectional=True)
    x = Tensor(np.zeros((T, B, D), dtype=np.float32))
    good = Tensor(np.zeros((2, B, H), dtype=np.float32))
    with pytest.raises(ValueError, match=r"LSTM c0: expected shape \(2, 3, 3\), got \(1, 3, 3\)"):
        m(x, (good, Tensor(np.zeros((1, B, H), dtype=np.float32))))


def test_repr_shows_non_default_options():
    assert repr(nn.GRU(D, H, 2, batch_first=True, dropout=0.25, bidirectional=True)) == (
        "GRU(4, 3, num_layers=2, batch_first=True, dropout=0.25, bidirectional=True)"
    )
    assert repr(nn.RNN(D, H)) == "RNN(4, 3, num_layers=1)"
