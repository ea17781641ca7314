"""Export one traced forward pass as an ONNX model: ``to_onnx(module_or_fn, inputs, path)``.

ONNX opset 17 by default (ONNX Runtime 1.13 and later, and most other runtimes, read it);
``opset=`` takes a later one. Needs the ``onnx`` package (``pip install 'tracegrad[export]'``,
which also brings ``onnxruntime`` to run the result); it is imported only here, on first use.

How the trace is made: ``to_onnx`` copies each example input into a fresh leaf (float ones
with ``requires_grad=True``, so that every op on them is recorded even though the caller's
tensors need no gradient), calls ``module_or_fn(*inputs)`` under grad mode, and walks the
recorded graph from the outputs (`autograd.topological_order`). Unless ``retrace=False``, it
calls it a second time on perturbed inputs and compares the graphs, to refuse values
computed outside them (`autograd.export_trace`). It calls nothing on a module but the module
itself: put it in ``eval()`` mode first (dropout off, normalisation with running
statistics), as for any inference. Python control flow is unrolled as it ran.

What becomes what:

- example inputs -> graph inputs ``input``, ``input_1``, ... (``input_names=`` renames);
- parameters (leaves that require grad) -> initializers named as in the state dict
  (``t.name``: ``conv1.weight``, ``lstm.weight_ih_l0``); other constants -> initializers;
- the outputs (a Tensor, or tuples and lists of them, nested) -> ``output``, ``output_1``, ...;
- each op -> ONNX nodes (`autograd.export_ops`, `autograd.export_layers`), named after the
  module scope that made it (``lenet5.conv1/Conv``). An op with no ONNX equivalent (losses,
  the ops of a recorded backward, ``setitem``) raises `ExportError` naming it and its scope.

Dynamic axes: by default axis 0 of every input is a dynamic ``"batch"`` axis, followed
through the graph; ``dynamic_axes={"input": {0: "sequence", 1: "batch"}}`` (axis -> name per
input, as torch.onnx) declares others, ``dynamic_axes={}`` fixes every shape to the example's.
Wherever a size could not follow (a constant made with the example's batch size, a reshape
that splits the axis, a partial slice of it) the export raises instead of writing a model
that only works at the example's size; a state of zeros for an LSTM or GRU is left to ONNX's
default, so ``nn.LSTM`` without an initial state keeps its batch dynamic.

Integer inputs (token ids) cannot require grad, so ops on them are not recorded: they must
reach an op with a parameter (``nn.Embedding``) as they are. A constant with exactly an
integer input's shape, dtype and values (a copy, as ``np.asarray(x.data)`` then a lookup
makes) in both calls is read as that input; an input that reaches no output through recorded
ops raises.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd.tensor import Tensor

if TYPE_CHECKING:
    import onnx

    from autograd.export_graph import Graph, Value
    from autograd.export_trace import Trace

#: the opset `to_onnx` writes unless told otherwise
DEFAULT_OPSET = 17
INSTALL_HINT = "pip install 'tracegrad[export]'"


class ExportError(ValueError):
    """What `to_onnx` cannot write: an op without an ONNX equivalent (named with its module
    scope), a variant the ONNX node cannot express, a size that would not stay dynamic."""


def _import_onnx() -> Any:
    try:
        import onnx
    except ImportError as err:
        raise ModuleNotFoundError(
            f"to_onnx needs the onnx package, which is not installed: {INSTALL_HINT}",
            name="onnx",
        ) from err
    return onnx


def to_onnx(
    module_or_fn: Callable[..., Any],
    example_inputs: Any,
    path: str | os.PathLike[str],
    *,
    opset: int = DEFAULT_OPSET,
    dynamic_axes: Mapping[str, Mapping[int, str]] | None = None,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    metadata: Mapping[str, str] | None = None,
    retrace: bool = True,
) -> onnx.ModelProto:
    """Trace ``module_or_fn(*example_inputs)`` and write the recorded pass to ``path`` as ONNX.

    ``example_inputs``: a Tensor (or array) or a sequence of them. ``dynamic_axes``: per
    input name, {axis: name} of its dynamic axes (default: axis 0 of each input is
    ``"batch"``; ``{}``: all static). ``metadata``: string pairs stored in the model.
    ``retrace=False`` skips the second, checking call (a module with side effects).
    Returns the checked ``onnx.ModelProto`` (also written, atomically, to ``path``).
    Raises `ExportError` for what ONNX cannot express, naming the op and its module scope,
    and ModuleNotFoundError if onnx is missing. See the module docstring for the rules.
    """
    onnx = _import_onnx()
    latest = int(onnx.defs.onnx_opset_version())
    if isinstance(opset, bool) or not isinstance(opset, int) or not 17 <= opset <= latest:
        raise ValueError(f"to_onnx: opset must be an int from 17 to {latest}, got {opset!r}")
    inputs = _examples(example_inputs)
    names = _names(input_names, len(inputs), "input")
    dyn = _dynamic_axes(dynamic_axes, names, inputs)
    from autograd.export_trace import trace

    traced = trace(module_or_fn, [x.data for x in inputs], retrace)
    graph = _build(traced, names, dyn, opset)
    out_names = _names(output_names, len(traced.outputs), "output")
    model = _model(onnx, graph, traced.inputs, names, traced.outputs, out_names, metadata)
    _write(model.SerializeToString(), Path(path))
    return model


def _examples(example_inputs: Any) -> list[Tensor]:
    items = list(example_inputs) if isinstance(example_inputs, tuple | list) else [example_inputs]
    tensors = [x if isinstance(x, Tensor) else Tensor(x) for x in items]
    for k, t in enumerate(tensors):
        if t.dtype.kind not in "fiub":
            raise TypeError(f"to_onnx: example input {k} has dtype {t.dtype}, not a number")
    return tensors


def _names(given: Sequence[str] | None, count: int, stem: str) -> list[str]:
    if given is None:
        return [stem if k == 0 else f"{stem}_{k}" for k in range(count)]
    names = list(given)
    if (
        len(names) != count
        or len(set(names)) != count
        or not all(isinstance(n, str) and n for n in names)
    ):
        raise ValueError(f"to_onnx: need {count} distinct {stem} names, got {given!r}")
    return names


def _dynamic_axes(
    given: Mapping[str, Mapping[int, str]] | None, names: list[str], inputs: list[Tensor]
) -> list[dict[int, str]]:
    """Per input, {axis: name} of its dynamic axes (validated)."""
    if given is None:
        return [{0: "batch"} if t.ndim else {} for t in inputs]
    unknown = set(given) - set(names)
    if unknown:
        raise ValueError(
            f"to_onnx: dynamic_axes names unknown inputs {sorted(unknown)}; inputs: {names}"
        )
    found = []
    for name, t in zip(names, inputs):
        axes = dict(given.get(name, {}))
        for axis, label in axes.items():
            if isinstance(axis, bool) or not isinstance(axis, int) or not 0 <= axis < t.ndim:
                raise ValueError(f"to_onnx: dynamic axis {axis!r} of {name!r} (shape {t.shape})")
            if not isinstance(label, str) or not label:
                raise ValueError(f"to_onnx: dynamic axis {axis} of {name!r} needs a name")
        found.append(axes)
    return found


def _build(traced: Trace, names: list[str], dyn: list[dict[int, str]], opset: int) -> Graph:
    """The ONNX nodes and initializers of the traced graph, each op through its converter."""
    from autograd.export_graph import Graph, Sym, Value
    from autograd.export_layers import LAYER_CONVERTERS
    from autograd.export_ops import CONVERTERS

    converters = {**CONVERTERS, **LAYER_CONVERTERS}
    graph = Graph(opset)
    values = graph.values
    for t, name, axes in zip(traced.inputs, names, dyn):
        graph.fresh(name)
        syms = {a: Sym(label, t.shape[a]) for a, label in axes.items()}
        values[id(t)] = Value(name, t.shape, t.dtype, syms)
    used = {id(t) for t in traced.outputs}
    for t in traced.order:
        if id(t) in values:
            continue
        ctx = t._ctx
        if ctx is None:
            k = traced.aliases.get(id(t))
            if k is not None:
                used.add(id(traced.inputs[k]))
                values[id(t)] = values[id(traced.inputs[k])]
            else:
                values[id(t)] = _leaf(graph, t, traced.inputs)
            continue
        scope = f"scope {t.scope!r}" if t.scope else "outside any module"
        where = f"op {ctx.name!r} ({scope})"
        convert = converters.get(ctx.name)
        if convert is None:
            raise ExportError(
                f"to_onnx: {where} has no ONNX equivalent; the ops that export are "
                f"{', '.join(sorted(converters))}"
            )
        graph.scope = t.scope
        used.update(id(p) for p in ctx.parents)
        try:
            values[id(t)] = convert(graph, t, [values[id(p)] for p in ctx.parents])
        except ExportError as err:
            raise ExportError(f"to_onnx: {where}: {err}") from None
    for k, t in enumerate(traced.inputs):
        if id(t) not in used:
            raise ExportError(
                f"to_onnx: input {k} ({names[k]!r}) reaches no output through recorded ops: "
                "its values were read outside the graph (.data, .numpy(), an op on integers) "
                "and would be frozen into the model; drop it if the function ignores it"
            )
    return graph


def _leaf(graph: Graph, t: Tensor, inputs: list[Tensor]) -> Value:
    """A leaf that is not an input: a parameter or a constant initializer (made on first
    use: a zeros state that ONNX's default replaces is never written)."""
    from autograd.export_graph import Value

    for k, x in enumerate(inputs):
        if np.may_share_memory(t.data, x.data):
            raise ExportError(
                f"to_onnx: a constant of shape {t.shape} in scope {t.scope!r} holds the values "
                f"of input {k}, read outside the recorded graph (.data, .numpy(), np.asarray): "
                "the model would keep the example's values; use Tensor ops on the input"
            )
    if t.requires_grad:
        return Value(graph.initializer(t.data, t.name or "param"), t.shape, t.dtype)
    hint = t.name or (f"{t.scope}/const" if t.scope else "const")
    data = t.data

    def make() -> str:
        return graph.initializer(data, hint) if data.size > 16 else graph.const(data)

    return Value("", t.shape, t.dtype, const=data, make=make)


def _model(
    onnx: Any,
    graph: Graph,
    traced: list[Tensor],
    names: list[str],
    outputs: list[Tensor],
    out_names: list[str],
    metadata: Mapping[str, str] | None,
) -> onnx.ModelProto:
    from autograd import __version__

    helper = onnx.helper
    values = graph.values
    inputs = [_info(helper, name, values[id(t)]) for name, t in zip(names, traced)]
    protected = set(names) | {i.name for i in graph.initializers}
    produced = {o for node in graph.nodes for o in node.output}
    infos = []
    for name, t in zip(out_names, outputs):
        v = values[id(t)]
        if v.name in produced and v.name not in protected:
            _rename(graph, v.name, name)
            protected.add(name)
        else:
            graph.nodes.append(helper.make_node("Identity", [v.name], [name], name=f"{name}#node"))
        infos.append(_info(helper, name, v))
    body = helper.make_graph(graph.nodes, "tracegrad", inputs, infos, graph.initializers)
    opsets = [helper.make_opsetid("", graph.opset)]
    model = helper.make_model(
        body,
        opset_imports=opsets,
        producer_name="tracegrad",
        producer_version=__version__,
        ir_version=helper.find_min_ir_version_for(opsets),
    )
    if metadata:
        helper.set_model_props(model, {str(k): str(v) for k, v in metadata.items()})
    onnx.checker.check_model(model)
    return model


def _rename(graph: Graph, old: str, new: str) -> None:
    """Give the value ``old`` the output name ``new`` wherever a node makes or reads it."""
    for node in graph.nodes:
        for field in (node.input, node.output):
            for k, n in enumerate(field):
                if n == old:
                    field[k] = new
    for v in graph.values.values():
        if v._name == old:
            v._name = new


def _info(helper: Any, name: str, v: Value) -> Any:
    dims: list[int | str | None] = list(v.shape)
    for axis, sym in v.dyn.items():
        dims[axis] = sym.name if sym.exact else None
    return helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(v.dtype), dims)


def _write(data: bytes, path: Path) -> None:
    """Write ``data`` to ``path`` through a temporary file in its folder, then rename."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
