"""Numba kernels: ndarray in, ndarray out, no Tensor anywhere in this package.

Conventions:
- each kernel is a plain Python function decorated with `autograd.kernels.jit.njit`, which is
  ``numba.njit(cache=True)`` falling back to an in-memory compile (with one warning) when no
  cache directory is writable; kernels compile on first call, never at import (no
  ``fastmath``: gradients are checked against finite differences); with
  ``NUMBA_DISABLE_JIT=1`` the same code runs as plain Python, which one test pass uses;
- a slow, obviously-correct numpy reference (``*_oracle``) sits beside each kernel in an
  ``oracle`` module, and tests compare the two;
- matrix products stay in numpy (BLAS): Numba's own ``np.dot`` needs SciPy, which tracegrad
  does not depend on. Kernels do the copies, scatters and elementwise gate arithmetic around
  the products.
"""
