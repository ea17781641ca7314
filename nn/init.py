"""Weight initialisation: PyTorch's ``torch.nn.init`` and the layers' default schemes, from one
seedable generator.

``nn.manual_seed(s)`` makes every layer created afterwards reproducible, and the dropout
masks drawn afterwards (`Dropout`, `Dropout2d`, the recurrent layers' inter-layer dropout), and
the draws of the in-place initialisers below.

The in-place initialisers have ``torch.nn.init``'s names, arguments, defaults, bounds and
errors: ``uniform_``, ``normal_``, ``trunc_normal_``, ``constant_``, ``ones_``, ``zeros_``,
``eye_``, ``xavier_uniform_``, ``xavier_normal_``, ``kaiming_uniform_``, ``kaiming_normal_``,
``orthogonal_``, with ``calculate_gain`` and ``calculate_fan_in_and_fan_out`` (also under
PyTorch's private name ``_calculate_fan_in_and_fan_out``). Each writes a Tensor or Parameter
in place under ``autograd.no_grad()``, so its version is bumped as by any in-place update (a
graph that saved the old values refuses to backward), and returns it. They draw from
`generator` (``generator=`` another ``np.random.Generator``): the same seed gives the same
values, which differ from PyTorch's (another random generator) but follow its distributions::

    def init_weights(m):
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            nn.init.zeros_(m.bias)

    model.apply(init_weights)
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Literal, TypeVar

import numpy as np

import autograd
from autograd import Tensor, get_default_dtype, no_grad

__all__ = [
    "calculate_fan_in_and_fan_out",
    "calculate_gain",
    "constant_",
    "eye_",
    "generator",
    "kaiming_normal_",
    "kaiming_uniform_",
    "manual_seed",
    "normal_",
    "ones_",
    "orthogonal_",
    "trunc_normal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]

NonlinearityType = Literal[
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "selu",
]
FanMode = Literal["fan_in", "fan_out"]
T = TypeVar("T", bound=Tensor)

_LINEAR_FNS = (
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
)


def manual_seed(seed: int) -> None:
    """Seed the generator layers draw their initial weights and dropout masks from (the one
    `autograd.manual_seed` seeds: also `autograd.functional.dropout`'s)."""
    autograd.manual_seed(seed)


def generator() -> np.random.Generator:
    """The generator layers draw their initial weights and dropout masks from."""
    return autograd.generator()


def uniform(shape: tuple[int, ...], bound: float) -> np.ndarray:
    """U(-bound, bound) in the default float dtype."""
    return generator().uniform(-bound, bound, size=shape).astype(get_default_dtype())


def normal(shape: tuple[int, ...], std: float = 1.0) -> np.ndarray:
    """N(0, std²) in the default float dtype."""
    return (generator().standard_normal(size=shape) * std).astype(get_default_dtype())


def fan_in_bound(fan_in: int) -> float:
    """1/√fan_in: PyTorch's bound for Linear/Conv biases and (via kaiming_uniform with
    a=√5) for their weights too."""
    return 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0


# -- torch.nn.init ---------------------------------------------------------------------------
def calculate_gain(nonlinearity: NonlinearityType, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity (its `nn.functional` name): 1 for linear,
    convolutions and sigmoid, 5/3 for tanh, √2 for relu, √(2 / (1 + slope²)) for leaky_relu
    (``param`` its negative slope, 0.01 when None), 3/4 for selu."""
    if nonlinearity in _LINEAR_FNS or nonlinearity == "sigmoid":
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif isinstance(param, numbers.Real) and not isinstance(param, bool):
            negative_slope = float(param)
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _checked(who: str, tensor: object, random: bool = False) -> Tensor:
    """``tensor`` itself if it is a Tensor (a floating one for random draws), else TypeError."""
    if not isinstance(tensor, Tensor):
        hint = (
            "; wrap the array first: nn.Parameter(array) or autograd.Tensor(array)"
            if isinstance(tensor, np.ndarray)
            else ""
        )
        raise TypeError(
            f"nn.init.{who}: expected a Tensor (or Parameter) to fill in place, got "
            f"{type(tensor).__name__}{hint}"
        )
    if random and tensor.dtype.kind != "f":
        raise TypeError(
            f"nn.init.{who}: the tensor is {tensor.dtype}; random values need a floating-point "
            "tensor"
        )
    return tensor


def _rng(who: str, gen: np.random.Generator | None) -> np.random.Generator:
    if gen is None:
        return generator()
    if not isinstance(gen, np.random.Generator):
        raise TypeError(
            f"nn.init.{who}: generator must be a numpy Generator (np.random.default_rng) or "
            f"None for nn.init.generator(), got {type(gen).__name__}"
        )
    return gen


def _fill(tensor: T, values: np.ndarray | float) -> T:
    """Write ``values`` into ``tensor`` in place (cast to its dtype), bumping its version."""
    with no_grad():
        tensor[...] = values
    return tensor


def _finite(who: str, **values: float) -> None:
    for name, value in values.items():
        if not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise ValueError(f"nn.init.{who}: {name} must be a finite number, got {value!r}")


def calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight: ``shape[1]`` and ``shape[0]`` times the receptive field
    (the product of the dims after the first two): a Linear weight (out, in) gives (in, out),
    a Conv2d weight (O, C, kh, kw) gives (C·kh·kw, O·kh·kw). ValueError for fewer than 2
    dims."""
    _checked("calculate_fan_in_and_fan_out", tensor)
    if tensor.ndim < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions"
        )
    receptive_field_size = 1
    for s in tensor.shape[2:]:
        receptive_field_size *= s
    return tensor.shape[1] * receptive_field_size, tensor.shape[0] * receptive_field_size


_calculate_fan_in_and_fan_out = calculate_fan_in_and_fan_out  # PyTorch's (private) name


def _calculate_correct_fan(tensor: Tensor, mode: FanMode) -> int:
    valid_modes = ["fan_in", "fan_out"]
    lowered = mode.lower() if isinstance(mode, str) else mode
    if lowered not in valid_modes:
        raise ValueError(f"Mode {lowered} not supported, please use one of {valid_modes}")
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return fan_in if lowered == "fan_in" else fan_out


def _uniform(who: str, tensor: T, a: float, b: float, gen: np.random.Generator | None) -> T:
    draws = _rng(who, gen).uniform(a, b, size=tensor.shape)
    return _fill(tensor, draws)


def _normal(who: str, tensor: T, mean: float, std: float, gen: np.random.Generator | None) -> T:
    draws = _rng(who, gen).normal(mean, std, size=tensor.shape)
    return _fill(tensor, draws)


def uniform_(
    tensor: T, a: float = 0.0, b: float = 1.0, generator: np.random.Generator | None = None
) -> T:
    """Fill ``tensor`` in place with draws from U(a, b); returns it."""
    _checked("uniform_", tensor, random=True)
    _finite("uniform_", a=a, b=b)
    if a > b:
        raise ValueError(
            f"nn.init.uniform_: uniform_ expects to return a [from, to) range, but found "
            f"from={a} > to={b}"
        )
    return _uniform("uniform_", tensor, a, b, generator)


def normal_(
    tensor: T, mean: float = 0.0, std: float = 1.0, generator: np.random.Generator | None = None
) -> T:
    """Fill ``tensor`` in place with draws from N(mean, std²); returns it."""
    _checked("normal_", tensor, random=True)
    _finite("normal_", mean=mean, std=std)
    if std < 0:
        raise ValueError(f"nn.init.normal_: normal expects std >= 0.0, but found std {std}")
    return _normal("normal_", tensor, mean, std, generator)


def trunc_normal_(
    tensor: T,
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    generator: np.random.Generator | None = None,
) -> T:
    """Fill ``tensor`` in place with draws from N(mean, std²) truncated to [a, b]; returns it.

    As PyTorch: redraw out-of-range normal draws when [a, b] holds more than 30% of the
    mass, else rejection sampling from U(a, b) against the density's peak in [a, b]; warns
    when mean is more than 2 std outside [a, b].
    """
    who = "trunc_normal_"
    _checked(who, tensor, random=True)
    _finite(who, mean=mean, std=std, a=a, b=b)
    if not std > 0:
        raise ValueError(f"nn.init.{who}: std must be > 0, got {std}")
    if a > b:
        raise ValueError(f"nn.init.{who}: the cutoffs must have a <= b, got a={a}, b={b}")
    if (mean < a - 2 * std) or (mean > b + 2 * std):
        warnings.warn(
            "mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
            "The distribution of values may be incorrect.",
            stacklevel=2,
        )
    rng = _rng(who, generator)

    def norm_cdf(x: float) -> float:
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    p = norm_cdf((b - mean) / std) - norm_cdf((a - mean) / std)
    values = np.empty(tensor.size, dtype=np.float64)
    pending = np.arange(tensor.size)  # flat indices still to draw
    if p > 0.3:
        while pending.size:
            draws = rng.normal(mean, std, size=pending.size)
            values[pending] = draws
            pending = pending[(draws < a) | (draws > b)]
    else:
        mode = max(a, min(mean, b))
        log_peak = -0.5 * ((mode - mean) / std) ** 2
        while pending.size:
            draws = rng.uniform(a, b, size=pending.size)
            log_ratio = -0.5 * ((draws - mean) / std) ** 2 - log_peak
            accepted = np.log(rng.random(size=pending.size)) <= log_ratio
            values[pending[accepted]] = draws[accepted]
            pending = pending[~accepted]
    return _fill(tensor, values.reshape(tensor.shape))


def constant_(tensor: T, val: float) -> T:
    """Fill ``tensor`` in place with ``val``; returns it."""
    _checked("constant_", tensor)
    return _fill(tensor, val)


def ones_(tensor: T) -> T:
    """Fill ``tensor`` in place with ones; returns it."""
    _checked("ones_", tensor)
    return _fill(tensor, 1.0)


def zeros_(tensor: T) -> T:
    """Fill ``tensor`` in place with zeros; returns it."""
    _checked("zeros_", tensor)
    return _fill(tensor, 0.0)


def eye_(tensor: T) -> T:
    """Fill a 2-D ``tensor`` in place with the identity (ones on the main diagonal of a
    rectangular one); returns it."""
    _checked("eye_", tensor)
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    return _fill(tensor, np.eye(rows, cols))


def xavier_uniform_(
    tensor: T, gain: float = 1.0, generator: np.random.Generator | None = None
) -> T:
    """Glorot uniform, in place: U(-a, a) with a = gain·√(6 / (fan_in + fan_out)); returns
    ``tensor``. ValueError for fewer than 2 dims."""
    _checked("xavier_uniform_", tensor, random=True)
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    if tensor.size == 0:
        return tensor
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return _uniform("xavier_uniform_", tensor, -a, a, generator)


def xavier_normal_(tensor: T, gain: float = 1.0, generator: np.random.Generator | None = None) -> T:
    """Glorot normal, in place: N(0, std²) with std = gain·√(2 / (fan_in + fan_out));
    returns ``tensor``. ValueError for fewer than 2 dims."""
    _checked("xavier_normal_", tensor, random=True)
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    if tensor.size == 0:
        return tensor
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return _normal("xavier_normal_", tensor, 0.0, std, generator)


def _kaiming_std(
    who: str, tensor: Tensor, a: float, mode: FanMode, nonlinearity: NonlinearityType
) -> float | None:
    """gain / √fan, or None (after PyTorch's warning) for a tensor with no elements."""
    _checked(who, tensor, random=True)
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return None
    fan = _calculate_correct_fan(tensor, mode)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(
    tensor: T,
    a: float = 0,
    mode: FanMode = "fan_in",
    nonlinearity: NonlinearityType = "leaky_relu",
    generator: np.random.Generator | None = None,
) -> T:
    """He uniform, in place: U(-bound, bound) with bound = gain·√(3 / fan), fan the fan_in
    or fan_out (``mode``), gain ``calculate_gain(nonlinearity, a)`` (``a``: the negative
    slope of leaky_relu); returns ``tensor``. ValueError for fewer than 2 dims."""
    std = _kaiming_std("kaiming_uniform_", tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    bound = math.sqrt(3.0) * std
    return _uniform("kaiming_uniform_", tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: T,
    a: float = 0,
    mode: FanMode = "fan_in",
    nonlinearity: NonlinearityType = "leaky_relu",
    generator: np.random.Generator | None = None,
) -> T:
    """He normal, in place: N(0, std²) with std = gain / √fan (fan and gain as in
    `kaiming_uniform_`); returns ``tensor``. ValueError for fewer than 2 dims."""
    std = _kaiming_std("kaiming_normal_", tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    return _normal("kaiming_normal_", tensor, 0.0, std, generator)


def orthogonal_(tensor: T, gain: float = 1, generator: np.random.Generator | None = None) -> T:
    """A (semi-)orthogonal matrix times ``gain``, in place, from the QR decomposition of a
    normal draw (signs fixed by R's diagonal, as PyTorch); dims after the first are
    flattened. Returns ``tensor``; ValueError for fewer than 2 dims."""
    _checked("orthogonal_", tensor, random=True)
    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.size == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.size // rows
    flattened = _rng("orthogonal_", generator).standard_normal((rows, cols))
    if rows < cols:
        flattened = flattened.T
    q, r = np.linalg.qr(flattened)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, (q * gain).reshape(tensor.shape))
