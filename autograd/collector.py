"""Let Python's cyclic garbage collector run less often while graphs are recorded.

Every recorded op creates three objects the cyclic collector tracks (the Tensor, its node,
the tuple of parents), and none of them is freed until the graph is dropped. CPython starts
a young-generation collection after every 700 new tracked objects, and every tenth of those
an older one; as the recorded graph grows, the full collections that follow walk all of it
again and again. A recorded graph holds no reference cycles (see `autograd.function`): it is
freed by reference counting as soon as its root is dropped, so all that walking finds
nothing. Measured on a chain of 100,000 scalar ops, the collector took about 40 % of the time
spent recording (20.1 µs per link of three ops with the default thresholds, 12.9 µs with a
young generation of 10,000, 11.6 µs with the collector off).

`tune_gc` runs once when ``autograd`` is imported and raises the young generation's threshold
to `YOUNG_THRESHOLD`, leaving the older generations' as they are. Garbage with cycles is
still collected, just in larger batches (Python 3.13 raised the default itself, to 2,000).
It is a process-wide setting: set ``TRACEGRAD_GC=python`` before the import to keep
Python's own thresholds.
"""

from __future__ import annotations

import gc
import os

#: new tracked objects between two young-generation collections (CPython's default: 700)
YOUNG_THRESHOLD = 10_000


def tune_gc(environ: dict[str, str] | None = None) -> bool:
    """Raise the collector's young-generation threshold to `YOUNG_THRESHOLD` (see the module
    docstring) unless it is already higher.

    Returns True if it did; False when ``TRACEGRAD_GC`` is ``python`` in ``environ``
    (default: ``os.environ``) or the threshold was already at least that high.
    """
    env = os.environ if environ is None else environ
    choice = env.get("TRACEGRAD_GC", "tuned")
    if choice not in ("tuned", "python"):
        raise ValueError(f"TRACEGRAD_GC must be 'tuned' or 'python', got {choice!r}")
    young, *older = gc.get_threshold()
    if choice == "python" or young == 0 or young >= YOUNG_THRESHOLD:
        return False
    gc.set_threshold(YOUNG_THRESHOLD, *older)
    return True
