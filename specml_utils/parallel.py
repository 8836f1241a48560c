"""Run independent tasks over a bounded pool of processes, with a progress bar."""
from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
from typing import Callable, Iterable

from tqdm.auto import tqdm


_stop_requested = False


def request_stop() -> None:
    """Ask every running :func:`bounded_map` to stop before its next task (the CLI does on SIGTERM)."""
    global _stop_requested
    _stop_requested = True


def clear_stop() -> None:
    """Forget an earlier :func:`request_stop` (a new command starts)."""
    global _stop_requested
    _stop_requested = False


def _check_stop() -> None:
    if _stop_requested:
        raise KeyboardInterrupt


def _one_thread_per_worker() -> None:
    """Worker start-up: NumPy's BLAS and OpenMP pools get one thread (a pool per worker sized
    to every core would put workers × cores threads on the machine)."""
    from threadpoolctl import threadpool_limits

    global _limits
    _limits = threadpool_limits(1)  # kept referenced: the limit holds for the worker's life


def bounded_map(func: Callable, tasks: Iterable, workers: int | None = None, total: int | None = None,
                desc: str = "", unit: str = "task", weight: Callable = lambda r: 1,
                progress: bool = True) -> list:
    """``[func(t) for t in tasks]``, on ``workers`` processes, results in task order.

    At most ``2 * workers`` tasks are in flight, so memory stays flat however many there are.
    Worker processes are spawned (not forked), which is safe after JAX or threads started, and
    compute with one thread each.
    ``weight(result)`` is what each result adds to the progress bar (e.g. spectra per chunk).
    """
    workers = workers or os.cpu_count() or 1
    bar = tqdm(total=total, desc=desc, unit=unit, disable=not progress)
    results = {}
    if workers == 1:
        for i, task in enumerate(tasks):
            _check_stop()
            results[i] = func(task)
            bar.update(weight(results[i]))
    else:
        ctx = multiprocessing.get_context("spawn")
        with cf.ProcessPoolExecutor(workers, mp_context=ctx, initializer=_one_thread_per_worker) as pool:
            pending = {}
            for i, task in enumerate(tasks):
                _check_stop()
                pending[pool.submit(func, task)] = i
                if len(pending) >= 2 * workers:
                    done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                    for f in done:
                        results[pending.pop(f)] = f.result()
                        bar.update(weight(f.result()))
            for f in cf.as_completed(list(pending)):
                _check_stop()
                results[pending.pop(f)] = f.result()
                bar.update(weight(f.result()))
    bar.close()
    return [results[i] for i in range(len(results))]
