"""The one way speeds are measured: spectra per second of a call, wall clock."""
from __future__ import annotations

import time


def timed(fn, n_spectra: int, warm_up=None):
    """Call ``fn()`` and return ``(its result, n_spectra / seconds)``.

    ``warm_up``, when given, is called first and not timed (a network's first batch builds its
    graph, which is not the inference rate)."""
    if warm_up is not None:
        warm_up()
    t0 = time.perf_counter()
    out = fn()
    return out, round(n_spectra / (time.perf_counter() - t0), 1)
