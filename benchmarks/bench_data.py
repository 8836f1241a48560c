"""Benchmarks of the data steps: mock planning and generation, preprocessing (spectra/s, peak memory).

    python benchmarks/bench_data.py [--n-plan 5000000] [--n-mock 100000] [--n-preprocess 20000]

Mock generation runs in a child process so its peak resident memory (parent plus workers)
is measured on its own; preprocessing is measured beside two references on the same files:
a full astropy open per file (the usual way) and reading the bytes (the I/O limit). At each worker
count preprocessing reports, as bench_predict does, its start-up (a run of one 8-spectrum chunk per
worker), the rate end to end, and the rate once started (what a survey-size run gets).
Results are written to benchmarks/results.json with the machine they ran on.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import merge_results  # noqa: E402


def bench_mock(n: int, out: Path, workers: int | None = None) -> dict:
    # the child reports its own peak RSS and that of its largest worker (Linux: ru_maxrss in KiB)
    code = ("import json, resource; from specml_utils.mock import MockConfig, generate_survey; "
            f"s = generate_survey(MockConfig(n_spectra={n}, seed=1, workers={workers}), {str(out)!r}, progress=False); "
            "r = lambda w: resource.getrusage(w).ru_maxrss / 1024; "
            "print(json.dumps({'seconds': s['seconds'], 'spectra_per_s': s['spectra_per_s'], "
            "'main_mb': r(resource.RUSAGE_SELF), 'worker_mb': r(resource.RUSAGE_CHILDREN)}))")
    t = time.perf_counter()
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    wall = time.perf_counter() - t
    out_json = json.loads(res.stdout.strip().splitlines()[-1])
    return {"n_spectra": n, "wall_s": round(wall, 1), "spectra_per_s": round(n / wall, 1),
            "peak_rss_mb_main": round(out_json["main_mb"], 1),
            "peak_rss_mb_per_worker": round(out_json["worker_mb"], 1)}


def bench_plan(n: int) -> dict:
    # the catalog plan alone: the time and memory a survey of n spectra costs before its first spectrum
    code = ("import json, resource, time; from specml_utils.mock import MockConfig; "
            "from specml_utils.mock.survey import plan_catalog; t = time.perf_counter(); "
            f"plan_catalog(MockConfig(n_spectra={n}, seed=1)); s = time.perf_counter() - t; "
            "print(json.dumps({'seconds': s, 'mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    out_json = json.loads(res.stdout.strip().splitlines()[-1])
    return {"n_spectra": n, "seconds": round(out_json["seconds"], 1), "peak_rss_mb": round(out_json["mb"], 1)}


def bench_preprocess(home: Path, n: int, worker_counts=(1, 2)) -> dict:
    import numpy as np
    from astropy.io import fits

    from specml_utils import catalog, sources
    from specml_utils.preprocess import PreprocessConfig, build_dataset

    clean, _ = catalog.clean(sources.load_catalog(home))
    matched, _ = catalog.crossmatch(clean, home)
    matched = matched[:n]
    paths = list(matched["PATH"])
    # I/O limit: the bytes of every file (from the page cache after the first pass)
    for p in paths:
        Path(p).read_bytes()
    t = time.perf_counter()
    for p in paths:
        Path(p).read_bytes()
    io_rate = len(paths) / (time.perf_counter() - t)
    # the usual way: astropy opens each file and reads its COADD table (one core), on a sample
    sample = paths[: min(2000, len(paths))]
    t = time.perf_counter()
    for p in sample:
        with fits.open(p) as h:
            np.array(h[1].data["FLUX"])
    astropy_rate = len(sample) / (time.perf_counter() - t)

    def timed(rows, workers, chunk_size=500):
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            build_dataset(rows, Path(tmp) / "ds.h5", PreprocessConfig(workers=workers, chunk_size=chunk_size),
                          progress=False)
            return time.perf_counter() - t

    with warnings.catch_warnings():  # 20 spectra are too few to split: that warning is expected
        warnings.simplefilter("ignore")
        timed(matched[:20], 1, 10)  # imports (scikit-learn for the split) paid once, before any count
    out = {"workers": {}, "workers_end_to_end": {}, "workers_start_up_s": {}}
    for workers in worker_counts:
        # as bench_predict: a run of one 8-spectrum chunk per worker (every worker starts), then all;
        # the rate once started is what a survey-size run gets
        n_small = 8 * workers
        t_small = timed(matched[:n_small], workers, 8)
        t_all = timed(matched, workers)
        out["workers_start_up_s"][str(workers)] = round(t_small, 2)
        out["workers_end_to_end"][str(workers)] = round(len(paths) / t_all, 1)
        out["workers"][str(workers)] = round((len(paths) - n_small) / (t_all - t_small), 1)
        print(f"preprocess, {workers} workers: {out['workers'][str(workers)]} spectra/s once started, "
              f"{out['workers_end_to_end'][str(workers)]} end to end, start-up {t_small:.1f} s", flush=True)
    return {"n_spectra": len(paths), **out, "astropy_open_1_core_spectra_per_s": round(astropy_rate, 1),
            "read_bytes_1_core_files_per_s": round(io_rate, 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n-mock", type=int, default=100_000)
    ap.add_argument("--n-preprocess", type=int, default=20_000)
    ap.add_argument("--n-plan", type=int, default=5_000_000, help="survey size for the planning benchmark")
    ap.add_argument("--keep", type=Path, help="keep the generated mock here")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2],
                    help="worker counts for the scaling runs (mock: 4,000 spectra per worker; preprocessing)")
    a = ap.parse_args()
    results = {}
    results["mock_plan"] = bench_plan(a.n_plan)
    print("mock plan:", json.dumps(results["mock_plan"]), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        home = a.keep or Path(tmp) / "mock"
        # a tenth of the size first: peak memory should not grow with the number of spectra
        results["mock_small"] = bench_mock(a.n_mock // 10, Path(tmp) / "small")
        print("mock (1/10):", json.dumps(results["mock_small"]), flush=True)
        results["mock"] = bench_mock(a.n_mock, home)
        print("mock:", json.dumps(results["mock"]), flush=True)
        results["preprocess"] = bench_preprocess(home, a.n_preprocess, a.workers)
        print("preprocess:", json.dumps(results["preprocess"]), flush=True)
        # scaling: the same work per worker, so perfect scaling keeps spectra/s per worker constant
        results["mock_scaling"] = {str(w): bench_mock(4000 * w, Path(tmp) / f"scale{w}", w) for w in a.workers}
        print("mock workers:", json.dumps(results["mock_scaling"]), flush=True)
    merge_results(results)


if __name__ == "__main__":
    main()
