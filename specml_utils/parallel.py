"""Run independent tasks over a bounded pool of processes, with a progress bar."""
from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
from typing import Callable, Iterable

from tqdm.auto import tqdm


def bounded_map(func: Callable, tasks: Iterable, workers: int | None = None, total: int | None = None,
                desc: str = "", unit: str = "task", weight: Callable = lambda r: 1,
                progress: bool = True) -> list:
    """``[func(t) for t in tasks]``, on ``workers`` processes, results in task order.

    At most ``2 * workers`` tasks are in flight, so memory stays flat however many there are.
    Worker processes are spawned (not forked), which is safe after JAX or threads started.
    ``weight(result)`` is what each result adds to the progress bar (e.g. spectra per chunk).
    """
    workers = workers or os.cpu_count() or 1
    bar = tqdm(total=total, desc=desc, unit=unit, disable=not progress)
    results = {}
    if workers == 1:
        for i, task in enumerate(tasks):
            results[i] = func(task)
            bar.update(weight(results[i]))
    else:
        ctx = multiprocessing.get_context("spawn")
        with cf.ProcessPoolExecutor(workers, mp_context=ctx) as pool:
            pending = {}
            for i, task in enumerate(tasks):
                pending[pool.submit(func, task)] = i
                if len(pending) >= 2 * workers:
                    done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                    for f in done:
                        results[pending.pop(f)] = f.result()
                        bar.update(weight(f.result()))
            for f in cf.as_completed(list(pending)):
                results[pending.pop(f)] = f.result()
                bar.update(weight(f.result()))
    bar.close()
    return [results[i] for i in range(len(results))]
