"""Fuzz the loaders with malformed files and dicts: each load either succeeds or raises
ValueError/KeyError/TypeError naming the file or the key, and a failed load leaves the module
(or optimizer) byte-identical. Never a raw zipfile/numpy error, never a MemoryError."""

import io
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nn
from autograd import Tensor
from nn.module import Module, Parameter
from nn.optim import Adam

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ALLOWED = (ValueError, KeyError, TypeError)


class Net(Module):
    """Parameters of several ranks and an integer and a float buffer."""

    def __init__(self):
        super().__init__()
        nn.manual_seed(0)
        self.fc = nn.Linear(3, 2)
        self.scale = Parameter(np.array(0.5, np.float32))
        self.register_buffer("count", np.array(3, np.int64))
        self.register_buffer("mean", np.zeros(2, np.float32))


KEYS = list(Net().state_dict())
SHAPES = {k: v.shape for k, v in Net().state_dict().items()}


def _snapshot(m):
    return {k: (v.dtype.str, v.tobytes()) for k, v in m.state_dict().items()}


def _good_bytes(compressed):
    buf = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buf, **Net().state_dict())
    return buf.getvalue()


def _check_failure(err, names, m, before):
    assert isinstance(err, ALLOWED), f"{type(err).__name__}: {err}"
    assert any(n in str(err) for n in names), f"no file or key named in: {err}"
    assert _snapshot(m) == before


def _load_file(path, data, strict=True):
    path.write_bytes(data)
    m = Net()
    for p in m.parameters():
        p.data += 1  # differs from the file's values, so a partial load would show
    before = _snapshot(m)
    try:
        m.load(path, strict=strict)
    except MemoryError:
        pytest.fail("a checkpoint made the loader run out of memory")
    except Exception as err:
        _check_failure(err, [str(path)], m, before)
        return
    for k, v in m.state_dict().items():  # a successful load keeps every slot's shape/dtype
        assert v.shape == SHAPES[k]
        assert v.dtype == Net().state_dict()[k].dtype


# -- bytes -------------------------------------------------------------------------------------
@SETTINGS
@given(compressed=st.booleans(), data=st.data())
def test_fuzz_truncated_files(tmp_path_factory, compressed, data):
    good = _good_bytes(compressed)
    n = data.draw(st.integers(0, len(good) - 1))
    _load_file(tmp_path_factory.mktemp("t") / "m.npz", good[:n])


@SETTINGS
@given(compressed=st.booleans(), data=st.data())
def test_fuzz_flipped_bytes(tmp_path_factory, compressed, data):
    good = bytearray(_good_bytes(compressed))
    flips = data.draw(
        st.lists(
            st.tuples(st.integers(0, len(good) - 1), st.integers(1, 255)), min_size=1, max_size=4
        )
    )
    for pos, x in flips:
        good[pos] ^= x
    _load_file(tmp_path_factory.mktemp("f") / "m.npz", bytes(good), strict=data.draw(st.booleans()))


@SETTINGS
@given(
    prefix=st.sampled_from([b"", b"PK\x03\x04", b"PK\x05\x06", b"\x93NUMPY"]),
    tail=st.binary(max_size=600),
)
def test_fuzz_random_bytes(tmp_path_factory, prefix, tail):
    _load_file(tmp_path_factory.mktemp("r") / "m.npz", prefix + tail)


# -- well-formed archives with wrong contents ----------------------------------------------------
DTYPES = ["<f4", "<f8", "<f2", "<i8", "<i4", "|u1", "|b1", "<c8", "<U3", "|S2", "<M8[s]"]
SPECIALS = [np.nan, np.inf, -np.inf, 1e300, -0.0, 2.5, 2**40]


@st.composite
def arrays(draw, key):
    dtype = np.dtype(draw(st.sampled_from(DTYPES)))
    shape = (
        SHAPES.get(key, (2,))
        if draw(st.booleans())
        else tuple(draw(st.lists(st.integers(0, 3), max_size=3)))
    )
    a = np.zeros(shape, dtype)
    if a.size and dtype.kind in "fc" and draw(st.booleans()):
        with np.errstate(over="ignore"):  # 2**40 overflows float16 to inf: fine
            a.flat[draw(st.integers(0, a.size - 1))] = draw(st.sampled_from(SPECIALS))
    return a


@st.composite
def near_misses(draw, key):
    """The right shape and a real dtype, with a value a slot may refuse (NaN, 2.5, 2**40)."""
    dtype = draw(st.sampled_from(["<f4", "<f8", "<f2", "<i8", "|u1", "|b1"]))
    a = np.zeros(SHAPES.get(key, (2,)), dtype)
    if a.size and a.dtype.kind == "f":
        with np.errstate(over="ignore", invalid="ignore"):
            a.flat[draw(st.integers(0, a.size - 1))] = draw(st.sampled_from(SPECIALS))
    return a


@st.composite
def archives(draw):
    """The model's own arrays with a few replaced, dropped or added."""
    out = Net().state_dict()
    for k in draw(st.lists(st.sampled_from(KEYS), unique=True)):
        if draw(st.integers(0, 5)) == 0:
            del out[k]
        else:
            out[k] = draw(st.one_of(near_misses(k), arrays(k)))
    for k in draw(st.lists(st.sampled_from(["extra", "fc", "fc.weight.x"]), max_size=2)):
        out[k] = draw(arrays(k))
    return out


@SETTINGS
@given(contents=archives(), compressed=st.booleans(), strict=st.booleans())
def test_fuzz_archives_of_wrong_arrays(tmp_path_factory, contents, compressed, strict):
    buf = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buf, **contents)
    _load_file(tmp_path_factory.mktemp("a") / "m.npz", buf.getvalue(), strict=strict)


@SETTINGS
@given(
    key=st.sampled_from(KEYS),
    shape=st.lists(st.integers(0, 2**40), min_size=0, max_size=3).map(tuple),
    descr=st.sampled_from(["<f4", "<f8", "|O", "<i8", "V8"]),
    payload=st.binary(max_size=64),
)
def test_fuzz_lying_headers(tmp_path_factory, key, shape, descr, payload):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for k, v in Net().state_dict().items():
            with zf.open(f"{k}.npy", "w") as f:
                if k == key:
                    header = {"descr": descr, "fortran_order": False, "shape": shape}
                    np.lib.format.write_array_header_1_0(f, header)
                    f.write(payload)
                else:
                    np.lib.format.write_array(f, v)
    _load_file(tmp_path_factory.mktemp("h") / "m.npz", buf.getvalue())


@SETTINGS
@given(a=arrays("x"))
def test_fuzz_npy_instead_of_npz(tmp_path_factory, a):
    buf = io.BytesIO()
    np.save(buf, a)
    path = tmp_path_factory.mktemp("n") / "m.npz"
    path.write_bytes(buf.getvalue())
    with pytest.raises(ValueError, match=r"single-array \.npy") as info:
        Net().load(path)
    assert str(path) in str(info.value)


# -- state dicts -----------------------------------------------------------------------------------
def values(key):
    return st.one_of(
        near_misses(key),
        arrays(key),
        arrays(key).map(lambda a: Tensor(a) if a.dtype.kind in "biuf" else a),
        st.sampled_from([None, "text", 3, 2.5, [1.0, 2.0], [[1], [2, 3]], {"a": 1}, b"x"]),
    )


@SETTINGS
@given(data=st.data(), strict=st.booleans())
def test_fuzz_load_state_dict(data, strict):
    m = Net()
    for p in m.parameters():
        p.data += 1
    before = _snapshot(m)
    state = Net().state_dict()
    for k in data.draw(st.lists(st.sampled_from(KEYS), unique=True)):
        if data.draw(st.integers(0, 5)) == 0:
            del state[k]
        else:
            state[k] = data.draw(values(k))
    extra = st.lists(st.sampled_from(["extra", "fc", "count.x", 0]), unique=True, max_size=2)
    for k in data.draw(st.one_of(st.just([]), extra)):
        state[k] = data.draw(values("x"))
    try:
        m.load_state_dict(state, strict=strict)
    except Exception as err:
        _check_failure(err, [repr(k) for k in state] + ["missing keys", "mapping"], m, before)
        return
    for k, v in m.state_dict().items():
        assert v.shape == SHAPES[k]
        if k in state:  # loaded values are the given ones, cast to the slot's dtype
            given_ = state[k].data if isinstance(state[k], Tensor) else np.asarray(state[k])
            np.testing.assert_array_equal(v, given_.astype(v.dtype), err_msg=k)


def _adam():
    nn.manual_seed(0)
    m = Net()
    opt = Adam([{"params": [m.fc.weight, m.fc.bias]}, {"params": [m.scale], "lr": 0.5}], lr=0.1)
    for p in m.parameters():
        p.grad = np.ones_like(p.data)
    opt.step()
    return opt


def _opt_snapshot(opt):
    sd = opt.state_dict()
    return repr(sd["param_groups"]), {
        k: {n: v.tobytes() if isinstance(v, np.ndarray) else v for n, v in s.items()}
        for k, s in sd["state"].items()
    }


def _check_opt_failure(err, opt, before):
    assert isinstance(err, ALLOWED), f"{type(err).__name__}: {err}"
    assert "Adam.load_state_dict" in str(err)
    assert _opt_snapshot(opt) == before


ODD = st.one_of(
    st.sampled_from([None, "0.1", -1, 0, 1, 2.5, True, float("nan"), (0.9,), [0.9, 0.99], {}]),
    arrays("x"),
)


@SETTINGS
@given(data=st.data())
def test_fuzz_optimizer_load_state_dict(data):
    opt = _adam()
    before = _opt_snapshot(opt)
    sd = _adam().state_dict()
    for _ in range(data.draw(st.integers(1, 3))):
        where = data.draw(st.sampled_from(["state", "entry", "option", "params", "drop"]))
        if where == "state":
            sd["state"][data.draw(st.sampled_from([0, 1, 2, 5, "0", -1]))] = data.draw(
                st.one_of(st.just({}), ODD)
            )
        elif where == "entry":
            i = data.draw(st.integers(0, 2))
            if isinstance(sd["state"].get(i), dict):
                name = data.draw(st.sampled_from(["step", "exp_avg", "exp_avg_sq", "extra"]))
                sd["state"][i][name] = data.draw(ODD)
        elif where == "option":
            g = sd["param_groups"][data.draw(st.integers(0, 1))]
            g[data.draw(st.sampled_from(["lr", "betas", "eps", "amsgrad", "momentum"]))] = (
                data.draw(ODD)
            )
        elif where == "params":
            sd["param_groups"][data.draw(st.integers(0, 1))]["params"] = data.draw(
                st.lists(st.sampled_from([0, 1, 2, 3, "1", 1.0]), max_size=3)
            )
        else:
            del sd[data.draw(st.sampled_from(["state", "param_groups"]))]
            break
    try:
        opt.load_state_dict(sd)
    except Exception as err:
        _check_opt_failure(err, opt, before)
        return
    for g in opt.param_groups:
        for p in g["params"]:
            p.grad = np.ones_like(p.data)
    with np.errstate(all="raise"):
        opt.step()  # whatever loaded is usable
