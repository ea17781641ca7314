"""detect_anomaly names the first op whose forward or backward produces NaN or inf."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd
from autograd import Tensor


def test_forward_nan_names_the_op_and_line():
    x = Tensor([-1.0, 4.0], requires_grad=True)
    with autograd.detect_anomaly(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match=r"forward of 'log'") as info:
            x.log()
    created_at = str(info.value).split("Created at:")[1]
    assert "test_anomaly.py" in created_at
    assert "x.log()" in created_at
    assert "tensor.py" not in created_at
    assert "function.py" not in created_at


def test_backward_inf_names_the_op():
    x = Tensor([0.0, 4.0], requires_grad=True)
    with autograd.detect_anomaly(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = x.sqrt()  # forward is finite (0 and 2); d/dx at 0 is inf
        with pytest.raises(RuntimeError, match="backward of 'sqrt' produced NaN or inf"):
            y.sum().backward()


def test_anomaly_reports_when_input_was_already_bad():
    x = Tensor([np.nan, 1.0], requires_grad=True)
    with autograd.detect_anomaly(), pytest.raises(RuntimeError, match="input 0 already held"):
        x * 2


def test_without_detect_anomaly_nan_passes_silently():
    x = Tensor([-1.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isnan(x.log().data).all()


def test_sigmoid_and_tanh_are_stable_for_large_inputs():
    x = Tensor([-1000.0, -50.0, 0.0, 50.0, 1000.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any overflow warning fails the test
        s = x.sigmoid()
        t = x.tanh()
        (s.sum() + t.sum()).backward()
    np.testing.assert_allclose(s.data, [0.0, 1.9287e-22, 0.5, 1.0, 1.0], rtol=1e-4)
    np.testing.assert_allclose(t.data, [-1.0, -1.0, 0.0, 1.0, 1.0])
    assert np.isfinite(x.grad).all()
