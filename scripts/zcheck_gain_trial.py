"""Trial: how much better a line-fit candidate must score before it replaces the redshift CNN's peak.

``specml predict`` checks the redshift of a quasar whose CNN probability has several peaks by
fitting the emission lines at each candidate (:func:`specml_utils.zcheck.best_candidate`); a
candidate replaces the CNN's peak when its score (χ² − 2 ln mass) is lower by more than
``min_gain``. This script scores, for thresholds ``--gains``, how many confident quasars the check
fixes (catastrophic before, not after) and breaks (the reverse) on the mock's validation and test
splits, with the bundles given. Choose on validation; the test split is shown beside it.

    python scripts/zcheck_gain_trial.py --models data/models --record benchmarks/zcheck_gain.jsonl
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from specml_utils import evaluation, metrics, zcheck
from specml_utils.bundle import Bundle
from specml_utils.models import class_probabilities, redshift_probabilities
from trial_record import emit  # scripts/ is on the path when a script runs


def outcomes(bundle: Bundle, split: dict) -> dict:
    """For every checked spectrum: the CNN's z, the best candidate's z and its gain, and the truth."""
    names = list(bundle.class_names)
    # no class-mix prior: the mock's splits keep the training mix (as notebook 05 scores them)
    label = class_probabilities(bundle.classifier, split["X"])[0].argmax(axis=1)
    zprob = bundle.zbins.restrict(redshift_probabilities(bundle.redshift, split["X"]), bundle.z_range, names, label)
    z_cnn, _, _ = bundle.zbins.estimate(zprob, 6)
    lam = 10 ** bundle.grid.centres
    quasar = np.isin(label, [names.index("QSO"), names.index("QSO_BAL")])
    qrange = bundle.z_range.get("QSO", (0.0, 7.0))
    rows = []
    for i in np.flatnonzero(quasar):
        out = zcheck.check_one(bundle.zbins, zprob[i], split["flux"][i], split["ivar"][i], lam,
                               bool(label[i] == names.index("QSO_BAL")), qrange)
        if out is not None:
            k, z_best, gain = out
            rows.append((i, z_cnn[i], z_best if k else np.nan, gain if k else -np.inf))
    i, zc, zb, g = (np.array(c) for c in zip(*rows)) if rows else (np.zeros(0, int),) + (np.zeros(0),) * 3
    sure = (split["z_conf"][i] == 3) & (split["label"][i] >= 2)
    return {"z_true": split["z"][i], "z_cnn": zc, "z_best": zb, "gain": g, "sure": sure}


def tally(o: dict, gain: float) -> dict:
    swap = o["gain"] > gain
    dv_before = np.abs(metrics.velocity_offset(o["z_cnn"], o["z_true"])) > metrics.DV_CATASTROPHIC
    z_after = np.where(swap, o["z_best"], o["z_cnn"])
    dv_after = np.abs(metrics.velocity_offset(z_after, o["z_true"])) > metrics.DV_CATASTROPHIC
    s = o["sure"]
    return {"min_gain": gain, "checked": int(s.sum()), "replaced": int((s & swap).sum()),
            "fixed": int((s & dv_before & ~dv_after).sum()), "broken": int((s & ~dv_before & dv_after).sum())}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=Path, nargs="+", default=[Path("data/models")])
    ap.add_argument("--gains", type=float, nargs="+", default=[0, 2, 5, 10, 20, 50, 100])
    ap.add_argument("--record", type=Path, default=None, help="append each result as a JSON line to this file")
    a = ap.parse_args(argv)
    data = evaluation.load_splits()
    for models in a.models:
        bundle = Bundle.load(models)
        for name in ("val", "test"):
            o = outcomes(bundle, data[name])
            emit({"trial": "zcheck_gain", "models": str(models), "dataset": data["path"].name, "split": name,
                  "rows": [tally(o, g) for g in a.gains]}, a.record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
