"""Run by `test_readonly_install` in a fresh Python on a copied, locked-down install.

argv: the site directory holding the copy, then directories that must be unwritable (checked
first, so a test cannot pass without exercising the fallback). Imports autograd and nn, runs
conv2d -> max_pool2d and lstm through `autograd.functional`, compares values and gradients with
the numpy oracles, and prints one JSON line: the compiled-signature count of every kernel
dispatcher right after import (``at_import``) and at the end (``after``).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile

import numpy as np

CLOSE = {"rtol": 1e-9, "atol": 1e-11}


def assert_unwritable(directories: list[str]) -> None:
    """Do what Numba's cache locators do (create the directory, then a file in it): it must
    fail for every one of ``directories``."""
    for d in directories:
        try:
            os.makedirs(d, exist_ok=True)
            tempfile.TemporaryFile(dir=d).close()
        except OSError:
            continue
        sys.exit(f"cache directory {d} is writable: the test would prove nothing")


def dispatchers() -> dict[str, int]:
    """``{"autograd.kernels.<module>.<name>": number of compiled signatures}``."""
    from numba.core.dispatcher import Dispatcher

    found = {}
    for name, module in list(sys.modules.items()):
        if name.startswith("autograd.kernels"):
            for attr, value in vars(module).items():
                if isinstance(value, Dispatcher):
                    found[f"{name}.{attr}"] = len(value.signatures)
    return found


def check_conv_pool(rng: np.random.Generator) -> None:
    """y = max_pool2d(conv2d(x, w, b, padding=1), 2) and its gradients against the oracles."""
    import autograd.functional as F
    from autograd import Tensor
    from autograd.kernels import conv_oracle, pool_oracle

    x, w, b = (rng.standard_normal(s) for s in [(2, 2, 6, 6), (3, 2, 3, 3), (3,)])
    g = rng.standard_normal((2, 3, 3, 3))
    xt, wt, bt = (Tensor(a, requires_grad=True) for a in (x, w, b))
    y = F.max_pool2d(F.conv2d(xt, wt, bt, stride=1, padding=1), 2)
    (y * Tensor(g)).sum().backward()

    one, two = (1, 1), (2, 2)
    y1 = conv_oracle.conv2d_forward_oracle(x, w, b, one, one)
    dy1 = pool_oracle.max_pool2d_backward_oracle(g, y1, two, two)
    y_want = pool_oracle.max_pool2d_forward_oracle(y1, two, two)[0]
    np.testing.assert_allclose(y.data, y_want, **CLOSE)
    dx, dw = conv_oracle.conv2d_backward_oracle(dy1, x, w, one, one, (True, True))
    np.testing.assert_allclose(xt.grad, dx, **CLOSE)
    np.testing.assert_allclose(wt.grad, dw, **CLOSE)
    np.testing.assert_allclose(bt.grad, conv_oracle.conv2d_backward_bias_oracle(dy1), **CLOSE)


def check_lstm(rng: np.random.Generator) -> None:
    """F.lstm forward and backward (through out and c_T) against the oracle."""
    import autograd.functional as F
    from autograd import Tensor
    from autograd.kernels.lstm_oracle import lstm_backward_oracle, lstm_forward_oracle

    steps, batch, dim, hidden = 3, 2, 3, 4
    g4 = 4 * hidden
    shapes = [(steps, batch, dim), (batch, hidden), (batch, hidden)]
    shapes += [(g4, dim), (g4, hidden), (g4,), (g4,)]
    arrays = [0.5 * rng.standard_normal(s) for s in shapes]
    ts = [Tensor(a, requires_grad=True) for a in arrays]
    out, (_, c_t) = F.lstm(*ts)
    packed, cache = lstm_forward_oracle(*arrays)
    gp = rng.standard_normal(packed.shape)
    ((out * Tensor(gp[:steps])).sum() + (c_t * Tensor(gp[steps])).sum()).backward()

    np.testing.assert_allclose(out.data, packed[:steps], **CLOSE)
    np.testing.assert_allclose(c_t.data, packed[steps], **CLOSE)
    want = lstm_backward_oracle(gp, cache)
    for name, t in zip(("x", "h0", "c0", "w_ih", "w_hh", "b_ih", "b_hh"), ts, strict=True):
        np.testing.assert_allclose(t.grad, want[name], **CLOSE, err_msg=name)


def main() -> None:
    """Check the lock-out, import, compute, report."""
    site, unwritable = sys.argv[1], sys.argv[2:]
    assert_unwritable(unwritable)

    import autograd
    import autograd.functional
    import nn

    for module in (autograd, nn):
        assert module.__file__.startswith(site), f"{module.__file__} is not the copy in {site}"
    at_import = dispatchers()
    rng = np.random.default_rng(0)
    check_conv_pool(rng)
    check_lstm(rng)
    print(json.dumps({"at_import": at_import, "after": dispatchers()}))


if __name__ == "__main__":
    main()
