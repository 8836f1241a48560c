"""Trial: the redshift CNN as the mean of three trainings, as the classifier already is (``ensemble_trial.py``).

Seed 0 is the redshift CNN of the bundle ``--base`` (notebook 05's, ``train_seed`` 0); each other seed of ``--seeds``
is trained as notebook 05 trains it (:func:`specml_utils.redshifts.train_cnn`, its default parameters, on notebook
03's default dataset). Each seed's network and the mean of them all (:func:`specml_utils.models.ensemble`, which
averages the redshift-bin probabilities and the class head) replace the redshift CNN in a copy of the bundle, whose
classifier and line-fit check are kept, and are scored the same ways:

- the CNN's own QSO redshifts (notebook 05's table): catastrophic count (|Δv| ≥ 6000 km/s) and σ_NMAD, on the
  validation and test splits of the confident-redshift subsets;
- the whole bundle's QSO purity and completeness (class and redshift, as notebook 05 measures them) on the mock
  validation and test splits, and, with ``--other``, on every spectrum of a dataset made from a mock of another
  seed (none of it trained on);
- ``specml predict`` on the real spectra.

The rule, set before the run: the mean is adopted only if, on the validation split, the bundle with it finds more
quasars than with any one seed and its CNN makes fewer catastrophic QSO redshifts than any one seed; it triples the
redshift CNN's share of ``specml predict``'s time.

    python scripts/redshift_ensemble_trial.py --other OTHER_SEED.h5 --record benchmarks/redshift_ensemble_trial.jsonl

About 6 minutes on 2 cores, most of it the two trainings.
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from specml_utils import classifiers, evaluation, metrics, models, paths, real, redshifts
from specml_utils.bundle import Bundle
from specml_utils.classes import is_qso
from specml_utils.redshift_bins import ZBins
from bundles_on_split import joined  # scripts/ is on the path when a script runs
from real_spectra_scores import real_scores
from elg_share_trial import bundle_with
from trial_record import emit


def cnn_scores(model, zbins: ZBins, split: dict) -> dict:
    """The CNN's own QSO redshifts on a confident-redshift split: catastrophic count and σ_NMAD."""
    q = is_qso(split["label"])
    z = zbins.estimate(models.redshift_probabilities(model, split["X"][q]))[0]
    m = metrics.redshift_metrics(split["z"][q], z)
    return {"qso": int(q.sum()), "catastrophic": int(m["n_catastrophic"]),
            "sigma_nmad": round(float(m["sigma_nmad"]), 6)}


def bundle_scores(folder: Path, splits: dict) -> dict:
    """The bundle's QSO purity and completeness (class and redshift) on each named split."""
    bundle = Bundle.load(folder)
    out = {}
    for name, s in splits.items():
        pred = bundle.predict_x(s["X"], s["flux"], s["ivar"], prior=False)
        pc = metrics.qso_purity_completeness(is_qso(s["label"]), s["z"], s["z_conf"], is_qso(pred["label"]), pred["z"])
        out[name] = {"purity": [pc["purity_k"], pc["purity_n"]],
                     "completeness": [pc["completeness_k"], pc["completeness_n"]]}
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, default=paths.DATA / "models", help="the main job's bundle (seed 0's CNN)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="seeds to average (0: the bundle's)")
    ap.add_argument("--other", type=Path, default=None,
                    help="a dataset of a mock of another seed, every spectrum of which is scored")
    ap.add_argument("--record", type=Path, default=None, help="append each candidate as a JSON line to this file")
    a = ap.parse_args(argv)
    data = evaluation.load_splits()
    sel = redshifts.confident_subsets(data, "STAR,GALAXY,QSO,QSO_BAL")
    zbins = ZBins()
    truth = real.truth_table()
    members = {}
    for s in a.seeds:
        if s == 0:
            members[s] = Bundle.load(a.base).redshift
        else:   # notebook 05's parameters
            recipe = classifiers.Recipe(30, 240, 0.001, 5, True, s, "cosine", "auto")
            members[s] = redshifts.train_cnn(sel, zbins, 443, recipe, data["weighted"])[0]
    mock_splits = {"val": data["val"], "test": data["test"]}
    if a.other:
        mock_splits["other seed, every split"] = joined(evaluation.read_splits(a.other))
    candidates = {f"seed {s}": m for s, m in members.items()}
    candidates["mean of seeds " + ", ".join(map(str, members))] = models.ensemble(list(members.values()))
    with tempfile.TemporaryDirectory() as tmp:
        for k, (name, model) in enumerate(candidates.items()):
            folder = bundle_with(model, Path(tmp) / f"bundle_{k}", a.base, "redshift")
            emit({"trial": "redshift ensemble", "redshift CNN": name,
                  "cnn": {split: cnn_scores(model, zbins, sel[split]) for split in ("val", "test")},
                  "bundle": bundle_scores(folder, mock_splits),
                  "other": str(a.other) if a.other else None,
                  "real": real_scores(folder, truth) if len(truth) else None}, a.record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
