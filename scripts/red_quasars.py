"""Trial: does a saved classifier still find quasars reddened by their own dust?

Until 2026-11-28 the mock's quasars had no dust of their own: their colours spread only with the
power law's slope. A few per cent of optically selected quasars are reddened by SMC-like dust
(:data:`specml_utils.mock.physics.QSO_DUST_FRAC`), and one of the pipeline-labelled real spectra, a
z = 1.23 quasar whose continuum rises to the red, was called a galaxy. This script makes one
quasar-only mock whose quasars all carry dust, E(B−V) uniform over 0–0.5 (the mock's physics
otherwise), runs ``specml predict`` on it with each model folder given, and prints, in bins of
E(B−V), the fraction found (called QSO or QSO_BAL with |Δv| < 6000 km/s; Wilson 95 % intervals)
and what the rest were called, over all redshifts and below z = 2.1, where the rest-frame optical,
and so a galaxy's or a star's shape, is in the spectrum.

    python scripts/red_quasars.py --models data/models OLD_MODELS --record benchmarks/red_quasars.jsonl

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

from specml_utils import predict
from specml_utils.metrics import DV_CATASTROPHIC, velocity_offset, wilson
from galaxy_reach import one_class_survey  # scripts/ is on the path when a script runs
from trial_record import emit

EBV_EDGES = (0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5)
Z_LOW = 2.1


def make_survey(out: Path, n: int, seed: int) -> Table:
    """A quasar-only mock (no BAL quasars) whose every quasar has E(B−V) uniform over the bins' range;
    returns its plan."""
    return one_class_survey(out, n, seed, "QSO", "qso_dust_ebv",
                            lambda rng, m: rng.uniform(EBV_EDGES[0], EBV_EDGES[-1], m))


def _bin(found, cls, sel) -> dict:
    k, m = int(found[sel].sum()), int(sel.sum())
    lo95, hi95 = wilson(k, m)
    missed = cls[sel & ~found]
    return {"n": m, "found": k, "share": round(k / max(m, 1), 3), "lo95": round(float(lo95), 3),
            "hi95": round(float(hi95), 3), "called": dict(Counter(missed))}


def score(models: Path, files: list, plan: Table) -> dict:
    """Found quasars by E(B−V) bin, for all redshifts and below :data:`Z_LOW`, with one model folder."""
    table, _ = predict.predict_files(files, bundle_dir=models, progress=False)
    key = {(int(r["PLATE"]), int(r["MJD"]), int(r["FIBERID"])): (float(r["Z_TRUE"]), float(r["EBV_QSO"]))
           for r in plan}
    ze = np.array([key[(int(r["PLATE"]), int(r["MJD"]), int(r["FIBERID"]))] for r in table])
    z, ebv = ze[:, 0], ze[:, 1]
    cls = np.asarray(table["CLASS"]).astype(str)
    dv = velocity_offset(np.asarray(table["Z"], float), z)
    found = np.isin(cls, ["QSO", "QSO_BAL"]) & (np.abs(dv) < DV_CATASTROPHIC)
    # a quasar called a quasar at the wrong redshift is a miss: say so in "called"
    cls = np.where(np.isin(cls, ["QSO", "QSO_BAL"]) & ~found, np.char.add(cls, " (wrong z)"), cls)
    out = {"models": str(models), "n": int(len(z)), "bins": [], "bins_z_below_2.1": []}
    for lo, hi in zip(EBV_EDGES[:-1], EBV_EDGES[1:]):
        sel = (ebv >= lo) & ((ebv < hi) if hi < EBV_EDGES[-1] else (ebv <= hi))
        out["bins"].append({"ebv": [lo, hi], **_bin(found, cls, sel)})
        out["bins_z_below_2.1"].append({"ebv": [lo, hi], **_bin(found, cls, sel & (z < Z_LOW))})
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=Path, nargs="+", required=True, help="model folders (specml predict --model)")
    ap.add_argument("--n", type=int, default=3000, help="quasars in the trial survey")
    ap.add_argument("--seed", type=int, default=4242)
    ap.add_argument("--record", type=Path, default=None, help="append each result as a JSON line to this file")
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        plan = make_survey(Path(tmp), a.n, a.seed)
        files = sorted(glob.glob(f"{tmp}/**/spec-*.fits", recursive=True))
        for models in a.models:
            emit({"trial": "red_quasars", "survey_n": a.n, "survey_seed": a.seed, **score(models, files, plan)},
                 a.record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
