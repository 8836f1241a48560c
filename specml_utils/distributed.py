"""Run work split by file over a Dask cluster: a LocalCluster on one machine, or an existing cluster
(e.g. ``dask_jobqueue.SLURMCluster``) by its scheduler address.

Work is a list of *chunks* (lists of files). At most ``window`` chunks are in flight, so memory
stays flat however many files there are. A chunk whose task fails — an exception, or its worker
died — is split into its files and each is retried once on its own, one at a time, so that a file
that kills its worker cannot take an innocent neighbour down with it; a file that fails again is
reported with the reason, and everything else still comes back.
"""
from __future__ import annotations

import contextlib
import os

from .parallel import ONE_THREAD_ENV


@contextlib.contextmanager
def client_for(workers: int | None = None, scheduler: str | None = None, allowed_failures: int = 1):
    """A ``dask.distributed.Client``: on ``scheduler`` if given, else on a new LocalCluster of
    ``workers`` single-threaded worker processes (:data:`~specml_utils.parallel.ONE_THREAD_ENV`). On a LocalCluster, a task whose worker dies is
    re-run ``allowed_failures`` times before it is reported."""
    import dask
    from dask.distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    with dask.config.set({"distributed.scheduler.allowed-failures": allowed_failures}):
        with LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                          dashboard_address=None, env=ONE_THREAD_ENV) as cluster, Client(cluster) as client:
            yield client


def map_chunks(func, chunks: list[list], args: tuple = (), client=None, window: int | None = None,
               progress: bool = True, desc: str = "", weight=len) -> tuple[list, list]:
    """``[func(chunk, *args) for chunk in chunks]`` on the cluster, in chunk order.

    Returns the results and the failures, ``(item, reason)`` for each item that failed on its own.
    A failed chunk's items come back as single-item results, in place of the chunk's result.
    """
    from collections import deque

    from dask.distributed import as_completed
    from tqdm.auto import tqdm

    n_workers = max(1, len(client.scheduler_info()["workers"]))
    window = window or 2 * n_workers
    results, failures = {}, []
    pending = {}
    isolate = deque()          # (key, [item]) retries of a failed chunk's items, run one at a time
    ac = as_completed()
    todo = iter(enumerate(chunks))
    bar = tqdm(total=sum(weight(c) for c in chunks), desc=desc, unit="file", disable=not progress)

    def submit(key, payload):
        fut = client.submit(func, payload, *args, pure=False)
        pending[fut] = (key, payload)
        ac.add(fut)

    def refill():
        if isolate and not any(k[1] >= 0 for k, _ in pending.values()):
            submit(*isolate.popleft())
        while len(pending) < window:
            nxt = next(todo, None)
            if nxt is None:
                return
            submit((nxt[0], -1), nxt[1])

    refill()
    for fut in ac:
        key, payload = pending.pop(fut)
        if fut.status == "finished":
            results[key] = fut.result()
            bar.update(weight(payload))
        elif key[1] == -1:
            isolate.extend(((key[0], j), [item]) for j, item in enumerate(payload))
        else:
            err = fut.exception()
            failures.append((str(payload[0]), f"failed twice on a worker: {type(err).__name__}: {err}"[:300]))
            bar.update(weight(payload))
        fut.release()
        refill()
    bar.close()
    return [results[k] for k in sorted(results)], failures
