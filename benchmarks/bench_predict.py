"""Benchmark of `specml predict` end to end (files → FITS rows): one process, and Dask LocalClusters.

    python benchmarks/bench_predict.py [--models data/models] [--mock data/mock/...] [--n 20000]
                                       [--workers 1 2]

Uses the main job's models and mock survey when present (else it says how to make them). The files
are read once first, so every run meets the same (warm) page cache. Reports spectra/s for one
process, with the reader thread overlapping the networks and without (the ratio is what the
overlap buys), for a LocalCluster of each ``--workers`` count, and each worker's peak resident
memory after a quarter of the files and after all of them on the largest cluster (chunking by
file should keep it flat). Results are merged into benchmarks/results.json under ``predict``.
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import merge_results  # noqa: E402

from specml_utils import catalog, predict, sources  # noqa: E402
from specml_utils.bundle import DEFAULT_MODELS, Bundle  # noqa: E402
from specml_utils.distributed import client_for  # noqa: E402


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", type=Path, default=DEFAULT_MODELS)
    ap.add_argument("--mock", type=Path, default=sources.mock_home(20_000, 12345, "balanced"))
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="LocalCluster sizes to measure")
    a = ap.parse_args()
    if not (a.models / "bundle.json").exists() or not a.mock.exists():
        sys.exit("run the main job first (make all): it makes the mock survey and the models")
    matched, _ = catalog.crossmatch(catalog.clean(sources.load_catalog(a.mock))[0], a.mock)
    files = [str(p) for p in matched["PATH"][: a.n]]
    for f in files:  # the page cache: every run below reads from memory
        Path(f).read_bytes()
    out = {"n_files": len(files)}
    bundle = Bundle.load(a.models)
    predict.predict_files(files[:500], bundle, progress=False)  # warm-up: graph tracing
    for overlap in (False, True):
        t = time.perf_counter()
        rows = predict.predict_chunk(files, bundle, overlap=overlap)["rows"]
        key = "serial_spectra_per_s" if overlap else "serial_no_overlap_spectra_per_s"
        out[key] = round(len(rows) / (time.perf_counter() - t), 1)
        print(key, out[key], flush=True)
    out["workers"] = {}
    for n in a.workers:
        with client_for(n) as client:
            # warm-up: every worker loads the models
            predict.predict_files(files[:250 * n], bundle_dir=a.models, client=client, progress=False)
            if n == max(a.workers):
                predict.predict_files(files[: len(files) // 4], bundle_dir=a.models, client=client, progress=False)
                mem_quarter = sorted(client.run(_peak_mb).values())
            t = time.perf_counter()
            table, _ = predict.predict_files(files, bundle_dir=a.models, client=client, progress=False)
            out["workers"][str(n)] = round(len(table) / (time.perf_counter() - t), 1)
            print(f"{n} workers:", out["workers"][str(n)], "spectra/s", flush=True)
            if n == max(a.workers):
                mem_all = sorted(client.run(_peak_mb).values())
    out["worker_peak_rss_mb_after_quarter"] = [round(m, 1) for m in mem_quarter]
    out["worker_peak_rss_mb_after_all"] = [round(m, 1) for m in mem_all]
    print("predict:", json.dumps(out), flush=True)
    merge_results({"predict": out})


if __name__ == "__main__":
    main()
