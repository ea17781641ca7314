"""Every ``tracegrad`` subcommand under hostile arguments: each run either works (status 0)
or exits with status 2 and one line on stderr naming the argument, never a traceback.

Training and downloads are replaced by recorders that check what they receive (so an
accepted case costs nothing and a bad value that slipped through still fails); graph runs
for real, writing DOT or through a stubbed renderer."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import tracegrad.demo
import tracegrad.graph_command
import tracegrad.image_recipes as image_recipes
import tracegrad.sequence_recipes as sequence_recipes
from nn.data import fetch as fetch_mod
from tracegrad.args import check_settings
from tracegrad.cli import main
from tracegrad.recipes import MODELS

ERROR = re.compile(r"tracegrad( [a-z]+)*: error: (argument \S+|TRACEGRAD_DATA=.*): .*\n")


class Picture:
    """Stands in for the SVG/HTML renderers (graphviz is not what is fuzzed here)."""

    def __init__(self, f, *, fmt, **kwargs):
        format(1.0, fmt)  # what a renderer does with fmt, without drawing
        self.f = f

    def save(self, path):
        Path(path).write_text("picture")

    save_html = save


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """cwd and cache in tmp_path, a file and a folder to aim at, and recorders for
    training, demo runs and downloads. Returns the list of recorded calls."""
    calls = []

    def image(model, data, out, **kw):
        check_settings(epochs=kw["epochs"], lr=kw["lr"], batch_size=kw["batch"], seed=kw["seed"])
        assert Path(out).is_dir()
        calls.append(("train", model))
        return {}

    def sequence(model, out, **kw):
        check_settings(**{k: kw[k] for k in ("epochs", "lr", "batch_size", "seed")})
        assert Path(out).is_dir()
        calls.append(("train", model))
        return {}

    def fetch(cache_dir=None, *, force=False, log=print):
        calls.append(("fetch", cache_dir))
        return Path("fetched")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TRACEGRAD_DATA", str(tmp_path / "cache"))
    monkeypatch.setattr(image_recipes, "train_main", image)
    monkeypatch.setattr(sequence_recipes, "train_sequence_model", sequence)
    demo = lambda out, train=True: calls.append(("demo", out)) or 0  # noqa: E731
    monkeypatch.setattr(tracegrad.demo, "run_demo", demo)
    monkeypatch.setattr(tracegrad.graph_command, "draw_graph", Picture)
    monkeypatch.setattr(tracegrad.graph_command, "backprop_steps", Picture)
    for name in fetch_mod.FETCHERS:
        monkeypatch.setitem(fetch_mod.FETCHERS, name, fetch)
    (tmp_path / "afile").write_text("keep me")
    (tmp_path / "adir").mkdir()
    return calls


def run(argv: list[str], capsys) -> int:
    """main(argv), checked: 0, or 2 with exactly one argparse-style line on stderr."""
    capsys.readouterr()
    status = main(argv)
    err = capsys.readouterr().err
    if argv and argv[-1] in ("-h", "--help") and status == 0:
        return status
    assert status in (0, 2), (argv, status, err)
    if status == 2:
        assert ERROR.fullmatch(err) or (err.count("\n") == 1 and ": error: " in err), (argv, err)
        assert "Traceback" not in err
    assert Path("afile").read_text() == "keep me"
    return status


# ---------------------------------------------------------------- a table of cases

CASES = [
    # the brief's cases
    (["train", "mlp", "--epochs", "0"], 2),
    (["train", "mlp", "--lr", "nan"], 2),
    (["train", "word2vec", "--data", "mnist"], 2),
    (["train", "mlp", "--no-attention"], 2),
    (["train", "mlp", "--out", "afile"], 2),
    (["train", "mlp", "--out", "afile/run"], 2),
    (["graph", "x", "x=1", "--out", "adir"], 2),
    (["graph", "x", "x=1", "--fmt", "10000000", "--out", "f.dot"], 2),
    (["graph", "x", "x=1", "--fmt", "%s", "--out", "f.dot"], 2),
    (["graph", "x", "x=1", "--fmt", "{0.__class__}", "--out", "f.dot"], 2),
    (["data", "fetch", "mnist", "--cache-dir", "afile"], 2),
    # each subcommand working
    (["demo", "--no-train", "--out", "demo"], 0),
    (["graph", "(x+y)*z", "x=-2", "y=5", "z=-4", "--out", "f.dot", "--fmt", ".2f"], 0),
    (["graph", "sigmoid(w*x)", "w=2", "x=-1", "--out", "adir/f.html"], 0),
    (["data", "fetch", "bible", "--cache-dir", "adir"], 0),
    (["data", "fetch", "kjv-web", "--force"], 0),
    *[
        (["train", m, "--epochs", "1", "--out", f"runs/{m}"], 0)
        for m in MODELS
        if m != "seq2seq-kjv"  # its data is not in the empty cache: a case below
    ],
    # and failing in every other way found
    (["graph", "2", "--out", "f.dot"], 2),
    (["graph", "x", "x=1", "y=2", "--out", "f.dot"], 2),
    (["graph", "x", "x=1", "--out", "f.svg\0"], 2),
    (["graph", "x", "x=1", "--show", "sideways"], 2),
    (["train", "lenet", "--data", "digits"], 2),
    (["train", "mlp", "--data", "mnist"], 2),  # not fetched into the empty cache
    (["train", "seq2seq-kjv"], 2),
    (["train", "word2vec", "--batch-size", "64"], 2),
    (["train", "mlp", "--resume", "adir"], 2),  # no resume.npz in it
    (["train", "mlp", "--resume", "afile"], 2),
    (["train", "mlp", "--resume", "nowhere"], 2),
    (["train", "word2vec", "--resume", "adir"], 2),
    (["predict", "adir", "x"], 2),  # no run.json in it
    (["predict", "nowhere", "afile"], 2),
    (["predict", "afile", "x"], 2),
    (["predict", "adir"], 2),
    (["sample", "adir"], 2),
    (["sample", "adir", "--lines", "0"], 2),
    (["sample", "adir", "--temperature", "nan"], 2),
    (["train", "mlp", "--seed", "-1"], 2),
    (["train", "mlp", "--batch-size", "1e3"], 2),
    (["train", "mlp", "--lr=-inf"], 2),
    (["train", "mlp", "--epochs"], 2),
    (["train"], 2),
    (["data"], 2),
    (["data", "fetch"], 2),
    (["data", "fetch", "cifar"], 2),
    (["demo", "--out", "afile"], 2),
    (["demo", "extra"], 2),
    ([], 2),
    (["--bogus"], 2),
    (["nonsense"], 2),
]


@pytest.mark.parametrize(("argv", "status"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_each_case_works_or_is_one_line_about_an_argument(sandbox, capsys, argv, status):
    assert run(argv, capsys) == status


# ---------------------------------------------------------------- hypothesis

NUMBERS = ["0", "-1", "1", "3", "1.5", "1e-3", "1e400", "nan", "inf", "-inf", "", " ", "x"]
PATHS = ["afile", "adir", "afile/sub", "adir/new/f.svg", "out", "f.dot", "f.html", "f.jpg", ""]
FMTS = [".4g", ".2f", "e", "%s", "{0.__class__}", "10000000", ".1000000f", "", "x", ">10"]
VALUE = st.one_of(
    st.sampled_from(NUMBERS + PATHS + FMTS),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=12),
)
OPTIONS = {
    "demo": ["--out", "--no-train"],
    "graph": ["--out", "--fmt", "--show"],
    "train": [
        "--data",
        "--epochs",
        "--lr",
        "--batch-size",
        "--seed",
        "--out",
        "--no-attention",
        "--resume",
    ],
    "fetch": ["--cache-dir", "--force"],
    "predict": ["--top", "--out"],
    "sample": ["--lines", "--seed", "--temperature", "--start"],
}
FLAGS = {"--no-train", "--no-attention", "--force"}
EXPRS = ["x", "(x+y)*z", "x**y", "log(x)", "1/x", "exp(x)*y", "2", "x.y", "__import__('os')"]
ASSIGNMENTS = ["x=1", "y=-2", "z=0", "x=nan", "x=1e308", "x=", "=1", "x=1=2", "y=0.5"]
# expressions that draw, so the options after them are reached too
DRAWN = [("x", ["x=1"]), ("(x+y)*z", ["x=-2", "y=5", "z=-4"]), ("sigmoid(w*x)", ["w=2", "x=-1"])]


@st.composite
def command_lines(draw) -> list[str]:
    command = draw(st.sampled_from(sorted(OPTIONS)))
    argv = ["data", "fetch"] if command == "fetch" else [command]
    if command == "train":
        argv.append(draw(st.sampled_from([*MODELS, "gpt"])))
    elif command == "fetch":
        argv.append(draw(st.sampled_from(["mnist", "bible", "kjv-web", "cifar"])))
    elif command in ("predict", "sample"):
        argv.append(draw(st.one_of(st.sampled_from(PATHS), VALUE)))  # the run's folder
        if command == "predict":
            argv.append(draw(VALUE))
    elif command == "graph" and draw(st.booleans()):
        expr, values = draw(st.sampled_from(DRAWN))
        argv += [expr, *values]
    elif command == "graph":
        argv.append(draw(st.one_of(st.sampled_from(EXPRS), VALUE)))
        argv += draw(st.lists(st.one_of(st.sampled_from(ASSIGNMENTS), VALUE), max_size=3))
    for option in draw(st.lists(st.sampled_from(OPTIONS[command]), max_size=4)):
        argv.append(option)
        if option not in FLAGS:
            argv.append(draw(VALUE))
    if command == "graph" and "--out" not in argv:
        argv += ["--out", "f.dot"]  # not graph.svg in the current folder, every time
    return argv


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(argv=command_lines())
@example(argv=["train", "mlp", "--epochs", "0"])
@example(argv=["graph", "x", "x=1", "--fmt", "10000000", "--out", "f.dot"])
def test_fuzzed_command_lines_work_or_fail_in_one_line(sandbox, capsys, argv):
    status = run(argv, capsys)
    if status == 0 and argv[0] == "train":
        epochs = argv[argv.index("--epochs") + 1] if "--epochs" in argv else None
        assert epochs is None or int(epochs) >= 1
        assert ("train", argv[1]) in sandbox
    if status == 0 and "--lr" in argv:
        assert math.isfinite(float(argv[argv.index("--lr") + 1]))
