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


#: each worker process computes with one thread: the backends and BLAS would otherwise each start
#: a pool sized to every core of the machine in every worker (workers × cores threads)
ONE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                  "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1",
                  "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"}


def _one_thread_per_worker() -> None:
    """Worker start-up: :data:`ONE_THREAD_ENV` for libraries loaded from now on, and one thread
    for the BLAS NumPy has already loaded (a spawned worker may have imported it unpickling)."""
    import numpy  # noqa: F401  (loads the BLAS, so that the limit below reaches it)
    from threadpoolctl import threadpool_limits

    global _limits
    os.environ.update(ONE_THREAD_ENV)
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
