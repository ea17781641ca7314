"""The machine section of the report: numpy's BLAS kernel and the measured sgemm peak.

``python -m benchmarks.machine`` prints one JSON line: the BLAS libraries numpy loaded as
`threadpoolctl` sees them (``internal_api``, ``version``, ``architecture`` = the OpenBLAS
kernel "corename", ``num_threads``), and the float32 matmul peak in GFLOP/s of numpy
(``a @ b``) and, for reference, of torch (``torch.mm``) on square matrices of 1024, 1536 and
2048 (best of `REPEATS` after one warm-up each, ``2·n³`` FLOPs per product), with the thread
limits of the measuring runs. The parent (`probe`) starts it with the same environment as
every measuring run (`benchmarks.harness.child_env`), so it sees the kernel they run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

from benchmarks.harness import ROOT, THREAD_ENV, child_env

#: square sizes of the sgemm peak measurement
SIZES = (1024, 1536, 2048)

#: timed products per size (the best one counts)
REPEATS = 5


def _best_gflops(matmul: Any, make: Any) -> dict[str, float]:
    """Best GFLOP/s of ``matmul(a, b)`` over `SIZES` and `REPEATS`; per size too."""
    per_size = {}
    for n in SIZES:
        a, b = make(n, 0), make(n, 1)
        matmul(a, b)  # warm-up: thread pool start, page faults of the output
        best = float("inf")
        for _ in range(REPEATS):
            start = time.perf_counter()
            matmul(a, b)
            best = min(best, time.perf_counter() - start)
        per_size[str(n)] = 2.0 * n**3 / best / 1e9
    return {"peak_gflops": max(per_size.values()), "per_size_gflops": per_size}


def blas_info() -> list[dict[str, Any]]:
    """The BLAS libraries loaded in this process (import numpy first), per threadpoolctl."""
    from threadpoolctl import threadpool_info

    keys = ("internal_api", "version", "architecture", "num_threads", "threading_layer")
    return [
        {k: info.get(k) for k in keys} | {"filepath": os.path.basename(info["filepath"])}
        for info in threadpool_info()
        if info.get("user_api") == "blas"
    ]


def measure(with_torch: bool = True) -> dict[str, Any]:
    """numpy's BLAS info and sgemm peak, and torch's sgemm peak (if torch imports)."""
    import numpy as np

    def make_np(n: int, seed: int) -> Any:
        return np.random.default_rng(seed).standard_normal((n, n), dtype=np.float32)

    out: dict[str, Any] = {
        "env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")},
        "numpy_version": np.__version__,
        "numpy_blas": blas_info(),
        "numpy_sgemm": _best_gflops(lambda a, b: a @ b, make_np),
    }
    if with_torch:
        try:
            import torch
        except ImportError as e:
            out["torch_sgemm"] = {"error": f"{type(e).__name__}: {e}"}
        else:
            torch.set_num_threads(int(THREAD_ENV["OMP_NUM_THREADS"]))

            def make_torch(n: int, seed: int) -> Any:
                return torch.from_numpy(make_np(n, seed))

            out["torch_sgemm"] = _best_gflops(torch.mm, make_torch)
            out["torch_version"] = torch.__version__
            out["torch_threads"] = torch.get_num_threads()
    return out


def probe(env: dict[str, str] | None = None, with_torch: bool = True) -> dict[str, Any]:
    """Run `measure` in a fresh interpreter with ``env`` (default: `child_env()`, the
    measuring runs' environment); never raises (``{"error": ...}`` instead)."""
    cmd = [sys.executable, "-m", "benchmarks.machine"]
    if not with_torch:
        cmd.append("--no-torch")
    try:
        proc = subprocess.run(
            cmd,
            cwd=ROOT,
            env=child_env() if env is None else env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    except subprocess.TimeoutExpired:
        return {"error": "timed out after 600 s"}
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = proc.stderr.strip().splitlines()[-3:]
        return {"error": f"exit {proc.returncode}: " + " | ".join(tail)}
    return json.loads(lines[-1])


def kernel(info: dict[str, Any]) -> str:
    """``openblas 0.3.31 SkylakeX, 2 threads`` for numpy's first BLAS (or "unknown")."""
    blas = info.get("numpy_blas") or []
    if not blas:
        return "unknown"
    b = blas[0]
    return f"{b['internal_api']} {b['version']} {b['architecture']}, {b['num_threads']} threads"


def main(argv: list[str] | None = None) -> None:
    """Print `measure` as one JSON line."""
    argv = sys.argv[1:] if argv is None else argv
    for key, value in THREAD_ENV.items():  # effective only if numpy is not yet imported
        os.environ.setdefault(key, value)
    print(json.dumps(measure(with_torch="--no-torch" not in argv)))


if __name__ == "__main__":
    main()
