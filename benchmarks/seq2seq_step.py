"""Workload ``seq2seq_step``: one Adam step of an LSTM encoder-decoder with Bahdanau attention.

Batch 32, source and target length 20, vocabularies 40, embedding 32, hidden 128 (attention
size 128), float32. The model is ``nn.Seq2Seq`` (initialised with ``nn.manual_seed(0)``), and
PyTorch runs `TorchSeq2Seq`, the same equations with the same parameter names, from a copy
of its state dict. Source and target ids are uniform in 1..39 from ``default_rng(0)`` (no
padding); the target row 0 is the start token 1. A step is: teacher-forced forward over
tgt[:-1], mean cross-entropy against tgt[1:], backward, Adam (lr 1e-3) update, zero grads.

Engines:
- ``tracegrad``: ``nn.Seq2Seq``: fused encoder LSTM, per decoder step the attention from
  primitive ops and the fused one-step ``lstm`` op, one output product for all steps.
- ``torch``: `TorchSeq2Seq` (``nn.LSTM`` encoder, ``nn.LSTMCell`` decoder, eager ops).

The gradient probe is d loss / d out.weight[0, 0].
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks.harness import Prepared, StepResult

DESCRIPTION = "Seq2Seq + Bahdanau attention, B 32, T 20/20, vocab 40, E 32, H 128: one Adam step"
ENGINES = ("tracegrad", "torch")
REPEATS = {"tracegrad": 20, "torch": 20}
WARMUP = {"tracegrad": 3, "torch": 3}

BATCH, STEPS, VOCAB, EMBED, HIDDEN, LR = 32, 20, 40, 32, 128, 1e-3


def _batch() -> tuple[np.ndarray, np.ndarray]:
    """src (20, 32) and tgt (21, 32) int64; tgt[0] is the start token 1."""
    rng = np.random.default_rng(0)
    src = rng.integers(1, VOCAB, (STEPS, BATCH))
    tgt = rng.integers(1, VOCAB, (STEPS + 1, BATCH))
    tgt[0] = 1
    return src, tgt


def _model() -> Any:
    import nn
    from nn.seq2seq import Seq2Seq

    nn.manual_seed(0)
    return Seq2Seq(VOCAB, VOCAB, EMBED, HIDDEN)


def torch_seq2seq(torch: Any) -> type:
    """`TorchSeq2Seq(src_vocab, tgt_vocab, embed_dim, hidden_size, attention=True,
    num_layers=1)`: ``nn.Seq2Seq``'s equations and state-dict names in PyTorch.

    ``forward(src, tgt_in, lengths=None)``; with lengths (right-padded sources) the encoder
    runs on a packed sequence, the attention scores of padding are -inf. Used by this
    benchmark and by ``tests/nn/test_seq2seq.py``.
    """
    tnn = torch.nn

    class Attention(tnn.Module):
        def __init__(self, h: int):
            super().__init__()
            self.W1 = tnn.Linear(h, h, bias=False)
            self.W2 = tnn.Linear(h, h)
            self.v = tnn.Linear(h, 1, bias=False)

    class TorchSeq2Seq(tnn.Module):
        def __init__(self, src_vocab, tgt_vocab, embed_dim, hidden, attention=True, layers=1):
            super().__init__()
            self.use_attention, self.layers = attention, layers
            self.src_embed = tnn.Embedding(src_vocab, embed_dim)
            self.encoder = tnn.LSTM(embed_dim, hidden, layers)
            self.tgt_embed = tnn.Embedding(tgt_vocab, embed_dim)
            first = embed_dim + hidden if attention else embed_dim
            self.decoder = tnn.ModuleList(
                [tnn.LSTMCell(first if k == 0 else hidden, hidden) for k in range(layers)]
            )
            if attention:
                self.attention = Attention(hidden)
            self.out = tnn.Linear(2 * hidden if attention else hidden, tgt_vocab)

        def forward(self, src, tgt_in, lengths=None):
            x = self.src_embed(src)
            if lengths is None:
                enc_out, (h, c) = self.encoder(x)
                mask = None
            else:
                packed = tnn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=False)
                enc_out, (h, c) = self.encoder(packed)
                enc_out, _ = tnn.utils.rnn.pad_packed_sequence(enc_out, total_length=len(src))
                mask = torch.arange(len(src))[:, None] < torch.as_tensor(lengths)[None, :]
            states = [(h[k], c[k]) for k in range(self.layers)]
            if self.use_attention:
                keys = self.attention.W1(enc_out)
            emb = self.tgt_embed(tgt_in)
            feats = []
            for i in range(len(tgt_in)):
                x = emb[i]
                if self.use_attention:
                    q = self.attention.W2(states[-1][0])
                    e = self.attention.v(torch.tanh(keys + q))[..., 0]  # (T_in, B)
                    if mask is not None:
                        e = e.masked_fill(~mask, float("-inf"))
                    alpha = torch.softmax(e, dim=0)
                    ctx = (alpha[..., None] * enc_out).sum(0)
                    x = torch.cat([x, ctx], dim=1)
                for k, cell in enumerate(self.decoder):
                    states[k] = cell(x, states[k])
                    x = states[k][0]
                feats.append(torch.cat([x, ctx], dim=1) if self.use_attention else x)
            return self.out(torch.stack(feats))

    return TorchSeq2Seq


def _tracegrad() -> Prepared:
    import autograd.functional as F
    from nn.optim import Adam

    src, tgt = _batch()
    model = _model()
    opt = Adam(model.parameters(), lr=LR)
    tgt_in, tgt_out = tgt[:-1], tgt[1:].reshape(-1)

    def step() -> StepResult:
        logits = model(src, tgt_in)
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), tgt_out)
        loss.backward()
        probe = float(model.out.weight.grad[0, 0])
        opt.step()
        opt.zero_grad()
        return float(loss.data), probe

    return Prepared(step)


def _torch() -> Prepared:
    import torch

    src_np, tgt_np = _batch()
    model = torch_seq2seq(torch)(VOCAB, VOCAB, EMBED, HIDDEN)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in _model().state_dict().items()})
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    src, tgt = torch.from_numpy(src_np), torch.from_numpy(tgt_np)
    tgt_in, tgt_out = tgt[:-1], tgt[1:].reshape(-1)

    def step() -> StepResult:
        logits = model(src, tgt_in)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, VOCAB), tgt_out)
        loss.backward()
        probe = model.out.weight.grad[0, 0].item()
        opt.step()
        opt.zero_grad()
        return loss.item(), probe

    return Prepared(step)


def setup(engine: str) -> Prepared:
    """Return the timed step for ``engine`` (one of ``ENGINES``)."""
    builders = {"tracegrad": _tracegrad, "torch": _torch}
    if engine not in builders:
        raise ValueError(f"seq2seq_step: unknown engine {engine!r}")
    return builders[engine]()
