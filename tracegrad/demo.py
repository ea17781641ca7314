"""``tracegrad demo``: the course's two circuits printed edge by edge and written as SVG
pictures (also with their recorded backward pass, ``*_backward.svg``) and step-through HTML
players; then short MLP and LeNet-5 runs on bundled digits
(progress bars, curves, filters and feature maps) and the graph of one LeNet-5 step."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from viz.backward import draw_backward
from viz.circuits import add_mul_circuit, sigmoid_neuron
from viz.graph import draw_graph
from viz.steps import backprop_steps
from viz.text import edge_table

# the demo's short training runs: (model, data set, epochs, folder)
DEMO_RUNS = (("mlp", "digits", 10, "mlp_digits"), ("lenet", "mnist5k", 4, "lenet_mnist5k"))


def _demo_training(out: Path) -> None:
    """The `DEMO_RUNS`, then one LeNet-5 step drawn one node per layer."""
    from tracegrad.image_recipes import train_main

    for model, data, epochs, folder in DEMO_RUNS:
        print(f"# training {model} on {data} for {epochs} epochs")
        metrics = train_main(model, data, out / folder, epochs=epochs)
        print(f"held-out accuracy {metrics['test acc']:.3f} in {metrics['seconds']} s\n")
    import autograd.functional as F
    import nn
    from autograd import Tensor

    nn.manual_seed(0)
    net = nn.LeNet5()
    x = Tensor(np.random.default_rng(0).random((2, 1, 28, 28), dtype=np.float32))
    loss = F.cross_entropy(net(x), np.array([3, 7]))
    loss.backward()
    draw_graph(loss, depth=2).save(out / "lenet5_graph.svg")


def run_demo(out: Path, train: bool = True) -> int:
    """Write the demo into the folder ``out`` (created if needed); ``train=False`` draws
    only the circuits (seconds). Returns the exit status (0)."""
    out.mkdir(parents=True, exist_ok=True)
    circuits = [
        ("add_mul", "f = (x + y)·z at x=-2, y=5, z=-4", add_mul_circuit()["f"], ".4g"),
        (
            "sigmoid_neuron",
            "f = 1/(1 + e^-(w0·x0 + w1·x1 + w2)), w=(2,-3,-3), x=(-1,-2)",
            sigmoid_neuron()["f"],
            ".2f",
        ),
    ]
    text = []
    for stem, title, f, fmt in circuits:
        f.backward()
        text.append(f"# {title}\n{edge_table(f, fmt)}")
        draw_graph(f, fmt=fmt).save(out / f"{stem}.svg")
        draw_backward(f, fmt=fmt).save(out / f"{stem}_backward.svg")
        backprop_steps(f, fmt=fmt, title=title).save_html(out / f"{stem}_steps.html")
    body = "\n\n".join(text) + "\n"
    print(body)
    (out / "circuits.txt").write_text(body, encoding="utf-8")
    if train:
        _demo_training(out)
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        print(f"wrote {path}")
    return 0
