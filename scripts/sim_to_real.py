"""Sim-to-real trials: train a classifier on one mock survey and score it on the real spectra.

The record of the choices made while looking at the real spectra (README, "Real spectra"):
each run generates a mock with the given options, preprocesses it, trains RNC 2.0 with several
seeds and prints the mock validation accuracy and the VI-set scores (4 classes, Wilson 95 %).

    python scripts/sim_to_real.py --n 12000 --physics analytic --seeds 0 1
    python scripts/sim_to_real.py --n 12000 --physics templates --augment --seeds 0 1
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from specml_utils import catalog, models, real, sources, training
from specml_utils.augment import AugmentConfig, AugmentedBatches
from specml_utils.classes import CLASS_NAMES, THESIS_TABLE1
from specml_utils.mock import MockConfig, generate_survey
from specml_utils.preprocess import PreprocessConfig, build_dataset, load_dataset, rebin, standardize
from specml_utils.spectra import read_spec_lite


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=12000)
    ap.add_argument("--physics", default="analytic")
    ap.add_argument("--mock-seed", type=int, default=7)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--augment", action="store_true")
    ap.add_argument("--arch", default="rnc2")
    ap.add_argument("--work", default="/tmp/sim_to_real")
    a = ap.parse_args(argv)
    home = Path(a.work) / f"{a.physics}_n{a.n}_s{a.mock_seed}"
    if not (home / "mock_manifest.json").exists():
        t0 = time.time()
        generate_survey(MockConfig(n_spectra=a.n, seed=a.mock_seed, physics=a.physics), home, progress=False)
        print(f"mock: {time.time() - t0:.0f} s", flush=True)
    h5 = home / "dataset.h5"
    if not h5.exists():
        matched, _ = catalog.crossmatch(catalog.clean(sources.load_catalog(home))[0], home)
        build_dataset(matched, h5, PreprocessConfig(), progress=False)
    tr, va = load_dataset(h5, "train"), load_dataset(h5, "val")
    truth = real.truth_table()
    vi = truth[truth["label_source"] == "VI"]
    flux, ivar = rebin([read_spec_lite(p) for p in vi["PATH"]])
    x_real = standardize(flux, ivar)
    cw = training.balanced_class_weight(tr["label"], 4)
    rows = []
    for s in a.seeds:
        training.seed(s)
        model = models.compile_classifier(models.CLASSIFIERS[a.arch](443), 1e-3)
        if a.augment:
            data = AugmentedBatches(tr["flux"], tr["ivar"], tr["label"], AugmentConfig(), batch_size=240, seed=s,
                                     sample_weight=training.sample_weights(tr["label"], cw))
            fit = training.fit(model, data, None, va["X"], va["label"], epochs=a.epochs, patience=5, seed=s)
        else:
            fit = training.fit(model, tr["X"], tr["label"], va["X"], va["label"], epochs=a.epochs, patience=5,
                               sample_weight=training.sample_weights(tr["label"], cw), seed=s)
        val_acc = float((models.class_probabilities(model, va["X"])[0].argmax(1) == va["label"]).mean())
        prob, _ = models.class_probabilities(model, x_real)
        pred = pd.DataFrame({"FILE": vi["FILE"].to_numpy(), "CLASS": np.array(CLASS_NAMES)[prob.argmax(1)]})
        df, summ = real.score(pred, truth, "VI")
        rows.append({"seed": s, "mock val acc": round(val_acc, 4), "epochs": fit.epochs_run,
                     **{k: v for k, v in real.summary_table({"x": summ}).iloc[0].items()}})
        w = np.array([THESIS_TABLE1[c] for c in CLASS_NAMES], float)
        w /= w.sum() * np.bincount(tr["label"], minlength=4) / len(tr["label"])
        adj = prob * w
        pred2 = pd.DataFrame({"FILE": vi["FILE"].to_numpy(), "CLASS": np.array(CLASS_NAMES)[adj.argmax(1)]})
        df2, summ2 = real.score(pred2, truth, "VI")
        rows.append({"seed": f"{s} prior", **{k: v for k, v in real.summary_table({"x": summ2}).iloc[0].items()}})
        print(pd.crosstab(df2["true_class"], df2["CLASS"]), flush=True)
        print(json.dumps(rows[-1]), flush=True)
        print(pd.crosstab(df["true_class"], df["CLASS"]), flush=True)
        df["P_max"] = prob.max(axis=1)
        print(df.loc[~df["ok_class"], ["FILE", "true_class", "z_true", "CLASS", "P_max"]].to_string(), flush=True)
    print(pd.DataFrame(rows).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
