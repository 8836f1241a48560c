"""Trial: how far in redshift a saved classifier recognises the mock's star-forming galaxies.

Until 2026-11-27 the mock's star-forming galaxies stopped at z = 1 (the log-normal's tail piled up
there), although BOSS sees [OII] λ3727 to z ≈ 1.6. This script makes one galaxy-only mock survey
whose star-forming galaxies are spread uniformly over 0.02–1.6 (passive ones as the mock draws
them), runs ``specml predict`` on it with each model folder given, and prints the fraction called
GALAXY (with Wilson 95 % intervals) in bins of redshift, and what the rest were called.

    python scripts/galaxy_reach.py --models data/models OLD_MODELS --record benchmarks/galaxy_reach.jsonl

The same spectra go to every model folder, so the folders' figures compare directly.
"""
from __future__ import annotations

import argparse
import glob
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
from astropy.table import Table

from specml_utils import predict, sas
from specml_utils.metrics import wilson
from specml_utils.mock import MockConfig, generate_survey, physics
from trial_record import emit  # scripts/ is on the path when a script runs

EDGES = (0.02, 0.25, 0.5, 0.75, 1.0, 1.25, 1.6)


def _uniform_star_forming(draw):
    """``physics.galaxy_redshifts`` with the star-forming galaxies spread uniformly to Z_SF_MAX."""

    def redshifts(rng, n, passive, **kw):
        z = draw(rng, n, passive, **kw)
        return np.where(passive, z, rng.uniform(EDGES[0], physics.Z_SF_MAX, n))

    return redshifts


def make_survey(out: Path, n: int, seed: int) -> Table:
    """A galaxy-only mock with uniform star-forming redshifts; returns its catalog (one row per file)."""
    physics.galaxy_redshifts = _uniform_star_forming(physics.galaxy_redshifts)  # the plan is drawn here
    cfg = MockConfig(n_spectra=n, seed=seed, class_mix={"GALAXY": 1.0}, frac_not_inspected=0, frac_conf0=0,
                     frac_no_id=0, frac_repeat=0, frac_missing_file=0, frac_dead_fiber=0)
    generate_survey(cfg, out, progress=False, replace=True)
    return Table.read(out / sas.SUPERSET_RELPATH)


def score(models: Path, files: list, cat: Table) -> dict:
    table, _ = predict.predict_files(files, bundle_dir=models, progress=False)
    key = {(int(r["PLATE"]), int(r["MJD"]), int(r["FIBERID"])): float(r["Z_VI"]) for r in cat}
    z = np.array([key[(int(r["PLATE"]), int(r["MJD"]), int(r["FIBERID"]))] for r in table])
    cls = np.asarray(table["CLASS"]).astype(str)
    rows = []
    for lo, hi in zip(EDGES[:-1], EDGES[1:]):
        sel = (z >= lo) & (z < hi) if hi < EDGES[-1] else (z >= lo) & (z <= hi)
        k, m = int(np.sum(cls[sel] == "GALAXY")), int(sel.sum())
        lo95, hi95 = wilson(k, m)
        rows.append({"z": [lo, hi], "n": m, "galaxy": k, "recall": round(k / max(m, 1), 3),
                     "lo95": round(float(lo95), 3), "hi95": round(float(hi95), 3),
                     "called": dict(Counter(cls[sel][cls[sel] != "GALAXY"]))})
    return {"models": str(models), "n": len(table), "bins": rows}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=Path, nargs="+", required=True, help="model folders (specml predict --model)")
    ap.add_argument("--n", type=int, default=1500, help="galaxies in the trial survey")
    ap.add_argument("--seed", type=int, default=777)
    ap.add_argument("--record", type=Path, default=None, help="append each result as a JSON line to this file")
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        cat = make_survey(Path(tmp), a.n, a.seed)
        files = sorted(glob.glob(f"{tmp}/**/spec-*.fits", recursive=True))
        for models in a.models:
            emit({"trial": "galaxy_reach", "survey_n": a.n, "survey_seed": a.seed, **score(models, files, cat)}, a.record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
