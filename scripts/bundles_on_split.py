"""Score saved classifiers on one dataset's test split, as notebook 04 scores its own (the training mix, no prior).

Two runs of the notebooks train on different mocks, so their test splits differ; scoring both saved bundles on
the same split separates what changed in the network from what changed in the split. Each bundle's QSO purity and
completeness (class and redshift, as notebook 05 measures them) come with its F1s; with ``--mock-manifest`` (the
``mock_manifest.json`` of the mock the dataset was made from) the completeness is also given apart for the quasars
reddened by E(B−V) > 0.1 of their own dust and for the rest. Completeness is also given per bin of true redshift,
and the missed quasars are counted by what they were called (a galaxy, a star, or a quasar at a redshift off by
|Δv| ≥ 6000 km/s) and by S/N, to show where completeness is lost. ``--sweep`` adds, on the validation split, what calling a quasar
wherever P_QSO + P_BAL reaches a threshold below one half would find, and what it would call quasars wrongly.

    python scripts/bundles_on_split.py --dataset data/processed/mock_n44000_seed12345_galaxy_rich_mixed_443bins.h5 \\
        --bundles OLD_BUNDLE data/models --mock-manifest data/mock/n44000_seed12345_galaxy_rich_mixed/mock_manifest.json \\
        --record benchmarks/bundles_on_split.jsonl [--sweep 0.5 0.4 0.3 0.2 0.15]
    # a mock of another seed, none of it trained on: every split scored
    python scripts/bundles_on_split.py --dataset OTHER_SEED.h5 --bundles data/models --all-splits [--members]

``--members`` also scores each network of a classifier saved as the mean of several trainings, alone (with the
bundle's redshift CNN): the seed spread against which a difference between two bundles can be read.

Seconds on 2 cores; a bundle is a folder with ``bundle.json`` (``specml predict --model``).
"""
from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from specml_utils import evaluation, metrics, models
from specml_utils.bundle import Bundle
from specml_utils.classes import is_qso
from trial_record import emit

#: quasars redder than this count as reddened in the completeness split
EBV_RED = 0.1
#: edges of the true-redshift bins of the completeness
Z_EDGES = (0, 1, 2, 3, 4, 7)
#: missed quasars are counted apart below this median S/N per pixel
SN_LOW = 2


def split_ebv(test: dict, manifest: Path) -> np.ndarray:
    """E(B−V) of each test spectrum's quasar dust (0 for the rest), from the plan of the mock ``manifest``."""
    from specml_utils.mock import MockConfig
    from specml_utils.mock.survey import plan_catalog

    plan = plan_catalog(MockConfig(**json.loads(manifest.read_text())["config"]))
    key = {(int(p), int(m), int(f)): float(e) for p, m, f, e in
           zip(plan["PLATE"], plan["MJD"], plan["FIBERID"], plan["EBV_QSO"])}
    return np.array([key[(int(p), int(m), int(f))] for p, m, f in zip(test["plate"], test["mjd"], test["fiberid"])])


def qso_scores(bundle: Bundle, test: dict, ebv) -> dict:
    """QSO purity and completeness (counts) of the bundle's classes and redshifts on the test split, as notebook 05."""
    out = bundle.predict_x(test["X"], test["flux"], test["ivar"], prior=False)
    true_q, pred_q = is_qso(test["label"]), is_qso(out["label"])
    pc = metrics.qso_purity_completeness(true_q, test["z"], test["z_conf"], pred_q, out["z"])
    res = {"purity": [pc["purity_k"], pc["purity_n"]], "completeness": [pc["completeness_k"], pc["completeness_n"]]}
    found = pred_q & (np.abs(metrics.velocity_offset(out["z"], test["z"])) < metrics.DV_CATASTROPHIC)
    res["completeness by true z"] = {f"{lo}-{hi}": [int((found & true_q & s).sum()), int((true_q & s).sum())]
                                     for lo, hi in zip(Z_EDGES[:-1], Z_EDGES[1:])
                                     for s in [(test["z"] >= lo) & (test["z"] < hi)]}
    missed = true_q & ~found
    names = np.asarray(test["class_names"]).astype(str)
    called = np.where(pred_q[missed], "a quasar at a wrong z", names[out["label"][missed]])
    by_call = lambda sel: {c: int((sel & (called == c)).sum()) for c in sorted(set(called))}   # noqa: E731
    res["missed, called"] = by_call(np.ones(len(called), bool))
    faint = np.asarray(test["sn"])[missed] < SN_LOW
    res[f"missed, S/N < {SN_LOW}"] = int(faint.sum())
    res[f"missed, S/N < {SN_LOW}, by what they were called"] = by_call(faint)
    if ebv is not None:
        for name, sel in ((f"> {EBV_RED}", ebv > EBV_RED), (f"<= {EBV_RED}", ebv <= EBV_RED)):
            res[f"completeness, E(B-V) {name}"] = [int((found & true_q & sel).sum()), int((true_q & sel).sum())]
        res[f"missed, E(B-V) > {EBV_RED}, by what they were called"] = by_call(ebv[missed] > EBV_RED)
    return res


def threshold_sweep(bundle: Bundle, split: dict, thresholds) -> dict:
    """Quasars found (class and |Δv| < 6000 km/s) and stars and galaxies called quasars, when a spectrum is called a
    quasar (QSO or BAL QSO, whichever is likelier) wherever P_QSO + P_BAL ≥ each threshold."""
    from specml_utils.zcheck import class_redshifts

    prob = models.class_probabilities(bundle.classifier, split["X"])[0]
    zprob = models.redshift_probabilities(bundle.redshift, split["X"])
    true_q = is_qso(split["label"])
    res = {}
    for t in thresholds:
        label = prob.argmax(1)
        promote = (prob[:, 2] + prob[:, 3] >= t) & ~is_qso(label)
        label[promote] = np.where(prob[promote, 3] > prob[promote, 2], 3, 2)
        z = class_redshifts(bundle.zbins, zprob, label, bundle.class_names, bundle.z_range, split["flux"],
                            split["ivar"], 10 ** bundle.grid.centres)["z"]
        found = is_qso(label) & (np.abs(metrics.velocity_offset(z, split["z"])) < metrics.DV_CATASTROPHIC)
        res[str(t)] = {"quasars found": [int((found & true_q).sum()), int(true_q.sum())],
                       "stars and galaxies called quasars": int((is_qso(label) & ~true_q).sum())}
    return res


def joined(splits: dict) -> dict:
    """The dataset's splits as one: arrays with a row per spectrum are joined, the rest taken from the test split."""
    n = len(splits["test"]["label"])
    return {k: (np.concatenate([np.asarray(sp[k]) for sp in (splits["train"], splits["val"], splits["test"])])
                if isinstance(v, np.ndarray) and v.ndim and len(v) == n else v)
            for k, v in splits["test"].items()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", type=Path, required=True, help="a dataset file of `specml preprocess`")
    ap.add_argument("--bundles", type=Path, nargs="+", required=True, help="bundle folders to score")
    ap.add_argument("--mock-manifest", type=Path, default=None,
                    help="the mock's mock_manifest.json: completeness apart for reddened quasars")
    ap.add_argument("--record", type=Path, default=None, help="append each score as a JSON line to this file")
    ap.add_argument("--sweep", type=float, nargs="*", default=None,
                    help="QSO thresholds on P_QSO + P_BAL to try on the validation split")
    ap.add_argument("--members", action="store_true",
                    help="also score each network of a classifier saved as the mean of several, alone (the seed spread)")
    ap.add_argument("--all-splits", action="store_true",
                    help="score every spectrum of the dataset, not only its test split: for a mock of another seed, "
                         "none of which the bundles trained on")
    a = ap.parse_args(argv)
    splits = evaluation.read_splits(a.dataset)
    test = joined(splits) if a.all_splits else splits["test"]
    ebv = split_ebv(test, a.mock_manifest) if a.mock_manifest else None
    n_key, f1_key = ("spectra (every split)", "f1, every split") if a.all_splits else ("test_spectra", "test_f1")
    for folder in a.bundles:
        whole = Bundle.load(folder)
        n_members = models.networks_in(whole.classifier) if a.members else 1
        # the saved classifier, then (with --members) each network it averages alone, the redshift CNN kept
        variants = [(None, whole)] + [(k, replace(whole, classifier=whole.classifier.get_layer(f"member_{k}")))
                                      for k in range(n_members) if n_members > 1]
        for member, bundle in variants:
            prob = models.class_probabilities(bundle.classifier, test["X"])[0]
            table = metrics.classification_table(test["label"], prob.argmax(1))
            emit({"trial": "bundles_on_split", "dataset": a.dataset.name, n_key: len(test["label"]),
                  "bundle": str(folder), **({} if member is None else {"member": member}),
                  "trained_on": bundle.info["classifier"]["trained_on"],
                  f1_key: {k: round(float(v), 4) for k, v in table["f1"].items()},
                  "qso": qso_scores(bundle, test, ebv)}, a.record)
        if a.sweep:
            emit({"trial": "bundles_on_split, QSO threshold sweep", "dataset": a.dataset.name, "split": "val",
                  "bundle": str(folder), "sweep": threshold_sweep(whole, splits["val"], a.sweep)}, a.record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
