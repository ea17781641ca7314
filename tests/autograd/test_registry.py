"""Every registered op, from its own sample inputs: float64 gradcheck and PyTorch parity."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import autograd.ops
from autograd import Function, Tensor, gradcheck
from tests.torch_references import collect


def _cases() -> list[Any]:
    rng = np.random.default_rng(0)
    cases = []
    for name, op in sorted(Function.registry.items()):
        for k, (arrays, attrs) in enumerate(op.sample_inputs(rng)):
            cases.append(pytest.param(op, arrays, attrs, id=f"{name}-{k}"))
    return cases


CASES = _cases()


def _tensors(arrays: tuple[np.ndarray, ...]) -> list[Tensor]:
    return [Tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]


def test_every_op_has_samples_covering_0d_and_size_1():
    for name, op in Function.registry.items():
        shapes = [
            a.shape for arrays, _ in op.sample_inputs(np.random.default_rng(0)) for a in arrays
        ]
        assert shapes, f"{name} has no sample inputs"
        if name not in {"concatenate", "getitem", "transpose"}:
            assert any(np.prod(s) == 1 for s in shapes), f"{name}: no 0-d or size-1 sample"


@pytest.mark.parametrize(("op", "arrays", "attrs"), CASES)
def test_op_gradcheck_float64(op: type[Function], arrays, attrs):
    assert gradcheck(lambda *xs: op.apply(*xs, **attrs), *_tensors(arrays))


@pytest.mark.parametrize(("op", "arrays", "attrs"), CASES)
def test_op_gradient_shapes_and_dtypes_match_inputs(op: type[Function], arrays, attrs):
    xs = _tensors(arrays)
    out = op.apply(*xs, **attrs)
    out.backward(np.ones(out.shape))
    for x in xs:
        if x.requires_grad:
            assert x.grad.shape == x.shape
            assert x.grad.dtype == x.dtype


def test_every_op_has_a_torch_reference():
    torch = pytest.importorskip("torch")
    missing = set(Function.registry) - set(collect(torch))
    assert not missing, f"add a PyTorch reference for {sorted(missing)}"


@pytest.mark.parametrize(("op", "arrays", "attrs"), CASES)
def test_op_matches_torch(op: type[Function], arrays, attrs):
    torch = pytest.importorskip("torch")
    reference = collect(torch).get(op.name)
    if reference is None:
        pytest.fail(f"no PyTorch reference for {op.name}")
    xs = _tensors(arrays)
    out = op.apply(*xs, **attrs)
    upstream = np.random.default_rng(7).standard_normal(out.shape)
    out.backward(upstream)

    ts = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    expected = reference(*ts, **attrs)
    expected.backward(torch.tensor(upstream))
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    for x, t in zip(xs, ts):
        if x.requires_grad:
            np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_every_ops_module_is_imported_and_its_ops_registered():
    # an op family that `import autograd` does not import would escape the generic gradcheck;
    # a fresh interpreter, so that other tests' imports cannot hide one
    package = Path(autograd.ops.__file__).parent
    families = sorted(info.name for info in pkgutil.iter_modules([str(package)]))
    assert families, "no op modules found"
    listing = "import sys, autograd; print(*[m for m in sys.modules if 'autograd.ops.' in m])"
    imported = subprocess.run(
        [sys.executable, "-c", listing], capture_output=True, text=True, check=True
    ).stdout.split()
    missing = [f for f in families if f"autograd.ops.{f}" not in imported]
    assert not missing, f"`import autograd` does not import autograd.ops.{missing}"
    for family in families:
        module = importlib.import_module(f"autograd.ops.{family}")
        for obj in vars(module).values():
            is_op = isinstance(obj, type) and issubclass(obj, Function)
            if is_op and obj.__module__ == module.__name__ and obj.registered:
                assert Function.registry.get(obj.name) is obj, f"{obj.__name__} is not registered"
