"""Runs on workers equal serial runs: local worker processes, and a Dask cluster where a worker killed
mid-run loses nothing and a file that kills workers is reported.

2 local worker processes, or a Dask LocalCluster of 2, over a 20,000-spectrum mock survey."""
import contextlib
import os
import sys
from pathlib import Path

import cloudpickle
import numpy as np
import pytest
from dask.distributed import WorkerPlugin

from specml_utils import catalog, predict, sources
from specml_utils.execution import ONE_THREAD_ENV
from specml_utils.mock import MockConfig, generate_survey
from specml_utils.preprocess import PreprocessConfig, build_dataset, load_dataset

pytestmark = pytest.mark.slow  # integration: runs notebooks or many spectra on workers

# the plugins below are defined here; send them to the workers by value
cloudpickle.register_pickle_by_value(sys.modules[__name__])


class KillOnce(WorkerPlugin):
    """Kill the worker process at the Nth file it reads — once in the whole run (a marker file says so)."""

    def __init__(self, marker, after=200):
        self.marker, self.after = str(marker), after

    def setup(self, worker):
        import specml_utils.predict as p

        real, seen, marker, after = p.read_any, [0], self.marker, self.after

        def read_any(path):
            seen[0] += 1
            if seen[0] > after and not os.path.exists(marker):
                open(marker, "w").close()
                os._exit(1)        # the worker dies mid-task
            return real(path)

        p.read_any = read_any


class Poison(WorkerPlugin):
    """Reading one particular file kills the worker, every time."""

    def __init__(self, name):
        self.name = name

    def setup(self, worker):
        import specml_utils.predict as p

        real, name = p.read_any, self.name

        def read_any(path):
            if Path(path).name == name:
                os._exit(1)
            return real(path)

        p.read_any = read_any


@contextlib.contextmanager
def local_dask(n=2):
    """A Dask LocalCluster of ``n`` single-threaded workers; a task whose worker dies is re-run once."""
    import dask
    from dask.distributed import Client, LocalCluster

    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        with LocalCluster(n_workers=n, threads_per_worker=1, dashboard_address=None, env=ONE_THREAD_ENV) as cluster, \
                Client(cluster) as client:
            yield client


@pytest.fixture(scope="module")
def survey(tmp_path_factory):
    home = tmp_path_factory.mktemp("mock20k")
    generate_survey(MockConfig(n_spectra=20_000, seed=3), home, progress=False)
    matched, _ = catalog.crossmatch(catalog.clean(sources.load_catalog(home))[0], home)
    assert len(matched) > 18_000
    return matched


def test_preprocess_on_workers_and_on_a_dask_cluster_equals_the_serial_run(survey, tmp_path):
    rep_serial = build_dataset(survey, tmp_path / "serial.h5", PreprocessConfig(workers=0, chunk_size=1000),
                               progress=False)
    rep_pool = build_dataset(survey, tmp_path / "pool.h5", PreprocessConfig(workers=2, chunk_size=1000),
                             progress=False)
    with local_dask() as client:
        rep_dask = build_dataset(survey, tmp_path / "dask.h5", PreprocessConfig(chunk_size=1000), progress=False,
                                 scheduler=client.scheduler_info()["address"])
    a = load_dataset(tmp_path / "serial.h5")
    for name, rep in (("pool", rep_pool), ("dask", rep_dask)):
        b = load_dataset(tmp_path / f"{name}.h5")
        for key in ("X", "flux", "ivar", "label", "z", "split", "plate", "mjd", "fiberid", "sn"):
            assert np.array_equal(a[key], b[key]), (name, key)
        assert rep_serial["spectra_out"] == rep["spectra_out"] and rep_serial["skipped"] == rep["skipped"]


def assert_tables_match(a, b):
    """Equal rows: exact for classes, names and flags; floats to 1e-5 relative.

    The guarantee is equality to float32 tolerance, not bit for bit: a network's last float32
    digit can depend on which spectra share its batch, and a retried chunk is batched anew.
    """
    assert a.colnames == b.colnames and len(a) == len(b)
    for col in a.colnames:
        x, y = np.asarray(a[col]), np.asarray(b[col])
        if x.dtype.kind == "f":
            np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6, equal_nan=True, err_msg=col)
        else:
            assert np.array_equal(x, y), col


def _cluster_predict(files, models_dir, plugin):
    """predict on a 2-worker LocalCluster with the test's fault installed on every worker, new ones included."""
    with local_dask() as client:
        client.register_plugin(plugin)
        return predict.predict_files(files, bundle_dir=models_dir, client=client, progress=False)


def test_predict_on_worker_processes_equals_serial(survey, bundle_dir):
    models_dir, _ = bundle_dir
    files = [str(p) for p in survey["PATH"][:3000]]
    serial, rep_serial = predict.predict_files(files, bundle_dir=models_dir, progress=False)
    pool, rep_pool = predict.predict_files(files, bundle_dir=models_dir, workers=2, chunk_files=500, progress=False)
    assert rep_pool["failed_files"] == rep_serial["failed_files"]
    assert_tables_match(serial, pool)


def test_predict_on_a_dask_cluster_equals_serial_and_survives_a_killed_worker(survey, bundle_dir, tmp_path):
    models_dir, _ = bundle_dir
    files = [str(p) for p in survey["PATH"]]
    serial, rep_serial = predict.predict_files(files, bundle_dir=models_dir, progress=False)
    marker = tmp_path / "killed"
    dask, rep_dask = _cluster_predict(files, models_dir, KillOnce(marker))
    assert marker.exists()                                  # a worker really died mid-run
    # every file is either a row or a reported failure (dead fibers: no valid pixel), in both runs alike
    assert len(serial) + rep_serial["failed"] == len(files)
    assert sorted(rep_dask["failed_files"]) == sorted(rep_serial["failed_files"])
    assert_tables_match(serial, dask)


def test_a_file_that_kills_workers_is_reported_and_nothing_else_is_lost(survey, bundle_dir):
    models_dir, _ = bundle_dir
    files = [str(p) for p in survey["PATH"][:600]]
    bad = Path(files[123]).name
    serial, rep_serial = predict.predict_files(files, bundle_dir=models_dir, progress=False)
    assert bad in set(serial["FILE"])
    dask, rep = _cluster_predict(files, models_dir, Poison(bad))
    lost = [(f, why) for f, why in rep["failed_files"] if (f, why) not in rep_serial["failed_files"]]
    assert len(lost) == 1 and Path(lost[0][0]).name == bad
    assert "failed twice on a worker" in lost[0][1]
    keep = np.asarray(serial["FILE"]) != bad
    assert len(dask) == keep.sum() == len(serial) - 1
    assert_tables_match(serial[keep], dask)
