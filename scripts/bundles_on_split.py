"""Score saved classifiers on one dataset's test split, as notebook 04 scores its own (the training mix, no prior).

Two runs of the notebooks train on different mocks, so their test splits differ; scoring both saved bundles on
the same split separates what changed in the network from what changed in the split.

    python scripts/bundles_on_split.py --dataset data/processed/mock_n44000_seed12345_galaxy_rich_mixed_443bins.h5 \\
        --bundles OLD_BUNDLE data/models --record benchmarks/bundles_on_split.jsonl

Seconds on 2 cores; a bundle is a folder with ``bundle.json`` (``specml predict --model``).
"""
from __future__ import annotations

import argparse
from pathlib import Path

from specml_utils import evaluation, metrics, models
from specml_utils.bundle import Bundle
from trial_record import emit


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", type=Path, required=True, help="a dataset file of `specml preprocess`")
    ap.add_argument("--bundles", type=Path, nargs="+", required=True, help="bundle folders to score")
    ap.add_argument("--record", type=Path, default=None, help="append each score as a JSON line to this file")
    a = ap.parse_args(argv)
    test = evaluation.read_splits(a.dataset)["test"]
    for folder in a.bundles:
        bundle = Bundle.load(folder)
        prob = models.class_probabilities(bundle.classifier, test["X"])[0]
        table = metrics.classification_table(test["label"], prob.argmax(1))
        emit({"trial": "bundles_on_split", "dataset": a.dataset.name, "test_spectra": len(test["label"]),
              "bundle": str(folder), "trained_on": bundle.info["classifier"]["trained_on"],
              "test_f1": {k: round(float(v), 4) for k, v in table["f1"].items()}}, a.record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
