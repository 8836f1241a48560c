"""Benchmark of `specml predict` end to end (files → FITS rows): one process, and N worker processes.

    python benchmarks/bench_predict.py [--models data/models] [--mock data/mock/...] [--n 20000] [--one-network]
                                       [--workers 1 2]

Uses the main job's models and mock survey when present (else it says how to make them). The files
are read once first, so every run meets the same (warm) page cache. Reports spectra/s for one
process, with the reader thread overlapping the networks and without (the ratio is what the
overlap buys), and for each ``--workers`` count (``predict_files(..., workers=N)``, as
``specml predict --workers N``): the start-up (spawning the workers, importing the backend,
loading the models: a run of 8 files per worker), the rate end to end with the start-up, and the
rate once the workers are up — (files − small run) / (time − small run's time), what a survey-size
run gets. Peak resident memory of the largest worker after a quarter of the files and after all
of them on the largest worker count (chunking by file should keep it flat); the worker runs are
started from a fresh process that holds no models (:func:`workers_in_child`). Last, the cost of
each stage of one process in ms per spectrum on 4,096 files (the fastest of three passes):
reading, rebinning, standardising, the two networks (wall time, the backend's threads on every
core) and the line-fit check — what bounds one process, whatever overlaps. Results are merged
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


def stage_costs(files, bundle, repeat: int = 3) -> dict:
    """ms per spectrum of each stage of ``specml predict`` in one process, each stage on its own."""
    from specml_utils.classes import shift_prior
    from specml_utils.grid import rebin, standardize
    from specml_utils.models import class_probabilities, redshift_probabilities
    from specml_utils.spectra import read_any
    from specml_utils.zcheck import class_redshifts

    def fastest(fn):
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - t)
        return round(min(times) / len(files) * 1e3, 3), out

    out = {}
    out["read"], spectra = fastest(lambda: [s for f in files for s in read_any(f)])
    out["rebin"], (flux, ivar) = fastest(lambda: rebin(spectra, bundle.grid))
    out["standardise"], x = fastest(lambda: standardize(flux, ivar, bundle.weighted))
    out["networks_wall"], (prob, zprob) = fastest(lambda: (class_probabilities(bundle.classifier, x)[0],
                                                           redshift_probabilities(bundle.redshift, x)))
    label = shift_prior(prob, bundle.prior_weights).argmax(axis=1)
    out["line_fit_check"], _ = fastest(lambda: class_redshifts(bundle.zbins, zprob, label, bundle.class_names,
                                                               bundle.z_range, flux, ivar, 10 ** bundle.grid.centres))
    return out


def workers_run(files, models: Path, counts, survey_repeat: int = 0, one_network: bool = False) -> dict:
    """``predict_files(..., workers=N)`` for each N: rates, start-up, and the workers' peak memory;
    with ``survey_repeat`` K, also one run at the largest N over the file list K times over (a
    survey-sized list, each file read and predicted every time it appears, from the page cache):
    the end-to-end rate once start-up is a small part of the run."""
    out = {"workers": {}, "workers_end_to_end": {}, "workers_start_up_s": {}}

    def timed(files_, n, chunk_files=256):
        t = time.perf_counter()
        table, _ = predict.predict_files(files_, bundle_dir=models, workers=n, chunk_files=chunk_files,
                                         progress=False, one_network=one_network)
        return len(table), time.perf_counter() - t

    for n in counts:
        n_small, t_small = timed(files[:8 * n], n, chunk_files=8)  # one chunk per worker: every worker starts
        if n == max(counts):
            timed(files[: len(files) // 4], n)
            out["worker_peak_rss_mb_after_quarter"] = round(_children_peak_mb(), 1)
        n_all, t_all = timed(files, n)
        out["workers_start_up_s"][str(n)] = round(t_small, 2)
        out["workers_end_to_end"][str(n)] = round(n_all / t_all, 1)
        out["workers"][str(n)] = round((n_all - n_small) / (t_all - t_small), 1)
        print(f"{n} workers: {out['workers'][str(n)]} spectra/s once started, {out['workers_end_to_end'][str(n)]} "
              f"end to end, start-up {t_small:.1f} s", flush=True)
    out["worker_peak_rss_mb_after_all"] = round(_children_peak_mb(), 1)
    if survey_repeat > 1:
        n = max(counts)
        n_all, t_all = timed(files * survey_repeat, n)
        out["survey_end_to_end"] = {"workers": n, "files": n_all, "seconds": round(t_all, 1),
                                    "spectra_per_s": round(n_all / t_all, 1)}
        print(f"{n} workers, {n_all:,} files ({survey_repeat}× the list): {n_all / t_all:.1f} spectra/s end to end",
              flush=True)
    return out


def workers_in_child(files, models: Path, counts, survey_repeat: int = 0, one_network: bool = False) -> dict:
    """:func:`workers_run` in a fresh process that never loads the backend or the models. A worker's
    peak resident memory, as the kernel reports it to its parent, is at least what its parent held
    when it started the worker (fork, then exec): started from this process, which holds the models
    and the networks' buffers, the workers read 1.4–2.1 GB."""
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".txt") as listing:
        listing.write("\n".join(files))
        listing.flush()
        done = subprocess.run([sys.executable, __file__, "--workers-only", listing.name, "--models", str(models),
                               "--workers", *map(str, counts), "--survey-repeat", str(survey_repeat),
                               *(["--one-network"] if one_network else [])],
                              capture_output=True, text=True, check=True)
    print("".join(line + "\n" for line in done.stdout.splitlines()[:-1]), end="", flush=True)
    return json.loads(done.stdout.splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", type=Path, default=DEFAULT_MODELS)
    ap.add_argument("--mock", type=Path, default=sources.mock_home(20_000, 12345, "balanced"))
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts to measure")
    ap.add_argument("--survey-repeat", type=int, default=0,
                    help="also predict the file list this many times over on the most workers (survey scale)")
    ap.add_argument("--one-network", action="store_true",
                    help="the classifier's first training alone (specml predict --one-network); "
                         "results under predict_one_network")
    ap.add_argument("--workers-only", type=Path, default=None, help=argparse.SUPPRESS)  # the child of workers_in_child
    a = ap.parse_args()
    if a.workers_only:
        print(json.dumps(workers_run(a.workers_only.read_text().split("\n"), a.models, a.workers, a.survey_repeat,
                                     a.one_network)), flush=True)
        return
    if not (a.models / "bundle.json").exists() or not a.mock.exists():
        sys.exit("run the main job first (make all): it makes the mock survey and the models")
    matched, _ = catalog.crossmatch(catalog.clean(sources.load_catalog(a.mock))[0], a.mock)
    files = [str(p) for p in matched["PATH"][: a.n]]
    for f in files:  # the page cache: every run below reads from memory
        Path(f).read_bytes()
    out = {"n_files": len(files)}
    bundle = Bundle.load(a.models, a.one_network)
    predict.predict_files(files[:500], bundle, progress=False)  # warm-up: graph tracing
    for overlap in (False, True):
        t = time.perf_counter()
        rows = predict.predict_chunk(files, bundle, overlap=overlap)["rows"]
        key = "serial_spectra_per_s" if overlap else "serial_no_overlap_spectra_per_s"
        out[key] = round(len(rows) / (time.perf_counter() - t), 1)
        print(key, out[key], flush=True)
    out.update(workers_in_child(files, a.models, a.workers, a.survey_repeat, a.one_network))
    out["stage_ms_per_spectrum"] = stage_costs(files[:4096], bundle)
    print("stage_ms_per_spectrum", out["stage_ms_per_spectrum"], flush=True)
    key = "predict_one_network" if a.one_network else "predict"
    print(f"{key}:", json.dumps(out), flush=True)
    merge_results({key: out})


if __name__ == "__main__":
    main()
