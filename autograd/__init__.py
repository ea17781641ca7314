"""tracegrad's engine: a define-by-run Tensor that records operations and backpropagates.

Note: the import name ``autograd`` is shared with HIPS autograd; install tracegrad in its own
virtual environment.
"""

from importlib import metadata as _metadata

from autograd.allocator import tune_malloc
from autograd.collector import tune_gc
from autograd.derivatives import hessian, hvp, jacobian, jvp, vhp, vjp
from autograd.dtypes import get_default_dtype, set_default_dtype
from autograd.engine import grad, topological_order
from autograd.function import Function
from autograd.gradcheck import gradcheck, gradgradcheck
from autograd.ops.elementwise import maximum, minimum, where
from autograd.ops.shape import concatenate, stack
from autograd.random import generator, manual_seed
from autograd.state import (
    current_scope,
    detect_anomaly,
    enable_grad,
    is_grad_enabled,
    name_scope,
    no_grad,
)
from autograd.tensor import HookHandle, Tensor, from_numpy
from autograd.torch_functions import (
    arange,
    cat,
    full,
    inference_mode,
    ones,
    ones_like,
    rand,
    randn,
    set_grad_enabled,
    zeros,
    zeros_like,
)

__all__ = [
    "Function",
    "HookHandle",
    "Tensor",
    "arange",
    "cat",
    "concatenate",
    "current_scope",
    "detect_anomaly",
    "enable_grad",
    "from_numpy",
    "full",
    "generator",
    "get_default_dtype",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "hessian",
    "hvp",
    "inference_mode",
    "is_grad_enabled",
    "jacobian",
    "jvp",
    "manual_seed",
    "maximum",
    "minimum",
    "name_scope",
    "no_grad",
    "ones",
    "ones_like",
    "rand",
    "randn",
    "set_default_dtype",
    "set_grad_enabled",
    "stack",
    "topological_order",
    "vhp",
    "vjp",
    "where",
    "zeros",
    "zeros_like",
]

tune_malloc()  # large temporaries stay in the heap: see autograd.allocator
tune_gc()  # fewer cyclic collections while graphs are recorded: see autograd.collector

try:
    #: the installed distribution's version (``tracegrad --version`` prints it)
    __version__ = _metadata.version("tracegrad")
except _metadata.PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
