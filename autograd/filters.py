"""Image filters for learners: 2-D correlation and true convolution in plain numpy.

What CNNs call "convolution" is **cross-correlation**: the kernel slides over the image and
each output is the sum of the window times the kernel, element by element::

    correlate2d(f, g)[i, j] = Σ_{p, q} f[i + p, j + q] · g[p, q]

True **convolution** flips the kernel (rotates it by 180°) first::

    convolve2d(f, g)[i, j] = Σ_{p, q} f[i + p, j + q] · g[kh-1-p, kw-1-q]
    (f * g)(c) = Σ_{a + b = c} f(a) · g(b) = Σ_a f(a) · g(c - a)      (the "full" output)

Convolution is commutative and associative (``f * g == g * f`` in full mode), which
correlation is not; a learned kernel does not care which of the two is used, since learning
the flipped kernel is just as easy, so deep learning libraries skip the flip. For a kernel
that is symmetric under a 180° rotation (like the ones below) the two agree.

Output size along an axis: ``(n + 2·padding - k) // stride + 1`` (`output_size`): a 7×7
image with a 3×3 filter gives 5×5 at stride 1, 3×3 at stride 2, and 7×7 with padding 1.

The differentiable, batched version for networks is `autograd.ops.conv.conv2d`
(``F.conv2d``); these functions are for looking at single images.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

Size = int | tuple[int, int]


def _constant(rows: list[list[float]]) -> np.ndarray:
    kernel = np.array(rows, dtype=np.float64)
    kernel.setflags(write=False)  # shared by every caller: copy before changing
    return kernel


SHARPEN = _constant([[-1, -1, -1], [-1, 9, -1], [-1, -1, -1]])
"""3×3 sharpen: 9× the centre minus its 8 neighbours (weights sum to 1, so flat regions
keep their brightness while edges are amplified)."""

EDGE = _constant([[1, 1, 1], [1, -7, 1], [1, 1, 1]])
"""3×3 edge detector: the 8 neighbours minus 7× the centre (weights sum to 1); flat regions
stay as they are, while a pixel that differs from its surroundings stands out."""

EDGE_5X5 = _constant(
    [
        [-1, -1, -1, -1, -1],
        [-1, 2, 2, 2, -1],
        [-1, 2, 8, 2, -1],
        [-1, 2, 2, 2, -1],
        [-1, -1, -1, -1, -1],
    ]
)
"""5×5 edge enhancer: a positive centre block (centre 8, ring 2) against a negative border
ring of -1 (weights sum to 8); it brightens structure a few pixels wide and its edges."""

KERNELS: dict[str, np.ndarray] = {"sharpen": SHARPEN, "edge": EDGE, "edge_5x5": EDGE_5X5}
"""The classic kernels above by name."""


def output_size(size: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """Output length along one axis: ``(size + 2·padding - kernel) // stride + 1``."""
    return (size + 2 * padding - kernel) // stride + 1


def _pair(value: Size, what: str, op: str) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, int | np.integer) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, int | np.integer) for v in pair):
        raise TypeError(f"{op}: {what} must be an int or a pair of ints, got {value!r}")
    return int(pair[0]), int(pair[1])


def _pad_widths(padding: Size | str, kernel_shape: tuple[int, int], op: str) -> list:
    """Zeros to add (before, after) on each axis for ``padding``."""
    if isinstance(padding, str):
        if padding == "valid":
            return [(0, 0), (0, 0)]
        if padding == "full":
            return [(k - 1, k - 1) for k in kernel_shape]
        if padding == "same":
            return [((k - 1) // 2, k - 1 - (k - 1) // 2) for k in kernel_shape]
        raise ValueError(f"{op}: padding must be 'valid', 'same', 'full' or ints, not {padding!r}")
    ph, pw = _pair(padding, "padding", op)
    if ph < 0 or pw < 0:
        raise ValueError(f"{op}: padding must be at least 0, got {padding!r}")
    return [(ph, ph), (pw, pw)]


def _correlate(
    image: np.ndarray, kernel: np.ndarray, padding: Size | str, stride: Size, op: str
) -> np.ndarray:
    image, kernel = np.asarray(image), np.asarray(kernel)
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError(
            f"{op}: expected a 2-D image and a 2-D kernel, "
            f"got shapes {image.shape} and {kernel.shape}"
        )
    sh, sw = _pair(stride, "stride", op)
    if sh < 1 or sw < 1:
        raise ValueError(f"{op}: stride must be at least 1, got {stride!r}")
    dtype = np.result_type(image, kernel, np.float32)
    padded = np.pad(image.astype(dtype), _pad_widths(padding, kernel.shape, op))
    if kernel.shape[0] > padded.shape[0] or kernel.shape[1] > padded.shape[1]:
        raise ValueError(
            f"{op}: kernel {kernel.shape} is larger than the padded image "
            f"{padded.shape} (image {image.shape}); add padding or use a smaller kernel"
        )
    # every kh × kw window as a view, (Ho, Wo, kh, kw), then one weighted sum per window
    windows = sliding_window_view(padded, kernel.shape)[::sh, ::sw]
    return np.einsum("ijpq,pq->ij", windows, kernel.astype(dtype))


def correlate2d(
    image: np.ndarray, kernel: np.ndarray, padding: Size | str = 0, stride: Size = 1
) -> np.ndarray:
    """Cross-correlation (the CNN "convolution"): image (H, W), kernel (kh, kw) -> (Ho, Wo).

    ``out[i, j] = Σ_{p, q} padded[i·sh + p, j·sw + q] · kernel[p, q]`` with
    ``Ho = (H + 2·ph - kh) // sh + 1`` (likewise Wo). ``padding`` is zeros added on each side:
    an int or (rows, cols) pair, or ``"valid"`` (0, the default), ``"same"`` (output as large
    as the input at stride 1; an even kernel gets the extra zero after) or ``"full"``
    (``k - 1``: every overlap of image and kernel). ``stride`` is an int or a pair.
    """
    return _correlate(image, kernel, padding, stride, "correlate2d")


def convolve2d(
    image: np.ndarray, kernel: np.ndarray, padding: Size | str = 0, stride: Size = 1
) -> np.ndarray:
    """True 2-D convolution: `correlate2d` with the kernel rotated by 180°.

    image (H, W), kernel (kh, kw) -> (Ho, Wo), same sizes and arguments as `correlate2d`.
    With ``padding="full"`` this is ``(f * g)(c) = Σ_a f(a)·g(c - a)``, which is commutative:
    ``convolve2d(f, g, "full") == convolve2d(g, f, "full")``.
    """
    kernel = np.asarray(kernel)
    flipped = kernel[::-1, ::-1] if kernel.ndim == 2 else kernel
    return _correlate(image, flipped, padding, stride, "convolve2d")
