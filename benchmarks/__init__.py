"""tracegrad's benchmark harness: ``python -m benchmarks``.

Each (workload, engine) pair is measured in a fresh subprocess (`benchmarks.run_one`); the
parent (`benchmarks.__main__`) alternates engines over rounds and prints a markdown table.
Workloads live in one module each and expose the interface described in `load_workload`.

This module stays free of numpy and engine imports so the parent process stays small.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

#: the workloads in the order they run and are reported
ORDER = (
    "scalar_chain",
    "moons_mlp",
    "mlp_step",
    "conv2d",
    "lenet_step",
    "mlp_epoch",
    "lenet_epoch",
    "lstm_step",
    "skipgram_step",
    "seq2seq_step",
    "word2vec_train",
    "hvp_mlp",
    "hessian_tanh",
)

#: the workloads whose module exists (a workload module is one file: adding it is enough)
WORKLOADS = tuple(n for n in ORDER if importlib.util.find_spec(f"benchmarks.{n}") is not None)


def load_workload(name: str) -> ModuleType:
    """Import the workload module ``benchmarks.<name>``.

    A workload module defines ``ENGINES`` (engine names, tracegrad first), ``REPEATS`` and
    ``WARMUP`` (engine -> count), ``DESCRIPTION`` (one line) and ``setup(engine)``, which
    returns a `benchmarks.harness.Prepared` whose ``step()`` runs one timed iteration.
    """
    if name not in WORKLOADS:
        raise ValueError(f"unknown workload {name!r}; choose from {', '.join(WORKLOADS)}")
    return importlib.import_module(f"benchmarks.{name}")
