"""Stable scalar sigmoid and tanh for kernels, with a fast float32 path.

``sigmoid(z)`` and ``tanh(z)`` are plain Python functions (so ``NUMBA_DISABLE_JIT=1`` runs
them as they read); inside a jitted kernel an `overload` picks by the argument's type:

- float64 (and anything but float32): the functions as written, libm's ``exp`` and ``tanh``;
- float32: a polynomial e^x on float32 that LLVM vectorises (8 lanes), accurate to a few ulp.

Both are stable for any input: σ is computed from e = e^-|z| ≤ 1 and tanh from e^-2|z|, so
nothing overflows at ±1000. Used by the LSTM, GRU and word2vec kernels.

Numba's on-disk cache checks only the source file of the kernel it compiled, not this one:
after changing this file, delete the cached ``lstm.*``, ``gru.*`` and ``word2vec.*`` entries
(``*.nbi``/``*.nbc`` in ``autograd/kernels/__pycache__`` or ``$NUMBA_CACHE_DIR``).
"""

from __future__ import annotations

import math

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic, overload


def sigmoid(z):
    """σ(z) = 1 / (1 + e^-z), computed from e = e^-|z| ≤ 1 (never overflows)."""
    e = math.exp(-abs(z))
    return (1.0 if z >= 0 else e) / (1.0 + e)


def tanh(z):
    """tanh(z); libm's is accurate and saturates to ±1 without overflow."""
    return math.tanh(z)


_F32_ZERO = np.float32(0.0)
_F32_ONE = np.float32(1.0)
_F32_TWO = np.float32(2.0)
_F32_LOG2E = np.float32(1.4426950408889634)
_F32_HALF = np.float32(0.5)
# ln 2 = _LN2_HI + _LN2_LO; _LN2_HI has 15 significant bits, so k·_LN2_HI is exact for |k| < 512
_F32_LN2_HI = np.float32(0.693145751953125)
_F32_LN2_LO = np.float32(1.428606765330187e-06)
# e^-87 ≈ 1.6e-38 is the smallest power reached: 2^k stays a normal float32 (k ≥ -126)
_F32_MIN_ARG = np.float32(-87.0)
# Taylor coefficients 1/7! … 1/2! of e^r - 1 = r + r²/2! + … + r⁷/7!; on |r| ≤ ln2/2 the
# first omitted term is below 1.5e-8·|r|, under half a float32 ulp
_F32_C7 = np.float32(1 / 5040)
_F32_C6 = np.float32(1 / 720)
_F32_C5 = np.float32(1 / 120)
_F32_C4 = np.float32(1 / 24)
_F32_C3 = np.float32(1 / 6)


@intrinsic
def _pow2_f32(typingctx, k):
    """2^k as float32, for a float32 ``k`` holding an integer in [-126, 127] (exponent bits)."""
    sig = types.float32(types.float32)

    def codegen(context, builder, signature, args):
        i32 = ir.IntType(32)
        exponent = builder.add(builder.fptosi(args[0], i32), ir.Constant(i32, 127))
        return builder.bitcast(builder.shl(exponent, ir.Constant(i32, 23)), ir.FloatType())

    return sig, codegen


@numba.njit(inline="always")
def _exp_parts_f32(x):
    """For float32 x in [-87, 0]: (s, p) with e^x = s·(1 + p), s = 2^k, p = e^r - 1.

    x = k·ln2 + r with k = round(x / ln2), |r| ≤ ln2/2 (Cody-Waite: ln2 in two parts).
    Keeping e^r - 1 apart lets tanh form e^x - 1 = s·p + (s - 1) without cancellation.
    """
    k = np.floor(x * _F32_LOG2E + _F32_HALF)
    r = (x - k * _F32_LN2_HI) - k * _F32_LN2_LO
    p = _F32_C7
    p = p * r + _F32_C6
    p = p * r + _F32_C5
    p = p * r + _F32_C4
    p = p * r + _F32_C3
    p = p * r + _F32_HALF
    p = p * r * r + r
    # numba's stubs type an @intrinsic's call with its typing context as the first argument,
    # which numba supplies itself: the call takes the intrinsic's own arguments only
    return _pow2_f32(k), p  # type: ignore[call-arg]


def _sigmoid_f32(z):
    s, p = _exp_parts_f32(max(-abs(z), _F32_MIN_ARG))
    e = s * p + s  # e^-|z|
    return (_F32_ONE if z >= _F32_ZERO else e) / (_F32_ONE + e)


def _tanh_f32(z):
    s, p = _exp_parts_f32(max(-_F32_TWO * abs(z), _F32_MIN_ARG))
    m = s * p + (s - _F32_ONE)  # e^-2|z| - 1, in (-1, 0]
    t = -m / (_F32_TWO + m)  # tanh|z| = (1 - e^-2|z|) / (1 + e^-2|z|)
    return t if z >= _F32_ZERO else -t


@overload(sigmoid)
def _sigmoid_jit(z):
    return _sigmoid_f32 if z == types.float32 else sigmoid


@overload(tanh)
def _tanh_jit(z):
    return _tanh_f32 if z == types.float32 else tanh
