"""autograd.functional: losses, softmax, embedding, dropout — values, errors, PyTorch parity."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd
import autograd.functional as F
from autograd import Tensor, gradcheck


def _logits(rng, shape):
    return Tensor(rng.standard_normal(shape), requires_grad=True)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("ignore", [None, 1])
def test_cross_entropy_matches_torch(rng, reduction, smoothing, ignore):
    torch = pytest.importorskip("torch")
    logits = _logits(rng, (5, 4))
    targets = np.array([0, 1, 3, 1, 2])
    loss = F.cross_entropy(
        logits, targets, reduction, ignore_index=ignore, label_smoothing=smoothing
    )
    loss.backward(np.ones(loss.shape))
    t = torch.tensor(logits.data, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(
        t,
        torch.tensor(targets),
        reduction=reduction,
        ignore_index=-100 if ignore is None else ignore,
        label_smoothing=smoothing,
    )
    expected.backward(torch.ones_like(expected))
    np.testing.assert_allclose(loss.data, expected.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(logits.grad, t.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_cross_entropy_spatial_and_probability_targets_match_torch(rng):
    torch = pytest.importorskip("torch")
    tF = torch.nn.functional
    logits = _logits(rng, (2, 3, 4))  # (N, C, d)
    targets = rng.integers(0, 3, (2, 4))
    probs = rng.dirichlet(np.ones(3), (2, 4)).transpose(0, 2, 1)  # (N, C, d), sums to 1 on C
    for target, torch_target in [(targets, torch.tensor(targets)), (probs, torch.tensor(probs))]:
        logits.grad = None
        F.cross_entropy(logits, target, label_smoothing=0.1).backward()
        t = torch.tensor(logits.data, requires_grad=True)
        tF.cross_entropy(t, torch_target, label_smoothing=0.1).backward()
        np.testing.assert_allclose(logits.grad, t.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_cross_entropy_gradcheck_with_smoothing_and_ignore(rng):
    logits = _logits(rng, (4, 3))
    assert gradcheck(
        lambda z: F.cross_entropy(z, np.array([0, 2, -1, 1]), ignore_index=-1, label_smoothing=0.3),
        logits,
    )


def test_large_logits_do_not_overflow():
    logits = Tensor(np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4]]), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = F.cross_entropy(logits, np.array([0, 1]))
        loss.backward()
        s = F.softmax(logits)
        x = Tensor(np.array([-1e4, 0.0, 1e4]), requires_grad=True)
        bce = F.binary_cross_entropy_with_logits(x, np.array([1.0, 0.0, 1.0]))
        bce.backward()
    assert loss.item() == pytest.approx(1e4, rel=1e-6)  # sample 1 puts 2e4 below the max
    np.testing.assert_allclose(s.data.sum(axis=1), [1.0, 1.0])
    assert np.isfinite(logits.grad).all()
    assert np.isfinite(x.grad).all()


def test_softmax_rows_sum_to_one_and_log_softmax_agrees(rng):
    x = Tensor(rng.standard_normal((3, 5)) * 50)
    np.testing.assert_allclose(F.softmax(x, axis=1).data.sum(axis=1), 1.0)
    np.testing.assert_allclose(np.exp(F.log_softmax(x, axis=1).data), F.softmax(x, axis=1).data)


def test_loss_errors_name_the_op_and_shapes():
    logits = Tensor(np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"cross_entropy: .*targets of shape \(3,\), got \(2,\)"):
        F.cross_entropy(logits, np.array([0, 1]))
    with pytest.raises(IndexError, match="target 4 is out of range for 4 classes"):
        F.cross_entropy(logits, np.array([0, 4, 1]))
    with pytest.raises(TypeError, match="integers"):
        F.nll_loss(logits, np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match="reduction must be one of"):
        F.cross_entropy(logits, np.array([0, 1, 2]), reduction="avg")
    with pytest.raises(ValueError, match=r"mse_loss: input \(3, 4\) and target \(4,\)"):
        F.mse_loss(logits, np.zeros(4))
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
        F.binary_cross_entropy(Tensor([1.5]), np.array([1.0]))


def test_mse_loss_and_reductions():
    x = Tensor([1.0, 2.0, 4.0], requires_grad=True)
    loss = F.mse_loss(x, [1.0, 1.0, 1.0])
    assert loss.item() == pytest.approx((0 + 1 + 9) / 3)
    loss.backward()
    np.testing.assert_allclose(x.grad, [0, 2 / 3, 2.0])
    assert F.mse_loss(x, [1.0, 1.0, 1.0], reduction="sum").item() == pytest.approx(10)
    assert F.mse_loss(x, [1.0, 1.0, 1.0], reduction="none").shape == (3,)


def test_binary_cross_entropy_at_the_edges_is_finite():
    p = Tensor([0.0, 1.0, 0.5], requires_grad=True)
    loss = F.binary_cross_entropy(p, [1.0, 0.0, 1.0], reduction="sum")
    assert loss.item() == pytest.approx(200 + np.log(2))  # logs clamped at -100, as PyTorch
    loss.backward()
    assert np.isfinite(p.grad).all()


def test_embedding_repeated_indices_accumulate():
    w = Tensor(np.arange(8.0).reshape(4, 2), requires_grad=True)
    out = F.embedding(w, np.array([[3, 1], [3, 3]]))
    assert out.shape == (2, 2, 2)
    np.testing.assert_array_equal(out.data[0, 0], [6.0, 7.0])
    out.sum().backward()
    np.testing.assert_array_equal(w.grad, [[0, 0], [1, 1], [0, 0], [3, 3]])


def test_embedding_errors():
    w = Tensor(np.zeros((4, 2)))
    with pytest.raises(IndexError, match="index 4 is out of range for 4 embeddings"):
        F.embedding(w, np.array([0, 4]))
    with pytest.raises(TypeError, match="integers"):
        F.embedding(w, np.array([0.0]))


def test_dropout_keeps_expectation_and_is_identity_in_eval():
    rng = np.random.default_rng(0)
    x = Tensor(np.ones(20_000), requires_grad=True)
    y = F.dropout(x, p=0.25, training=True, rng=rng)
    zeros = (y.data == 0).mean()
    assert 0.23 < zeros < 0.27
    assert y.data.mean() == pytest.approx(1.0, abs=0.02)
    np.testing.assert_allclose(np.unique(y.data), [0.0, 1 / 0.75], rtol=1e-6)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, y.data)  # the mask and scale, again
    assert F.dropout(x, p=0.5, training=False) is x
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\]"):
        F.dropout(x, p=1.5)


def test_dropout_is_reproducible_with_a_seeded_generator():
    x = Tensor(np.ones(50))
    a = F.dropout(x, 0.5, rng=np.random.default_rng(3))
    b = F.dropout(x, 0.5, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(a.data, b.data)


def test_cross_entropy_keeps_float32():
    """Regression: the mean divided by an int64 count promoted the loss to float64."""
    x = Tensor(np.random.default_rng(0).random((4, 3)).astype(np.float32), requires_grad=True)
    loss = F.cross_entropy(x, np.array([0, 1, 2, 0]))
    assert loss.dtype == np.float32
    loss.backward()
    assert x.grad.dtype == np.float32


def test_dropout_without_rng_draws_from_the_generator_manual_seed_seeds():
    import nn

    x = Tensor(np.ones((4, 50)))
    masks = []
    for seed_with in (autograd.manual_seed, nn.manual_seed, autograd.manual_seed):
        seed_with(3)
        masks.append(F.dropout(x, 0.5).data)
    np.testing.assert_array_equal(masks[0], masks[1])
    np.testing.assert_array_equal(masks[0], masks[2])
    assert 0 < (masks[0] == 0).sum() < masks[0].size
    assert not np.array_equal(masks[0], F.dropout(x, 0.5).data)  # the generator moved on
