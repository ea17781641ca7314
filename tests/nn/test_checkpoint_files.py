"""Checkpoint files: headers checked before data is read (no huge allocation from a small
file), clear errors for foreign files, atomic writes and stale temporary files."""

import os
import pickle
import subprocess
import sys
import time
import tracemalloc
import zipfile

import numpy as np
import pytest

import nn
from nn import checkpoint
from nn.checkpoint import NpzReader, atomic_write, read_npz, remove_stale_temp_files, write_npz
from nn.data.text import Vocab

MB = 2**20


def _linear():
    nn.manual_seed(0)
    return nn.Linear(3, 2)


def _snapshot(m):
    return {k: (v.dtype, v.tobytes()) for k, v in m.state_dict().items()}


def _peak_bytes(fn):
    """Peak bytes numpy and Python allocate while ``fn`` runs (numpy reports to tracemalloc)."""
    tracemalloc.start()
    try:
        fn()
    except (ValueError, KeyError):
        pass
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak


def _npz_member(zf, key, header, data=b""):
    """Add a member whose .npy header is ``header`` (a dict) followed by ``data``."""
    with zf.open(f"{key}.npy", "w", force_zip64=True) as f:
        np.lib.format.write_array_header_1_0(f, header)
        f.write(data)


def _lying_npz(path, shape, dtype="<f8", key="weight", data=b"\0" * 64):
    with zipfile.ZipFile(path, "w") as zf:
        header = {"descr": dtype, "fortran_order": False, "shape": shape}
        _npz_member(zf, key, header, data)
    return path


# -- item 2: look before allocating ------------------------------------------------------------
def test_load_refuses_a_wrong_shape_before_reading_its_data(tmp_path):
    path = tmp_path / "bomb.npz"
    w = np.zeros((4000, 4000))  # 128 MB of zeros: a ~125 KB compressed file
    np.savez_compressed(path, weight=w, bias=np.zeros(2, np.float32))
    del w
    assert path.stat().st_size < MB
    m = _linear()
    with pytest.raises(ValueError, match=r"'weight'.*\(4000, 4000\)") as info:
        m.load(path)
    assert str(path) in str(info.value)
    assert _peak_bytes(lambda: m.load(path)) < 8 * MB


def test_load_refuses_unknown_keys_before_reading_them(tmp_path):
    path = tmp_path / "extra.npz"
    m = _linear()
    np.savez_compressed(path, **m.state_dict(), huge=np.zeros((4000, 4000)))
    with pytest.raises(KeyError, match=r"unexpected keys \['huge'\]"):
        m.load(path)
    assert _peak_bytes(lambda: m.load(path)) < 8 * MB
    # not strict: loads the rest and never reads the unknown array
    assert _peak_bytes(lambda: m.load(path, strict=False)) < 8 * MB
    assert m.load(path, strict=False) == ([], ["huge"])


@pytest.mark.parametrize("shape", [(10**11,), (2**40, 2**20), (0, 2**62)])
def test_a_header_claiming_a_huge_shape_is_refused(tmp_path, shape):
    path = _lying_npz(tmp_path / "lie.npz", shape)
    with pytest.raises(ValueError, match="truncated or corrupt") as info:
        read_npz(path, "test")
    assert str(path) in str(info.value)
    assert str(shape) in str(info.value)
    with pytest.raises(ValueError, match="'weight'"):
        _linear().load(path)


def test_a_generic_read_is_bounded(tmp_path, monkeypatch):
    path = tmp_path / "big.npz"
    np.savez(path, small=np.zeros(10), big=np.zeros((50, 40)))
    monkeypatch.setattr(checkpoint, "MAX_READ_BYTES", 10_000)
    with pytest.raises(ValueError, match=r"'big' declares shape \(50, 40\)") as info:
        read_npz(path, "test")
    assert str(path) in str(info.value)
    assert "MAX_READ_BYTES" in str(info.value)
    assert set(read_npz(path, "test", max_bytes=20_000)) == {"small", "big"}
    with NpzReader(path, "test") as z:
        assert z.headers["big"].shape == (50, 40)
        assert z.read(["small"])["small"].shape == (10,)


_UNPICKLED: list = []


def _record(what):
    _UNPICKLED.append(what)


class _Mark:
    """Unpickling this records it: the reader must never unpickle."""

    def __reduce__(self):
        return (_record, ("unpickled",))


def test_object_arrays_are_refused_without_unpickling(tmp_path):
    path = tmp_path / "obj.npz"
    obj = np.empty(2, dtype=object)
    obj[:] = [_Mark(), _Mark()]
    np.savez(path, weight=obj, bias=np.zeros(2, np.float32))
    assert b"unpickled" in path.read_bytes()  # the pickle is in the file
    with pytest.raises(ValueError, match=r"'weight'.*object") as info:
        _linear().load(path)
    assert str(path) in str(info.value)
    assert _UNPICKLED == []
    with pytest.raises(ValueError, match="object"):
        write_npz(tmp_path / "out.npz", {"weight": obj})
    pickle.loads(pickle.dumps(_Mark()))  # the marker works: unpickling records it
    assert _UNPICKLED == ["unpickled"]


# -- item 3: foreign files, temporary files ------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "single-array .npy"),
        (b"", "empty file"),
        (b"hello world, not a zip", "not a readable .npz"),
        (b"PK\x03\x04" + b"\0" * 40, "not a readable .npz"),
    ],
)
def test_load_of_a_foreign_file_names_it(tmp_path, content, words):
    path = tmp_path / "x.npz"
    if content is None:
        with open(path, "wb") as f:
            np.save(f, np.zeros(3))
    else:
        path.write_bytes(content)
    m = _linear()
    before = _snapshot(m)
    with pytest.raises(ValueError, match=words) as info:
        m.load(path)
    assert str(path) in str(info.value)
    assert ".npz" in str(info.value)
    assert _snapshot(m) == before


def test_load_of_a_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        _linear().load(tmp_path / "nope.npz")


def _dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_save_removes_stale_temp_files_only(tmp_path):
    target = tmp_path / "m.npz"
    hour_ago = time.time() - 2 * checkpoint.STALE_TMP_AGE
    minutes_ago = time.time() - 2 * checkpoint.DEAD_WRITER_AGE
    files = {
        f".m.npz.{_dead_pid()}-abc123.tmp": (minutes_ago, False),  # writer died
        ".m.npz.k2j4h5g6.tmp": (hour_ago, False),  # old naming, untouched for hours
        f".m.npz.{os.getpid()}-live01.tmp": (hour_ago, False),  # a live PID, hours untouched
        f".m.npz.{os.getppid()}-live02.tmp": (minutes_ago, True),  # a live writer
        f".m.npz.{_dead_pid()}-fresh1.tmp": (time.time(), True),  # just written
        ".m.npz.k2j4h5g7.tmp": (minutes_ago, True),  # old naming, recent
        ".m.npz.old.npz.12-x.tmp": (hour_ago, True),  # another file's pattern
        ".other.npz.12-abc.tmp": (hour_ago, True),
        "m.npz.12-abc.tmp": (hour_ago, True),
    }
    for name, (mtime, _) in files.items():
        (tmp_path / name).write_bytes(b"x" * 100)
        os.utime(tmp_path / name, (mtime, mtime))
    _linear().save(target)
    left = {p.name for p in tmp_path.iterdir()}
    assert left == {"m.npz"} | {n for n, (_, keep) in files.items() if keep}


def test_remove_stale_temp_files_reports_what_it_removed(tmp_path):
    stale = tmp_path / f".a.npz.{_dead_pid()}-zz.tmp"
    stale.write_bytes(b"")
    now = time.time() + checkpoint.DEAD_WRITER_AGE + 1
    assert remove_stale_temp_files(tmp_path / "a.npz", now=now) == [stale]


def test_a_failed_write_leaves_the_old_file_and_no_temp(tmp_path):
    path = tmp_path / "v.bin"
    path.write_bytes(b"old")

    def boom(f):
        f.write(b"partial")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(path, boom)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["v.bin"]
    atomic_write(path, lambda f: f.write(b"new"))
    assert path.read_bytes() == b"new"
    assert oct(path.stat().st_mode & 0o777) == "0o644"


# -- the siblings: Word2Vec.load, Vocab.load ---------------------------------------------------
def _w2v_file(path, config, tables=(3, 2), vocab=None):
    v, d = tables
    arrays = {
        "in_embed.weight": np.zeros((v, d), np.float32),
        "out_embed.weight": np.zeros((v, d), np.float32),
        "config": np.asarray(config),
    }
    if vocab is not None:
        arrays["vocab_json"] = np.array(vocab.to_json())
    np.savez(path, **arrays)
    return path


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ([3, 2, 1], "4 integers"),
        ([3.0, 2.0, 1.0, 5.0], "4 integers"),
        ([4, 2, 1, 5], r"declares shape \(3, 2\), but 'config' says \(4, 2\)"),
        ([3, 2, 7, 5], "invalid 'config'"),
    ],
)
def test_word2vec_load_checks_its_config(tmp_path, config, words):
    path = _w2v_file(tmp_path / "w.npz", config)
    with pytest.raises(ValueError, match=words) as info:
        nn.Word2Vec.load(path)
    assert str(path) in str(info.value)


def test_word2vec_load_bounds_the_tables_before_building_them(tmp_path, monkeypatch):
    path = tmp_path / "w.npz"
    np.savez(path, config=np.array([10**6, 10**4, 1, 5]))  # 80 GB of tables, no tables
    with pytest.raises(ValueError, match="MAX_READ_BYTES"):
        nn.Word2Vec.load(path)
    path = _w2v_file(tmp_path / "w2.npz", [3, 2, 1, 5])
    monkeypatch.setattr(checkpoint, "MAX_READ_BYTES", 16)
    with pytest.raises(ValueError, match="MAX_READ_BYTES"):
        nn.Word2Vec.load(path)


def test_word2vec_load_checks_the_vocabulary_size(tmp_path):
    vocab = Vocab(["a", "b"], specials=())
    path = _w2v_file(tmp_path / "w.npz", [3, 2, 1, 5], vocab=vocab)
    with pytest.raises(ValueError, match="2 words, 'config' says 3"):
        nn.Word2Vec.load(path)
    path = _w2v_file(tmp_path / "w3.npz", [2, 2, 1, 5], tables=(2, 2), vocab=vocab)
    assert nn.Word2Vec.load(path).vocab == vocab
    np.savez(path, **{**np.load(path), "vocab_json": np.array("[" * 100_000)})
    with pytest.raises(ValueError, match="'vocab_json' is not a vocabulary"):
        nn.Word2Vec.load(path)


def test_vocab_load_errors_name_the_file(tmp_path, monkeypatch):
    path = tmp_path / "v.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError, match="nested too deeply") as info:
        Vocab.load(path)
    assert str(path) in str(info.value)
    Vocab(["a", "b"]).save(path)
    assert Vocab.load(path) == Vocab(["a", "b"])
    monkeypatch.setattr(checkpoint, "MAX_READ_BYTES", 10)
    with pytest.raises(ValueError, match="MAX_READ_BYTES"):
        Vocab.load(path)


@pytest.mark.parametrize("key", ["allow_pickle", "file", "args", "plain"])
def test_any_key_round_trips_even_numpys_own_keyword_names(tmp_path, key):
    arrays = {key: np.arange(6.0).reshape(2, 3), "other": np.array([1, 2], dtype=np.int32)}
    path = write_npz(tmp_path / "a.npz", arrays)
    loaded = read_npz(path, "test")
    assert sorted(loaded) == sorted(arrays)
    for k, a in arrays.items():
        np.testing.assert_array_equal(loaded[k], a)
        assert loaded[k].dtype == a.dtype
    with np.load(path, allow_pickle=False) as plain:  # still the archive numpy writes
        np.testing.assert_array_equal(plain[key], arrays[key])
