"""``tracegrad export RUN [--format onnx] [--out FILE]``: a trained run's model as an ONNX
file (`autograd.export.to_onnx`), rebuilt from the run's ``run.json`` and checkpoint as
``tracegrad predict`` rebuilds it (`tracegrad.inference.load_run`), traced in eval mode on an
input shaped as in training, with a dynamic batch axis:

- mlp, lenet: ``input`` (batch, 1, side, side) standardised pixels, ((x - pixel_mean) /
  pixel_std, both stored in the model's metadata) -> ``logits`` (batch, 10);
- autoencoder: ``input`` (batch, side·side) pixels in [0, 1] -> ``reconstruction``;
- lstm-poems: ``ids`` (sequence, batch) int64, ``h0`` and ``c0`` (layers, batch, hidden) ->
  ``logits`` (sequence, batch, vocabulary), ``h_n``, ``c_n``: one call per chunk of text,
  the state carried over, as ``tracegrad sample`` steps it (the vocabulary file is named in
  the metadata).

The seq2seq models decode greedily, a loop that stops at <eos>, and word2vec is a table of
vectors: neither is one traced pass, so they are refused in one line (exit status 2), as are
a bad folder and a missing ``onnx`` package. When ``onnxruntime`` is installed the written
model is run once on the example and compared with tracegrad's own output.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from tracegrad.args import Parser, file_problem
from tracegrad.recipes import MODELS

#: the models that cannot be exported, and why
NOT_EXPORTABLE = {
    "translate": "it translates by greedy decoding, a loop that stops at <eos>, not one "
    "traced forward pass (tracegrad predict runs it)",
    "similar": "it is a table of word vectors, not a function of an input (its vectors are "
    "in the checkpoint's in_embed.weight)",
}
#: the sequence length of the lstm-poems example (any length runs: the axis is dynamic)
SEQUENCE = 8


def run_export(parser: Parser, args: argparse.Namespace) -> int:
    """Export the run in ``args.run`` to ``args.out`` (default RUN/model.onnx); 0, or 2 with
    one line on stderr."""
    from tracegrad.inference import load_run

    try:
        run = load_run(args.run)
    except ValueError as err:
        parser.fail("run", str(err))
    if run.infer in NOT_EXPORTABLE:
        parser.fail(
            "run",
            f"{run.name} cannot be exported: {NOT_EXPORTABLE[run.infer]}; the models that "
            f"export are {_users()}",
        )
    out = args.out if args.out is not None else args.run / "model.onnx"
    if out.is_dir():
        parser.fail("--out", f"{out} is a folder; give a file name, e.g. {out / 'model.onnx'}")
    if problem := file_problem(out):
        parser.fail("--out", problem)
    fn, example, names, axes, metadata = _signature(run)
    from autograd.export import DEFAULT_OPSET, ExportError, to_onnx

    try:
        to_onnx(fn, example, out, dynamic_axes=axes, metadata=metadata, **names)
    except ModuleNotFoundError as err:
        parser.error(str(err))
    except ExportError as err:
        parser.fail("run", str(err))
    print(f"wrote {out} (ONNX opset {DEFAULT_OPSET})")
    for line in _describe(out):
        print(f"  {line}")
    print(_check(out, fn, example))
    return 0


def _signature(run: Any) -> tuple[Any, list[np.ndarray], dict, dict, dict[str, str]]:
    """(function, example inputs, input/output names, dynamic axes, metadata) for the run."""
    rng = np.random.default_rng(0)
    model, info = run.model, run.info
    metadata = {"tracegrad.model": run.name}
    if run.infer == "sample":
        layers, hidden = model.num_layers, model.hidden_size
        ids = rng.integers(0, model.vocab_size, (SEQUENCE, 1))
        state = np.zeros((layers, 1, hidden), np.float32)
        metadata["tracegrad.vocab"] = str(info.get("vocab"))

        def step(x: Any, h: Any, c: Any) -> Any:
            return model(x, (h, c))

        names = {"input_names": ["ids", "h0", "c0"], "output_names": ["logits", "h_n", "c_n"]}
        axes = {"ids": {0: "sequence", 1: "batch"}, "h0": {1: "batch"}, "c0": {1: "batch"}}
        return step, [ids, state, state.copy()], names, axes, metadata
    from tracegrad.inference import image_side

    side = image_side(run)
    if run.infer == "classify":
        metadata.update(pixel_mean=str(info["pixel_mean"]), pixel_std=str(info["pixel_std"]))
        example = rng.standard_normal((1, 1, side, side)).astype(np.float32)
        names = {"output_names": ["logits"]}
    else:
        example = rng.uniform(0, 1, (1, side * side)).astype(np.float32)
        names = {"output_names": ["reconstruction"]}
    return model, [example], names, {"input": {0: "batch"}}, metadata


def _describe(path: Path) -> list[str]:
    """One line per graph input and output: name, shape (dynamic axes by name), dtype."""
    import onnx

    graph = onnx.load(str(path), load_external_data=False).graph
    lines = []
    for kind, values in (("input", graph.input), ("output", graph.output)):
        for v in values:
            t = v.type.tensor_type
            dims = ", ".join(d.dim_param or str(d.dim_value) for d in t.shape.dim)
            dtype = onnx.helper.tensor_dtype_to_np_dtype(t.elem_type)
            lines.append(f"{kind} {v.name} ({dims}) {dtype}")
    return lines


def _check(path: Path, fn: Any, example: list[np.ndarray]) -> str:
    """Run the model in onnxruntime on the example and compare with tracegrad's output."""
    try:
        import onnxruntime
    except ImportError:
        return "not run: onnxruntime is not installed (pip install 'tracegrad[export]')"
    from autograd import Tensor, no_grad
    from autograd.export_trace import flatten

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feed = {i.name: x for i, x in zip(session.get_inputs(), example)}
    got = session.run(None, feed)
    with no_grad():
        expected = [t.data for t in flatten(fn(*[Tensor(x) for x in example]))]
    worst = max(float(np.max(np.abs(g - e))) for g, e in zip(got, expected))
    return f"checked with onnxruntime: largest difference from tracegrad {worst:.2g}"


def _users() -> str:
    return ", ".join(n for n, m in MODELS.items() if m.infer not in NOT_EXPORTABLE)
