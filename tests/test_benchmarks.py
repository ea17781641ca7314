"""The benchmark package: FLOP counts, the environment of measuring runs, report formatting,
and that every workload's engines run the public path their users write (a step or two of
each, in this process, on small data). No timing is asserted and nothing is measured."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from benchmarks import flops, harness, report


def test_gemm_counts_two_flops_per_multiply_add():
    assert flops.gemm(2, 3, 4) == 48


def test_dense_step_counts_three_gemms_per_layer_two_for_the_first():
    one = flops.gemm(128, 256, 784)
    two = flops.gemm(128, 128, 256)
    three = flops.gemm(128, 10, 128)
    assert flops.dense_step(128, (784, 256, 128, 10)) == 2 * one + 3 * two + 3 * three
    with_input = flops.dense_step(128, (784, 256, 128, 10), input_grad=True)
    assert with_input == 3 * (one + two + three)


def test_conv2d_step_is_its_equivalent_gemm_two_or_three_times():
    one = 2 * 32 * 32 * 16 * 3 * 3 * 32 * 32  # 2·N·O·C·kh·kw·Ho·Wo
    assert flops.conv2d_gemm(32, 16, 32, 3, 32, 32) == one
    assert flops.conv2d_step(32, 16, 32, 3, 32, 32, input_grad=True) == 3 * one
    assert flops.conv2d_step(32, 16, 32, 3, 32, 32, input_grad=False) == 2 * one


def test_dense_hvp_counts_nine_gemms_per_layer_four_for_the_first():
    sizes = (784, 256, 128, 10)
    layers = [flops.gemm(128, o, i) for i, o in itertools.pairwise(sizes)]
    assert flops.dense_hvp(128, sizes) == 4 * layers[0] + 9 * (layers[1] + layers[2])


def test_lstm_step_count():
    t, b, d, h = 35, 32, 64, 128
    proj, rec = flops.gemm(t * b, 4 * h, d), flops.gemm(b, 4 * h, h)
    assert flops.lstm_step(t, b, d, h) == 2 * proj + (3 * t - 1) * rec


def test_workloads_declare_their_flops():
    from benchmarks import conv2d, hvp_mlp, lenet_step, lstm_step, mlp_step

    assert flops.dense_step(128, (784, 256, 128, 10)) == mlp_step.FLOPS
    assert pytest.approx(0.906e9, rel=1e-3) == conv2d.FLOPS  # the module docstring's figure
    for module in (lenet_step, lstm_step, hvp_mlp):
        assert isinstance(module.FLOPS, int)
        assert module.FLOPS > 0


def test_gflops_per_s():
    assert flops.gflops_per_s(906_000_000, 10.0) == pytest.approx(90.6)


def test_child_env_drops_both_openblas_pins_and_sets_threads():
    base = {"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_L2_SIZE": "1048576", "PATH": "/bin"}
    env = harness.child_env(base)
    assert "OPENBLAS_CORETYPE" not in env
    assert "OPENBLAS_L2_SIZE" not in env
    assert env["PATH"] == "/bin"
    assert all(env[k] == v for k, v in harness.THREAD_ENV.items())
    assert harness.removed_env(base) == {
        "OPENBLAS_CORETYPE": "Haswell",
        "OPENBLAS_L2_SIZE": "1048576",
    }
    assert harness.removed_env({"PATH": "/bin"}) == {}
    assert base["OPENBLAS_CORETYPE"] == "Haswell"  # the caller's mapping is left alone


def _row(workload: str, engine: str, ms: float, rss: float, flops_: int | None) -> dict:
    return {
        "workload": workload,
        "engine": engine,
        "status": "ok",
        "flops": flops_,
        "ms": ms,
        "round_medians_ms": [ms],
        "peak_rss_mb": rss,
        "first_loss": 1.0,
        "second_loss": 0.5,
        "grad_probe": 0.1,
        "deterministic": True,
        "version": "1",
        "versions": ["1"],
        "blas": ["SkylakeX"],
    }


MACHINE = {
    "numpy_version": "2.4.6",
    "numpy_blas": [
        {
            "internal_api": "openblas",
            "version": "0.3.31",
            "architecture": "SkylakeX",
            "num_threads": 2,
            "filepath": "libopenblas.so",
        }
    ],
    "numpy_sgemm": {"peak_gflops": 400.0, "per_size_gflops": {"1024": 380.0, "2048": 400.0}},
    "torch_sgemm": {"peak_gflops": 420.0, "per_size_gflops": {"2048": 420.0}},
    "torch_version": "2.13.0",
}


def test_timing_table_has_gflops_fraction_of_peak_and_rss_vs_torch():
    rows = [
        _row("mlp_step", "tracegrad", 2.0, 100.0, 200_000_000),
        _row("mlp_step", "torch", 1.0, 250.0, 200_000_000),
        _row("scalar_chain", "tracegrad", 500.0, 80.0, None),
    ]
    table = report.timing_table(rows, peak_gflops=400.0)
    lines = table.splitlines()
    assert "GFLOP/s" in lines[0]
    assert "% of sgemm peak" in lines[0]
    assert "| mlp_step | tracegrad | 2.00 | 100.0 | 25% | 100 | 0.40 | 1.00 |" in table
    assert "| mlp_step | torch | 1.00 | 200.0 | 50% | 250 | — | 2.00 |" in table
    assert "| scalar_chain | tracegrad | 500 | — | — | 80 | — | 1.00 |" in table


def test_render_shows_the_machine_section_and_the_scaling_table():
    rows = [_row("mlp_step", "tracegrad", 2.0, 100.0, 200_000_000)]
    scaling = [
        {
            "status": "ok",
            "nodes": 9999,
            "ms": 55.0,
            "us_per_node": 5.5,
            "bytes_per_node": 540.0,
            "peak_rss_mb": 100.0,
        },
        {"status": "error", "nodes": 1_000_002, "error": "boom"},
    ]
    text = report.render(
        rows,
        [],
        "header",
        machine=MACHINE,
        removed={"OPENBLAS_CORETYPE": "Haswell"},
        pinned={"numpy_blas": [{"architecture": "Haswell"}], "numpy_sgemm": {"peak_gflops": 229}},
        scaling=scaling,
    )
    assert "kernel **SkylakeX**, 2 threads" in text
    assert "**400.0 GFLOP/s**" in text
    assert "**420.0 GFLOP/s**" in text
    assert "OPENBLAS_CORETYPE=Haswell" in text
    assert "kernel Haswell at 229 GFLOP/s" in text
    assert "| 9,999 | 55.0 | 5.50 | 540 | 100 |" in text
    assert "| 1,000,002 | FAILED |" in text
    assert "| 100.0 | 25% |" in text  # 200 MFLOP in 2 ms against the 400 GFLOP/s peak


def test_blas_notes_flag_a_run_on_another_kernel():
    row = _row("mlp_step", "numpy", 1.0, 40.0, 1)
    assert report.blas_notes([row], MACHINE) == []
    row["blas"] = ["Haswell"]
    (note,) = report.blas_notes([row], MACHINE)
    assert "Haswell" in note
    assert "SkylakeX" in note


def test_machine_section_reports_a_failed_probe():
    assert "FAILED" in report.machine_section({"error": "exit 1"}, {}, None)


def test_scaling_aggregate_takes_median_time_and_largest_memory():
    from benchmarks.scalar_chain_scaling import aggregate

    runs = [
        {
            "status": "ok",
            "nodes": 9999,
            "median_s": t,
            "us_per_node": u,
            "bytes_per_node": m,
            "peak_rss_mb": 100.0 + m,
        }
        for t, u, m in ((0.05, 5.0, 500.0), (0.07, 7.0, 400.0), (0.06, 6.0, 450.0))
    ]
    agg = aggregate(runs)
    assert agg["us_per_node"] == 6.0
    assert agg["bytes_per_node"] == 500.0
    assert agg["ms"] == pytest.approx(60.0)
    assert aggregate([{"status": "error", "nodes": 5, "error": "x"}])["status"] == "error"


# --- every engine runs the path its users write ---------------------------------------------
#
# One step of each workload per engine, in this process, with the layers and optimizers each
# engine calls recorded: tracegrad's through `nn.Module.__call__` and `nn.optim.Optimizer`,
# PyTorch's through its global module-forward and optimizer-step hooks.

#: workload -> (layers the engine "tracegrad" must call, layers its twin "torch" must call,
#: the optimizer both must step: None for a workload that updates nothing)
USER_PATH = {
    "moons_mlp": ({"MLP", "Linear", "ReLU"}, {"MLP", "Linear", "ReLU"}, "SGD"),
    "mlp_step": ({"MLP", "Linear", "ReLU"}, {"MLP", "Linear", "ReLU"}, "SGD"),
    "conv2d": ({"Conv2d"}, {"Conv2d"}, None),
    "lenet_step": (
        {"LeNet5", "Conv2d", "ReLU", "MaxPool2d", "Flatten", "Linear"},
        {"LeNet5", "Conv2d", "ReLU", "MaxPool2d", "Flatten", "Linear"},
        "SGD",
    ),
    "lstm_step": ({"LSTM"}, {"LSTM"}, "SGD"),
    "skipgram_step": ({"Embedding"}, {"Embedding"}, "SGD"),
    "seq2seq_step": (
        {"Seq2Seq", "Embedding", "LSTM", "Linear"},
        {"TorchSeq2Seq", "Embedding", "LSTM", "LSTMCell", "Linear"},
        "Adam",
    ),
    "mlp_epoch": ({"MLP", "Linear", "ReLU"}, {"MLP", "Linear", "ReLU"}, "Adam"),
    "lenet_epoch": ({"LeNet5", "Conv2d", "Linear"}, {"LeNet5", "Conv2d", "Linear"}, "Adam"),
}


class Calls:
    """What one engine's steps called: module instances and optimizer instances."""

    def __init__(self) -> None:
        self.modules: list = []
        self.steps: list = []
        self.zero_grads: list = []

    def layer_names(self) -> set[str]:
        return {type(m).__name__ for m in self.modules}

    def optimizer_names(self) -> set[str]:
        return {type(o).__name__ for o in self.steps}


@pytest.fixture
def small_epochs(monkeypatch):
    """The epoch workloads on 256 bundled images (4 batches) instead of a whole epoch."""
    from benchmarks import epoch

    def few() -> tuple:
        from nn.data import load_mnist5k

        x, y = load_mnist5k()
        order = np.random.default_rng(0).permutation(len(x))[:256]
        return x[order], y[order], "256 bundled images (test)"

    monkeypatch.setattr(epoch, "dataset", few)


def _run_tracegrad(monkeypatch, workload: str, engine: str, steps: int = 2) -> tuple:
    import nn
    from benchmarks import load_workload
    from nn.optim import Optimizer

    calls = Calls()
    call, step, zero_grad = nn.Module.__call__, Optimizer.step, Optimizer.zero_grad

    def recording_call(self, *args, **kwargs):
        calls.modules.append(self)
        return call(self, *args, **kwargs)

    def recording_step(self, *args, **kwargs):
        calls.steps.append(self)
        return step(self, *args, **kwargs)

    def recording_zero_grad(self, *args, **kwargs):
        calls.zero_grads.append(self)
        return zero_grad(self, *args, **kwargs)

    monkeypatch.setattr(nn.Module, "__call__", recording_call)
    monkeypatch.setattr(Optimizer, "step", recording_step)
    monkeypatch.setattr(Optimizer, "zero_grad", recording_zero_grad)
    prepared = load_workload(workload).setup(engine)
    results = [prepared.step() for _ in range(steps)]
    return calls, results


def _run_torch(torch, workload: str, engine: str, steps: int = 2) -> tuple:
    from torch.nn.modules.module import register_module_forward_hook
    from torch.optim.optimizer import register_optimizer_step_post_hook

    from benchmarks import engines, load_workload

    engines.load(engine)
    calls = Calls()
    hooks = [
        register_module_forward_hook(lambda m, args, out: calls.modules.append(m)),
        register_optimizer_step_post_hook(lambda o, args, kwargs: calls.steps.append(o)),
    ]
    try:
        prepared = load_workload(workload).setup(engine)
        results = [prepared.step() for _ in range(steps)]
    finally:
        for hook in hooks:
            hook.remove()
    return calls, results


def _params(objects) -> set[int]:
    return {id(p) for o in objects for p in o.parameters()}


def _optimized(optimizers) -> set[int]:
    return {id(p) for o in optimizers for g in o.param_groups for p in g["params"]}


@pytest.mark.parametrize("workload", sorted(USER_PATH))
def test_tracegrad_engine_runs_the_public_layers_and_nn_optim(monkeypatch, small_epochs, workload):
    """The engine named "tracegrad" calls the `nn` layers of its workload, steps an
    `nn.optim` optimizer once per update over exactly the parameters of the layers it
    called, and clears the gradients with ``opt.zero_grad()``: no hand-written update."""
    import nn

    layers, _, optimizer = USER_PATH[workload]
    calls, _ = _run_tracegrad(monkeypatch, workload, "tracegrad")
    assert layers <= calls.layer_names(), f"{workload}: tracegrad called {calls.layer_names()}"
    for m in calls.modules:
        if isinstance(m, nn.LSTM):  # nn.LSTM(input, hidden) with its defaults: fused
            assert m.fused is True
            assert m.variant == "standard"
    if optimizer is None:
        assert calls.steps == []
        return
    assert calls.optimizer_names() == {optimizer}
    assert len(calls.steps) >= 2  # one per update
    assert calls.zero_grads, f"{workload}: tracegrad never called opt.zero_grad()"
    assert _optimized(calls.steps) == _params(calls.modules)


@pytest.mark.parametrize("workload", sorted(USER_PATH))
def test_torch_twin_runs_the_same_layers_and_torch_optim_with_its_defaults(small_epochs, workload):
    torch = pytest.importorskip("torch")
    _, layers, optimizer = USER_PATH[workload]
    calls, _ = _run_torch(torch, workload, "torch")
    assert layers <= calls.layer_names(), f"{workload}: torch called {calls.layer_names()}"
    for m in calls.modules:
        if isinstance(m, torch.nn.Embedding):
            assert m.sparse is False  # the default
    if optimizer is None:
        assert calls.steps == []
        return
    assert calls.optimizer_names() == {optimizer}
    assert len(calls.steps) >= 2
    for opt in calls.steps:
        assert opt.defaults["foreach"] is None  # PyTorch's default: a loop on CPU
    assert _optimized(calls.steps) == _params(calls.modules)


def test_tracegrad_and_torch_agree_through_the_public_path(monkeypatch, small_epochs):
    """First loss, gradient probe and loss after one update, to float32 rounding, on the
    workloads whose layers changed to the public path."""
    torch = pytest.importorskip("torch")
    for workload in ("moons_mlp", "mlp_step", "lenet_step", "lstm_step", "skipgram_step"):
        _, ours = _run_tracegrad(monkeypatch, workload, "tracegrad")
        _, theirs = _run_torch(torch, workload, "torch")
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, err_msg=workload)


def test_variants_are_beside_the_default_not_instead_of_it(monkeypatch):
    import nn
    from benchmarks import load_workload

    for name in USER_PATH:
        assert load_workload(name).ENGINES[0] == "tracegrad"
    assert "tracegrad-sparse" in load_workload("skipgram_step").ENGINES
    calls, _ = _run_tracegrad(monkeypatch, "lstm_step", "tracegrad-unfused", steps=1)
    (lstm,) = {m for m in calls.modules if isinstance(m, nn.LSTM)}
    assert lstm.fused is False
    assert calls.optimizer_names() == {"SGD"}
    calls, _ = _run_tracegrad(monkeypatch, "skipgram_step", "tracegrad-sparse", steps=1)
    assert calls.steps == []  # the hand-written sparse row update, reported as a variant


def test_torch_sparse_variant_uses_sparse_embeddings():
    torch = pytest.importorskip("torch")
    calls, _ = _run_torch(torch, "skipgram_step", "torch-sparse", steps=1)
    embeddings = [m for m in calls.modules if isinstance(m, torch.nn.Embedding)]
    assert embeddings
    assert all(m.sparse for m in embeddings)
    assert calls.optimizer_names() == {"SGD"}


# --- the epoch workloads' data ----------------------------------------------------------------


def _no_download(monkeypatch):
    import nn.data
    import nn.data.fetch

    def refuse(*args, **kwargs):
        raise AssertionError("the benchmarks must not download anything")

    monkeypatch.setattr(nn.data, "fetch_mnist", refuse)
    monkeypatch.setattr(nn.data.fetch, "fetch_mnist", refuse)


def test_epoch_data_falls_back_to_the_bundled_mnist_without_downloading(monkeypatch, tmp_path):
    from benchmarks import epoch

    _no_download(monkeypatch)
    monkeypatch.setenv("TRACEGRAD_DATA", str(tmp_path))  # an empty cache
    x, y, what = epoch.dataset()
    assert x.shape == (5000, 1, 28, 28)
    assert y.shape == (5000,)
    assert "bundled" in what
    assert "79 batches" in what
    assert list(tmp_path.iterdir()) == []


def test_epoch_data_uses_full_mnist_when_cached(monkeypatch):
    import nn.data
    from benchmarks import epoch

    _no_download(monkeypatch)
    images = np.zeros((130, 1, 28, 28), np.float32)
    labels = np.arange(130) % 10
    monkeypatch.setattr(nn.data, "load_mnist", lambda split="train": (images, labels))
    x, y, what = epoch.dataset()
    assert x is images
    assert y is labels
    assert "full MNIST" in what
    assert "3 batches of 64" in what


def test_epoch_data_does_not_hide_a_damaged_cache(monkeypatch):
    import nn.data
    from benchmarks import epoch
    from nn.data.cache import CacheError

    def damaged(split="train"):
        raise CacheError("sha256 mismatch")

    monkeypatch.setattr(nn.data, "load_mnist", damaged)
    with pytest.raises(ValueError, match="sha256"):
        epoch.dataset()


def test_epoch_notes_name_the_data_set(small_epochs):
    from benchmarks import lenet_epoch, mlp_epoch

    assert mlp_epoch.setup("tracegrad").notes == [
        "mlp_epoch: one epoch of 256 bundled images (test)"
    ]
    pytest.importorskip("torch")
    assert lenet_epoch.setup("torch").notes == [
        "lenet_epoch: one epoch of 256 bundled images (test)"
    ]


def test_targets_table_says_which_targets_this_run_met():
    from benchmarks.targets import target_lines

    rows = [
        _row("conv2d", "tracegrad", 2.0, 100.0, 200_000_000),  # 100 GFLOP/s
        _row("conv2d", "torch", 2.5, 250.0, 200_000_000),
        _row("mlp_step", "tracegrad", 1.0, 100.0, 1),
        _row("mlp_step", "torch", 1.2, 150.0, 1),
    ]
    lines = {(line[0], line[1]): line[2:] for line in target_lines(rows, peak_gflops=400.0)}
    assert lines[("conv2d", "time vs torch")] == ["0.80", "≤ 1.0", "yes"]
    assert lines[("conv2d", "share of sgemm peak")] == ["25%", "≥ 50%", "**no**"]
    assert lines[("conv2d", "peak RSS vs torch")] == ["0.40", "≤ 0.5", "yes"]
    assert lines[("mlp_step", "time vs torch")] == ["0.83", "≤ 0.7", "**no**"]
    assert lines[("mlp_step", "peak RSS vs torch")] == ["0.67", "≤ 0.5", "**no**"]
    assert ("scalar_chain", "time vs torch") not in lines  # not run: no line
    text = report.render(rows, [], "header")
    assert "| conv2d | share of sgemm peak | — |" not in text  # no peak probed: no line
    assert "| mlp_step | time vs torch | 0.83 | ≤ 0.7 | **no** |" in text
