"""The benchmark package's pure parts: FLOP counts, the environment of measuring runs, report
formatting. No timing is asserted and nothing is measured."""

from __future__ import annotations

import itertools

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
