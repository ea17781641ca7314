"""CharLSTM: shapes, learning a repetitive text, sampling with temperature, perplexity."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from nn.charlm import CharLSTM
from nn.optim import Adam

TEXT = "abc" * 40
VOCAB = sorted(set(TEXT))  # ["a", "b", "c"]


def _windows(text: str, steps: int) -> np.ndarray:
    """(steps + 1, B) ids: every window of the text starting at a multiple of 3."""
    ids = np.array([VOCAB.index(ch) for ch in text])
    starts = range(0, len(ids) - steps - 1, 3)
    return np.stack([ids[s : s + steps + 1] for s in starts], axis=1)


@pytest.fixture(scope="module")
def trained() -> tuple[CharLSTM, list[float]]:
    nn.manual_seed(0)
    model = CharLSTM(len(VOCAB), 8, 16)
    opt = Adam(model.parameters(), lr=0.02)
    data = _windows(TEXT, 12)
    losses = []
    for _ in range(60):
        logits, _ = model(data[:-1])
        loss = _ce(logits, data[1:])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return model, losses


def _ce(logits, targets):
    import autograd.functional as F

    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def test_charlm_shapes():
    nn.manual_seed(0)
    model = CharLSTM(7, 4, 5, num_layers=2)
    logits, (h, c) = model(np.zeros((6, 3), dtype=np.int64))
    assert logits.shape == (6, 3, 7)
    assert h.shape == c.shape == (2, 3, 5)
    logits2, _ = model(np.zeros((1, 3), dtype=np.int64), (h, c))
    assert logits2.shape == (1, 3, 7)


def test_charlm_loss_falls_tenfold(trained):
    _, losses = trained
    assert losses[-1] < losses[0] / 10  # from ≈ ln 3 ≈ 1.1 to below 0.11


def test_charlm_low_temperature_follows_the_pattern(trained):
    model, _ = trained
    out = model.sample(VOCAB, "ab", 9, temperature=1e-3, rng=np.random.default_rng(0))
    assert "".join(VOCAB[i] for i in out) == "cabcabcab"
    # near-zero temperature is the argmax path: any generator gives the same ids
    again = model.sample(None, [0, 1], 9, temperature=1e-3, rng=np.random.default_rng(7))
    assert again == out


def test_charlm_sample_stop_id_and_high_temperature(trained):
    model, _ = trained
    assert model.sample(
        None, [0], 5, temperature=1e-3, stop_id=2, rng=np.random.default_rng(0)
    ) == [1]
    rng = np.random.default_rng(0)
    hot = model.sample(None, [0], 300, temperature=50.0, rng=rng)
    assert len(hot) == 300
    assert set(hot) == {0, 1, 2}  # a flat distribution visits every id


@pytest.mark.parametrize("temperature", [0.0, -1.0])
def test_charlm_sample_rejects_temperature(temperature):
    model = CharLSTM(3, 2, 2)
    with pytest.raises(ValueError, match="temperature"):
        model.sample(None, [0], 3, temperature=temperature)


def test_charlm_perplexity_near_one(trained):
    model, _ = trained
    data = _windows(TEXT, 12)
    ppl = model.perplexity([data])
    assert 1.0 <= ppl < 1.1
    # pairs and pad_id: a padded target is not counted
    x, y = data[:-1], data[1:].copy()
    y[-1] = 3  # an id outside the vocabulary, used as padding
    assert model.perplexity([(x, y)], pad_id=3) == pytest.approx(ppl, rel=0.05)
    untrained = CharLSTM(3, 8, 16)
    assert untrained.perplexity([data]) > 2.0
