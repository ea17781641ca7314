"""Every registered op, to second order: its recorded backward (``create_graph=True``) is
checked by float64 finite differences of the gradient and against PyTorch's double backward."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd
from autograd import Function, Tensor, gradgradcheck
from tests.torch_references import collect


def _cases(samples: str) -> list[Any]:
    rng = np.random.default_rng(0)
    cases = []
    for name, op in sorted(Function.registry.items()):
        for k, (arrays, attrs) in enumerate(getattr(op, samples)(rng)):
            cases.append(pytest.param(op, arrays, attrs, id=f"{name}-{k}"))
    return cases


def _tensors(arrays: tuple[np.ndarray, ...]) -> list[Tensor]:
    return [Tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]


def test_every_registered_op_is_twice_differentiable():
    once_only = sorted(
        n for n, op in Function.registry.items() if op.differentiable_backward is None
    )
    assert not once_only, f"ops without a differentiable_backward: {once_only}"


@pytest.mark.parametrize(("op", "arrays", "attrs"), _cases("second_order_samples"))
def test_op_gradgradcheck_float64(op: type[Function], arrays, attrs):
    assert gradgradcheck(lambda *xs: op.apply(*xs, **attrs), *_tensors(arrays))


@pytest.mark.parametrize(("op", "arrays", "attrs"), _cases("sample_inputs"))
def test_op_second_derivatives_match_torch(op: type[Function], arrays, attrs):
    torch = pytest.importorskip("torch")
    reference = collect(torch)[op.name]
    rng = np.random.default_rng(7)

    xs = _tensors(arrays)
    out = op.apply(*xs, **attrs)
    v = rng.standard_normal(out.shape)
    wrt = [i for i, x in enumerate(xs) if x.requires_grad]
    ws = [rng.standard_normal(xs[i].shape) for i in wrt]

    vt = Tensor(v, requires_grad=True)
    firsts = autograd.grad(out, [xs[i] for i in wrt], vt, create_graph=True, allow_unused=True)
    total = sum((g * Tensor(w)).sum() for g, w in zip(firsts, ws) if g is not None)
    seconds = autograd.grad(total, [xs[i] for i in wrt] + [vt], allow_unused=True)

    ts = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    t_out = reference(*ts, **attrs)
    t_v = torch.tensor(v, requires_grad=True)
    t_firsts = torch.autograd.grad(
        t_out, [ts[i] for i in wrt], t_v, create_graph=True, allow_unused=True
    )
    t_total = sum((g * torch.tensor(w)).sum() for g, w in zip(t_firsts, ws) if g is not None)
    t_seconds = torch.autograd.grad(
        t_total, [ts[i] for i in wrt] + [t_v], allow_unused=True, materialize_grads=True
    )
    for g, t_g in zip(firsts, t_firsts):
        expected = np.zeros(np.shape(g.data)) if t_g is None else t_g.detach().numpy()
        np.testing.assert_allclose(g.data, expected, rtol=1e-10, atol=1e-12)
    for g, t_g in zip(seconds, t_seconds):
        got = np.zeros(t_g.shape) if g is None else g
        np.testing.assert_allclose(got, t_g.numpy(force=True), rtol=1e-10, atol=1e-12)
