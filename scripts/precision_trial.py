"""Trial of the training precision: specnet (as notebook 04 trains it) and the redshift CNN (as
notebook 05 does) trained in float32 and in mixed bfloat16 with the same seeds, scored on the mock
and the real spectra, with their training times.

    python scripts/precision_trial.py --seeds 1 2 --record benchmarks/precision_trial.jsonl

Needs notebook 03's default dataset (``make notebooks`` or ``specml notebooks --only 01 02 03``).
Each seed takes about 7 minutes on 2 cores (four trainings). Every run appends one JSON line:
``network`` "specnet" with the fields of ``scripts/lr_schedule_trial.py`` (validation macro F1,
test F1 per class, real 4-class accuracy), or "redshift CNN" with σ_NMAD, median |Δv| and the
catastrophic fraction of the confident test quasars (BAL included) and of every confident test spectrum.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from specml_utils import classifiers, evaluation, metrics, models, real, redshift_bins, redshifts, training
from specml_utils.classes import is_qso
from lr_schedule_trial import run as run_specnet  # scripts/ is on the path when a script runs
from trial_record import emit


def run_redshift(seed: int, data: dict, precision: str, epochs: int = 30) -> dict:
    """Notebook 05's redshift CNN with its default parameters and this seed and precision."""
    zb = redshift_bins.ZBins()
    sel = redshifts.confident_subsets(data, "STAR,GALAXY,QSO,QSO_BAL")
    recipe = classifiers.Recipe(epochs=epochs, seed=seed, precision=precision)
    cnn, fit = redshifts.train_cnn(sel, zb, data["grid"].nbins, recipe, data["weighted"])
    test = sel["test"]
    z, _, _ = zb.estimate(models.redshift_probabilities(cnn, test["X"]))
    out = {"network": "redshift CNN", "seed": seed, "precision": fit.precision, "epochs_run": fit.epochs_run,
           "best_epoch": fit.best_epoch, "train_s": fit.seconds}
    for name, m in (("qso", is_qso(test["label"])), ("all", np.ones(len(z), bool))):
        r = metrics.redshift_metrics(test["z"][m], z[m])
        out[name] = {"n": r["n"], "sigma_nmad": round(r["sigma_nmad"], 6),
                     "median_abs_dv_kms": round(r["median_abs_dv_kms"], 1),
                     "catastrophic_fraction": round(r["catastrophic_fraction"], 5), "n_catastrophic": r["n_catastrophic"]}
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--precisions", nargs="+", default=["float32", "mixed_bfloat16"],
                    choices=[p for p in training.PRECISIONS if p != "auto"])
    ap.add_argument("--networks", nargs="+", default=["specnet", "redshift"], choices=["specnet", "redshift"])
    ap.add_argument("--record", type=Path, default=None, help="append each run as a JSON line to this file")
    a = ap.parse_args(argv)
    data = evaluation.load_splits()
    truth = real.truth_table()
    for seed in a.seeds:
        for precision in a.precisions:
            if "specnet" in a.networks:
                emit({"network": "specnet", **run_specnet("cosine", seed, data, truth, precision=precision)}, a.record)
            if "redshift" in a.networks:
                emit(run_redshift(seed, data, precision), a.record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
