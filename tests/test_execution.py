"""The one executor: the same results here, on worker processes and on Dask; worker processes
compute with one thread; a worker that dies loses nothing; an item that kills every worker it
meets, or raises, is reported and nothing else is lost."""
import os
from pathlib import Path

import pytest

from specml_utils import execution
from specml_utils.execution import map_chunks


def _blas_threads(_):
    import numpy  # noqa: F401  (loads the BLAS whose pool is inspected)
    from threadpoolctl import threadpool_info

    return sorted({pool["num_threads"] for pool in threadpool_info()})


def _squares(chunk, marker=None, poison=None, bad=None):
    """A chunk's squares; a fault on demand: the process dies once when the marker file is missing
    (and leaves it), dies at every ``poison`` item, raises at every ``bad`` item."""
    out = []
    for x in chunk:
        if marker and x == 5 and not os.path.exists(marker):
            Path(marker).touch()
            os._exit(1)
        if x == poison:
            os._exit(1)
        if x == bad:
            raise ValueError(f"bad item {x}")
        out.append(x * x)
    return out


CHUNKS = [list(range(i, i + 4)) for i in range(0, 40, 4)]
SERIAL = [[x * x for x in c] for c in CHUNKS]


def test_pool_workers_run_numpy_with_one_thread():
    results, failures = map_chunks(_blas_threads, [[0], [1]], workers=2, progress=False)
    assert results == [[1], [1]] and failures == []


def _environment(_):
    return [{k: os.environ.get(k) for k in {**execution.ONE_THREAD_ENV, **execution.CPU_ONLY_ENV}}]


def test_pool_workers_compute_on_one_cpu_thread_and_never_take_the_gpu(monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    monkeypatch.setenv("JAX_PLATFORMS", "cuda")
    ((env,),), failures = map_chunks(_environment, [[0]], workers=1, progress=False)
    assert env == {**execution.ONE_THREAD_ENV, "JAX_PLATFORMS": "cpu", "CUDA_VISIBLE_DEVICES": ""} and not failures


def test_here_and_on_worker_processes_give_the_same_results_in_order():
    assert map_chunks(_squares, CHUNKS, progress=False) == (SERIAL, [])
    assert map_chunks(_squares, CHUNKS, workers=2, progress=False) == (SERIAL, [])
    assert execution.per_core(None) == os.cpu_count() and execution.per_core(3) == 3


@pytest.mark.parametrize("workers, bad", [(0, None), (2, 6)])
def test_consume_sees_each_result_as_it_arrives_and_its_return_comes_back_in_order(workers, bad):
    seen = []

    def consume(result):
        seen.append(result)
        return sum(result)

    results, failures = map_chunks(_squares, CHUNKS, (None, None, bad), workers=workers, progress=False,
                                   consume=consume)
    # on workers, the chunk holding the bad item 6 is retried item by item: each of those results is consumed
    parts = [[c] if bad not in chunk else [[x * x] for x in chunk if x != bad] for chunk, c in zip(CHUNKS, SERIAL)]
    expect = [r for p in parts for r in p]
    assert sorted(map(tuple, seen)) == sorted(map(tuple, expect)) and len(seen) == len(expect)
    assert results == [sum(r) for r in expect]
    assert [f[0] for f in failures] == ([] if bad is None else ["6"])


def test_a_worker_that_dies_once_loses_nothing(tmp_path):
    marker = tmp_path / "died"
    results, failures = map_chunks(_squares, CHUNKS, (str(marker),), workers=2, progress=False)
    assert marker.exists()                       # a worker really died mid-run
    assert results == SERIAL and failures == []  # its chunk, and the one beside it, ran again


def test_an_item_that_kills_every_worker_is_reported_and_nothing_else_is_lost():
    results, failures = map_chunks(_squares, CHUNKS, (None, 13), workers=2, progress=False)
    assert len(failures) == 1 and failures[0][0] == "13" and "worker process died" in failures[0][1]
    flat = [x for r in results for x in r]
    assert flat == [x * x for x in range(40) if x != 13]


@pytest.mark.parametrize("workers", [None, 2])
def test_an_item_that_raises_is_reported_with_its_reason(workers):
    if workers is None:  # here, the task's own exception propagates: there is no worker to lose
        with pytest.raises(ValueError, match="bad item 6"):
            map_chunks(_squares, CHUNKS, (None, None, 6), progress=False)
        return
    results, failures = map_chunks(_squares, CHUNKS, (None, None, 6), workers=workers, progress=False)
    assert failures == [("6", "failed twice on a worker: ValueError: bad item 6")]
    assert [x for r in results for x in r] == [x * x for x in range(40) if x != 6]


def test_without_isolation_the_first_failure_is_raised(tmp_path):
    with pytest.raises(ValueError, match="bad item 6"):
        map_chunks(_squares, CHUNKS, (None, None, 6), workers=2, isolate=False, progress=False)
    with pytest.raises(RuntimeError, match="worker process died"):
        map_chunks(_squares, CHUNKS, (None, 13), workers=2, isolate=False, progress=False)


def test_a_stop_request_ends_the_run_before_its_next_chunk():
    execution.request_stop()
    try:
        with pytest.raises(KeyboardInterrupt):
            map_chunks(_squares, CHUNKS, progress=False)
        with pytest.raises(KeyboardInterrupt):
            map_chunks(_squares, CHUNKS, workers=2, progress=False)
    finally:
        execution.clear_stop()


def test_dask_workers_started_with_one_thread_env_run_blas_on_one_thread():
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=None,
                      env=execution.ONE_THREAD_ENV) as cluster, Client(cluster) as client:
        results, failures = map_chunks(_blas_threads, [[0]], client=client, progress=False)
        env = client.run(lambda: {k: os.environ.get(k) for k in execution.ONE_THREAD_ENV})
    assert results == [[1]] and failures == []
    assert all(e == execution.ONE_THREAD_ENV for e in env.values())


def test_tasks_a_broken_pool_refuses_are_sent_to_a_new_one_as_they_were(monkeypatch):
    # a worker can die between two submissions: from then on the pool refuses work; what it refused
    # never ran, so it goes to a new pool with no death counted against it and nothing lost
    import concurrent.futures as cf
    from concurrent.futures.process import BrokenProcessPool

    real, made = cf.ProcessPoolExecutor, []

    class BreaksAtThirdSubmit(real):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            self.sent, self.first = 0, not made
            made.append(self)

        def submit(self, *a, **k):
            self.sent += 1
            if self.first and self.sent >= 3:
                raise BrokenProcessPool("a worker died")
            return super().submit(*a, **k)

    monkeypatch.setattr(execution.cf, "ProcessPoolExecutor", BreaksAtThirdSubmit)
    results, failures = map_chunks(_squares, CHUNKS, workers=2, progress=False)
    assert len(made) == 2                          # the refusing pool was replaced
    assert results == SERIAL and failures == []
