"""Seq2Seq with Bahdanau attention: attention weights, PyTorch parity, greedy decoding and
learning to reverse digit strings."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor, gradcheck
from nn.optim import Adam
from nn.seq2seq import BahdanauAttention, Seq2Seq
from nn.utils import clip_grad_norm_

PAD, SOS, EOS = 0, 1, 2  # digits 0-9 are ids 3..12


def _attention_inputs(rng, steps=5, batch=3, hidden=4, attn=6):
    nn.manual_seed(0)
    att = BahdanauAttention(hidden, hidden + 1, attn)
    enc = Tensor(rng.standard_normal((steps, batch, hidden)))
    s = Tensor(rng.standard_normal((batch, hidden + 1)))
    return att, enc, s


@pytest.mark.parametrize("padded", [False, True])
def test_attention_rows_sum_to_one(rng, float64, padded):
    att, enc, s = _attention_inputs(rng)
    lengths = np.array([5, 2, 4])
    mask = np.arange(5)[:, None] < lengths[None, :] if padded else None
    ctx, alpha = att(att.precompute(enc), enc, s, mask)
    assert ctx.shape == (3, 4)
    assert alpha.shape == (5, 3)
    np.testing.assert_allclose(alpha.data.sum(axis=0), 1.0, atol=1e-12)
    assert np.all(np.isfinite(alpha.data))
    if padded:
        assert np.all(alpha.data[~mask] < 1e-30)
        assert np.all(alpha.data[mask] > 0)
    # c = Σ_j α_j h_j
    np.testing.assert_allclose(ctx.data, np.einsum("tb,tbh->bh", alpha.data, enc.data))


def test_attention_gradcheck(rng, float64):
    att, enc, s = _attention_inputs(rng, steps=3, batch=2, hidden=2, attn=3)
    enc.requires_grad = s.requires_grad = True
    mask = np.array([[True, True], [True, True], [True, False]])
    neg = att.scores_mask(mask, enc)

    def f(enc, s, w1, w2, b2, v):
        # BahdanauAttention.precompute and .step with the weights as explicit inputs
        ctx, alpha = att.step(enc @ w1.T + b2, enc, s, neg, w2.T, v.T)
        return ctx, alpha

    params = [att.W1.weight, att.W2.weight, att.W2.bias, att.v.weight]
    ctx, alpha = f(enc, s, *params)
    ctx_m, alpha_m = att(att.precompute(enc), enc, s, mask)
    np.testing.assert_array_equal(ctx.data[0], ctx_m.data)
    np.testing.assert_array_equal(alpha.data[..., 0], alpha_m.data)
    assert gradcheck(f, enc, s, *params)


# -- PyTorch parity ----------------------------------------------------------------------


def _torch_model(torch, model: Seq2Seq, attention: bool, layers: int):
    from benchmarks.seq2seq_step import torch_seq2seq

    ref = torch_seq2seq(torch)(
        model.src_vocab, model.tgt_vocab, model.embed_dim, model.hidden_size, attention, layers
    ).double()
    ref.load_state_dict({k: torch.from_numpy(v) for k, v in model.state_dict().items()})
    return ref


@pytest.mark.parametrize(
    ("attention", "layers", "fused_cell", "lengths"),
    [
        (True, 1, True, [4, 2, 4, 3]),
        (True, 1, False, [4, 2, 4, 3]),
        (False, 1, True, [4, 2, 4, 3]),
        (True, 2, True, [4, 2, 4, 3]),
        (True, 1, True, [4, 4, 4, 4]),  # no padding: one encoder run, no mask
        (True, 1, True, [3, 1, 2, 3]),  # padding after the longest source too
    ],
)
def test_seq2seq_matches_torch(float64, attention, layers, fused_cell, lengths):
    torch = pytest.importorskip("torch")
    nn.manual_seed(3)
    model = Seq2Seq(11, 9, 5, 6, attention, num_layers=layers, fused_cell=fused_cell)
    rng = np.random.default_rng(0)
    lengths = np.array(lengths)
    src = rng.integers(1, 11, (4, 4))
    src[np.arange(4)[:, None] >= lengths[None, :]] = PAD
    tgt = rng.integers(0, 9, (6, 4))
    ref = _torch_model(torch, model, attention, layers)

    logits = model(src, tgt[:-1])
    loss = (logits * Tensor(np.cos(np.arange(logits.size)).reshape(logits.shape))).sum()
    loss.backward()
    t_logits = ref(torch.from_numpy(src), torch.from_numpy(tgt[:-1]), lengths.tolist())
    (
        t_logits
        * torch.cos(torch.arange(t_logits.numel(), dtype=torch.float64)).reshape(t_logits.shape)
    ).sum().backward()

    assert logits.dtype == np.float64
    np.testing.assert_allclose(logits.data, t_logits.detach().numpy(), rtol=0, atol=1e-8)
    t_params = dict(ref.named_parameters())
    for name, p in model.named_parameters():
        np.testing.assert_allclose(
            p.grad, t_params[name].grad.numpy(), rtol=0, atol=1e-8, err_msg=name
        )


def test_seq2seq_loss_ignores_pad(float64):
    nn.manual_seed(0)
    model = Seq2Seq(7, 7, 4, 5)
    src = np.array([[3, 4], [5, PAD]])
    tgt = np.array([[SOS, SOS], [4, 3], [EOS, EOS], [PAD, PAD]])
    logits = model(src, tgt[:-1]).data
    logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    picked = [-logp[t, b, tgt[t + 1, b]] for t in range(2) for b in range(2)]
    np.testing.assert_allclose(model.loss(src, tgt).item(), np.mean(picked), rtol=1e-12)


def test_seq2seq_rejects_left_padding():
    model = Seq2Seq(7, 7, 4, 5)
    with pytest.raises(ValueError, match="right-padded"):
        model(np.array([[PAD, 3], [4, 5]]), np.array([[SOS, SOS]]))


# -- greedy decoding ---------------------------------------------------------------------


@pytest.mark.parametrize("attention", [True, False])
def test_greedy_decode_shapes(attention):
    nn.manual_seed(1)
    model = Seq2Seq(13, 13, 8, 16, attention)
    tokens, att = model.greedy_decode(np.array([3, 4, 5, 6]), max_len=7, sos=SOS, eos=EOS)
    assert isinstance(tokens, list)
    assert all(isinstance(t, int) for t in tokens)
    assert EOS not in tokens
    assert len(tokens) <= 7
    if attention:
        assert att.shape == (len(tokens), 4)
        np.testing.assert_allclose(att.sum(axis=1), 1.0, rtol=1e-5)
    else:
        assert att is None


def test_greedy_decode_stops_at_eos():
    nn.manual_seed(1)
    model = Seq2Seq(13, 13, 8, 16)
    model.out.bias.data[:] = -100.0
    model.out.bias.data[EOS] = 100.0  # eos is always the argmax
    tokens, att = model.greedy_decode([3, 4, 5], max_len=5, sos=SOS, eos=EOS)
    assert tokens == []
    assert att.shape == (0, 3)
    assert autograd.is_grad_enabled()  # no_grad only inside greedy_decode
    assert model.out.weight.grad is None


# -- learning ----------------------------------------------------------------------------


def _reversal_batch(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Right-padded digit strings of length 3-6 and their reversals framed by sos/eos."""
    lengths = rng.integers(3, 7, n)
    steps = lengths.max()
    src = np.full((steps, n), PAD)
    tgt = np.full((steps + 2, n), PAD)
    for b, length in enumerate(lengths):
        digits = rng.integers(3, 13, length)
        src[:length, b] = digits
        tgt[0, b], tgt[1 : length + 1, b], tgt[length + 1, b] = SOS, digits[::-1], EOS
    return src, tgt


def test_seq2seq_learns_reversal():
    nn.manual_seed(0)
    model = Seq2Seq(13, 13, 16, 32)
    opt = Adam(model.parameters(), lr=0.01)
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(200):
        src, tgt = _reversal_batch(rng, 64)
        seen.update(tuple(col[col != PAD]) for col in src.T)
        loss = model.loss(src, tgt)
        opt.zero_grad()
        loss.backward()
        clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    test_rng = np.random.default_rng(123)
    correct = total = 0
    while total < 200:
        digits = test_rng.integers(3, 13, test_rng.integers(3, 7))
        if tuple(digits) in seen:  # held out: never a training sequence
            continue
        tokens, att = model.greedy_decode(digits, max_len=10, sos=SOS, eos=EOS)
        correct += tokens == list(digits[::-1])
        total += 1
    assert correct / total >= 0.95
    # the attention of a correct reversal looks at the mirrored position
    digits = np.array([3, 5, 7, 9, 11])
    tokens, att = model.greedy_decode(digits, max_len=10, sos=SOS, eos=EOS)
    assert tokens == list(digits[::-1])
    assert att.shape == (5, 5)
    np.testing.assert_array_equal(att.argmax(axis=1), [4, 3, 2, 1, 0])


def test_corrupt_checkpoint_gives_a_clear_error(tmp_path):
    model = Seq2Seq(7, 7, 4, 5)
    path = model.save(tmp_path / "s2s.npz")
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match=r"Seq2Seq\.load: .*\(truncated or foreign"):
        Seq2Seq(7, 7, 4, 5).load(path)
