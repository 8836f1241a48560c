"""Preprocessing: the rate once started on 1 and 2 workers, and the serial tail — the seconds from
the pool's last result to the written file, which no number of workers shortens — for this
working tree and, with ``--old REV``, for the code of a git revision, the two taking turns.

    python scripts/preprocess_tail_trial.py --old 08f3a44 --rounds 2 --record benchmarks/preprocess_tail.jsonl

Needs the 20,000-spectrum mock it was measured on (``specml mock --n-spectra 20000 --out
data/mock/n20000_seed12345_balanced_mixed``; the notebooks' default has been 40,000 since 2026-11-28).
Each line: the code (``tree``), the rates once started, end to end and the start-up
(``benchmarks/bench_data.py``'s measurement), and the tail of three full runs on 2 workers.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MOCK = ROOT / "data" / "mock" / "n20000_seed12345_balanced_mixed"


def measure(tree: str, n: int) -> dict:
    """Run with ``tree`` first on ``sys.path``: bench_data's rates, then the tail of three 2-worker runs."""
    import bench_data
    import specml_utils
    from specml_utils import catalog, preprocess, sources

    assert Path(specml_utils.__file__).resolve().is_relative_to(Path(tree).resolve()), specml_utils.__file__

    rates = bench_data.bench_preprocess(MOCK, n, (1, 2))
    matched, _ = catalog.crossmatch(catalog.clean(sources.load_catalog(MOCK))[0], MOCK)
    matched = matched[:n]
    returned = {}
    pool_map = preprocess.map_chunks

    def timed_map(*args, **kwargs):
        out = pool_map(*args, **kwargs)
        returned["t"] = time.perf_counter()
        return out

    preprocess.map_chunks = timed_map
    tails = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(3):
            preprocess.build_dataset(matched, Path(tmp) / f"{k}.h5", preprocess.PreprocessConfig(workers=2),
                                     progress=False)
            tails.append(round(time.perf_counter() - returned["t"], 3))
    return {"n_spectra": rates["n_spectra"], "workers": rates["workers"],
            "workers_end_to_end": rates["workers_end_to_end"], "workers_start_up_s": rates["workers_start_up_s"],
            "tail_s_2_workers": tails}


def run_tree(tree: Path, label: str, n: int) -> dict:
    """:func:`measure` in a fresh interpreter that imports ``specml_utils`` from ``tree``."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tree), str(tree / "benchmarks")])}
    code = (f"import json, sys; sys.path[:0] = [{str(tree)!r}, {str(tree / 'benchmarks')!r}]; "
            f"sys.path.append({str(ROOT / 'scripts')!r}); import preprocess_tail_trial as t; "
            f"print('RESULT', json.dumps(t.measure({str(tree)!r}, {n})))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"the measurement of {label} failed:\n{out.stderr[-3000:]}")
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("RESULT "))
    return {"tree": label, **json.loads(line[len("RESULT "):])}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", help="a git revision to measure against this working tree")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--record", type=Path)
    a = ap.parse_args()
    sys.path.insert(0, str(ROOT / "scripts"))
    from trial_record import emit

    with tempfile.TemporaryDirectory() as tmp:
        trees = [(ROOT, "working tree")]
        if a.old:
            old = Path(tmp) / "old"
            old.mkdir()
            archive = subprocess.run(["git", "-C", str(ROOT), "archive", a.old], capture_output=True, check=True)
            subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)
            trees.insert(0, (old, a.old))
        for _ in range(a.rounds):
            for tree, label in trees:
                emit(run_tree(tree, label, a.n), a.record)


if __name__ == "__main__":
    main()
