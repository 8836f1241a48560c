"""Trial: does training on quasars reddened by their own dust help, and what does it cost?

For each arm (``--arms``: ``dust``, the mock as it is, whose quasars are reddened by SMC-like dust
(:func:`specml_utils.mock.physics.qso_dust_ebv`); ``none``, the same mock without that dust) this
script makes the mock of the default recipe (:mod:`elg_share_trial`'s ``--elg-fracs 0.4 --galaxy-scale
1.3333``, so that the ``none`` arm is that trial's arm again), preprocesses it, trains specnet on it as
notebook 04 does (:func:`lr_schedule_trial.run`), saves it into a copy of the saved bundle (the redshift
CNN kept), runs ``specml predict`` with that bundle on the real spectra (class and redshift: QSO purity
and completeness), and scores it on one quasar-only mock of reddened quasars (:mod:`red_quasars`) and
one galaxy-only mock of star-forming galaxies to z = 1.6 (:mod:`galaxy_reach`). Each arm's test split is its
own mock's, so at the end every arm's network is also scored on every arm's test split (``dust_cross``).

    python scripts/dust_trial.py --arms none dust --seed 1 --record benchmarks/dust_trial.jsonl

About 6 minutes an arm on 2 cores, most of it training; the mocks live in a temporary folder.
"""
from __future__ import annotations

import argparse
import contextlib
import glob
import subprocess
import sys
import tempfile
from pathlib import Path
from unittest import mock

import numpy as np

from specml_utils import evaluation, metrics, models, paths, real
from specml_utils.mock import MockConfig, generate_survey, physics
from specml_utils.mock.survey import CLASS_MIXES
import galaxy_reach  # scripts/ is on the path when a script runs
import red_quasars
from elg_share_trial import bundle_with
from real_spectra_scores import real_scores
from lr_schedule_trial import run
from trial_record import emit


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--arms", nargs="+", choices=["none", "dust"], default=["none", "dust"])
    ap.add_argument("--n-spectra", type=int, default=40_000, help="catalog rows before the galaxies are scaled")
    ap.add_argument("--seed", type=int, default=1, help="training seed")
    ap.add_argument("--base", type=Path, default=paths.DATA / "models", help="bundle whose redshift CNN is kept")
    ap.add_argument("--record", type=Path, default=None, help="append each arm as a JSON line to this file")
    a = ap.parse_args(argv)
    # the default recipe as elg_share_trial builds it (the same dict, so the same plan)
    mix = {c: (1.3333 if c == "GALAXY" else 1.0) * f for c, f in CLASS_MIXES["balanced"].items()}
    n_spectra = int(round(a.n_spectra * sum(mix.values())))
    truth = real.truth_table()
    tests, trained = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        gal_plan = galaxy_reach.make_survey(tmp / "galaxies", 3000, 99, "star-forming")
        gal_files = sorted(glob.glob(f"{tmp}/galaxies/**/spec-*.fits", recursive=True))
        red_plan = red_quasars.make_survey(tmp / "red", 3000, 4242)
        red_files = sorted(glob.glob(f"{tmp}/red/**/spec-*.fits", recursive=True))
        for arm in a.arms:
            mock_dir, h5 = tmp / f"mock_{arm}", tmp / f"mock_{arm}.h5"
            no_dust = mock.patch.object(physics, "qso_dust_ebv", lambda rng, m: np.zeros(m))  # the plan is drawn here
            with no_dust if arm == "none" else contextlib.nullcontext():
                generate_survey(MockConfig(n_spectra=n_spectra, class_mix=mix), mock_dir, progress=False, replace=True)
            subprocess.run([sys.executable, "-m", "specml_utils.cli", "preprocess", "--data", str(mock_dir), "--out", str(h5)],
                           check=True, capture_output=True)
            data = evaluation.read_splits(h5)
            out, model = run("cosine", a.seed, data, truth, return_model=True)
            tests[arm], trained[arm] = data["test"], model
            folder = bundle_with(model, tmp / f"bundle_{arm}", a.base)
            reach = galaxy_reach.score(folder, gal_files, gal_plan, "star-forming")
            emit({"trial": "dust", "dust": arm, "mock_spectra": n_spectra, **out,
                  "real": real_scores(folder, truth) if len(truth) else None,
                  "red_quasars": red_quasars.score(folder, red_files, red_plan)["bins"],
                  "galaxy_reach": reach["bins"]}, a.record)
        # each arm's network on each arm's test split: the same spectra for both
        for arm, model in trained.items():
            emit({"trial": "dust_cross", "dust": arm, "seed": a.seed,
                  "test_f1_on": {other: split_f1(model, te) for other, te in tests.items()}}, a.record)
    return 0


def split_f1(model, test: dict) -> dict:
    """Per-class and macro F1 of ``model`` on a test split."""
    prob = models.class_probabilities(model, test["X"])[0]
    table = metrics.classification_table(test["label"], prob.argmax(1))
    return {k: round(float(v), 4) for k, v in table["f1"].items()}


if __name__ == "__main__":
    raise SystemExit(main())
