"""Trial of fine-tuning (notebook 04's ``fine_tune_on``): what training further on a few hundred or
thousand labelled spectra of another kind does to a network trained on the mock.

The real spectra on this machine are a validation set and are never trained on, so a mock of other
physics stands in for a user's real labelled spectra. Specnet is trained as notebook 04 trains it on
an ``analytic`` mock (the source: line lists, blackbodies, power laws), then fine-tuned by the
function notebook 04 calls (:func:`specml_utils.training.fine_tune_classifier`: a tenth of the
learning rate, at most 5 epochs, early stopping on the target's validation split) on N spectra of
the training split of a ``templates`` mock (the target: spectra built from the BOSS pipeline's own
templates, another seed). Beside it, the same network trained from scratch on those N spectra alone.
All are scored on the target's test split, which no training saw, and on the 69 visually inspected
real spectra (scored, never trained on; the DR12 class mix applied as ``specml predict`` does).

    python scripts/fine_tune_trial.py --seeds 1 2 --record benchmarks/fine_tune_trial.jsonl

About 2 minutes a seed on 2 cores, plus the two mocks once (kept in ``--work``). Every (seed, N,
arm) appends one JSON line: the 4-class accuracy and per-class recall on the target's test split,
and the VI accuracy with its count; arm ``source`` is the network before fine-tuning.
"""
from __future__ import annotations

import argparse
import contextlib
import io
from pathlib import Path

from specml_utils import catalog, classifiers, evaluation, models, real, redshift_bins, sources, training
from specml_utils.augment import AugmentConfig
from specml_utils.classes import CLASS_NAMES
from specml_utils.grid import Grid
from specml_utils.mock import MockConfig, generate_survey
from specml_utils.preprocess import SPLITS, PreprocessConfig, build_dataset, load_dataset
from trial_record import emit  # scripts/ is on the path when a script runs


def dataset(work: Path, physics: str, n: int, seed: int) -> Path:
    """A mock survey of ``physics`` preprocessed as notebook 03 does (made once, kept in ``work``)."""
    home = work / f"{physics}_n{n}_s{seed}"
    h5 = home / "dataset.h5"
    if not h5.exists():
        generate_survey(MockConfig(n_spectra=n, seed=seed, physics=physics), home, progress=False)
        matched, _ = catalog.crossmatch(catalog.clean(sources.load_catalog(home))[0], home)
        build_dataset(matched, h5, PreprocessConfig(), progress=False)
    return h5


def splits(h5: Path) -> dict:
    """The three splits of a dataset, with the grid facts :func:`classifiers.train_one` needs."""
    data = {s: load_dataset(h5, s) for s in SPLITS}
    cfg = data["test"]["provenance"]["config"]
    data["grid"] = Grid(cfg["loglam_min"], cfg["dloglam"], cfg["nbins"])
    data["weighted"] = bool(cfg["weighted"])
    return data


def scores(model, test: dict, grid, weighted: bool, truth, prior) -> dict:
    """4-class accuracy and recall per class on ``test``; VI accuracy on the real spectra (where
    the shared folder has them)."""
    pred = models.class_probabilities(model, test["X"])[0].argmax(axis=1)
    y = test["label"]
    out = {"accuracy": round(float((pred == y).mean()), 4)}
    out.update({f"{c} recall": round(float((pred[y == k] == k).mean()), 4) for k, c in enumerate(CLASS_NAMES)})
    if not len(truth):
        return {"target": out}
    _, summ = real.score_sources(real.classify(model, grid, weighted, truth, prior), truth)
    vi = summ["VI"]["accuracy"]
    return {"target": out, "vi_acc": vi["value"], "vi_k": vi["k"], "vi_n": vi["n"]}


def class_weights(labels):
    """Notebook 04's balanced per-spectrum weights, without the table it prints."""
    with contextlib.redirect_stdout(io.StringIO()):
        return classifiers.balanced_weights(labels)


def run_seed(seed: int, src: dict, tgt_h5: Path, tgt: dict, counts, epochs: int, truth, record) -> None:
    zb = redshift_bins.ZBins()
    grid = src["grid"]
    build = classifiers.builders(grid.nbins, zb)["specnet"]
    recipe = classifiers.Recipe(epochs=epochs, seed=seed)
    prior = classifiers.survey_prior(src["train"]["label"], "dr12")
    weights = class_weights(src["train"]["label"])
    training.seed(seed)
    model, fit = classifiers.train_one(build, src, zb, recipe, weights, seed)
    w0 = model.get_weights()
    base = {"trial": "fine_tune", "seed": seed, "epochs": epochs, "source": "analytic", "target": "templates"}
    emit({**base, "arm": "source", "n_target": 0, "train_s": fit.seconds,
          **scores(model, tgt["test"], grid, src["weighted"], truth, prior)}, record)
    for n in counts:
        model.set_weights(w0)
        out = training.fine_tune_classifier(model, tgt_h5, zb, epochs=5, learning_rate=recipe.learning_rate / 10,
                                            batch_size=recipe.batch_size, seed=seed, augment=AugmentConfig(),
                                            max_train=n)
        emit({**base, "arm": "fine-tuned", "n_target": out["n"]["train"], "epochs_run": out["fit"].epochs_run,
              **scores(model, tgt["test"], grid, src["weighted"], truth, prior)}, record)
        few = {**tgt, "train": evaluation.sample(tgt["train"], n, seed)}
        training.seed(seed)
        scratch, sfit = classifiers.train_one(build, few, zb, recipe, class_weights(few["train"]["label"]), seed)
        emit({**base, "arm": "target only", "n_target": len(few["train"]["label"]), "train_s": sfit.seconds,
              **scores(scratch, tgt["test"], grid, src["weighted"], truth, prior)}, record)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1])
    ap.add_argument("--n-source", type=int, default=12000)
    ap.add_argument("--n-target", type=int, default=6000)
    ap.add_argument("--counts", type=int, nargs="+", default=[300, 1000, 0],
                    help="target training spectra to fine-tune on (0: the whole split)")
    ap.add_argument("--epochs", type=int, default=15, help="epochs of the source training (notebook 04: 15)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/fine_tune_trial"))
    ap.add_argument("--record", type=Path, default=None, help="append each result as a JSON line to this file")
    a = ap.parse_args(argv)
    src = splits(dataset(a.work, "analytic", a.n_source, 7))
    tgt_h5 = dataset(a.work, "templates", a.n_target, 202)
    tgt = splits(tgt_h5)
    truth = real.truth_table()
    for seed in a.seeds:
        run_seed(seed, src, tgt_h5, tgt, a.counts, a.epochs, truth, a.record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
