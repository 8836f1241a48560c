"""Trial: how far in redshift a saved classifier recognises the mock's star-forming or passive galaxies.

Until 2026-11-27 the mock's star-forming galaxies stopped at z = 1 (the log-normal's tail piled up
there), although BOSS sees [OII] λ3727 to z ≈ 1.6; until 2026-11-28 its passive galaxies were all
CMASS-like (z ≈ 0.48 ± 0.14). This script makes one galaxy-only mock survey whose star-forming
galaxies (``--spread star-forming``) are spread uniformly over 0.02–1.6, or whose passive ones
(``--spread passive``) over 0.02–1.0, the others as the mock draws them; runs ``specml predict`` on it
with each model folder given; and prints, for the galaxies of the spread kind, the fraction called
GALAXY (with Wilson 95 % intervals) in bins of redshift, and what the rest were called. For the
star-forming spread it also bins the galaxies at z ≥ 1, where [OII] λ3728 may be all a spectrum
shows, by that line's S/N measured in the spectrum (:func:`oii_sn`): is a miss a line the network
could have seen?

    python scripts/galaxy_reach.py --models data/models OLD_MODELS --record benchmarks/galaxy_reach.jsonl
    python scripts/galaxy_reach.py --spread passive --n 4000 --models data/models OLD_MODELS \
        --record benchmarks/galaxy_reach.jsonl

The same spectra go to every model folder, so the folders' figures compare directly. (Records made
before 2026-11-28 have no ``spread`` field: they spread the star-forming galaxies and scored every
galaxy of the survey, the passive ones too.)
"""
from __future__ import annotations

import argparse
import glob
import tempfile
from collections import Counter
from unittest import mock
from pathlib import Path

import numpy as np
from astropy.table import Table

from specml_utils import predict
from specml_utils.lines import GALAXY_EMISSION
from specml_utils.metrics import wilson
from specml_utils.mock import MockConfig, generate_survey, physics
from specml_utils.mock.survey import plan_catalog
from specml_utils.spectra import read_spec_lite
from trial_record import emit  # scripts/ is on the path when a script runs

#: per spread kind: the mock's KIND, the redshift bins
SPREAD = {"star-forming": ("SF", (0.02, 0.25, 0.5, 0.75, 1.0, 1.25, 1.6)),
          "passive": ("PASSIVE", (0.02, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0))}
OII_SN_EDGES = (-np.inf, 3, 5, 8, 15, np.inf)


def oii_sn(path, z: float) -> float:
    """S/N of the [OII] doublet's flux in one spectrum: the flux above the median of 20–80 Å either side
    within ±8 Å of the line (observed frame), over its error from the ivar; NaN where too few pixels are good."""
    spec = read_spec_lite(path)
    lam = 10 ** spec.loglam
    d = np.abs(lam - GALAXY_EMISSION["[OII]"] * (1 + z))
    good = spec.ivar > 0
    line, side = good & (d < 8), good & (d > 20) & (d < 80)
    if line.sum() < 3 or side.sum() < 10:
        return float("nan")
    dl = np.gradient(lam)[line]
    flux = np.sum((spec.flux[line] - np.median(spec.flux[side])) * dl)
    return float(flux / np.sqrt(np.sum(dl ** 2 / spec.ivar[line])))


def _uniform(draw, spread: str):
    """``physics.galaxy_redshifts`` with the galaxies of one kind spread uniformly over its bins."""
    kind, edges = SPREAD[spread]

    def redshifts(rng, n, passive, **kw):
        z = draw(rng, n, passive, **kw)
        mine = passive if kind == "PASSIVE" else ~np.asarray(passive, bool)
        return np.where(mine, rng.uniform(edges[0], edges[-1], n), z)

    return redshifts


def one_class_survey(out: Path, n: int, seed: int, class_name: str, draw_name: str, draw) -> Table:
    """A mock of one class, every row a first observation with a good spectrum, whose plan is drawn with
    ``physics.<draw_name>`` replaced by ``draw`` (the plan is drawn in this process; the mock's own draw is
    put back afterwards); returns its plan."""
    with mock.patch.object(physics, draw_name, draw):
        cfg = MockConfig(n_spectra=n, seed=seed, class_mix={class_name: 1.0}, frac_not_inspected=0, frac_conf0=0,
                         frac_no_id=0, frac_repeat=0, frac_missing_file=0, frac_dead_fiber=0)
        generate_survey(cfg, out, progress=False, replace=True)
        return plan_catalog(cfg)


def make_survey(out: Path, n: int, seed: int, spread: str) -> Table:
    """A galaxy-only mock with one kind's redshifts uniform; returns its plan (with each row's KIND)."""
    return one_class_survey(out, n, seed, "GALAXY", "galaxy_redshifts", _uniform(physics.galaxy_redshifts, spread))


def line_sns(files: list, plan: Table, z_min: float = 1.0) -> dict:
    """[OII] S/N (:func:`oii_sn`) of every spectrum file whose galaxy lies at ``z_min`` or beyond, by file name."""
    z = {(int(r["PLATE"]), int(r["MJD"]), int(r["FIBERID"])): float(r["Z_TRUE"]) for r in plan}
    out = {}
    for f in files:
        zf = z[tuple(int(x) for x in Path(f).stem.split("-")[1:])]
        if zf >= z_min:
            out[Path(f).name] = oii_sn(f, zf)
    return out


def score(models: Path, files: list, plan: Table, spread: str, line_sn: dict | None = None) -> dict:
    kind_wanted, edges = SPREAD[spread]
    table, _ = predict.predict_files(files, bundle_dir=models, progress=False)
    key = {(int(r["PLATE"]), int(r["MJD"]), int(r["FIBERID"])): (float(r["Z_TRUE"]), str(r["KIND"])) for r in plan}
    zk = [key[(int(r["PLATE"]), int(r["MJD"]), int(r["FIBERID"]))] for r in table]
    z = np.array([a for a, _ in zk])
    mine = np.array([b for _, b in zk]) == kind_wanted
    cls = np.asarray(table["CLASS"]).astype(str)
    rows = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        sel = mine & ((z >= lo) & (z < hi) if hi < edges[-1] else (z >= lo) & (z <= hi))
        k, m = int(np.sum(cls[sel] == "GALAXY")), int(sel.sum())
        lo95, hi95 = wilson(k, m)
        rows.append({"z": [lo, hi], "n": m, "galaxy": k, "recall": round(k / max(m, 1), 3),
                     "lo95": round(float(lo95), 3), "hi95": round(float(hi95), 3),
                     "called": dict(Counter(cls[sel][cls[sel] != "GALAXY"]))})
    out = {"models": str(models), "spread": spread, "n": int(mine.sum()), "bins": rows}
    if line_sn:
        sn = np.array([line_sn.get(str(f), np.nan) for f in table["FILE"]])
        out["oii_sn_bins_z_ge_1"] = []
        for lo, hi in zip(OII_SN_EDGES[:-1], OII_SN_EDGES[1:]):
            sel = mine & (z >= 1.0) & (sn >= lo) & (sn < hi)
            k, m = int(np.sum(cls[sel] == "GALAXY")), int(sel.sum())
            lo95, hi95 = wilson(k, m)
            out["oii_sn_bins_z_ge_1"].append({"sn": [None if np.isinf(v) else v for v in (lo, hi)], "n": m, "galaxy": k, "recall": round(k / max(m, 1), 3),
                                             "lo95": round(float(lo95), 3), "hi95": round(float(hi95), 3),
                                             "called": dict(Counter(cls[sel][cls[sel] != "GALAXY"]))})
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=Path, nargs="+", required=True, help="model folders (specml predict --model)")
    ap.add_argument("--spread", choices=list(SPREAD), default="star-forming",
                    help="which galaxies to spread uniformly in redshift and score")
    ap.add_argument("--n", type=int, default=1500, help="galaxies in the trial survey (a quarter of them passive)")
    ap.add_argument("--seed", type=int, default=777)
    ap.add_argument("--record", type=Path, default=None, help="append each result as a JSON line to this file")
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        plan = make_survey(Path(tmp), a.n, a.seed, a.spread)
        files = sorted(glob.glob(f"{tmp}/**/spec-*.fits", recursive=True))
        line_sn = line_sns(files, plan) if a.spread == "star-forming" else None
        for models in a.models:
            emit({"trial": "galaxy_reach", "survey_n": a.n, "survey_seed": a.seed,
                  **score(models, files, plan, a.spread, line_sn)}, a.record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
