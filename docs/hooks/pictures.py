"""MkDocs hook: the site's pictures and the command's help, made from the code at build time
(nothing here is committed by hand).

- ``pictures/``: what ``tracegrad demo --no-train`` writes (the two slide circuits as SVG, with
  their recorded backward pass, and as step-through HTML players; ``circuits.txt``, the edge
  tables it prints), the graph ``tracegrad graph "x**3" x=2 --order 2`` draws, and one
  LeNet-5 training step drawn one node per layer.
- A line ``<!-- pictures: circuits.txt -->`` on a page becomes that generated text file in a
  code block; ``<!-- tracegrad --help -->`` becomes ``tracegrad --help`` and the help of each
  of its commands, as the installed parser prints them.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import tempfile
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

PICTURES = "pictures"
TEXT = re.compile(r"^<!-- pictures: (?P<name>[\w.-]+) -->$", re.M)
HELP = re.compile(r"^<!-- tracegrad --help -->$", re.M)

_made: dict[str, bytes] = {}


def _quiet(fn, *args, **kwargs):
    """Call ``fn`` with what it prints to stdout kept out of the build's log."""
    with contextlib.redirect_stdout(io.StringIO()):
        return fn(*args, **kwargs)


def _lenet_step(path: Path) -> None:
    """One LeNet-5 loss on two random images, backpropagated and drawn one node per layer."""
    import numpy as np

    import autograd.functional as F
    import nn
    import viz
    from autograd import Tensor

    nn.manual_seed(0)
    net = nn.LeNet5()
    x = Tensor(np.random.default_rng(0).random((2, 1, 28, 28), dtype=np.float32))
    loss = F.cross_entropy(net(x), np.array([3, 7]))
    loss.backward()
    viz.draw_graph(loss, depth=2).save(path)


def make_pictures() -> dict[str, bytes]:
    """Every generated picture: its name under pictures/ -> its bytes."""
    from tracegrad.cli import main
    from tracegrad.demo import run_demo

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        _quiet(run_demo, out, train=False)
        status = _quiet(
            main, ["graph", "x**3", "x=2", "--order", "2", "--out", str(out / "x_cubed_order2.svg")]
        )
        if status != 0:
            raise PluginError(f"pictures: tracegrad graph exited with {status}")
        _lenet_step(out / "lenet5_step.svg")
        return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


def command_help() -> str:
    """``tracegrad --help`` and ``tracegrad COMMAND --help`` for each command, as Markdown."""
    from tracegrad.cli import main

    def help_of(argv: list[str]) -> str:
        buffer = io.StringIO()
        old = os.environ.get("COLUMNS")
        os.environ["COLUMNS"] = "100"  # argparse wraps to the terminal: the same on every build
        try:
            with contextlib.redirect_stdout(buffer):
                status = main([*argv, "--help"])
        finally:
            if old is None:
                del os.environ["COLUMNS"]
            else:
                os.environ["COLUMNS"] = old
        if status != 0:
            raise PluginError(f"pictures: tracegrad {' '.join(argv)} --help exited with {status}")
        return buffer.getvalue().rstrip()

    top = help_of([])
    commands = re.search(r"\{([\w,-]+)\}", top)
    if commands is None:
        raise PluginError("pictures: no {command,...} list in tracegrad --help")
    parts = [f"```text\n$ tracegrad --help\n{top}\n```"]
    for command in commands.group(1).split(","):
        parts.append(
            f"### tracegrad {command}\n\n```text\n$ tracegrad {command} --help\n"
            f"{help_of([command])}\n```"
        )
    return "\n\n".join(parts) + "\n"


def on_files(files, config):
    _made.clear()
    _made.update(make_pictures())
    for name, content in _made.items():
        files.append(File.generated(config, f"{PICTURES}/{name}", content=content))
    return files


def on_page_markdown(markdown, page, config, files):
    def text(match: re.Match[str]) -> str:
        name = match.group("name")
        if name not in _made:
            raise PluginError(f"{page.file.src_uri}: no generated picture {name!r}")
        return f"```text\n{_made[name].decode('utf-8').rstrip()}\n```"

    markdown = TEXT.sub(text, markdown)
    if HELP.search(markdown):
        markdown = HELP.sub(lambda _: command_help(), markdown)
    return markdown
