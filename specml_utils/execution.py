"""Where work split into chunks runs — the one executor of ``mock``, ``preprocess`` and ``predict``.

:func:`map_chunks` runs ``func(chunk, *args)`` for every chunk and returns the results in chunk
order, in one of three places, chosen by one rule:

* ``workers=None`` or ``0``: here, one chunk after another;
* ``workers=N``: on N single-threaded worker processes of this machine (a spawned process pool),
  computing on its CPU (a GPU is left to the calling process);
* ``scheduler`` or ``client``: on an existing Dask cluster (``dask_jobqueue.SLURMCluster`` or a
  ``dask scheduler`` you started).

At most two chunks per worker are in flight, so memory stays flat however many there are.
With ``isolate`` (for chunks that are lists of files), a chunk whose worker process died under it
is run again once as it is (a dying worker takes every chunk it holds with it, guilty or not); a
chunk that raises, or dies twice, is split into its files and each is retried once on its own, one
at a time, so that a file that kills its worker cannot take an innocent neighbour down with it; a
file that fails again is returned as a failure with the reason, and everything else still comes
back. Without ``isolate`` the first failure is raised.
"""
from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
from collections import deque
from concurrent.futures.process import BrokenProcessPool
from typing import Callable

_stop_requested = False

#: each worker process computes with one thread: the backends and BLAS would otherwise each start
#: a pool sized to every core of the machine in every worker (workers × cores threads)
ONE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                  "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1",
                  "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"}
#: local worker processes compute on the CPU: on a GPU machine each backend would otherwise take the
#: GPU in every worker (by default jax reserves 75 % of the GPU's memory in each process)
CPU_ONLY_ENV = {"JAX_PLATFORMS": "cpu", "CUDA_VISIBLE_DEVICES": ""}


def request_stop() -> None:
    """Ask every running :func:`map_chunks` to stop before its next chunk (the CLI does on SIGTERM)."""
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
    """Pool worker start-up: :data:`ONE_THREAD_ENV` and :data:`CPU_ONLY_ENV` for libraries loaded
    from now on, and one thread for the BLAS NumPy has already loaded (a spawned worker may have
    imported it unpickling)."""
    import numpy  # noqa: F401  (loads the BLAS, so that the limit below reaches it)
    from threadpoolctl import threadpool_limits

    global _limits
    os.environ.update(ONE_THREAD_ENV)
    os.environ.update(CPU_ONLY_ENV)
    _limits = threadpool_limits(1)  # kept referenced: the limit holds for the worker's life


def _failure(item, err: BaseException | str) -> tuple:
    why = err if isinstance(err, str) else f"{type(err).__name__}: {err}"
    return str(item), f"failed twice on a worker: {why}"[:300]


class _Run:
    """The bookkeeping shared by both parallel back ends: chunk keys, retries, results, progress.

    A key is ``(chunk index, -1)`` for a whole chunk, ``(chunk index, j)`` for item ``j`` of a
    failed chunk, retried alone.
    """

    def __init__(self, chunks, isolate, bar, weight, consume=None):
        self.todo = (((i, -1), c) for i, c in enumerate(chunks))
        self.again = deque()              # whole chunks whose worker died once: run again as they are
        self.retry = deque()              # (key, [item]) of a failed chunk, to run one at a time
        self.deaths = {}
        self.results, self.failures = {}, []
        self.isolate, self.bar, self.weight, self.consume = isolate, bar, weight, consume

    def done(self, key, payload, result) -> None:
        self.results[key] = result if self.consume is None else self.consume(result)
        self.bar.update(self.weight(payload))

    def failed(self, key, payload, err, died: bool = False) -> None:
        """A task failed: with ``died``, its worker process died under it (maybe not its fault)."""
        if not self.isolate:
            raise err if isinstance(err, BaseException) else RuntimeError(err)
        if key[1] >= 0:
            self.failures.append(_failure(payload[0], err))
            self.bar.update(self.weight(payload))
        elif died and not self.deaths.get(key):
            self.deaths[key] = 1
            self.again.append((key, payload))
        else:
            self.retry.extend(((key[0], j), [item]) for j, item in enumerate(payload))

    def unsent(self, tasks: list) -> None:
        """Tasks that could not be sent (the pool broke first) go back to the head of their queue,
        as they were: they never ran, so no death or failure counts against them."""
        for key, payload in reversed(tasks):
            (self.retry if key[1] >= 0 else self.again).appendleft((key, payload))

    def next_submissions(self, in_flight: list, window: int, retries_alone: bool) -> list:
        """What to submit now: a retry only when no other retry runs (and, with ``retries_alone``,
        nothing else either: a pool dies whole, so a retry's failure is its own only when alone);
        then chunks up to ``window``."""
        if self.retry:
            if not any(k[1] >= 0 for k in in_flight) and not (retries_alone and in_flight):
                return [self.retry.popleft()]
            if retries_alone:
                return []
        out = []
        while len(in_flight) + len(out) < window:
            nxt = self.again.popleft() if self.again else next(self.todo, None)
            if nxt is None:
                break
            out.append(nxt)
        return out

    def ordered(self) -> list:
        return [self.results[k] for k in sorted(self.results)]


def _run_on_pool(func, args, run: _Run, workers: int) -> None:
    """Chunks on a spawned pool of single-threaded processes. A worker that dies breaks the whole
    pool: it is replaced, and every task then in flight is run again (a whole chunk once as it is)."""
    ctx = multiprocessing.get_context("spawn")  # safe after threads or JAX started, unlike fork
    died = "its worker process died (killed, out of memory, or a crash)"

    def new_pool():
        return cf.ProcessPoolExecutor(workers, mp_context=ctx, initializer=_one_thread_per_worker)

    pool, pending = new_pool(), {}
    try:
        while True:
            _check_stop()
            in_flight = [k for k, _ in pending.values()]
            tasks = run.next_submissions(in_flight, 2 * workers, retries_alone=True)
            for n, (key, payload) in enumerate(tasks):
                try:
                    pending[pool.submit(func, payload, *args)] = (key, payload)
                except BrokenProcessPool:  # a worker died since the last wait: the rest wait for a new pool
                    run.unsent(tasks[n:])
                    if not pending:        # nothing in flight will report the break: replace the pool now
                        pool.shutdown(wait=False, cancel_futures=True)
                        pool = new_pool()
                    break
            if not pending:
                if run.retry or run.again:
                    continue
                return
            done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            errors = {fut: fut.exception() for fut in done}
            if any(isinstance(e, BrokenProcessPool) for e in errors.values()):
                for key, payload in pending.values():      # the pool is gone, and every task in it
                    run.failed(key, payload, died, died=True)
                pending.clear()
                pool.shutdown(wait=False, cancel_futures=True)
                pool = new_pool()
                continue
            for fut, err in errors.items():
                key, payload = pending.pop(fut)
                if err is None:
                    run.done(key, payload, fut.result())
                else:
                    run.failed(key, payload, err)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _run_on_dask(func, args, run: _Run, client) -> None:
    """Chunks on a Dask cluster; a task whose worker died is re-run once by Dask before it counts as failed."""
    from dask.distributed import as_completed

    window = 2 * max(1, len(client.scheduler_info()["workers"]))
    pending, ac = {}, as_completed()

    def refill():
        for key, payload in run.next_submissions([k for k, _ in pending.values()], window, retries_alone=False):
            fut = client.submit(func, payload, *args, pure=False)
            pending[fut] = (key, payload)
            ac.add(fut)

    refill()
    for fut in ac:
        _check_stop()
        key, payload = pending.pop(fut)
        if fut.status == "finished":
            run.done(key, payload, fut.result())
        else:
            run.failed(key, payload, fut.exception())
        fut.release()
        refill()


def per_core(workers: int | None) -> int:
    """``workers``, or one per core of this machine when it is ``None`` (the default of ``mock`` and
    ``preprocess``; ``predict`` defaults to this process, whose network already uses every core)."""
    return (os.cpu_count() or 1) if workers is None else workers


def map_chunks(func: Callable, chunks: list, args: tuple = (), *, workers: int | None = None,
               scheduler: str | None = None, client=None, isolate: bool = True, progress: bool = True,
               desc: str = "", unit: str = "file", weight: Callable = len,
               consume: Callable | None = None) -> tuple[list, list]:
    """``[func(chunk, *args) for chunk in chunks]``, in chunk order, where the module docstring says.

    Parameters
    ----------
    func : callable
        A module-level function (it is sent to worker processes by reference).
    chunks : list
        The work; with ``isolate``, each chunk is a list of items (files) that can run alone.
    workers, scheduler, client
        Where it runs: neither (or ``workers=0``), here; ``workers=N``, N local single-threaded processes;
        ``scheduler`` (an address) or ``client`` (a connected ``dask.distributed.Client``), a Dask cluster.
    isolate : bool
        Split a failed chunk and retry its items one at a time (see the module docstring);
        otherwise raise the first failure.
    weight : callable
        What a chunk adds to the progress bar (default: its length).
    consume : callable, optional
        Called here with each result as it arrives, in the order chunks finish, while the others
        still run; what it returns is kept in the result's place. A caller that assembles the
        results does it this way during the run rather than after it (and need not hold them all).

    Returns
    -------
    results, failures : list, list
        The results in chunk order (a failed chunk's items come back as single-item results, in
        its place), and ``(item, reason)`` for each item that failed on its own.
    """
    from tqdm.auto import tqdm

    chunks = list(chunks)
    bar = tqdm(total=sum(weight(c) for c in chunks), desc=desc, unit=unit, disable=not progress, mininterval=1.0)
    run = _Run(chunks, isolate, bar, weight, consume)
    try:
        if client is not None or scheduler:
            from dask.distributed import Client

            with (contextlib.nullcontext(client) if client is not None else Client(scheduler)) as c:
                _run_on_dask(func, args, run, c)
        elif workers:
            _run_on_pool(func, args, run, int(workers))
        else:
            for i, chunk in enumerate(chunks):
                _check_stop()
                run.done((i, -1), chunk, func(chunk, *args))
    finally:
        bar.close()
    return run.ordered(), run.failures
