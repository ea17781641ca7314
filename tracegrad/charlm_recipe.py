"""``tracegrad train lstm-poems``: a character-level LSTM (`nn.CharLSTM`) writing Tang
quatrains, trained with the one loop (`nn.training.fit`) as `nn.charlm.train_charlm` does —
Adam, lr × 0.85 per epoch, gradient norm clipped at 5, batches reshuffled each epoch — with
its optimizer, scheduler and shuffling generator in reach, so a run can resume.

It writes ``run.json`` and ``vocab.json`` before training (what ``tracegrad sample`` reads),
then per epoch ``model.npz``, ``resume.npz`` and ``curves.png``; it returns held-out
perplexity and samples.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

import autograd.functional as F
import nn
from autograd import Tensor
from nn.data import corpora
from nn.data.text import Vocab, lm_batches
from nn.optim import Adam, StepLR
from nn.training import fit
from tracegrad.architectures import build, spec
from tracegrad.run_files import write_run_info
from tracegrad.run_state import RunState
from tracegrad.text_splits import limit_items, split_items

EMBED, HIDDEN = 128, 384
GAMMA, CLIP = 0.85, 5.0
# what the samples of a run (and `tracegrad sample`) start from and how long they may grow
SAMPLE_CHARS = 24
TITLE = "char-LSTM on Tang quatrains"


def poem_data(seed: int, limit: int | None) -> tuple[list, list, Vocab]:
    """Training and held-out quatrains (95/5 by ``seed``, capped by ``limit``) and the
    character vocabulary of the training part (characters seen at least twice)."""
    train, test = split_items(corpora.load_tang_quatrains(), 0.05, seed)
    train, test = limit_items(train, test, limit)
    vocab = Vocab.build([list(corpora.poem_text(p)) for p in train], min_count=2)
    return train, test, vocab


def next_char_loss(pad_id: int | None) -> Callable[[nn.Module, tuple], Tensor]:
    """The loss of `nn.charlm.train_charlm`: cross-entropy of each next character, padding
    not scored."""

    def loss_of(m: nn.Module, batch: tuple[np.ndarray, np.ndarray]) -> Tensor:
        x, y = batch
        logits, _ = m(x)
        flat = logits.reshape(-1, logits.shape[-1])
        return F.cross_entropy(flat, y.reshape(-1), ignore_index=pad_id)

    return loss_of


def sample_text(
    model: nn.CharLSTM, vocab: Vocab, temperature: float, rng: np.random.Generator, start: str = ""
) -> str:
    """One poem drawn from ``model`` after ``<sos>`` and the characters of ``start`` (kept at
    the head of the result), at most `SAMPLE_CHARS` more, stopping at ``<eos>``."""
    prime = [vocab.sos, *(vocab[ch] for ch in start)]
    ids = model.sample(None, prime, SAMPLE_CHARS, temperature, rng, stop_id=vocab.eos)
    return start + "".join(vocab.decode(ids))


def lstm_poems(
    out: Path,
    *,
    epochs: int,
    seed: int,
    progress: bool,
    limit: int | None = None,
    lr: float | None = None,
    batch_size: int | None = None,
    resume: bool = False,
) -> dict:
    """Train the char-LSTM on 95 % of the quatrains; held-out perplexity and samples.
    ``lr`` and ``batch_size`` None: 3e-3 and 64. ``resume``: continue the run in ``out``."""
    args = dict(model="lstm-poems", epochs=epochs, lr=lr, batch_size=batch_size, seed=seed)
    args["limit"] = limit
    lr = 3e-3 if lr is None else lr
    batch_size = 64 if batch_size is None else batch_size
    train, test, vocab = poem_data(seed, limit)

    def encode(poems: Sequence[list[str]]) -> list[np.ndarray]:
        texts = (list(corpora.poem_text(p)) for p in poems)
        return [vocab.encode(t, add_sos=True, add_eos=True) for t in texts]

    sequences, held_out = encode(train), encode(test)
    nn.manual_seed(seed)
    description = spec("CharLSTM", vocab_size=len(vocab), embed_dim=EMBED, hidden_size=HIDDEN)
    model = build(description)
    assert isinstance(model, nn.CharLSTM)
    optimizer = Adam(model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    scheduler = StepLR(optimizer, step_size=1, gamma=GAMMA)
    state = RunState(out, args, model, optimizer, scheduler, {"batches": rng})
    resumed = state.begin(resume)
    vocab.save(out / "vocab.json")
    write_run_info(out, "lstm-poems", "model.npz", architecture=description, vocab="vocab.json")

    def perplexity(m: nn.Module) -> dict[str, float]:
        assert isinstance(m, nn.CharLSTM)
        ppl = m.perplexity(lm_batches(held_out, 256, vocab.pad), pad_id=vocab.pad)
        return {"held-out perplexity": ppl}

    history = fit(
        model,
        optimizer,
        lambda: lm_batches(sequences, batch_size, vocab.pad, rng),
        loss_fn=next_char_loss(vocab.pad),
        epochs=epochs,
        scheduler=scheduler,
        clip_grad_norm=CLIP,
        evaluate=perplexity,
        on_epoch=state.on_epoch(out / "model.npz", TITLE),
        progress=progress,
        **resumed,
    )
    sample_rng = np.random.default_rng(seed)
    samples = [
        f"T={temperature}: " + sample_text(model, vocab, temperature, sample_rng)
        for temperature in (0.6, 0.8, 1.0)
        for _ in range(3)
    ]
    return {
        "held-out perplexity": history["held-out perplexity"][-1],
        "history": history,
        "vocab": len(vocab),
        "train poems": len(train),
        "held-out poems": len(test),
        "samples": samples,
    }
