"""``tracegrad train seq2seq-{dates,poems,kjv}``: Seq2Seq with (or without) attention on
text pairs, trained with the one loop (`nn.training.fit`) as `nn.seq2seq.train_seq2seq` does
— Adam, lr × gamma per epoch, gradient norm clipped at 5, batches reshuffled each epoch —
with its optimizer, scheduler and generator in reach, so a run can resume; scored by exact
match and token accuracy on held-out pairs, with attention heatmaps (``attention_*.png``).

The settings of each run are in `tracegrad.recipes.SEQ2SEQ_RECIPES`. A run writes
``run.json`` and both vocabularies before training (what ``tracegrad predict`` reads).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

import nn
from nn.data import corpora, dates
from nn.data.text import Vocab, pair_batches
from nn.optim import Adam, StepLR
from nn.seq2seq import Seq2Seq, exact_match
from nn.training import fit
from tracegrad.architectures import build, spec
from tracegrad.recipes import SEQ2SEQ_RECIPES, Seq2SeqRecipe
from tracegrad.run_files import write_run_info
from tracegrad.run_state import RunState
from tracegrad.text_splits import limit_items, split_items
from viz.plots import plot_attention

CLIP = 5.0

Pair = tuple[np.ndarray, np.ndarray]
TOKENIZERS: dict[str, tuple[Callable[[str], list[str]], str]] = {
    "chars": (list, ""),  # tokenize, and the string that joins tokens back into text
    "words": (corpora.tokenize_words, " "),
}


def _dates_data(seed: int) -> tuple[list, list]:
    return dates.split_dates(20000, 1000, seed=seed)


def _poems_data(seed: int) -> tuple[list, list]:
    train, test = split_items(corpora.load_tang_quatrains(), 0.05, seed)
    return [(p[0], p[1]) for p in train], [(p[0], p[1]) for p in test]


def _kjv_data(seed: int) -> tuple[list, list]:
    short = lambda text: len(corpora.tokenize_words(text)) <= 30  # noqa: E731
    pairs = [(k, w) for k, w in corpora.load_kjv_web_pairs() if short(k) and short(w)]
    return split_items(pairs, 0.05, seed)


# run name -> data(seed) -> (train, held-out) text pairs
SEQ2SEQ_DATA: dict[str, Callable[[int], tuple[list, list]]] = {
    "seq2seq-dates": _dates_data,
    "seq2seq-poems": _poems_data,
    "seq2seq-kjv": _kjv_data,
}


def _encode(pairs: list[tuple[str, str]], tokenize: Callable, src: Vocab, tgt: Vocab) -> list:
    """Text pairs as (source ids, target ids ``sos … eos``)."""
    return [
        (src.encode(tokenize(s)), tgt.encode(tokenize(t), add_sos=True, add_eos=True))
        for s, t in pairs
    ]


def _score(
    model: Seq2Seq,
    test: list[Pair],
    test_text: list[tuple[str, str]],
    tgt_vocab: Vocab,
    recipe: Seq2SeqRecipe,
) -> dict:
    """Held-out exact match, token accuracy and the first 12 decodes as text."""
    tokenize, join = TOKENIZERS[recipe.tokens]
    sos, eos = tgt_vocab.sos, tgt_vocab.eos
    acc, decoded = exact_match(model, test, sos=sos, eos=eos, max_len=recipe.max_len)
    samples, token_hits, token_total = [], 0, 0
    for k, ((src_text, tgt_text), ids) in enumerate(zip(test_text[: len(test)], decoded)):
        got = tgt_vocab.decode(ids)
        want = tokenize(tgt_text)
        token_hits += sum(a == b for a, b in zip(got, want))
        token_total += max(len(want), len(got))
        if k < 12:
            samples.append(f"{src_text}  →  {join.join(got)}   (reference: {tgt_text})")
    return {
        "held-out exact match": acc,
        "held-out token accuracy": token_hits / max(token_total, 1),
        "held-out pairs scored": len(test),
        "samples": samples,
    }


def _heatmaps(
    model: Seq2Seq, test: list[Pair], src: Vocab, tgt: Vocab, recipe: Seq2SeqRecipe, out: Path
) -> None:
    """The attention of the first three held-out decodes, as ``attention_{k}.png``."""
    for k, (src_ids, _) in enumerate(test[:3]):
        tokens, weights = model.greedy_decode(src_ids, recipe.max_len, tgt.sos, tgt.eos)
        if len(tokens):
            plot_attention(
                weights,
                source=src.decode(src_ids, strip_specials=False),
                target=tgt.decode(tokens),
                title=f"{recipe.title}: attention",
                path=out / f"attention_{k}.png",
            )


def seq2seq_run(
    name: str,
    out: Path,
    *,
    epochs: int,
    seed: int,
    attention: bool,
    progress: bool,
    limit: int | None = None,
    lr: float | None = None,
    batch_size: int | None = None,
    resume: bool = False,
) -> dict:
    """Train the seq2seq run ``name`` into ``out`` (checkpoint ``model.npz``, ``resume.npz``
    and curves per epoch, vocabularies, heatmaps); returns its metrics. ``lr`` None: the
    recipe's; ``batch_size`` None: 64. ``resume``: continue the run saved in ``out``."""
    args = dict(model=name, epochs=epochs, lr=lr, batch_size=batch_size, seed=seed)
    args.update(attention=attention, limit=limit)
    recipe = SEQ2SEQ_RECIPES[name]
    batch_size = 64 if batch_size is None else batch_size
    tokenize, _ = TOKENIZERS[recipe.tokens]
    train_text, test_text = limit_items(*SEQ2SEQ_DATA[name](seed), limit)
    src_vocab = Vocab.build([tokenize(s) for s, _ in train_text], min_count=recipe.min_count)
    tgt_vocab = Vocab.build([tokenize(t) for _, t in train_text], min_count=recipe.min_count)
    train = _encode(train_text, tokenize, src_vocab, tgt_vocab)
    test = _encode(test_text[: recipe.n_eval], tokenize, src_vocab, tgt_vocab)
    nn.manual_seed(seed)
    embed, hidden = recipe.size
    description = spec(
        "Seq2Seq",
        src_vocab=len(src_vocab),
        tgt_vocab=len(tgt_vocab),
        embed_dim=embed,
        hidden_size=hidden,
        attention=attention,
        pad_id=src_vocab.pad,
    )
    model = build(description)
    sos, eos, max_len = tgt_vocab.sos, tgt_vocab.eos, recipe.max_len
    optimizer = Adam(model.parameters(), lr=recipe.lr if lr is None else lr)
    rng = np.random.default_rng(seed)
    scheduler = StepLR(optimizer, step_size=1, gamma=recipe.gamma)
    state = RunState(out, args, model, optimizer, scheduler, {"batches": rng})
    resumed = state.begin(resume)
    src_vocab.save(out / "src_vocab.json")
    tgt_vocab.save(out / "tgt_vocab.json")
    write_run_info(
        out,
        name,
        "model.npz",
        architecture=description,
        vocab={"source": "src_vocab.json", "target": "tgt_vocab.json"},
        tokens=recipe.tokens,
        max_len=max_len,
    )

    def evaluate(m: nn.Module) -> dict[str, float]:
        acc, _ = exact_match(m, test[:200], sos=sos, eos=eos, max_len=max_len)
        return {"held-out exact acc": acc}

    history = fit(
        model,
        optimizer,
        lambda: pair_batches(train, batch_size, model.pad_id, rng),
        loss_fn=lambda m, batch: m.loss(*batch),
        epochs=epochs,
        scheduler=scheduler,
        clip_grad_norm=CLIP,
        evaluate=evaluate,
        on_epoch=state.on_epoch(out / "model.npz", recipe.title),
        progress=progress,
        **resumed,
    )
    model.eval()
    scores = _score(model, test, test_text, tgt_vocab, recipe)
    if attention:
        _heatmaps(model, test, src_vocab, tgt_vocab, recipe, out)
    samples = scores.pop("samples")
    return {
        **scores,
        "attention": attention,
        "final train loss": history["train loss"][-1],
        "history": history,
        "samples": samples,
    }
