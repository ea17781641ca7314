"""Elementwise ops with PyTorch's names beyond the nonlinearities of `autograd.ops.unary`:
clone (a recorded copy), sign (gradient zero, as PyTorch) and erf.

numpy has no erf: `erf_array` evaluates Cephes' rational approximations (S. L. Moshier,
public domain; the ones scipy's ``ndtr`` compiles), accurate to a few units in the last place
of float64.
"""

from __future__ import annotations

import math

import numpy as np

from autograd.function import Function
from autograd.tensor import Tensor

_SHAPES = [(), (1,), (3,), (2, 3)]

# erf(x) = x T(x²) / U(x²) for |x| ≤ 1
_T = (
    9.60497373987051638749e0,
    9.00260197203842689217e1,
    2.23200534594684319226e3,
    7.00332514112805075473e3,
    5.55923013010394962768e4,
)
_U = (
    1.0,
    3.35617141647503099647e1,
    5.21357949780152679795e2,
    4.59432382970980127987e3,
    2.26290000613890934246e4,
    4.92673942608635921086e4,
)
# erfc(x) = e^(-x²) P(x) / Q(x) for 1 ≤ x < 8, e^(-x²) R(x) / S(x) beyond
_P = (
    2.46196981473530512524e-10,
    5.64189564831068821977e-1,
    7.46321056442269912687e0,
    4.86371970985681366614e1,
    1.96520832956077098242e2,
    5.26445194995477358631e2,
    9.34528527171957607540e2,
    1.02755188689515710272e3,
    5.57535335369399327526e2,
)
_Q = (
    1.0,
    1.32281951154744992508e1,
    8.67072140885989742329e1,
    3.54937778887819891062e2,
    9.75708501743205489753e2,
    1.82390916687909736289e3,
    2.24633760818710981792e3,
    1.65666309194161350182e3,
    5.57535340817727675546e2,
)
_R = (
    5.64189583547755073984e-1,
    1.27536670759978104416e0,
    5.01905042251180477414e0,
    6.16021097993053585195e0,
    7.40974269950448939160e0,
    2.97886665372100240670e0,
)
_S = (
    1.0,
    2.26052863220117276590e0,
    9.39603524938001434673e0,
    1.20489539808096656605e1,
    1.70814450747565897222e1,
    9.60896809063285878198e0,
    3.36907645100081516050e0,
)

#: 2/√π, the factor of erf's derivative
TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


def _horner(x: np.ndarray, coefficients: tuple[float, ...]) -> np.ndarray:
    out = np.full_like(x, coefficients[0])
    for c in coefficients[1:]:
        out = out * x + c
    return out


def erf_array(x: np.ndarray) -> np.ndarray:
    """erf of a float array, computed in float64 and returned in ``x``'s dtype (NaN stays)."""
    x = np.asarray(x)
    a = x.astype(np.float64)
    ax = np.minimum(np.abs(a), 30.0)  # erfc(30) underflows to 0; ±inf gives ±1
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        z = a * a
        small = a * _horner(z, _T) / _horner(z, _U)
        near = _horner(ax, _P) / _horner(ax, _Q)
        far = _horner(ax, _R) / _horner(ax, _S)
        erfc = np.exp(-ax * ax) * np.where(ax < 8, near, far)
    large = np.copysign(1 - erfc, a)
    return np.where(ax <= 1, small, large).astype(x.dtype, copy=False)


class Clone(Function):
    """A copy that owns its data, recorded: the gradient passes through unchanged."""

    @staticmethod
    def forward(ctx, a):
        return np.array(a, copy=True)

    @staticmethod
    def backward(ctx, grad):
        # d/da: the identity
        return grad

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        return grad

    @staticmethod
    def sample_inputs(rng):
        for shape in _SHAPES:
            yield (rng.standard_normal(shape),), {}


class Sign(Function):
    """-1, 0 or +1 (NaN stays NaN), as ``torch.sign``: piecewise constant, so its gradient is
    0 everywhere (PyTorch's too: a zero gradient, not a missing one)."""

    @staticmethod
    def forward(ctx, a):
        return np.sign(a)

    @staticmethod
    def backward(ctx, grad):
        # d/da: 0
        return np.zeros_like(grad)

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        return grad * 0.0

    @staticmethod
    def sample_inputs(rng):
        for shape in _SHAPES:
            yield (rng.standard_normal(shape),), {}


class Erf(Function):
    """The error function 2/√π ∫₀ˣ e^(-t²) dt."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return erf_array(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        # d/da: 2/√π · e^(-a²)
        return grad * TWO_OVER_SQRT_PI * np.exp(-a * a)

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        a = ctx.parents[0]
        return grad * TWO_OVER_SQRT_PI * (-a * a).exp()

    @staticmethod
    def sample_inputs(rng):
        for shape in _SHAPES:
            yield (rng.uniform(-3.0, 3.0, shape),), {}
        yield (np.array([-9.0, -1.0, 0.0, 0.5, 1.0, 2.5, 8.0]),), {}


def clone(a: Tensor) -> Tensor:
    """A copy of ``a`` with its own data, in the graph (as ``torch.clone``)."""
    return Clone.apply(a)


def sign(a: Tensor) -> Tensor:
    """Elementwise sign (-1, 0, +1); gradient zero."""
    return Sign.apply(a)


def erf(a: Tensor) -> Tensor:
    """Elementwise error function."""
    if a.dtype.kind != "f":
        raise TypeError(f"erf: needs a floating-point tensor, got dtype {a.dtype}")
    return Erf.apply(a)
