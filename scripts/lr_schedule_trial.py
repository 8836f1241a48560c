"""Trial of the learning-rate schedule: specnet trained as notebook 04 trains it, with each schedule
and several seeds, scored on the mock validation and test splits and on the real spectra.

    python scripts/lr_schedule_trial.py --seeds 0 1 2 3 --record benchmarks/lr_schedule.jsonl
    python scripts/lr_schedule_trial.py --schedules cosine --epochs 25 --seeds 1 2 --record benchmarks/lr_schedule.jsonl
    python scripts/lr_schedule_trial.py --schedules cosine --learning-rates 0.001 0.002 0.003 --seeds 1 2 --record F

Needs notebook 03's default dataset (``make notebooks`` or ``specml notebooks --only 01 02 03``).
Each (schedule, seed) takes about 2.5 minutes on 2 cores at 15 epochs (lines of the record without
``epochs`` ran 15). Every run appends one JSON line: the best
epoch, the validation macro F1, the test F1 per class, and the 4-class accuracy on the visually
inspected (``vi_acc``) and pipeline-labelled (``pipe_acc``) real spectra, with the DR12 class mix.
The choice of ``"cosine"`` as the default was made on the mock figures; the real ones were the same.
"""
from __future__ import annotations

import argparse
import contextlib
import io
from pathlib import Path

from specml_utils import classifiers, evaluation, metrics, models, real, redshift_bins, training
from trial_record import emit  # scripts/ is on the path when a script runs


def run(schedule: str, seed: int, data: dict, truth, epochs: int = 15, learning_rate: float = 1e-3,
        precision: str = "auto", return_model: bool = False):
    """Train specnet as notebook 04 does and score it; the scores (and, with ``return_model``, the model)."""
    zb = redshift_bins.ZBins()
    build = classifiers.builders(data["grid"].nbins, zb)["specnet"]
    recipe = classifiers.Recipe(epochs=epochs, seed=seed, schedule=schedule, learning_rate=learning_rate,
                                precision=precision)
    with contextlib.redirect_stdout(io.StringIO()):
        weights = classifiers.balanced_weights(data["train"]["label"])
    training.seed(seed)
    model, fit = classifiers.train_one(build, data, zb, recipe, weights, seed)
    te, va = data["test"], data["val"]
    table = metrics.classification_table(te["label"], models.class_probabilities(model, te["X"])[0].argmax(1))
    out = {"arm": schedule, "seed": seed, "epochs": epochs, "learning_rate": learning_rate, "precision": fit.precision,
           "best_epoch": fit.best_epoch,
           "train_s": fit.seconds,
           "val_f1": classifiers.macro_f1(va["label"], models.class_probabilities(model, va["X"])[0]),
           "test_f1": {k: round(float(v), 4) for k, v in table["f1"].items()}}
    if len(truth):
        prior = classifiers.survey_prior(data["train"]["label"], "dr12")
        _, summ = real.score_sources(real.classify(model, data["grid"], data["weighted"], truth, prior), truth)
        out.update(vi_acc=summ["VI"]["accuracy"]["value"], pipe_acc=summ["pipeline"]["accuracy"]["value"])
    return (out, model) if return_model else out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--schedules", nargs="+", default=list(training.SCHEDULES))
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3])
    ap.add_argument("--epochs", type=int, default=15, help="epochs per run (notebook 04: 15)")
    ap.add_argument("--learning-rates", type=float, nargs="+", default=[1e-3],
                    help="initial learning rates (notebook 04: 0.001)")
    ap.add_argument("--precision", default="auto", choices=list(training.PRECISIONS),
                    help="training precision (notebook 04: auto; the lines recorded before 2026-11-28 have no "
                         "precision field and trained in float32)")
    ap.add_argument("--record", type=Path, default=None, help="append each run as a JSON line to this file")
    a = ap.parse_args(argv)
    data = evaluation.load_splits()
    truth = real.truth_table()  # the real spectra, read once for every run
    for seed in a.seeds:
        for schedule in a.schedules:
            for lr in a.learning_rates:
                emit(run(schedule, seed, data, truth, a.epochs, lr, a.precision), a.record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
