"""Trial: the seed spread's networks averaged (a deep ensemble) against the one network notebook 04 saves.

Seed 0 is the network of the bundle ``--base`` (notebook 04's chosen network, specnet, trained with ``train_seed`` 0,
saved alone as it was before notebook 04 saved the mean); each other seed of ``--seeds`` is trained as notebook 04's
seed spread trains it (:func:`lr_schedule_trial.run`, on notebook 03's default dataset). The script scores the network
of each seed and the mean of them all (:func:`specml_utils.models.ensemble`) the same ways, each in a copy of the
bundle (its redshift CNN and line-fit check kept): F1 per class and QSO purity and completeness (class and redshift,
as notebook 05) on the mock validation and test splits, ``specml predict`` on the real spectra, and the classifier's
inference rate.

    python scripts/ensemble_trial.py --seeds 0 1 2 --record benchmarks/ensemble_trial.jsonl

About 6 minutes on 2 cores, most of it the two trainings. (The records of 2026-11-27 in that file came from an earlier
version of this script, which scored F1 and the real 4-class accuracy only.)
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from specml_utils import evaluation, metrics, models, paths, real, training
from specml_utils.bundle import Bundle
from specml_utils.classes import is_qso
from real_spectra_scores import real_scores  # scripts/ is on the path when a script runs
from elg_share_trial import bundle_with
from lr_schedule_trial import run
from trial_record import emit


def scores(folder: Path, data: dict, truth) -> dict:
    """The bundle ``folder``'s F1s, QSO purity and completeness on the mock splits, real scores and inference rate."""
    bundle = Bundle.load(folder)
    out = {}
    for split in ("val", "test"):
        s = data[split]
        pred = bundle.predict_x(s["X"], s["flux"], s["ivar"], prior=False)
        pc = metrics.qso_purity_completeness(is_qso(s["label"]), s["z"], s["z_conf"], is_qso(pred["label"]), pred["z"])
        table = metrics.classification_table(s["label"], pred["label"])
        out[split] = {"f1": {k: round(float(v), 4) for k, v in table["f1"].items()},
                      "purity": [pc["purity_k"], pc["purity_n"]],
                      "completeness": [pc["completeness_k"], pc["completeness_n"]]}
    _, rate = training.predict_timed(bundle.classifier, data["test"]["X"])
    out["classifier_spectra_per_s"] = round(rate, 1)
    out["real"] = real_scores(folder, truth) if len(truth) else None
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, default=paths.DATA / "models",
                    help="a bundle whose classifier is one network, seed 0's")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="seeds to average (0: the bundle's)")
    ap.add_argument("--record", type=Path, default=None, help="append each candidate as a JSON line to this file")
    a = ap.parse_args(argv)
    data = evaluation.load_splits()
    truth = real.truth_table()
    members = {s: Bundle.load(a.base).classifier if s == 0 else run("cosine", s, data, truth, return_model=True)[1]
               for s in a.seeds}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        candidates = {f"seed {s}": m for s, m in members.items()}
        candidates["mean of seeds " + ", ".join(map(str, members))] = models.ensemble(list(members.values()))
        for k, (name, model) in enumerate(candidates.items()):
            folder = bundle_with(model, tmp / f"bundle_{k}", a.base)
            emit({"trial": "ensemble", "classifier": name, **scores(folder, data, truth)}, a.record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
