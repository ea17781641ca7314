"""An image file as the digit models saw their training digits: `load_digit`.

The training digits are light strokes on a dark background, pixels in [0, 1], the 8×8 digits
filling the frame's height and MNIST's fitted into a 20×20 box centred in 28×28. A file is
read with matplotlib's reader (``matplotlib.image.imread``: PNG, and JPEG, BMP, ... through
Pillow, which matplotlib installs) and brought to that form:

1. grayscale in [0, 1] (ITU-R 601 luminance; transparency over white);
2. inverted when its border is light (a dark digit on paper becomes a light one on black);
3. an image of another size than the model's is cropped to its ink (pixels above a fifth of
   the brightest), padded to a square, resized by area averaging (as the 8×8 digits were
   made) so the ink's longer side fills the box (`BOX`), centred in the frame and scaled so
   its brightest pixel is 1.

An image of exactly the model's size skips step 3: its pixels are used as they are.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

#: the side of the box the ink is fitted into, per frame side (MNIST: 20 in 28)
BOX = {28: 20, 8: 8}
INK = 0.2  # a pixel is ink above this fraction of the brightest one


def _gray(pixels: np.ndarray) -> np.ndarray:
    """imread's array (H, W), (H, W, 3) or (H, W, 4), floats in [0, 1] or integers, as (H, W)
    float64 grayscale in [0, 1]."""
    a = np.asarray(pixels)
    a = a / float(np.iinfo(a.dtype).max) if a.dtype.kind in "ui" else a.astype(np.float64)
    if a.ndim == 2:
        return np.clip(a, 0.0, 1.0)
    if a.ndim != 3 or a.shape[2] not in (1, 2, 3, 4):
        raise ValueError(f"an image of shape {a.shape} is neither grayscale nor colour")
    alpha = a[..., -1:] if a.shape[2] in (2, 4) else None
    color = a[..., :3] if a.shape[2] >= 3 else a[..., :1]
    gray = color @ np.array([0.299, 0.587, 0.114]) if color.shape[2] == 3 else color[..., 0]
    if alpha is not None:  # composited over white paper
        gray = gray * alpha[..., 0] + (1.0 - alpha[..., 0])
    return np.clip(gray, 0.0, 1.0)


def read_gray(path: Path) -> np.ndarray:
    """The image file ``path`` as (H, W) float64 grayscale in [0, 1]; ValueError naming the
    file if it is missing or not an image."""
    import matplotlib.image

    if not Path(path).exists():
        raise ValueError(f"{path} does not exist")
    if Path(path).is_dir():
        raise ValueError(f"{path} is a folder, not an image file")
    try:
        pixels = matplotlib.image.imread(path)
    except Exception as err:  # Pillow's errors: unidentified, truncated, too large, ...
        raise ValueError(f"cannot read {path} as an image: {err}") from None
    if pixels.size == 0:
        raise ValueError(f"{path} is an empty image")
    try:
        return _gray(pixels)
    except ValueError as err:
        raise ValueError(f"cannot read {path} as a digit: {err}") from None


def area_resize(image: np.ndarray, size: int) -> np.ndarray:
    """``image`` (n, n) resized to (size, size) by area averaging: each new pixel is the mean
    of the old pixels it covers, weighted by how much of each it covers."""
    n = image.shape[0]
    edges = np.arange(size + 1) * (n / size)  # target cell i covers [edges[i], edges[i+1])
    left, right = np.arange(n), np.arange(1, n + 1)
    overlap = np.clip(
        np.minimum(edges[1:, None], right[None]) - np.maximum(edges[:-1, None], left[None]),
        0.0,
        None,
    )
    weights = overlap / overlap.sum(axis=1, keepdims=True)  # (size, n), rows sum to 1
    return weights @ image @ weights.T


def _fit(gray: np.ndarray, side: int) -> np.ndarray:
    """Crop ``gray`` to its ink, pad it square, resize it into the box, centre it in a
    ``side``×``side`` frame and scale its brightest pixel to 1 (a blank image stays blank)."""
    if gray.max() <= 0:
        return np.zeros((side, side))
    rows = np.flatnonzero((gray > INK * gray.max()).any(axis=1))
    cols = np.flatnonzero((gray > INK * gray.max()).any(axis=0))
    ink = gray[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    h, w = ink.shape
    n = max(h, w)
    square = np.zeros((n, n))
    square[(n - h) // 2 : (n - h) // 2 + h, (n - w) // 2 : (n - w) // 2 + w] = ink
    box = BOX.get(side, side)
    frame = np.zeros((side, side))
    at = (side - box) // 2
    frame[at : at + box, at : at + box] = area_resize(square, box)
    return np.clip(frame / frame.max(), 0.0, 1.0)


def load_digit(path: Path, side: int) -> np.ndarray:
    """The image file ``path`` as a (side, side) float32 digit in [0, 1], light on dark, as
    described above; ValueError naming the file if it cannot be read."""
    gray = read_gray(path)
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if np.median(border) > 0.5:
        gray = 1.0 - gray
    if gray.shape != (side, side):
        gray = _fit(gray, side)
    return gray.astype(np.float32)
