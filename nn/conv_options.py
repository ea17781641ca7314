"""What `nn.Conv2d` adds around the ``conv2d`` op: ``padding="same"``, ``dilation`` and
``groups``, each built from recorded ops, so their gradients come from the engine.

- dilation d: the kernel with d - 1 zeros between its taps, (kh, kw) -> (d·(kh-1)+1, …),
  written by a recorded scatter (`autograd.ops.shape.scatter_add`); the gradient of a tap is
  the gradient read back at its place. Exact; it costs the products of the larger kernel.
- groups g: the channels split in g slices, one convolution per slice, outputs concatenated
  (depthwise: g = in_channels).
- padding="same" (stride 1, as PyTorch): total padding d·(k-1) per axis; when it is odd the
  extra row/column goes after the image (bottom/right), as PyTorch does, by a recorded
  concatenation of zeros.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd
import autograd.functional as F
from autograd import Tensor
from autograd.ops.shape import scatter_add

Pair = tuple[int, int]


def dilate(w: Tensor, dilation: Pair) -> Tensor:
    """w (O, C, kh, kw) with ``dilation - 1`` zeros between taps: (O, C, kh', kw')."""
    (dh, dw), (o, c, kh, kw) = dilation, w.shape
    if dilation == (1, 1):
        return w
    shape = (o, c, dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    return scatter_add(
        w, (slice(None), slice(None), slice(None, None, dh), slice(None, None, dw)), shape
    )


def same_padding(kernel: Pair, dilation: Pair) -> tuple[Pair, Pair]:
    """``(before, after)`` zeros per axis (rows, cols) that keep H and W at stride 1."""
    total = [d * (k - 1) for k, d in zip(kernel, dilation)]
    before = (total[0] // 2, total[1] // 2)
    return before, (total[0] - before[0], total[1] - before[1])


def pad_after(x: Tensor, rows: int, cols: int) -> Tensor:
    """x (N, C, H, W) with ``rows`` zero rows below and ``cols`` zero columns to the right."""
    n, c, h, w = x.shape
    if rows:
        x = autograd.concatenate([x, Tensor(np.zeros((n, c, rows, w), x.dtype))], axis=2)
    if cols:
        x = autograd.concatenate([x, Tensor(np.zeros((n, c, h + rows, cols), x.dtype))], axis=3)
    return x


def grouped_conv2d(
    x: Tensor, w: Tensor, b: Tensor | None, stride: Pair, padding: Pair, groups: int
) -> Tensor:
    """``conv2d`` with the input's C channels and the weight's O outputs split in ``groups``:
    x (N, C, H, W), w (O, C/groups, kh, kw) -> (N, O, H', W')."""
    if groups == 1:
        return F.conv2d(x, w, b, stride=stride, padding=padding)
    cin, cout = x.shape[1] // groups, w.shape[0] // groups
    outs: list[Any] = []
    for g in range(groups):
        bias = None if b is None else b[g * cout : (g + 1) * cout]
        xg = x[:, g * cin : (g + 1) * cin]
        wg = w[g * cout : (g + 1) * cout]
        outs.append(F.conv2d(xg, wg, bias, stride=stride, padding=padding))
    return autograd.concatenate(outs, axis=1)
