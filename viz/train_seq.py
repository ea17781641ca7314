"""``tracegrad train`` for the sequence models: a char-LSTM writing Tang lines, Seq2Seq on
dates, poems and KJV → modern English, and word2vec on the World English Bible.

Each run writes into its folder: the checkpoint (``model.npz``, atomic, once per epoch),
``curves.png``, ``metrics.json`` and ``samples.txt``; the Seq2Seq runs also an attention
heatmap per example (``attention_*.png``) and word2vec a 2-D projection of its vectors.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

import nn
from nn.charlm import CharLSTM
from nn.data import corpora, dates
from nn.data.text import Vocab
from nn.seq2seq import Seq2Seq
from nn.seq_training import exact_match, train_charlm, train_seq2seq
from nn.word2vec import Word2Vec
from viz.cli_args import check_settings
from viz.graph import write_atomically
from viz.plots import plot_attention, plot_curves, plot_embeddings

SEQ_MODELS = ("lstm-poems", "seq2seq-dates", "seq2seq-poems", "seq2seq-kjv", "word2vec")


def _write_json(path: Path, data: dict) -> None:
    write_atomically(path, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode())


def _checkpointer(model: nn.Module, out: Path, title: str) -> Callable:
    def on_epoch(epoch: int, history: dict[str, list[float]]) -> None:
        model.save(out / "model.npz")
        plot_curves(history, title=title, path=out / "curves.png")

    return on_epoch


def _limit(train: list, test: list, limit: int | None) -> tuple[list, list]:
    """At most ``limit`` training items and a tenth as many (at least 10) held-out ones:
    quick runs for tests and smoke checks."""
    if limit is None:
        return train, test
    return train[:limit], test[: max(10, limit // 10)]


def _split(items: list, test_fraction: float, seed: int) -> tuple[list, list]:
    order = np.random.default_rng(seed).permutation(len(items))
    cut = round(len(items) * (1 - test_fraction))
    return [items[i] for i in order[:cut]], [items[i] for i in order[cut:]]


# -- char-level LSTM on Tang quatrains -------------------------------------------------------
def poem_text(poem: list[str]) -> str:
    """A quatrain as one line of text: ``l1，l2。l3，l4。``."""
    return f"{poem[0]}，{poem[1]}。{poem[2]}，{poem[3]}。"


def lstm_poems(
    out: Path,
    *,
    epochs: int,
    seed: int,
    progress: bool,
    limit: int | None = None,
    lr: float = 3e-3,
    batch_size: int = 64,
) -> dict:
    """Train the char-LSTM on 95 % of the quatrains; held-out perplexity and samples."""
    poems = corpora.load_tang_quatrains()
    train, test = _split(poems, 0.05, seed)
    train, test = _limit(train, test, limit)
    vocab = Vocab.build([list(poem_text(p)) for p in train], min_count=2)
    encode = lambda p: vocab.encode(list(poem_text(p)), add_sos=True, add_eos=True)  # noqa: E731
    nn.manual_seed(seed)
    model = CharLSTM(len(vocab), 128, 384)
    history = train_charlm(
        model,
        [encode(p) for p in train],
        pad_id=vocab.pad,
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        gamma=0.85,
        seed=seed,
        held_out=[encode(p) for p in test],
        on_epoch=_checkpointer(model, out, "char-LSTM on Tang quatrains"),
        progress=progress,
    )
    rng = np.random.default_rng(seed)
    samples = []
    for temperature in (0.6, 0.8, 1.0):
        for _ in range(3):
            ids = model.sample(None, [vocab.sos], 24, temperature, rng, stop_id=vocab.eos)
            samples.append(f"T={temperature}: " + "".join(vocab.decode(ids)))
    vocab.save(out / "vocab.json")
    return {
        "held-out perplexity": history["held-out perplexity"][-1],
        "history": history,
        "vocab": len(vocab),
        "train poems": len(train),
        "held-out poems": len(test),
        "samples": samples,
    }


# -- Seq2Seq ---------------------------------------------------------------------------------
def _char_pairs(pairs: list[tuple[str, str]], src_vocab: Vocab, tgt_vocab: Vocab) -> list:
    return [
        (src_vocab.encode(s), tgt_vocab.encode(t, add_sos=True, add_eos=True)) for s, t in pairs
    ]


def _seq2seq_run(
    out: Path,
    train_text: list[tuple[str, str]],
    test_text: list[tuple[str, str]],
    *,
    title: str,
    tokenize: Callable[[str], list[str]],
    join: str,
    epochs: int,
    seed: int,
    attention: bool,
    progress: bool,
    size: tuple[int, int],
    lr: float,
    gamma: float,
    max_len: int,
    min_count: int = 1,
    n_eval: int = 500,
    limit: int | None = None,
    batch_size: int = 64,
) -> dict:
    train_text, test_text = _limit(train_text, test_text, limit)
    src_vocab = Vocab.build([tokenize(s) for s, _ in train_text], min_count=min_count)
    tgt_vocab = Vocab.build([tokenize(t) for _, t in train_text], min_count=min_count)
    enc = lambda text: [(tokenize(s), tokenize(t)) for s, t in text]  # noqa: E731
    train = _char_pairs(enc(train_text), src_vocab, tgt_vocab)
    test = _char_pairs(enc(test_text[:n_eval]), src_vocab, tgt_vocab)
    nn.manual_seed(seed)
    model = Seq2Seq(
        len(src_vocab), len(tgt_vocab), size[0], size[1], attention=attention, pad_id=src_vocab.pad
    )
    sos, eos = tgt_vocab.sos, tgt_vocab.eos

    def evaluate(m: nn.Module) -> dict[str, float]:
        acc, _ = exact_match(m, test[:200], sos=sos, eos=eos, max_len=max_len)
        return {"held-out exact acc": acc}

    history = train_seq2seq(
        model,
        train,
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        gamma=gamma,
        seed=seed,
        evaluate=evaluate,
        on_epoch=_checkpointer(model, out, title),
        progress=progress,
    )
    model.eval()
    acc, decoded = exact_match(model, test, sos=sos, eos=eos, max_len=max_len)
    samples, token_hits, token_total = [], 0, 0
    for k, ((src_text, tgt_text), ids) in enumerate(zip(test_text[: len(test)], decoded)):
        got = tgt_vocab.decode(ids)
        want = tokenize(tgt_text)
        token_hits += sum(a == b for a, b in zip(got, want))
        token_total += max(len(want), len(got))
        if k < 12:
            samples.append(f"{src_text}  →  {join.join(got)}   (reference: {tgt_text})")
    if attention:
        for k, (src_ids, _) in enumerate(test[:3]):
            tokens, weights = model.greedy_decode(src_ids, max_len, sos, eos)
            if len(tokens):
                plot_attention(
                    weights,
                    source=src_vocab.decode(src_ids, strip_specials=False),
                    target=tgt_vocab.decode(tokens),
                    title=f"{title}: attention",
                    path=out / f"attention_{k}.png",
                )
    src_vocab.save(out / "src_vocab.json")
    tgt_vocab.save(out / "tgt_vocab.json")
    return {
        "held-out exact match": acc,
        "held-out token accuracy": token_hits / max(token_total, 1),
        "held-out pairs scored": len(test),
        "attention": attention,
        "final train loss": history["train loss"][-1],
        "history": history,
        "samples": samples,
    }


def _dates_data(seed: int) -> tuple[list, list]:
    return dates.split_dates(20000, 1000, seed=seed)


def _poems_data(seed: int) -> tuple[list, list]:
    train, test = _split(corpora.load_tang_quatrains(), 0.05, seed)
    return [(p[0], p[1]) for p in train], [(p[0], p[1]) for p in test]


def _kjv_data(seed: int) -> tuple[list, list]:
    short = lambda text: len(corpora.tokenize_words(text)) <= 30  # noqa: E731
    pairs = [(k, w) for k, w in corpora.load_kjv_web_pairs() if short(k) and short(w)]
    return _split(pairs, 0.05, seed)


# name -> (data(seed) -> (train, test) text pairs, the run's settings)
SEQ2SEQ_RUNS: dict[str, tuple[Callable, dict]] = {
    # dates in many formats → ISO, characters; exact match on held-out dates
    "seq2seq-dates": (
        _dates_data,
        dict(
            title="dates → ISO",
            tokenize=list,
            join="",
            size=(32, 128),
            lr=3e-3,
            gamma=0.8,
            max_len=12,
            n_eval=1000,
        ),
    ),
    # first line of a quatrain → its second line, characters
    "seq2seq-poems": (
        _poems_data,
        dict(
            title="first line → second line",
            tokenize=list,
            join="",
            size=(128, 256),
            lr=3e-3,
            gamma=0.85,
            max_len=8,
            min_count=2,
        ),
    ),
    # King James → World English verses, words, verses up to 30 words
    "seq2seq-kjv": (
        _kjv_data,
        dict(
            title="KJV → WEB",
            tokenize=corpora.tokenize_words,
            join=" ",
            size=(128, 256),
            lr=2e-3,
            gamma=0.8,
            max_len=40,
            min_count=3,
            n_eval=300,
        ),
    ),
}


# -- word2vec --------------------------------------------------------------------------------
PROBE_WORDS = ("king", "water", "love", "god", "son", "land")
# themes for the 2-D picture: words of one theme should land near each other
THEMES = {
    "family": "father mother son daughter brother sister wife husband",
    "rulers": "king kings prince princes queen chief captain",
    "nature": "water river sea rain tree field earth mountain",
    "animals": "sheep cattle goats camels donkeys oxen rams lambs",
    "numbers": "two three four five seven ten hundred thousand",
}


def word2vec(
    out: Path,
    *,
    epochs: int,
    seed: int,
    progress: bool,
    limit: int | None = None,
    lr: float = 0.025,
) -> dict:
    """Skip-gram with negative sampling on the bundled Bible part; neighbours, analogies,
    and a 2-D PCA projection of common words. ``lr`` is SGD's starting alpha (gensim's)."""
    from nn.data.analogies import ANALOGIES

    sentences = corpora.load_bible_sentences()[:limit]
    start = time.perf_counter()
    model = Word2Vec.train(
        sentences,
        vector_size=100,
        window=5,
        min_count=5,
        sg=1,
        negative=5,
        epochs=epochs,
        alpha=lr,
        seed=seed,
    )
    seconds = time.perf_counter() - start
    model.save(out / "model.npz")
    neighbours = {
        w: [(n, round(c, 3)) for n, c in model.most_similar(w, topn=8)]
        for w in PROBE_WORDS
        if w in model.vocab
    }
    accuracy, used = model.evaluate_analogies(ANALOGIES)
    words = [w for theme in THEMES.values() for w in theme.split() if w in model.vocab]
    vectors = np.stack([model.vector(w) for w in words])
    plot_embeddings(
        vectors,
        words,
        title="word2vec on the World English Bible: five themes (PCA)",
        highlight=[w for w in THEMES["family"].split() if w in words],
        path=out / "projection.png",
    )
    words_total = sum(len(s) for s in sentences) * epochs
    return {
        "most similar": neighbours,
        "analogy accuracy": accuracy,
        "analogies used": used,
        "words/s": round(words_total / seconds),
        "seconds": round(seconds, 1),
        "vocab": len(model.vocab),
    }


# name -> default epochs (each run's other defaults sit in its function or SEQ2SEQ_RUNS)
DEFAULT_EPOCHS = {
    "lstm-poems": 12,
    "seq2seq-dates": 4,
    "seq2seq-poems": 10,
    "seq2seq-kjv": 4,
    "word2vec": 5,
}


def train_sequence_model(
    name: str,
    out: Path,
    *,
    epochs: int | None = None,
    lr: float | None = None,
    batch_size: int | None = None,
    seed: int = 0,
    attention: bool = True,
    progress: bool = True,
    limit: int | None = None,
) -> dict:
    """Run ``tracegrad train NAME`` for a sequence model; returns and writes the metrics.

    ``epochs``, ``lr`` and ``batch_size`` left as None take the run's defaults; given, they
    are used as they are (epochs and batch_size >= 1, lr finite > 0, else ValueError).
    word2vec trains pair by pair (``lr`` is its starting alpha; a ``batch_size`` is refused),
    and only the seq2seq runs take ``attention=False``.
    ``limit`` caps the training examples (sentences for word2vec) for a quick run."""
    if name not in DEFAULT_EPOCHS:
        raise ValueError(f"unknown sequence model {name!r}; choose from {SEQ_MODELS}")
    check_settings(epochs=epochs, lr=lr, batch_size=batch_size, seed=seed)
    if name == "word2vec" and batch_size is not None:
        raise ValueError("word2vec trains pair by pair: batch_size does not apply")
    if not attention and name not in SEQ2SEQ_RUNS:
        raise ValueError(f"attention=False applies to the seq2seq models, not {name}")
    out.mkdir(parents=True, exist_ok=True)
    epochs = DEFAULT_EPOCHS[name] if epochs is None else epochs
    given = {"lr": lr, "batch_size": batch_size}
    given = {k: v for k, v in given.items() if v is not None}
    start = time.perf_counter()
    if name == "lstm-poems":
        metrics = lstm_poems(out, epochs=epochs, seed=seed, progress=progress, limit=limit, **given)
    elif name == "word2vec":
        metrics = word2vec(out, epochs=epochs, seed=seed, progress=progress, limit=limit, **given)
    else:
        data, settings = SEQ2SEQ_RUNS[name]
        train, test = data(seed)
        metrics = _seq2seq_run(
            out,
            train,
            test,
            epochs=epochs,
            seed=seed,
            attention=attention,
            progress=progress,
            limit=limit,
            **{**settings, **given},
        )
    metrics.update(model=name, epochs=epochs, seconds=round(time.perf_counter() - start, 1))
    metrics.update(given)
    samples = metrics.get("samples")
    if samples:
        write_atomically(out / "samples.txt", ("\n".join(samples) + "\n").encode("utf-8"))
    _write_json(out / "metrics.json", metrics)
    return metrics
