"""Trial: would a larger share of [OII] galaxies beyond z = 1 in the training mock help the classifier find them?

For each emission-line fraction (``--elg-fracs``; the mock's is 0.4 of the star-forming galaxies, spread
over z = 0.5–1.6, 0.2 before 2026-11-28) this script makes a mock survey of ``--n-spectra`` rows, balanced
over the classes, with that fraction (same seed, so the rest of the plan is the same), preprocesses it
with ``specml preprocess``, trains specnet on it as notebook 04 does (:func:`lr_schedule_trial.run`: its
own test split and the real spectra scored), saves it into a
copy of the saved bundle (the redshift CNN kept), and scores that bundle on one galaxy-only mock with
star-forming galaxies uniform to z = 1.6, binned by redshift and, at z ≥ 1, by the [OII] line's S/N
(:mod:`galaxy_reach`). Each arm's test split is its own mock's, so its F1s compare only roughly.

With ``--galaxy-scale F`` the mock holds F times as many galaxies (the other classes as many as before, the
catalog longer by the galaxies' extra rows): a larger emission-line share then adds galaxies beyond z = 0.5
without taking them from the nearby ones, and the training's balanced class weights keep the class from
weighing more. ``--elg-fracs 0.4 --galaxy-scale 1.3333`` is the default mock's recipe (``galaxy_rich``, whose
44,000 rows hold 1.5 % more of every class than these 43,333).

    python scripts/elg_share_trial.py --elg-fracs 0.2 0.4 --seed 1 --record benchmarks/elg_share_trial.jsonl

About 5 minutes an arm on 2 cores, most of it training; the mocks live in a temporary folder.
"""
from __future__ import annotations

import argparse
import glob
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from specml_utils import evaluation, paths, real
from specml_utils.bundle import save_model
from specml_utils.mock import MockConfig, generate_survey, physics
from specml_utils.mock.survey import CLASS_MIXES
import galaxy_reach  # scripts/ is on the path when a script runs
from lr_schedule_trial import run
from trial_record import emit


def _with_elg_frac(draw, frac: float):
    """``physics.galaxy_redshifts`` with ``elg_frac`` set to ``frac`` wherever the mock asks for one."""

    def redshifts(rng, n, passive, **kw):
        if kw.get("elg_frac"):
            kw["elg_frac"] = frac
        return draw(rng, n, passive, **kw)

    return redshifts


def bundle_with(model, folder: Path, base: Path, role: str = "classifier") -> Path:
    """A copy of the bundle ``base`` whose ``role`` (``classifier`` or ``redshift``) is ``model`` (its recorded
    settings kept)."""
    shutil.copytree(base, folder)
    info = json.loads((base / "bundle.json").read_text())[role]
    save_model(model, folder, role, **{k: v for k, v in info.items() if k not in ("file", "saved")})
    return folder


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--elg-fracs", type=float, nargs="+", default=[0.2, 0.4])
    ap.add_argument("--n-spectra", type=int, default=40_000, help="catalog rows before the galaxies are scaled")
    ap.add_argument("--galaxy-scale", type=float, default=1.0,
                    help="galaxies in the mock, as a multiple of a balanced mix's (the other classes kept)")
    ap.add_argument("--seed", type=int, default=1, help="training seed")
    ap.add_argument("--base", type=Path, default=paths.DATA / "models", help="bundle whose redshift CNN is kept")
    ap.add_argument("--record", type=Path, default=None, help="append each arm as a JSON line to this file")
    a = ap.parse_args(argv)
    original = physics.galaxy_redshifts
    mix = {c: (a.galaxy_scale if c == "GALAXY" else 1.0) * f for c, f in CLASS_MIXES["balanced"].items()}
    n_spectra = int(round(a.n_spectra * sum(mix.values())))
    truth = real.truth_table()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # the galaxies to score, drawn with the mock's own physics
        plan = galaxy_reach.make_survey(tmp / "galaxies", 3000, 99, "star-forming")
        files = sorted(glob.glob(f"{tmp}/galaxies/**/spec-*.fits", recursive=True))
        line_sn = galaxy_reach.line_sns(files, plan)
        for frac in a.elg_fracs:
            physics.galaxy_redshifts = _with_elg_frac(original, frac)  # the plan is drawn here
            mock, h5 = tmp / f"mock_{frac}", tmp / f"mock_{frac}.h5"
            generate_survey(MockConfig(n_spectra=n_spectra, class_mix=mix), mock, progress=False, replace=True)
            physics.galaxy_redshifts = original
            subprocess.run([sys.executable, "-m", "specml_utils.cli", "preprocess", "--data", str(mock), "--out", str(h5)],
                           check=True, capture_output=True)
            out, model = run("cosine", a.seed, evaluation.read_splits(h5), truth, return_model=True)
            folder = bundle_with(model, tmp / f"bundle_{frac}", a.base)
            reach = galaxy_reach.score(folder, files, plan, "star-forming", line_sn)
            emit({"trial": "elg_share", "elg_frac": frac, "mock_spectra": n_spectra,
                  "galaxy_scale": a.galaxy_scale, **out,
                  "galaxy_reach": {k: reach[k] for k in ("bins", "oii_sn_bins_z_ge_1")}}, a.record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
