"""Numba kernels: ndarray in, ndarray out, no Tensor anywhere in this package.

They hold what the ops of `autograd.ops` call (and word2vec's one-pair update, which tests
compare with autograd's gradient); nn reaches them only through those ops. One module per
kernel family, each beside its oracle:

- ``conv.py`` / ``conv_oracle.py``: conv2d forward and backward (im2col + BLAS);
- ``pool.py`` / ``pool_oracle.py``: max and average pooling, forward and backward;
- ``lstm.py`` / ``lstm_oracle.py``: the fused LSTM over a sequence (three variants);
- ``gru.py`` / ``gru_oracle.py``: the fused GRU over a sequence;
- ``embedding.py`` / ``embedding_oracle.py``: row scatter-add (embedding backward);
- ``word2vec.py`` / ``word2vec_oracle.py``: word2vec's SGD epoch (skip-gram, CBOW);

and what the families share:

- ``jit.py``: `njit`, the one decorator of every kernel;
- ``activations.py``: stable scalar sigmoid and tanh (a fast float32 path), for LSTM, GRU and
  word2vec;
- ``buffers.py``: `empty`, the one pool of recycled memory (LSTM, GRU, conv scratch).

Conventions:
- each kernel is a plain Python function decorated with `autograd.kernels.jit.njit`, which is
  ``numba.njit(cache=True)`` falling back to an in-memory compile (with one warning) when no
  cache directory is writable; kernels compile on first call, never at import (no
  ``fastmath``: gradients are checked against finite differences); with
  ``NUMBA_DISABLE_JIT=1`` the same code runs as plain Python, which one test pass uses;
- the oracle of kernel family ``<family>.py`` is ``<family>_oracle.py``: slow, obviously
  correct numpy, and the oracle of function ``f`` is ``f_oracle``. Tests compare the two in
  ``tests/kernels/test_<family>.py``;
- matrix products stay in numpy (BLAS): Numba's own ``np.dot`` needs SciPy, which tracegrad
  does not depend on. Kernels do the copies, scatters and elementwise gate arithmetic around
  the products.
"""
