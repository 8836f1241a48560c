"""Worker processes compute with one thread each: a pool per worker sized to every core would put
workers × cores threads on the machine."""
import os


def _blas_threads(_):
    import numpy  # noqa: F401  (loads the BLAS whose pool is inspected)
    from threadpoolctl import threadpool_info

    return sorted({pool["num_threads"] for pool in threadpool_info()})


def test_pool_workers_run_numpy_with_one_thread():
    from specml_utils.parallel import bounded_map

    assert bounded_map(_blas_threads, range(2), workers=2, progress=False) == [[1], [1]]


def test_dask_workers_get_one_thread_for_the_backends_and_blas():
    from specml_utils.distributed import client_for
    from specml_utils.parallel import ONE_THREAD_ENV

    with client_for(1) as client:
        seen = list(client.run(lambda: {k: os.environ.get(k) for k in ONE_THREAD_ENV}).values())
    assert seen == [ONE_THREAD_ENV]
