"""word2vec: skip-gram and CBOW, with negative sampling or a full softmax.

Two ways to use it:

- As a differentiable module: ``Word2Vec(V, D, sg=1, negative=5)(center, context,
  negatives)`` is the mean loss of a batch built from autograd ops (gradchecked), for
  teaching and for training with any optimizer.
- ``Word2Vec.train(sentences, ...)``: builds the vocabulary and trains on a whole corpus with
  word2vec's SGD loop, a fused Numba routine reached through the ops layer
  (`autograd.ops.word2vec.word2vec_sgd_epoch`: sparse in-place row updates, subsampling,
  reduced windows, a decaying learning rate, gensim's semantics).

Parameters: ``in_embed.weight`` (V, D), the word vectors (gensim's ``wv.vectors``),
initialised U(-0.5/D, 0.5/D); ``out_embed.weight`` (V, D), the output vectors (``syn1neg``),
initialised to zero.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

import autograd.functional as F
from autograd import Tensor, get_default_dtype
from autograd.ops.word2vec import word2vec_sgd_epoch
from nn import checkpoint, init
from nn.checkpoint import NpzReader, write_npz
from nn.data.text import Vocab
from nn.layers import Embedding
from nn.module import Module


class _TrainOrMode:
    """``Word2Vec.train(sentences, ...)`` trains a new model (a classmethod); on an instance,
    ``model.train()`` / ``model.train(False)`` keep `Module.train`'s meaning (the mode)."""

    def __get__(self, obj: Any, cls: type[Word2Vec]) -> Any:
        if obj is None:
            return cls._train_corpus
        return lambda mode=True: Module.train(obj, mode)


class Word2Vec(Module):
    """word2vec as a module: sg=1 skip-gram, sg=0 CBOW; negative=K > 0 negative sampling,
    negative=0 the full softmax over the vocabulary."""

    def __init__(self, vocab_size: int, vector_size: int = 100, sg: int = 1, negative: int = 5):
        super().__init__()
        if vocab_size < 1 or vector_size < 1 or negative < 0 or sg not in (0, 1):
            raise ValueError(
                f"Word2Vec: need vocab_size, vector_size ≥ 1, negative ≥ 0, sg in (0, 1); got "
                f"{vocab_size}, {vector_size}, {negative}, {sg}"
            )
        self.vocab_size, self.vector_size = vocab_size, vector_size
        self.sg, self.negative = sg, negative
        self.in_embed = Embedding(vocab_size, vector_size)
        self.in_embed.weight.data[...] = init.uniform((vocab_size, vector_size), 0.5 / vector_size)
        self.out_embed = Embedding(vocab_size, vector_size)
        self.out_embed.weight.data[...] = 0
        self.vocab: Vocab | None = None

    train = _TrainOrMode()

    # -- the differentiable loss ----------------------------------------------------------
    def forward(
        self,
        center: Any,
        context: Any,
        negatives: Any = None,
        *,
        generator: np.random.Generator | None = None,
    ) -> Tensor:
        """Mean loss over a batch of B examples.

        Skip-gram: center (B,), context (B,) ids; h = v_center. CBOW: context (B, 2m) ids,
        -1 marking padding, h = the mean of the valid context vectors, predicting center.
        With negative = K > 0, negatives (B, K) ids (drawn from the unigram^0.75 distribution
        of the trained vocabulary, or uniformly, with ``generator`` when None) and
        L = -log σ(u_target · h) - Σ_k log σ(-u_k · h); with negative = 0,
        L = cross-entropy(softmax(U h), target).
        """
        center, context = np.asarray(center), np.asarray(context)
        if self.sg:
            h, target = self.in_embed(center), context
        else:
            if context.ndim != 2:
                raise ValueError(f"Word2Vec (CBOW): context must be (B, 2m), got {context.shape}")
            valid = context >= 0
            count = valid.sum(axis=1, keepdims=True)
            if (count == 0).any():
                raise ValueError("Word2Vec (CBOW): every example needs a valid context word")
            rows = self.in_embed(np.where(valid, context, 0))  # (B, 2m, D)
            w = (valid / count).astype(rows.dtype)[:, :, None]
            h, target = (rows * w).sum(axis=1), center
        b = h.shape[0]
        if self.negative == 0:
            return F.cross_entropy(h @ self.out_embed.weight.T, target)
        if negatives is None:
            negatives = self._sample_negatives((b, self.negative), generator)
        negatives = np.asarray(negatives)
        u_pos = self.out_embed(target)  # (B, D)
        u_neg = self.out_embed(negatives)  # (B, K, D)
        s_pos = (u_pos * h).sum(axis=1)
        s_neg = (u_neg * h.reshape(b, 1, -1)).sum(axis=2)
        # -log σ(s) = BCE(s, 1) and -log σ(-s) = BCE(s, 0)
        loss = F.binary_cross_entropy_with_logits(s_pos, np.ones(b, s_pos.dtype), "sum")
        loss = loss + F.binary_cross_entropy_with_logits(
            s_neg, np.zeros(s_neg.shape, s_neg.dtype), "sum"
        )
        return loss / b

    def _sample_negatives(
        self, shape: tuple[int, ...], generator: np.random.Generator | None
    ) -> np.ndarray:
        rng = generator if generator is not None else init.generator()
        if self.vocab is None:
            return rng.integers(0, self.vocab_size, shape)
        p = np.asarray(self.vocab.counts, np.float64) ** 0.75
        return rng.choice(self.vocab_size, shape, p=p / p.sum())

    # -- fast training ----------------------------------------------------------------------
    @classmethod
    def _train_corpus(
        cls,
        sentences: Iterable[Sequence[str]],
        vector_size: int = 100,
        window: int = 5,
        min_count: int = 5,
        sg: int = 1,
        negative: int = 5,
        epochs: int = 5,
        seed: int = 0,
        alpha: float = 0.025,
        min_alpha: float = 0.0001,
        sample: float = 1e-3,
        workers: int = 1,
    ) -> Word2Vec:
        """Build the vocabulary (words seen ≥ min_count times) and train on ``sentences``
        (lists of tokens) like gensim's ``Word2Vec``; single-threaded and reproducible."""
        if workers != 1:
            raise ValueError(f"Word2Vec.train: only workers=1 is supported, got {workers}")
        sentences = sentences if isinstance(sentences, list) else list(sentences)
        vocab = Vocab.build(sentences, min_count=min_count, specials=())
        if len(vocab) == 0:
            raise ValueError(
                f"Word2Vec.train: empty vocabulary (no word occurs min_count={min_count} times "
                f"in {len(sentences)} sentences)"
            )
        model = cls(len(vocab), vector_size, sg=sg, negative=negative)
        d = vector_size
        w = np.random.default_rng(seed).uniform(-0.5 / d, 0.5 / d, (len(vocab), d))
        model.in_embed.weight.data[...] = w
        model.vocab = vocab
        return model.fit(
            sentences,
            window=window,
            epochs=epochs,
            seed=seed,
            alpha=alpha,
            min_alpha=min_alpha,
            sample=sample,
        )

    def encode(self, sentences: Iterable[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
        """Token ids of the in-vocabulary words, flat (N,) int32, and sentence offsets (S+1,)."""
        stoi = self._vocab().stoi
        ids: list[int] = []
        offsets = [0]
        for s in sentences:
            ids.extend(stoi[w] for w in s if w in stoi)
            offsets.append(len(ids))
        return np.asarray(ids, np.int32), np.asarray(offsets, np.int64)

    def fit(
        self,
        sentences: Iterable[Sequence[str]],
        *,
        window: int = 5,
        epochs: int = 5,
        seed: int = 0,
        alpha: float = 0.025,
        min_alpha: float = 0.0001,
        sample: float = 1e-3,
    ) -> Word2Vec:
        """Train the vectors in place on ``sentences`` with word2vec's SGD loop (a fused Numba
        routine, `autograd.ops.word2vec.word2vec_sgd_epoch`); returns self."""
        if window < 1 or epochs < 0:
            raise ValueError(f"Word2Vec.fit: need window ≥ 1, epochs ≥ 0; got {window}, {epochs}")
        tokens, offsets = self.encode(sentences)
        counts = np.asarray(self._vocab().counts, np.float64)
        keep = np.ones(len(counts), np.float64)
        if sample > 0:  # gensim: keep a word with p = (√(c/t) + 1) t/c, t = sample · total
            t = sample * counts.sum()
            keep = np.minimum((np.sqrt(counts / t) + 1) * t / counts, 1.0)
        noise = counts**0.75
        cum = np.round(np.cumsum(noise) / noise.sum() * (2**31 - 1)).astype(np.int64)
        w_in, w_out = self.in_embed.weight, self.out_embed.weight
        total = max(len(tokens) * epochs, 1)
        r = int(seed) & ((1 << 48) - 1)
        self.words_trained = 0
        for e in range(epochs):
            r, kept = word2vec_sgd_epoch(
                w_in,
                w_out,
                tokens,
                offsets,
                keep,
                cum,
                sg=self.sg,
                negative=self.negative,
                window=window,
                alpha=alpha,
                min_alpha=min_alpha,
                words_before=e * len(tokens),
                total_words=total,
                state=r,
            )
            self.words_trained += kept
        return self

    # -- querying the vectors ----------------------------------------------------------------
    def _vocab(self) -> Vocab:
        if self.vocab is None:
            raise ValueError("Word2Vec: no vocabulary; train with Word2Vec.train(sentences)")
        return self.vocab

    def _index(self, word: str) -> int:
        try:
            return self._vocab().stoi[word]
        except KeyError:
            raise KeyError(f"word {word!r} not in vocabulary") from None

    def vector(self, word: str) -> np.ndarray:
        """The word's vector (D,) (a copy of its row of ``in_embed.weight``)."""
        return self.in_embed.weight.data[self._index(word)].copy()

    def _unit(self) -> np.ndarray:
        w = self.in_embed.weight.data.astype(np.float64)
        return w / np.maximum(np.linalg.norm(w, axis=1, keepdims=True), 1e-12)

    def _nearest(self, query: np.ndarray, exclude: set[int], topn: int) -> list[tuple[str, float]]:
        unit = self._unit()
        q = query / max(np.linalg.norm(query), 1e-12)
        sims = unit @ q
        order = np.argsort(-sims, kind="stable")
        itos = self._vocab().itos
        out = [(itos[i], float(sims[i])) for i in order if i not in exclude]
        return out[:topn]

    def most_similar(self, word: str, topn: int = 10) -> list[tuple[str, float]]:
        """The ``topn`` words of highest cosine similarity to ``word`` (itself excluded)."""
        i = self._index(word)
        return self._nearest(self._unit()[i], {i}, topn)

    def analogy(self, a: str, b: str, c: str, topn: int = 1) -> list[tuple[str, float]]:
        """a is to b as c is to ?: 3CosAdd, the words nearest to b̂ - â + ĉ (unit vectors),
        a, b and c excluded (gensim's ``most_similar(positive=[b, c], negative=[a])``)."""
        ia, ib, ic = self._index(a), self._index(b), self._index(c)
        unit = self._unit()
        return self._nearest(unit[ib] - unit[ia] + unit[ic], {ia, ib, ic}, topn)

    def evaluate_analogies(self, questions: Iterable[Sequence[str]]) -> tuple[float, int]:
        """Accuracy of `analogy` (top 1) on (a, b, c, d) questions whose four words are all in
        the vocabulary, and how many questions that was (accuracy 0.0 if none)."""
        stoi = self._vocab().stoi
        used = [q for q in questions if all(w in stoi for w in q)]
        if not used:
            return 0.0, 0
        unit = self._unit()
        idx = np.array([[stoi[w] for w in q] for q in used])
        target = unit[idx[:, 1]] - unit[idx[:, 0]] + unit[idx[:, 2]]
        sims = target @ unit.T  # (Q, V); the norm of the query does not change the argmax
        rows = np.arange(len(used))
        for k in range(3):
            sims[rows, idx[:, k]] = -np.inf
        correct = (sims.argmax(axis=1) == idx[:, 3]).sum()
        return float(correct) / len(used), len(used)

    # -- files --------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the tables, the settings and the vocabulary (as JSON text) to ``path`` (.npz)."""
        path = Path(path)
        state = dict(self.state_dict())
        state["config"] = np.array(
            [self.vocab_size, self.vector_size, self.sg, self.negative], np.int64
        )
        if self.vocab is not None:
            state["vocab_json"] = np.array(self.vocab.to_json())
        return write_npz(path, state)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Word2Vec:  # type: ignore[override]
        """A model read back from `save` (never unpickles).

        The settings ('config') are read first and the tables' declared shapes checked
        against them and against `nn.checkpoint.MAX_READ_BYTES` before the model is built or
        any table is read; a truncated, foreign or inconsistent file gives a ValueError
        naming it and the key."""
        with NpzReader(path, "Word2Vec.load") as z:
            where = f"Word2Vec.load: {z.path}"
            if "config" not in z.headers:
                raise ValueError(f"{where} holds no word2vec settings ('config')")
            config = z.read(["config"], max_bytes=1024)["config"]
            if config.shape != (4,) or config.dtype.kind not in "iu":
                raise ValueError(
                    f"{where}: 'config' must be 4 integers (vocab_size, vector_size, sg, "
                    f"negative), got shape {config.shape} of {config.dtype}"
                )
            v, d, sg, negative = (int(x) for x in config)
            tables = ("in_embed.weight", "out_embed.weight")
            for key in tables:
                h = z.headers.get(key)
                if h is not None and h.shape != (v, d):
                    raise ValueError(
                        f"{where}: {key!r} declares shape {h.shape}, but 'config' says "
                        f"({v}, {d}); the file is corrupt"
                    )
            # the model allocates both tables before reading: bound them like a generic read
            nbytes = 2 * v * d * np.dtype(get_default_dtype()).itemsize
            if nbytes > checkpoint.MAX_READ_BYTES:
                raise ValueError(
                    f"{where}: 'config' declares two ({v}, {d}) tables ({nbytes} bytes), more "
                    "than nn.checkpoint.MAX_READ_BYTES; raise the bound if the file is trusted"
                )
            try:
                model = cls(v, d, sg=sg, negative=negative)
            except ValueError as err:
                raise ValueError(f"{where}: invalid 'config': {err}") from err
            vocab = None
            if "vocab_json" in z.headers:
                text = z.read(["vocab_json"])["vocab_json"]
                if text.shape != () or text.dtype.kind != "U":
                    raise ValueError(f"{where}: 'vocab_json' must be one string (JSON text)")
                try:
                    vocab = Vocab.from_json(str(text))
                except (ValueError, RecursionError) as err:  # json nested too deeply
                    raise ValueError(f"{where}: 'vocab_json' is not a vocabulary: {err}") from None
                if len(vocab) != v:
                    raise ValueError(
                        f"{where}: the vocabulary has {len(vocab)} words, 'config' says {v}"
                    )
            model._load_npz(z, strict=True, ignore=frozenset({"config", "vocab_json"}))
        model.vocab = vocab
        return model

    def extra_repr(self) -> str:
        return (
            f"vocab_size={self.vocab_size}, vector_size={self.vector_size}, sg={self.sg}, "
            f"negative={self.negative}"
        )
