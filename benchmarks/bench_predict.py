"""Benchmark of `specml predict` end to end (files → FITS rows): one process, and N worker processes.

    python benchmarks/bench_predict.py [--models data/models] [--mock data/mock/...] [--n 20000]
                                       [--workers 1 2]

Uses the main job's models and mock survey when present (else it says how to make them). The files
are read once first, so every run meets the same (warm) page cache. Reports spectra/s for one
process, with the reader thread overlapping the networks and without (the ratio is what the
overlap buys), and for each ``--workers`` count (``predict_files(..., workers=N)``, as
``specml predict --workers N``): the start-up (spawning the workers, importing the backend,
loading the models: a run of 8 files per worker), the rate end to end with the start-up, and the
rate once the workers are up — (files − small run) / (time − small run's time), what a survey-size
run gets. Peak resident memory of the largest worker after a quarter of the files and after all
of them on the largest worker count (chunking by file should keep it flat). Results are merged
into benchmarks/results.json under ``predict``.
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


def _children_peak_mb() -> float:
    """The largest peak resident memory of any finished child process (the workers, once shut down)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", type=Path, default=DEFAULT_MODELS)
    ap.add_argument("--mock", type=Path, default=sources.mock_home(20_000, 12345, "balanced"))
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts to measure")
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
    out["workers"], out["workers_end_to_end"], out["workers_start_up_s"] = {}, {}, {}

    def timed(files_, n, chunk_files=256):
        t = time.perf_counter()
        table, _ = predict.predict_files(files_, bundle_dir=a.models, workers=n, chunk_files=chunk_files,
                                         progress=False)
        return len(table), time.perf_counter() - t

    for n in a.workers:
        n_small, t_small = timed(files[:8 * n], n, chunk_files=8)  # one chunk per worker: every worker starts
        if n == max(a.workers):
            timed(files[: len(files) // 4], n)
            out["worker_peak_rss_mb_after_quarter"] = round(_children_peak_mb(), 1)
        n_all, t_all = timed(files, n)
        out["workers_start_up_s"][str(n)] = round(t_small, 2)
        out["workers_end_to_end"][str(n)] = round(n_all / t_all, 1)
        out["workers"][str(n)] = round((n_all - n_small) / (t_all - t_small), 1)
        print(f"{n} workers: {out['workers'][str(n)]} spectra/s once started, {out['workers_end_to_end'][str(n)]} "
              f"end to end, start-up {t_small:.1f} s", flush=True)
    out["worker_peak_rss_mb_after_all"] = round(_children_peak_mb(), 1)
    print("predict:", json.dumps(out), flush=True)
    merge_results({"predict": out})


if __name__ == "__main__":
    main()
