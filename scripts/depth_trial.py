"""Trial: the saved classifier on the mock test split observed at less depth, as the visually
inspected plate was.

Notebook 01 finds the VI plate's spectra 0.38 mag fainter than their photometry (median), where the
survey's other real plates are 0.04 mag fainter and the mock's now scatter as theirs do: at a given
magnitude the VI plate's spectra have lower S/N than the mock's. This script re-observes the mock
test split with its noise σ multiplied by ``scale`` (``augment.noisier``: where the sky dominates,
the spectrum 2.5 log10(scale) mag fainter) and scores the bundle's classifier as notebook 04 scores
the mock (the training class mix, no prior), so that its mock figures can be read at the VI plate's
depth: scale 1.37 is the plate's 0.34 mag beyond the other plates.

    python scripts/depth_trial.py --record benchmarks/depth_trial.jsonl

Needs notebook 03's default dataset and notebook 04's bundle (``data/models``).
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from specml_utils import evaluation, metrics
from specml_utils.augment import noisier
from specml_utils.bundle import Bundle
from specml_utils.classes import CLASS_NAMES
from specml_utils.grid import standardize
from specml_utils.models import class_probabilities
from specml_utils.spectra import median_sn
from trial_record import emit  # scripts/ is on the path when a script runs


def scores(bundle: Bundle, split: dict, scale: float, seed: int) -> dict:
    """Accuracy, per-class recall and F1 of the bundle's classifier on ``split`` made noisier by ``scale``."""
    flux, ivar = split["flux"], split["ivar"]
    if scale > 1:
        flux, ivar = noisier(np.random.default_rng(seed), flux, ivar, scale)
    x = standardize(flux, ivar, bundle.weighted)
    pred = class_probabilities(bundle.classifier, x)[0].argmax(axis=1)
    t = metrics.classification_table(split["label"], pred)
    return {"scale": scale, "delta_mag": round(2.5 * np.log10(scale), 3),
            "median_sn_per_bin": round(float(np.median(median_sn(flux, ivar))), 3),
            "accuracy": round(float(t.loc["all (macro)", "accuracy"]), 4),
            "recall": {c: round(float(t.loc[c, "recall"]), 4) for c in CLASS_NAMES},
            "f1": {c: round(float(t.loc[c, "f1"]), 4) for c in CLASS_NAMES}}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=Path, default=Path("data/models"))
    ap.add_argument("--scales", type=float, nargs="+", default=[1.0, 1.2, 1.37, 1.6, 2.0])
    ap.add_argument("--seed", type=int, default=0, help="the extra noise's random seed")
    ap.add_argument("--record", type=Path, default=None, help="append each result as a JSON line to this file")
    a = ap.parse_args(argv)
    data = evaluation.load_splits()
    bundle = Bundle.load(a.models)
    for s in a.scales:
        emit({"trial": "depth", "models": str(a.models), "dataset": data["path"].name, "split": "test",
              "seed": a.seed, **scores(bundle, data["test"], s, a.seed)}, a.record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
