"""Numba kernels: ndarray in, ndarray out, no Tensor anywhere in this package.

They hold what the ops of `autograd.ops` call (and word2vec's one-pair update, which tests
compare with autograd's gradient); nn reaches them only through those ops. One module per
kernel family, ``<family>.py``, beside its oracle ``<family>_oracle.py`` (``conv.py`` /
``conv_oracle.py``, ``lstm.py`` / ``lstm_oracle.py``, …), and three modules the families
share:

- ``jit.py``: `njit`, the one decorator of every kernel;
- ``activations.py``: stable scalar sigmoid and tanh with a fast float32 path (LSTM, GRU,
  word2vec);
- ``buffers.py``: `empty`, the one pool of recycled memory (LSTM, GRU, conv's temporaries).

Conventions:
- each kernel is a plain Python function decorated with `autograd.kernels.jit.njit`, which is
  ``numba.njit(cache=True)`` falling back to an in-memory compile (with one warning) when no
  cache directory is writable; kernels compile on first call, never at import (no
  ``fastmath``: gradients are checked against finite differences); with
  ``NUMBA_DISABLE_JIT=1`` the same code runs as plain Python, which one test pass uses;
- an oracle is slow, obviously correct numpy; the oracle of kernel function ``f`` is
  ``f_oracle`` in ``<family>_oracle.py``, and ``tests/kernels/test_<family>.py`` compares the
  two (the cases marked ``small`` run again without JIT);
- matrix products stay in numpy (BLAS): Numba's own ``np.dot`` needs SciPy, which tracegrad
  does not depend on. Kernels do the copies, scatters and elementwise gate arithmetic around
  the products.
"""
