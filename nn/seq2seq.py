"""Encoder-decoder with Bahdanau (additive) attention, teacher-forced training and greedy
decoding (notebook 06; Bahdanau et al. 2015).

Shapes: sequences are time-major, ``src (T_in, B)`` and ``tgt (T_out, B)`` integer ids;
``H`` is the hidden size of encoder and decoder, ``A`` the attention size, ``E`` the
embedding size. With encoder states h_j and decoder state s_{i-1}::

    e_ij = vᵀ tanh(W1 h_j + W2 s_{i-1})       (padding j: e_ij = -1e9, so α_ij = 0)
    α_i  = softmax_j(e_i)
    c_i  = Σ_j α_ij h_j
    s_i  = LSTMCell([embed(y_{i-1}); c_i], s_{i-1})
    logits_i = out([s_i; c_i])

Sources in a batch are right-padded with ``pad_id``; each sequence's encoder state is read
at its own last real token (see `Seq2Seq.encode`). `train_seq2seq` trains it with the one
loop (`nn.training.fit`); `exact_match` scores its greedy decodes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import autograd
import autograd.functional as F
from autograd import Tensor, no_grad
from nn.containers import ModuleList
from nn.data.text import pair_batches
from nn.layers import Embedding, Linear
from nn.module import Module
from nn.optim import Adam, StepLR
from nn.rnn import LSTM, LSTMCell, lstm_cell
from nn.training import History, fit

#: added to the scores of padded source positions: exp(-1e9 - max) is exactly 0, no NaN
MASK_VALUE = -1e9


class BahdanauAttention(Module):
    """Additive attention e_j = vᵀ tanh(W1 h_j + W2 s), α = softmax_j(e), c = Σ_j α_j h_j.

    Parameters (PyTorch ``Linear`` layouts): ``W1.weight (A, enc_size)`` (no bias),
    ``W2.weight (A, dec_size)``, ``W2.bias (A,)``, ``v.weight (1, A)`` (no bias).
    ``precompute`` computes the keys W1 h + b2 once per source sequence (they do not
    depend on the decoder step); ``forward`` then costs one (B, Hd)·(Hd, A) product.
    """

    def __init__(self, enc_size: int, dec_size: int, attn_size: int):
        super().__init__()
        self.enc_size, self.dec_size, self.attn_size = enc_size, dec_size, attn_size
        self.W1 = Linear(enc_size, attn_size, bias=False)
        self.W2 = Linear(dec_size, attn_size)
        self.v = Linear(attn_size, 1, bias=False)

    def precompute(self, enc_out: Tensor) -> Tensor:
        """enc_out (T_in, B, H) -> keys W1 h_j + b2 (T_in, B, A), once per sequence."""
        return enc_out @ self.W1.weight.T + self.W2.bias

    def scores_mask(self, mask: Any, like: Tensor) -> Tensor | None:
        """mask (T_in, B) bool (True = real token) -> additive (T_in, B, 1) constant."""
        if mask is None:
            return None
        mask = np.asarray(mask.data if isinstance(mask, Tensor) else mask, dtype=bool)
        return Tensor(np.where(mask, 0.0, MASK_VALUE).astype(like.dtype)[..., None])

    def step(
        self,
        keys: Tensor,
        enc_out: Tensor,
        s_prev: Tensor,
        neg: Tensor | None,
        w2t: Tensor,
        vt: Tensor,
    ) -> tuple[Tensor, Tensor]:
        """The per-step core with everything loop-invariant hoisted out by the caller:
        ``w2t = W2.weightᵀ (Hd, A)``, ``vt = v.weightᵀ (A, 1)``, ``neg`` from `scores_mask`.
        Returns context (1, B, H) and α (T_in, B, 1)."""
        # e_j = vᵀ tanh(W1 h_j + b2 + W2 s): (T_in, B, A) + (B, A) broadcasts over j
        e = (keys + s_prev @ w2t).tanh() @ vt
        if neg is not None:
            e = e + neg
        alpha = F.softmax(e, axis=0)
        # c = Σ_j α_j h_j, kept (1, B, H) so that it joins the (1, B, E) embedding directly
        return (alpha * enc_out).sum(axis=0, keepdims=True), alpha

    def forward(
        self, keys: Tensor, enc_out: Tensor, s_prev: Tensor, mask: Any = None
    ) -> tuple[Tensor, Tensor]:
        """keys (T_in, B, A) from `precompute`, enc_out (T_in, B, H), s_prev (B, Hd),
        mask (T_in, B) bool or None (True = real token) -> (context (B, H), α (T_in, B)).
        Each column of α sums to 1; masked positions get weight 0."""
        neg = self.scores_mask(mask, keys)
        ctx, alpha = self.step(keys, enc_out, s_prev, neg, self.W2.weight.T, self.v.weight.T)
        return ctx[0], alpha[..., 0]

    def extra_repr(self) -> str:
        return f"enc_size={self.enc_size}, dec_size={self.dec_size}, attn_size={self.attn_size}"


class Seq2Seq(Module):
    """LSTM encoder-decoder, with Bahdanau attention by default.

    Submodules (state-dict prefixes): ``src_embed`` (Embedding), ``encoder`` (fused
    ``LSTM(embed_dim, hidden_size, num_layers)``), ``tgt_embed``, ``decoder`` (a ModuleList of
    ``num_layers`` ``LSTMCell``; layer 0 reads [embed(y_{i-1}); c_i] (E + H) with attention,
    embed(y_{i-1}) without), ``attention`` (`BahdanauAttention` (H, H, H); absent without
    attention) and ``out`` (``Linear(2H, tgt_vocab)`` on [s_i; c_i], ``Linear(H, ...)``
    without attention). The decoder starts from the encoder's final (h, c) of every layer;
    the attention query and s_i are the top layer's hidden state.

    ``fused_cell=True`` runs each decoder step as the fused one-step ``lstm`` op (one graph
    node per layer and step); ``False`` uses the cells' primitive-op graph (each gate shown).
    Both compute the same numbers.
    """

    def __init__(
        self,
        src_vocab: int,
        tgt_vocab: int,
        embed_dim: int,
        hidden_size: int,
        attention: bool = True,
        *,
        pad_id: int = 0,
        num_layers: int = 1,
        fused_cell: bool = True,
    ):
        super().__init__()
        self.src_vocab, self.tgt_vocab = src_vocab, tgt_vocab
        self.embed_dim, self.hidden_size, self.num_layers = embed_dim, hidden_size, num_layers
        self.use_attention, self.pad_id, self.fused_cell = attention, pad_id, fused_cell
        h = hidden_size
        self.src_embed = Embedding(src_vocab, embed_dim)
        self.encoder = LSTM(embed_dim, h, num_layers)
        self.tgt_embed = Embedding(tgt_vocab, embed_dim)
        first = embed_dim + h if attention else embed_dim
        self.decoder = ModuleList([LSTMCell(first if k == 0 else h, h) for k in range(num_layers)])
        if attention:
            self.attention = BahdanauAttention(h, h, h)
        self.out = Linear(2 * h if attention else h, tgt_vocab)

    # -- encoder --------------------------------------------------------------------------
    def _lengths(self, src: np.ndarray, src_lengths: Any) -> np.ndarray:
        steps, batch = src.shape
        if src_lengths is None:
            lengths = (src != self.pad_id).sum(axis=0)
        else:
            lengths = np.asarray(src_lengths, dtype=np.int64).reshape(-1)
            if lengths.shape != (batch,):
                raise ValueError(f"Seq2Seq: src_lengths must have shape ({batch},)")
        if lengths.min() < 1 or lengths.max() > steps:
            raise ValueError(f"Seq2Seq: source lengths must be in [1, {steps}], got {lengths}")
        if src_lengths is None and lengths.min() < steps:
            real = np.arange(steps)[:, None] < lengths[None, :]
            if np.any(real != (src != self.pad_id)):
                raise ValueError(
                    "Seq2Seq: sources must be right-padded with pad_id (a pad before a real "
                    "token); pass src_lengths to treat pad_id as an ordinary token"
                )
        return lengths

    def encode(
        self, src: Any, src_lengths: Any = None
    ) -> tuple[Tensor, list[tuple[Tensor, Tensor]], np.ndarray | None]:
        """src (T_in, B) int, right-padded -> (enc_out (T_in, B, H), per-layer (h, c) each
        (B, H), mask (T_in, B) bool or None when nothing is padded).

        Lengths are ``src_lengths`` or the count of non-pad tokens. The fused LSTM runs in
        segments that end at each distinct length (chained through the state, so ``enc_out``
        is exactly one run over T_in); after the segment ending at L the state is the true
        final state of the sequences of length L, and ``where`` picks it for them.
        Positions past a sequence's end hold the continued recurrence; the mask gives them
        attention weight 0.
        """
        src_ids = np.asarray(src.data if isinstance(src, Tensor) else src)
        steps = src_ids.shape[0]
        lengths = self._lengths(src_ids, src_lengths)
        x = self.src_embed(src_ids)
        ends = np.unique(lengths)
        if len(ends) == 1 and ends[0] == steps:
            enc_out, (h_n, c_n) = self.encoder(x)
            return enc_out, [(h_n[k], c_n[k]) for k in range(self.num_layers)], None
        outs, state, start = [], None, 0
        h_final = c_final = None
        for end in ends:
            out, state = self.encoder(x[start:end], state)
            outs.append(out)
            sel = (lengths == end)[None, :, None]  # (1, B, 1) over (L, B, H)
            if h_final is None:
                h_final, c_final = state
            else:
                h_final = autograd.where(sel, state[0], h_final)
                c_final = autograd.where(sel, state[1], c_final)
            start = int(end)
        # both set by the loop's first segment
        assert h_final is not None
        assert c_final is not None
        if start < steps:  # padding after the longest sequence: positions masked anyway
            out, _ = self.encoder(x[start:], state)
            outs.append(out)
        enc_out = outs[0] if len(outs) == 1 else autograd.concatenate(outs, axis=0)
        mask = np.arange(steps)[:, None] < lengths[None, :]
        return enc_out, [(h_final[k], c_final[k]) for k in range(self.num_layers)], mask

    # -- decoder --------------------------------------------------------------------------
    def _cell(self, k: int, x: Tensor, h: Tensor, c: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """One step of decoder layer k: x (1, B, D) -> (s (1, B, H), h (B, H), c (B, H))."""
        cell = self.decoder[k]
        w = (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
        if self.fused_cell:
            s, (h, c) = F.lstm(x, h, c, *w)
            return s, h, c
        h, c = lstm_cell(x[0], h, c, *w)
        return h.reshape(1, *h.shape), h, c

    def _decode(
        self, enc_out: Tensor, states: list, mask: Any, emb: Tensor, keep_alpha: bool = False
    ) -> tuple[Tensor, list[Tensor]]:
        """Teacher-forced decoder over emb (T_out, B, E) -> (features [s_i; c_i] stacked
        (T_out, B, 2H) (s_i only without attention), list of α_i (T_in, B, 1))."""
        states = list(states)
        s_list, c_list, alphas = [], [], []
        attn = self.use_attention
        if attn:
            a = self.attention
            keys = a.precompute(enc_out)  # W1 h_j + b2, once per sequence
            w2t, vt = a.W2.weight.T, a.v.weight.T  # transposes hoisted out of the loop
            neg = a.scores_mask(mask, keys)
        for i in range(emb.shape[0]):
            x = emb[i : i + 1]  # (1, B, E)
            if attn:
                ctx, alpha = a.step(keys, enc_out, states[-1][0], neg, w2t, vt)
                c_list.append(ctx)
                if keep_alpha:
                    alphas.append(alpha)
                x = autograd.concatenate([x, ctx], axis=2)  # [embed(y_{i-1}); c_i]
            for k in range(self.num_layers):
                x, h, c = self._cell(k, x, *states[k])
                states[k] = (h, c)
            s_list.append(x)
        # one concatenation and one output product for all steps
        feats = autograd.concatenate(s_list, axis=0)
        if attn:
            feats = autograd.concatenate([feats, autograd.concatenate(c_list, axis=0)], axis=2)
        return feats, alphas

    def forward(self, src: Any, tgt_in: Any, src_lengths: Any = None) -> Tensor:
        """src (T_in, B), tgt_in (T_out, B) int (teacher forcing: y_0 = sos, y_1, …) ->
        logits (T_out, B, tgt_vocab). ``src_lengths`` (B,) defaults to the non-pad counts."""
        enc_out, states, mask = self.encode(src, src_lengths)
        tgt_ids = np.asarray(tgt_in.data if isinstance(tgt_in, Tensor) else tgt_in)
        feats, _ = self._decode(enc_out, states, mask, self.tgt_embed(tgt_ids))
        return self.out(feats)

    def loss(
        self, src: Any, tgt: Any, pad_id: int | None = None, src_lengths: Any = None
    ) -> Tensor:
        """Mean cross-entropy of teacher forcing on tgt (T_out + 1, B) = sos, y_1, …, y_n
        [eos, pads]: inputs tgt[:-1], targets tgt[1:]; targets equal to ``pad_id``
        (default: the model's) are ignored."""
        tgt = np.asarray(tgt.data if isinstance(tgt, Tensor) else tgt)
        logits = self(src, tgt[:-1], src_lengths)
        pad = self.pad_id if pad_id is None else pad_id
        flat = logits.reshape(-1, self.tgt_vocab)
        return F.cross_entropy(flat, tgt[1:].reshape(-1), ignore_index=pad)

    def greedy_decode(
        self, src: Any, max_len: int, sos: int, eos: int
    ) -> tuple[list[int], np.ndarray | None]:
        """Decode one sequence src (T_in,) greedily -> (tokens without eos, attention
        (len(tokens), T_in) or None without attention). At most ``max_len`` tokens."""
        src_ids = np.asarray(src.data if isinstance(src, Tensor) else src).reshape(-1, 1)
        tokens: list[int] = []
        rows: list[np.ndarray] = []
        with no_grad():
            # 1. encode the source sentence (one sequence: no padding, no mask)
            enc_out, states, _ = self.encode(src_ids, [src_ids.shape[0]])
            if self.use_attention:
                a = self.attention
                keys = a.precompute(enc_out)
                w2t, vt = a.W2.weight.T, a.v.weight.T
            # 2. start the decoder with the start-of-sequence token
            y = sos
            for _ in range(max_len):
                # 3. the decoder predicts the next word from y_{i-1}, s_{i-1} (and c_i)
                x = self.tgt_embed(np.array([[y]]))  # (1, 1, E)
                if self.use_attention:
                    ctx, alpha = a.step(keys, enc_out, states[-1][0], None, w2t, vt)
                    x = autograd.concatenate([x, ctx], axis=2)
                for k in range(self.num_layers):
                    x, h, c = self._cell(k, x, *states[k])
                    states[k] = (h, c)
                feats = autograd.concatenate([x, ctx], axis=2) if self.use_attention else x
                logits = self.out(feats).data[0, 0]
                # 4. take the most likely word (argmax)
                y = int(np.argmax(logits))
                # 6. ... and repeat until eos (excluded from the result) or max_len
                if y == eos:
                    break
                # 5. append it to the output; it is the next step's input
                tokens.append(y)
                if self.use_attention:
                    rows.append(alpha.data[:, 0, 0].copy())
        if not self.use_attention:
            return tokens, None
        attention = np.stack(rows) if rows else np.zeros((0, src_ids.shape[0]))
        return tokens, attention

    def extra_repr(self) -> str:
        return (
            f"src_vocab={self.src_vocab}, tgt_vocab={self.tgt_vocab}, "
            f"attention={self.use_attention}, pad_id={self.pad_id}"
        )


def train_seq2seq(
    model: Seq2Seq,
    train_pairs: Sequence[tuple[np.ndarray, np.ndarray]],
    *,
    epochs: int,
    batch_size: int = 64,
    lr: float = 2e-3,
    gamma: float = 1.0,
    clip: float = 5.0,
    seed: int = 0,
    evaluate: Callable[[Module], dict[str, float]] | None = None,
    on_epoch: Callable[[int, History], None] | None = None,
    progress: bool = True,
) -> History:
    """Teacher-forced training of ``model`` on (source ids, target ids ``sos … eos``) pairs
    with `nn.training.fit`: Adam at ``lr`` times ``gamma`` per epoch (StepLR), gradient norm
    clipped at ``clip``, batches of ``batch_size`` reshuffled each epoch from ``seed``;
    ``evaluate(model)`` (optional) is recorded after each epoch (e.g. {"test exact": 0.97}).
    Returns the history ("train loss" per epoch: the mean over batches)."""
    optimizer = Adam(model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    return fit(
        model,
        optimizer,
        lambda: pair_batches(train_pairs, batch_size, model.pad_id, rng),
        loss_fn=lambda m, batch: m.loss(*batch),
        epochs=epochs,
        scheduler=StepLR(optimizer, step_size=1, gamma=gamma),
        clip_grad_norm=clip,
        evaluate=evaluate,
        on_epoch=on_epoch,
        progress=progress,
    )


def exact_match(
    model: Seq2Seq,
    pairs: Sequence[tuple[np.ndarray, np.ndarray]],
    *,
    sos: int,
    eos: int,
    max_len: int,
) -> tuple[float, list[list[int]]]:
    """Share of (source ids, target ids) pairs whose greedy decode equals the target exactly
    (sos/eos stripped from the target), and the decoded id lists."""
    decoded, right = [], 0
    for src, tgt in pairs:
        tokens, _ = model.greedy_decode(src, max_len, sos, eos)
        expected = [int(t) for t in tgt if t not in (sos, eos)]
        right += tokens == expected
        decoded.append(tokens)
    return right / max(len(pairs), 1), decoded
