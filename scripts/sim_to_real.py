"""Sim-to-real trials: train a classifier on one mock survey and score it on the real spectra.

The record of the choices made while looking at the real spectra (README, "Real spectra"):
each run generates a mock with the given options, preprocesses it, trains RNC 2.0 with several
seeds and prints the mock validation accuracy and the VI-set scores (4 classes, Wilson 95 %).

    python scripts/sim_to_real.py --physics analytic --seeds 0 1 2 --record benchmarks/sim_to_real.json
    python scripts/sim_to_real.py --physics mixed --augment --seeds 0 1 2 --record benchmarks/sim_to_real.json

Each seed gives two rows: the network's own probabilities (the balanced training mix) and the
same moved to the DR12 superset's class mix (:func:`specml_utils.classes.prior_weights`).
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
from specml_utils.augment import AugmentConfig
from specml_utils.classes import CLASS_NAMES, THESIS_TABLE1, prior_weights
from specml_utils.mock import MockConfig, generate_survey
from specml_utils.grid import Grid
from specml_utils.preprocess import PreprocessConfig, build_dataset, load_dataset


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
    ap.add_argument("--tag", default="", help="appended to the recorded key (what differs from an earlier run)")
    ap.add_argument("--record", type=Path, default=None,
                    help="add this run's rows to a JSON file (benchmarks/sim_to_real.json), keyed by its settings")
    ap.add_argument("--table", type=Path, default=None,
                    help="print a recorded JSON file as a Markdown table (median and range over seeds) and stop")
    a = ap.parse_args(argv)
    if a.table:
        print(markdown_table(json.loads(a.table.read_text())))
        return 0
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
    weights = training.sample_weights(tr["label"], training.balanced_class_weight(tr["label"], len(CLASS_NAMES)))
    survey_mix = prior_weights(np.bincount(tr["label"], minlength=len(CLASS_NAMES)),
                                      [THESIS_TABLE1[c] for c in CLASS_NAMES])
    rows = []
    for s in a.seeds:
        training.seed(s)
        model = models.compile_classifier(models.CLASSIFIERS[a.arch](443), 1e-3)
        x, y = training.training_inputs(tr, tr["label"], AugmentConfig() if a.augment else None, 240, s, weights)
        fit = training.fit(model, x, y, va["X"], va["label"], epochs=a.epochs, patience=5, sample_weight=weights,
                           seed=s)
        val_acc = float((models.class_probabilities(model, va["X"])[0].argmax(1) == va["label"]).mean())
        for prior, w in (("training mix", None), ("DR12 mix", survey_mix)):
            df, summ = real.score(real.classify(model, Grid(), True, vi, w), truth, "VI")
            rows.append({"seed": s, "prior": prior, "mock val acc": round(val_acc, 4), "epochs": fit.epochs_run,
                         "train spectra/s": fit.train_spectra_per_s,
                         **real.summary_table({"x": summ}).iloc[0].to_dict()})
            print(json.dumps(rows[-1]), flush=True)
            print(real.misses(df)[["FILE", "true_class", "z_true", "CLASS"]].to_string(), flush=True)
    print(pd.DataFrame(rows).to_string())
    if a.record:
        key = f"{a.physics}{' +augment' if a.augment else ''} {a.arch} n{a.n} e{a.epochs}{' ' + a.tag if a.tag else ''}"
        old = json.loads(a.record.read_text()) if a.record.exists() else {}
        old[key] = {"rows": rows, "machine": machine(), "date": time.strftime("%Y-%m-%d")}
        a.record.write_text(json.dumps(old, indent=1) + "\n")
    return 0


def markdown_table(record: dict) -> str:
    """One line per recorded setting and class mix: 4-class accuracy and per-class recall on the VI
    spectra, as the median over seeds with the range."""
    cols = ["accuracy", "STAR recall", "GALAXY recall", "QSO recall", "QSO_BAL recall"]
    lines = ["| mock, training | class mix | seeds | mock val acc | " + " | ".join(cols) + " |",
             "|---" * (4 + len(cols)) + "|"]
    for key, entry in record.items():
        df = pd.DataFrame(entry["rows"])
        for prior, g in df.groupby("prior", sort=False):
            cells = []
            for c in cols:
                v = g[c].str.extract(r"\((\d+)/(\d+)\)").astype(int)
                share = v[0] / v[1]
                cells.append(f"{share.median():.2f} ({share.min():.2f}–{share.max():.2f})")
            lines.append(f"| {key} | {prior} | {len(g)} | {g['mock val acc'].median():.3f} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine() -> str:
    import os

    from specml_utils.report import cpu_model

    return f"{cpu_model()}, {os.cpu_count()} cores"


if __name__ == "__main__":
    sys.exit(main())
