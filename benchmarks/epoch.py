"""One training epoch on MNIST, data loading included: the shared part of the
``lenet_epoch`` and ``mlp_epoch`` workloads.

The data (`dataset`): full MNIST's 60,000 training images (938 batches of 64) when
``mnist.npz`` is in tracegrad's data cache (``tracegrad data fetch mnist`` puts it there),
else the 5,000 MNIST images bundled with the package (``nn.data.load_mnist5k``, 79 batches
of 64). Nothing is downloaded at run time; each run's notes say which data set it used, and
both engines of a run read the same one.

Both engines train the same model from the same initial weights (tracegrad's ``nn`` model,
copied into the PyTorch module of the same layout), with Adam (lr 1e-3) on batches of 64
drawn in the same shuffled order: each epoch is ``numpy.random.default_rng(0)``'s next
permutation. A step of the harness is one whole epoch of fancy-indexed images, forward,
cross-entropy, backward and update. tracegrad batches with ``nn.data.DataLoader`` and steps
``nn.optim.Adam``; PyTorch indexes the same in-memory arrays and wraps them with
``torch.from_numpy`` (what a tuned PyTorch loop over in-memory data does; its per-sample
``DataLoader`` would be slower) and steps ``torch.optim.Adam`` (its default, the
per-parameter loop on CPU).

A step reports the loss of the epoch's first batch and one entry of the first layer's
weight gradient from that batch. In the first epoch both engines start from the same
weights on the same batch, so these agree to float32 rounding; the second epoch starts
after a whole epoch of Adam steps (938 on full MNIST), over which float32 rounding lets the
trajectories drift apart by about 1e-2 on a single batch, hence the workloads' looser
``TOLERANCE`` for it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from benchmarks.harness import Prepared, StepResult

BATCH, LR, SEED = 64, 1e-3, 0


def dataset() -> tuple[np.ndarray, np.ndarray, str]:
    """``(images, labels, description)``: full MNIST's training split if it is in the cache,
    else the bundled 5,000 images. Never downloads. A cache file that exists but fails its
    check raises (`nn.data.load_mnist`'s error says how to replace it)."""
    from nn.data import load_mnist, load_mnist5k

    try:
        x, y = load_mnist("train")
        what = "full MNIST from the cache"
    except FileNotFoundError:
        x, y = load_mnist5k()
        what = (
            "the bundled MNIST 5k (nn.data.load_mnist5k), since full MNIST is not in the "
            "cache (`tracegrad data fetch mnist` once to use it)"
        )
    batches = -(-len(x) // BATCH)
    return x, y, f"{len(x):,} images, {batches} batches of {BATCH}: {what}"


def _data(workload: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The images, labels and the note naming the data set, for ``workload``."""
    x, y, what = dataset()
    return x, y, [f"{workload}: one epoch of {what}"]


def tracegrad_epoch(
    workload: str, build: Callable[[], object], first: str, probe: int = 0
) -> Prepared:
    """Prepared epoch for tracegrad; ``build()`` makes the nn model; the probe is entry
    ``probe`` (flat index) of parameter ``first``'s gradient."""
    import autograd.functional as F
    import nn
    from nn.data import DataLoader
    from nn.optim import Adam

    x, y, notes = _data(workload)
    nn.manual_seed(SEED)
    model = build()
    opt = Adam(model.parameters(), lr=LR)
    loader = DataLoader(
        (x, y), batch_size=BATCH, shuffle=True, generator=np.random.default_rng(SEED)
    )
    probe_param = dict(model.named_parameters())[first]

    def step() -> StepResult:
        first: StepResult | None = None
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            if first is None:
                first = float(loss.data), float(probe_param.grad.reshape(-1)[probe])
            opt.step()
        assert first is not None
        return first

    return Prepared(step, notes)


def torch_epoch(
    workload: str,
    build: Callable[[], object],
    torch_model: Callable[[], object],
    first: str,
    probe: int = 0,
) -> Prepared:
    """Prepared epoch for PyTorch, starting from the weights of tracegrad's ``build()``."""
    import torch
    import torch.nn.functional as F

    import nn

    x, y, notes = _data(workload)
    nn.manual_seed(SEED)
    ours = build()
    model = torch_model()
    model.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    gen = np.random.default_rng(SEED)
    probe_param = dict(model.named_parameters())[first]

    def step() -> StepResult:
        order = gen.permutation(len(x))
        first: StepResult | None = None
        for k in range(len(x) // BATCH + (len(x) % BATCH > 0)):
            idx = order[k * BATCH : (k + 1) * BATCH]
            xb, yb = torch.from_numpy(x[idx]), torch.from_numpy(y[idx])
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            if first is None:
                first = loss.item(), probe_param.grad.reshape(-1)[probe].item()
            opt.step()
        assert first is not None
        return first

    return Prepared(step, notes)
