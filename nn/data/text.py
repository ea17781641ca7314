"""Token vocabularies, padding and batches for sequence models.

    from nn.data import Vocab, pad_batch
    vocab = Vocab.build(sentences, min_count=2)       # sentences: iterable of token lists
    ids = vocab.encode(["in", "the", "beginning"], add_eos=True)   # int64 (T,)
    vocab.decode(ids)                                  # ['in', 'the', 'beginning']
    x, lengths = pad_batch([vocab.encode(s) for s in batch], vocab.pad)   # (T_max, B), (B,)
    for src, tgt in pair_batches(pairs, 64, vocab.pad, rng): ...   # Seq2Seq training
    for x, y in lm_batches(sequences, 64, vocab.pad, rng): ...     # next-token prediction

Ids: the specials come first, in the order given (default `<pad>`=0, `<unk>`=1,
`<sos>`=2, `<eos>`=3), then the tokens by frequency, most frequent first, ties broken by
the token itself (so the same corpus always gives the same ids).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

from nn import checkpoint
from nn.checkpoint import atomic_write

DEFAULT_SPECIALS = ("<pad>", "<unk>", "<sos>", "<eos>")
_SPECIAL_ROLES = {"pad": "<pad>", "unk": "<unk>", "sos": "<sos>", "eos": "<eos>"}
_FORMAT = "tracegrad.Vocab/1"


class Vocab:
    """A token <-> id mapping with special tokens.

    `Vocab(tokens_or_counter, *, min_count=1, specials=..., max_size=None)`:
    - a `Counter`/mapping token -> count: tokens with count >= min_count, by count desc
      then token;
    - an iterable of tokens: taken in the given order, duplicates dropped (counts 0);
    - None: only the specials.
    `max_size` caps the total size, specials included.

    Attributes: `itos` (list of tokens, index = id), `stoi` (dict token -> id), `counts`
    (list aligned with `itos`, 0 for specials), and `pad`, `unk`, `sos`, `eos`: the ids
    of `<pad>`, `<unk>`, `<sos>`, `<eos>`, or None for a special that is not present.
    """

    # the ids of the specials, set by __init__ from _SPECIAL_ROLES
    pad: int | None
    unk: int | None
    sos: int | None
    eos: int | None

    def __init__(
        self,
        tokens_or_counter: Iterable[str] | Mapping[str, int] | None = None,
        *,
        min_count: int = 1,
        specials: Sequence[str] = DEFAULT_SPECIALS,
        max_size: int | None = None,
    ) -> None:
        specials = list(specials)
        if len(set(specials)) != len(specials):
            raise ValueError(f"duplicate special tokens: {specials}")
        if max_size is not None and max_size < len(specials):
            raise ValueError(f"max_size={max_size} is smaller than the {len(specials)} specials")
        if tokens_or_counter is None:
            ranked: list[tuple[str, int]] = []
        elif isinstance(tokens_or_counter, Mapping):
            ranked = [(t, int(c)) for t, c in tokens_or_counter.items() if c >= min_count]
            ranked.sort(key=lambda tc: (-tc[1], tc[0]))
        elif isinstance(tokens_or_counter, str):
            raise TypeError("Vocab expects an iterable of tokens or a Counter, not a str")
        else:
            ranked = [(t, 0) for t in dict.fromkeys(tokens_or_counter)]
        self.specials: tuple[str, ...] = tuple(specials)
        self.itos: list[str] = list(specials)
        self.counts: list[int] = [0] * len(specials)
        taken = set(specials)
        for token, count in ranked:
            if max_size is not None and len(self.itos) >= max_size:
                break
            if not isinstance(token, str):
                raise TypeError(f"tokens must be str, got {type(token).__name__}: {token!r}")
            if token in taken:
                continue
            taken.add(token)
            self.itos.append(token)
            self.counts.append(count)
        self._index()

    def _index(self) -> None:
        self.stoi: dict[str, int] = {t: i for i, t in enumerate(self.itos)}
        for role, token in _SPECIAL_ROLES.items():
            setattr(self, role, self.stoi.get(token))
        self._special_ids = frozenset(self.stoi[t] for t in self.specials)

    @classmethod
    def build(
        cls,
        sequences: Iterable[Iterable[str]],
        min_count: int = 1,
        specials: Sequence[str] = DEFAULT_SPECIALS,
        max_size: int | None = None,
    ) -> Vocab:
        """Count the tokens of `sequences` (an iterable of token sequences) and rank them."""
        counter: Counter[str] = Counter()
        for seq in sequences:
            if isinstance(seq, str):
                raise TypeError("Vocab.build expects token sequences (lists of str), got a str")
            counter.update(seq)
        return cls(counter, min_count=min_count, specials=specials, max_size=max_size)

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: object) -> bool:
        return token in self.stoi

    def __getitem__(self, token: str) -> int:
        """The id of `token`; an unknown token maps to `unk` (KeyError if there is none)."""
        i = self.stoi.get(token)
        if i is not None:
            return i
        if self.unk is None:
            raise KeyError(f"token {token!r} is not in the vocabulary (and it has no <unk>)")
        return self.unk

    def __repr__(self) -> str:
        return f"Vocab(size={len(self)}, specials={list(self.specials)})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Vocab):
            return NotImplemented
        return self.itos == other.itos and self.counts == other.counts

    # mutable-ish container: not hashable (typeshed declares object.__hash__ a method, so
    # the None that marks a class unhashable is refused)
    __hash__ = None  # type: ignore[assignment]

    def encode(
        self, tokens: Iterable[str], *, add_sos: bool = False, add_eos: bool = False
    ) -> np.ndarray:
        """Tokens -> int64 ids (T,), optionally framed by `<sos>` ... `<eos>`."""
        ids = [self[t] for t in tokens]
        if add_sos:
            ids.insert(0, self._need("sos"))
        if add_eos:
            ids.append(self._need("eos"))
        return np.asarray(ids, dtype=np.int64)

    def decode(self, ids: Iterable[int] | np.ndarray, *, strip_specials: bool = True) -> list[str]:
        """Ids -> tokens. With `strip_specials`, stop at the first `<eos>` and drop
        `<pad>`, `<sos>` and other specials (`<unk>` is kept: it stands for a word)."""
        out = []
        for i in np.asarray(ids, dtype=np.int64).reshape(-1).tolist():
            if not 0 <= i < len(self.itos):
                raise IndexError(f"id {i} is out of range for a vocabulary of {len(self)}")
            if strip_specials:
                if i == self.eos:
                    break
                if i in self._special_ids and i != self.unk:
                    continue
            out.append(self.itos[i])
        return out

    def _need(self, role: str) -> int:
        i = getattr(self, role)
        if i is None:
            raise ValueError(f"this vocabulary has no {_SPECIAL_ROLES[role]} token")
        return i

    # -- persistence ---------------------------------------------------------------

    def to_json(self) -> str:
        """JSON text: {"format", "itos", "counts", "specials"}."""
        data = {
            "format": _FORMAT,
            "itos": self.itos,
            "counts": self.counts,
            "specials": list(self.specials),
        }
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Vocab:
        """The inverse of `to_json`; ValueError naming what is wrong for bad input."""
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, TypeError) as e:
            raise ValueError(f"not a Vocab JSON document: {e}") from None
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            raise ValueError(f"not a Vocab JSON document (expected format {_FORMAT!r})")
        itos, counts, specials = data.get("itos"), data.get("counts"), data.get("specials")
        if (
            not isinstance(itos, list)
            or not isinstance(counts, list)
            or len(itos) != len(counts)
            or not all(isinstance(t, str) for t in itos)
            or not all(isinstance(c, int) for c in counts)
            or len(set(itos)) != len(itos)
        ):
            raise ValueError("corrupt Vocab JSON: 'itos' and 'counts' must be aligned lists")
        if not isinstance(specials, list) or itos[: len(specials)] != specials:
            raise ValueError("corrupt Vocab JSON: 'specials' must be the first entries of 'itos'")
        vocab = cls.__new__(cls)
        vocab.specials = tuple(specials)
        vocab.itos, vocab.counts = itos, counts
        vocab._index()
        return vocab

    def save(self, path: str | os.PathLike) -> None:
        """Write `to_json()` (UTF-8) atomically with `nn.checkpoint.atomic_write`: a crash
        leaves the old file."""
        data = self.to_json().encode("utf-8")
        atomic_write(path, lambda f: f.write(data))

    @classmethod
    def load(cls, path: str | os.PathLike) -> Vocab:
        """Read a file written by `save`; ValueError naming the file if it is corrupt, not
        UTF-8 JSON, or larger than `nn.checkpoint.MAX_READ_BYTES`."""
        size = os.stat(path).st_size
        if size > checkpoint.MAX_READ_BYTES:
            raise ValueError(
                f"Vocab.load: {path} is {size} bytes, more than nn.checkpoint.MAX_READ_BYTES; "
                "not a vocabulary file (raise the bound if it is trusted)"
            )
        try:
            text = Path(path).read_text(encoding="utf-8")
        except UnicodeDecodeError as e:
            raise ValueError(f"Vocab.load: {path} is not a Vocab file (not UTF-8: {e})") from None
        try:
            return cls.from_json(text)
        except ValueError as e:
            raise ValueError(f"Vocab.load: {path}: {e}") from None
        except RecursionError:  # json nests deeper than the interpreter's stack
            raise ValueError(
                f"Vocab.load: {path}: not a Vocab JSON document (nested too deeply)"
            ) from None


def pad_batch(
    sequences: Sequence[Sequence[int] | np.ndarray], pad_id: int
) -> tuple[np.ndarray, np.ndarray]:
    """Stack id sequences of different lengths, time-major like the RNNs.

    sequences: B sequences of lengths L_b -> (x int64 (T_max, B), lengths int64 (B,)),
    ``x[t, b] = sequences[b][t]`` for t < L_b, else `pad_id`.
    """
    lengths = np.asarray([len(s) for s in sequences], dtype=np.int64)
    t_max = int(lengths.max()) if len(lengths) else 0
    x = np.full((t_max, len(sequences)), pad_id, dtype=np.int64)
    for b, seq in enumerate(sequences):
        x[: lengths[b], b] = np.asarray(seq, dtype=np.int64)
    return x, lengths


def pair_batches(
    pairs: Sequence[tuple[np.ndarray, np.ndarray]],
    batch_size: int,
    pad_id: int,
    rng: np.random.Generator | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Batches of padded ``src (T_in, B)`` and ``tgt (T_out, B)`` from (source ids, target
    ids) pairs, shuffled when ``rng`` is given (one permutation per call), else in order.
    Targets should hold ``sos … eos`` (`Seq2Seq.loss` reads inputs tgt[:-1], targets tgt[1:])."""
    order = rng.permutation(len(pairs)) if rng is not None else np.arange(len(pairs))
    for start in range(0, len(order), batch_size):
        chunk = [pairs[i] for i in order[start : start + batch_size]]
        src, _ = pad_batch([s for s, _ in chunk], pad_id)
        tgt, _ = pad_batch([t for _, t in chunk], pad_id)
        yield src, tgt


def lm_batches(
    sequences: Sequence[np.ndarray],
    batch_size: int,
    pad_id: int,
    rng: np.random.Generator | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Batches ``(x (T, B), y (T, B))`` for next-token prediction from id sequences (each
    ``sos … eos``): y is x shifted by one step; shuffled when ``rng`` is given."""
    order = rng.permutation(len(sequences)) if rng is not None else np.arange(len(sequences))
    for start in range(0, len(order), batch_size):
        padded, _ = pad_batch([sequences[i] for i in order[start : start + batch_size]], pad_id)
        yield padded[:-1], padded[1:]
