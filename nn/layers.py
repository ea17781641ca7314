"""Feed-forward layers with PyTorch's names, parameter layouts and default initialisation."""

from __future__ import annotations

import numbers

import numpy as np

import autograd.functional as F
from autograd import Tensor
from nn import conv_options, init
from nn.module import Module, Parameter


def _pair(v: int | tuple[int, int], what: str) -> tuple[int, int]:
    pair = (v, v) if isinstance(v, int) else tuple(v)
    if len(pair) != 2 or any(not isinstance(k, int) or k < 0 for k in pair):
        raise ValueError(f"{what} must be a non-negative int or a pair of them, got {v!r}")
    return pair


class Linear(Module):
    """y = x Wᵀ + b. x: (..., in_features) -> (..., out_features); weight (out, in)."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        bound = init.fan_in_bound(in_features)
        self.weight = Parameter(init.uniform((out_features, in_features), bound))
        self.bias = Parameter(init.uniform((out_features,), bound)) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        """x: (..., in_features) -> (..., out_features)."""
        if x.shape[-1] != self.in_features:
            raise ValueError(
                f"Linear({self.in_features}, {self.out_features}): input has {x.shape[-1]} "
                f"features (shape {x.shape}), expected {self.in_features}"
            )
        y = x @ self.weight.T
        return y + self.bias if self.bias is not None else y

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}"


class Conv2d(Module):
    """Cross-correlation over NCHW images; weight (O, C/groups, kh, kw), bias (O,).

    ``padding``: an int, a pair, ``"valid"`` (0) or ``"same"`` (output as large as the input;
    stride 1 only, as PyTorch); ``dilation`` spaces the kernel's taps; ``groups`` splits the
    channels (``groups=in_channels``: depthwise). See `nn.conv_options` for how.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] | str = 0,
        dilation: int | tuple[int, int] = 1,
        groups: int = 1,
        bias: bool = True,
    ):
        super().__init__()
        kh, kw = _pair(kernel_size, "Conv2d kernel_size")
        if not isinstance(groups, int) or groups < 1:
            raise ValueError(f"Conv2d: groups must be a positive int, got {groups!r}")
        for name, channels in (("in_channels", in_channels), ("out_channels", out_channels)):
            if channels % groups:
                raise ValueError(f"Conv2d: {name} {channels} is not divisible by groups {groups}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride = (kh, kw), _pair(stride, "Conv2d stride")
        self.dilation, self.groups = _pair(dilation, "Conv2d dilation"), groups
        if 0 in self.dilation:
            raise ValueError(f"Conv2d: dilation must be positive, got {dilation!r}")
        if padding == "same" and self.stride != (1, 1):
            raise ValueError("Conv2d: padding='same' needs stride 1 (as in PyTorch)")
        if isinstance(padding, str) and padding not in ("same", "valid"):
            raise ValueError(
                f"Conv2d: padding must be an int, a pair, 'same' or 'valid', got {padding!r}"
            )
        # "same", or a pair ("valid", the only other string left, is no padding)
        self.padding: str | tuple[int, int] = (
            padding
            if padding == "same"
            else _pair(0 if isinstance(padding, str) else padding, "Conv2d padding")
        )
        per_group = in_channels // groups
        bound = init.fan_in_bound(per_group * kh * kw)
        self.weight = Parameter(init.uniform((out_channels, per_group, kh, kw), bound))
        self.bias = Parameter(init.uniform((out_channels,), bound)) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        """x: (N, C, H, W) -> (N, O, H', W')."""
        w = conv_options.dilate(self.weight, self.dilation)
        padding = self.padding
        if isinstance(padding, str):  # "same"
            padding, (rows, cols) = conv_options.same_padding(self.kernel_size, self.dilation)
            if (rows, cols) != padding:  # odd total: the extra zeros after the image
                x = conv_options.pad_after(x, rows - padding[0], cols - padding[1])
        return conv_options.grouped_conv2d(x, w, self.bias, self.stride, padding, self.groups)

    def extra_repr(self) -> str:
        extra = "" if self.dilation == (1, 1) else f", dilation={self.dilation}"
        extra += "" if self.groups == 1 else f", groups={self.groups}"
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding}{extra}"
        )


class MaxPool2d(Module):
    """Max over windows of NCHW images (stride defaults to the window)."""

    def __init__(self, kernel_size: int | tuple[int, int], stride: int | None = None):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride

    def forward(self, x: Tensor) -> Tensor:
        """x: (N, C, H, W) -> (N, C, H', W')."""
        return F.max_pool2d(x, self.kernel_size, self.stride)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride or self.kernel_size}"


class AvgPool2d(MaxPool2d):
    """Mean over windows of NCHW images (stride defaults to the window)."""

    def forward(self, x: Tensor) -> Tensor:
        """x: (N, C, H, W) -> (N, C, H', W')."""
        return F.avg_pool2d(x, self.kernel_size, self.stride)


class Flatten(Module):
    """Merge dimensions start_dim..end_dim: (N, C, H, W) -> (N, C·H·W) by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        """Reshape, keeping the dims outside [start_dim, end_dim]."""
        nd = x.ndim
        s, e = self.start_dim % nd, self.end_dim % nd
        size = 1
        for d in x.shape[s : e + 1]:
            size *= d
        return x.reshape(*x.shape[:s], size, *x.shape[e + 1 :])


class ReLU(Module):
    """max(x, 0), elementwise."""

    def forward(self, x: Tensor) -> Tensor:
        """Any shape."""
        return x.relu()


class Sigmoid(Module):
    """1 / (1 + e^-x), elementwise."""

    def forward(self, x: Tensor) -> Tensor:
        """Any shape."""
        return x.sigmoid()


class Tanh(Module):
    """tanh(x), elementwise."""

    def forward(self, x: Tensor) -> Tensor:
        """Any shape."""
        return x.tanh()


class LeakyReLU(Module):
    """x where x > 0, else negative_slope·x."""

    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: Tensor) -> Tensor:
        """Any shape."""
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class GELU(Module):
    """x·Φ(x) (``approximate="none"``) or its tanh approximation (``"tanh"``)."""

    def __init__(self, approximate: str = "none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        """Any shape."""
        return F.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Identity(Module):
    """Returns its input."""

    def forward(self, x: Tensor) -> Tensor:
        """Any shape."""
        return x


class Softmax(Module):
    """softmax over ``dim``: exp(x) / Σ exp(x), stable for large inputs."""

    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = _softmax_dim(type(self).__name__, dim)

    def forward(self, x: Tensor) -> Tensor:
        """Any shape with the axis ``dim``."""
        return x.softmax(self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log(softmax(x)) over ``dim``, computed stably (x - logsumexp(x))."""

    def forward(self, x: Tensor) -> Tensor:
        """Any shape with the axis ``dim``."""
        return x.log_softmax(self.dim)


def _softmax_dim(layer: str, dim: object) -> int:
    if dim is None:
        raise TypeError(
            f"{layer}: pass dim (e.g. {layer}(dim=1) for (N, C) logits); PyTorch's implicit "
            "choice of dim is deprecated and not supported"
        )
    if isinstance(dim, bool) or not isinstance(dim, int):
        raise TypeError(f"{layer}: dim must be an int, got {dim!r}")
    return dim


def check_dropout_p(layer: str, p: object) -> float:
    """`p` as a float, or a ValueError naming `layer` if it is not a probability in [0, 1]."""
    # typeshed's numbers.Real declares only __lt__ and __le__, so `0.0 <= p` (p.__ge__) is
    # refused, though every Real compares both ways
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0.0 <= p <= 1.0:  # type: ignore[operator]
        raise ValueError(
            f"{layer}: p must be in [0, 1], got {p!r} (p is the probability that an element "
            "is zeroed; p=1 zeroes everything, as in PyTorch)"
        )
    return float(p)


class Dropout(Module):
    """Zero each element with probability p in training, scaling the rest by 1/(1-p).

    Identity in eval mode; p=1 zeroes every element (and its gradient), as PyTorch.
    ``rng``: the generator the masks are drawn from; None (the default) draws from the one
    ``nn.manual_seed`` seeds, so a seeded run draws the same masks every time.
    """

    def __init__(self, p: float = 0.5, *, rng: np.random.Generator | None = None):
        super().__init__()
        self.p, self.rng = check_dropout_p("Dropout", p), rng

    def forward(self, x: Tensor) -> Tensor:
        """Any shape; identity in eval mode."""
        rng = init.generator() if self.rng is None else self.rng
        return F.dropout(x, self.p, self.training, rng=rng)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Dropout2d(Module):
    """Zero whole channels with probability p in training, scaling the rest by 1/(1-p).

    x: (N, C, H, W) or unbatched (C, H, W) -> the same shape; each (sample, channel) feature
    map is kept or zeroed as a whole (one Bernoulli draw per map); identity in eval mode.
    ``rng``: the generator the masks are drawn from; None (the default) draws from the one
    ``nn.manual_seed`` seeds, as `Dropout` does. A 3-D input is one unbatched image, as
    PyTorch's documentation says (PyTorch 2.x itself still warns and drops whole rows of an
    (N, C, L)).
    """

    def __init__(self, p: float = 0.5, *, rng: np.random.Generator | None = None):
        super().__init__()
        self.p, self.rng = check_dropout_p("Dropout2d", p), rng

    def forward(self, x: Tensor) -> Tensor:
        """x: (N, C, H, W) or (C, H, W) -> the same shape."""
        if x.ndim not in (3, 4):
            raise ValueError(
                f"Dropout2d: expected input of shape (N, C, H, W) or (C, H, W), got {x.ndim}-D "
                f"input of shape {x.shape}"
            )
        if not self.training or self.p == 0.0:
            return x
        rng = init.generator() if self.rng is None else self.rng
        keep = rng.random((*x.shape[:-2], 1, 1)) >= self.p  # one draw per feature map
        scale = 0.0 if self.p == 1.0 else 1.0 / (1.0 - self.p)
        # d/dx: the same mask and scale, from the multiplication
        return x * Tensor((keep * scale).astype(x.dtype))

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Embedding(Module):
    """A lookup table: integer indices (...) -> vectors (..., embedding_dim); weight N(0, 1)."""

    def __init__(self, num_embeddings: int, embedding_dim: int):
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.weight = Parameter(init.normal((num_embeddings, embedding_dim)))

    def forward(self, indices: Tensor) -> Tensor:
        """indices: integer (...) -> (..., embedding_dim)."""
        return F.embedding(self.weight, indices)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"
