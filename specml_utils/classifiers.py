"""Notebook 04's experiment: train the candidate networks on one split, choose one on validation,
keep it with the survey's class mix, and measure how much its score on the sky depends on the seed.

Every step consumes random numbers in a fixed order (one global seed, then each network's
weights, then its training), so a run with the same parameters gives the same numbers.
"""
from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import multiprocessing
import os
import tempfile
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from . import baselines, metrics, models, published, real, report, training
from .augment import AugmentConfig
from .bundle import grid_info, save_model
from .classes import CLASS_NAMES, THESIS_TABLE1, prior_weights
from .plots import z_text

ARCHITECTURES = ("rnc1", "rnc2", "specnet")
#: bins of median S/N per pixel and of redshift for the scores of 04's figures
SN_EDGES = np.array([0, 1, 2, 3, 5, 8, 13, 20, 50, 1e4])
Z_EDGES = np.array([-0.01, 0.01, 0.3, 0.6, 1.0, 1.6, 2.2, 2.8, 3.5, 6.0])
#: bins of CIV balnicity index (km/s) for the BAL quasars' recall
BI_EDGES = (0.0, 500.0, 1000.0, 2000.0, 4000.0, np.inf)


@dataclass
class Recipe:
    """How every network is trained (notebook 04's parameters)."""
    epochs: int = 15
    batch_size: int = 240
    learning_rate: float = 1e-3
    patience: int = 5
    augment: bool = True
    seed: int = 0
    schedule: str = "cosine"
    precision: str = "auto"   # :data:`specml_utils.training.PRECISIONS`


def builders(nbins: int, zbins, filters: int = 64, depth: int = 4, kernel: int = 10, dropout: float = 0.2) -> dict:
    """A function per architecture that builds it untrained (picklable: a training can run in
    another process)."""
    return {"rnc1": partial(models.rnc1, nbins),
            "rnc2": partial(models.rnc2, nbins),
            "specnet": partial(models.specnet, nbins, filters=filters, depth=depth, kernel=kernel, dropout=dropout,
                               zbins=zbins)}


def parse_architectures(text: str) -> list[str]:
    """``"rnc1,rnc2"`` → the names, or a clear error for a name that is not an architecture."""
    names = [a.strip() for a in text.split(",") if a.strip()]
    unknown = set(names) - set(ARCHITECTURES)
    if unknown or not names:
        raise ValueError(f"unknown architecture(s) {sorted(unknown)}; choose from {list(ARCHITECTURES)}")
    return names


def balanced_weights(labels) -> np.ndarray:
    """Per-spectrum training weights that give every class the same total weight (printed per class)."""
    class_weight = training.balanced_class_weight(labels, len(CLASS_NAMES))
    print("class weights:", {CLASS_NAMES[k]: round(w, 3) for k, w in class_weight.items()})
    return training.sample_weights(labels, class_weight)


def fine_tune(model, dataset: str, zbins, recipe: Recipe, epochs: int) -> dict:
    """Fine-tune ``model`` on a real labelled dataset (an HDF5 file from notebook 03 with
    ``source = "sdss"``), at a tenth of the learning rate, and show its scores before and after;
    ``{}`` (and a note) when no dataset is given."""
    from IPython.display import display

    if not dataset:
        print("no real training set given (fine_tune_on is empty): the network is the mock-trained one")
        return {}
    out = training.fine_tune_classifier(model, dataset, zbins, epochs=epochs, learning_rate=recipe.learning_rate / 10,
                                        batch_size=recipe.batch_size, seed=recipe.seed,
                                        augment=AugmentConfig() if recipe.augment else None,
                                        precision=recipe.precision)
    display(pd.DataFrame({"before": out["before"], "after": out["after"]}).round(3))
    print(f"real spectra per split: {out['n']}; {out['fit'].epochs_run} epochs")
    return out


def train_one(build, data: dict, zbins, recipe: Recipe, weights, seed: int):
    """Build, compile and train one network on ``data["train"]``; return ``(model, TrainResult)``."""
    train, val = data["train"], data["val"]
    model = models.compile_classifier(build(), recipe.learning_rate)
    x, y = training.training_inputs(train, models.classifier_targets(model, train["label"], train["z"], zbins),
                                    AugmentConfig() if recipe.augment else None, recipe.batch_size, seed, weights,
                                    data["weighted"])
    fit = training.fit(model, x, y, val["X"], models.classifier_targets(model, val["label"], val["z"], zbins),
                       epochs=recipe.epochs, batch_size=recipe.batch_size, patience=recipe.patience,
                       sample_weight=weights, seed=seed, schedule=recipe.schedule,
                       precision=recipe.precision)
    return model, fit


def train_candidates(names, build: dict, data: dict, zbins, recipe: Recipe, weights) -> dict:
    """Train each named network; return per name its model, fit, and test/validation outputs."""
    test, val = data["test"], data["val"]
    runs = {}
    training.seed(recipe.seed)  # every initial weight below is reproducible
    for name in names:
        model, fit = train_one(build[name], data, zbins, recipe, weights, recipe.seed)
        out, rate = training.predict_timed(model, test["X"])   # the timed run's output is the test split's
        prob, zprob = models.class_outputs(out)
        val_prob, _ = models.class_probabilities(model, val["X"])
        runs[name] = {"model": model, "fit": fit, "prob": prob, "zprob": zprob, "val_prob": val_prob,
                      "predict_rate": rate}
        print(f"{name}: {fit.epochs_run} epochs (best {fit.best_epoch}) in {fit.seconds:.0f} s ({fit.precision})")
    return runs


def forest_run(rf, data: dict) -> dict:
    """Fit a Random Forest classifier on the training split; its outputs in the form of a network run."""
    train, val, test = data["train"], data["val"], data["test"]
    train_rate = baselines.fit_timed(rf, train["X"], train["label"])
    prob, rate = baselines.predict_timed(rf, test["X"], proba=True)
    return {"prob": prob, "val_prob": rf.predict_proba(val["X"]), "predict_rate": rate, "train_rate": train_rate,
            "train_s": round(len(train["X"]) / train_rate, 2)}


def macro_f1(y, prob) -> float:
    """Macro-averaged F1 of the most probable class."""
    return float(metrics.classification_table(y, prob.argmax(axis=1)).loc["all (macro)", "f1"])


def summary(runs: dict, data: dict) -> pd.DataFrame:
    """Size, training, speed and macro F1 (validation and test) of every run; counts as integers."""
    val, test = data["val"], data["test"]
    rows = {}
    for name, r in runs.items():
        fit = r.get("fit")
        rows[name] = {"parameters": fit.params if fit else pd.NA, "epochs run": fit.epochs_run if fit else pd.NA,
                      "best epoch": fit.best_epoch if fit else pd.NA, "train s": fit.seconds if fit else r["train_s"],
                      "train spectra/s": fit.train_spectra_per_s if fit else r["train_rate"],
                      "predict spectra/s": r["predict_rate"], "val macro F1": macro_f1(val["label"], r["val_prob"]),
                      "test macro F1": macro_f1(test["label"], r["prob"])}
    out = pd.DataFrame(rows).T
    for col in ("parameters", "epochs run", "best epoch"):
        out[col] = out[col].astype("Int64")
    for col in ("train s", "train spectra/s", "predict spectra/s", "val macro F1", "test macro F1"):
        out[col] = out[col].astype(float)
    return out


def choose(table: pd.DataFrame, runs: dict) -> str:
    """The network (not the forest) with the best validation macro F1."""
    return max((n for n in runs if "model" in runs[n]), key=lambda n: table.loc[n, "val macro F1"])


def survey_prior(train_labels, class_prior: str):
    """Factors that move probabilities from the training mix to the survey's (``"dr12"``), or None."""
    if class_prior == "none":
        return None
    if class_prior != "dr12":
        raise ValueError(f"class_prior must be 'dr12' or 'none', not {class_prior!r}")
    train_mix = np.bincount(train_labels, minlength=len(CLASS_NAMES))
    return prior_weights(train_mix, [THESIS_TABLE1[c] for c in CLASS_NAMES])


def misclassified(run: dict, test: dict, zbins, n: int = 8) -> tuple[int, list]:
    """How many test spectra a run gets wrong, and its ``n`` most confident mistakes as gallery cases."""
    pred = run["prob"].argmax(axis=1)
    z_pred, _, _ = zbins.estimate(run["zprob"]) if run.get("zprob") is not None else (np.full(len(pred), np.nan),) * 3
    wrong = np.flatnonzero(pred != test["label"])
    top = wrong[np.argsort(-run["prob"][wrong].max(axis=1))][:n]
    cases = [{"row": i, "true": CLASS_NAMES[test["label"][i]], "z_true": float(test["z"][i]),
              "pred": CLASS_NAMES[pred[i]], "z_pred": float(z_pred[i]),
              "title": (f"true {CLASS_NAMES[test['label'][i]]} z={z_text(test['z'][i])} → {CLASS_NAMES[pred[i]]}"
                        + (f" z={z_text(z_pred[i])}" if np.isfinite(z_pred[i]) else "")
                        + f" (p={run['prob'][i].max():.2f}, S/N {test['sn'][i]:.1f}, "
                          f"{test['plate'][i]}-{test['mjd'][i]}-{test['fiberid'][i]:04d})")} for i in top]
    return len(wrong), cases


def seed_spread(build, data: dict, zbins, recipe: Recipe, weights, truth, prior, first: dict, seed_runs: int,
                first_prob, parallel: bool | None = None, members: dict | None = None,
                member_probs: dict | None = None) -> tuple[dict, pd.DataFrame]:
    """The chosen architecture with seeds ``recipe.seed``, ``recipe.seed + 1`` … (``seed_runs`` in all).

    Returns each seed's score on the visually inspected real spectra and a table of each seed's F1
    per class on the mock test split (one row a seed), so that the mock's figures carry their seed
    scatter too. ``first`` and ``first_prob`` are the run already made with ``recipe.seed`` (its
    score and test probabilities); ``members`` maps seeds to networks already trained (an
    ensemble's, :func:`ensemble_run`), which are scored here, not trained again, their mock test
    probabilities taken from ``member_probs`` where it has them (the run's). The other seeds are
    trained, at the same time where ``parallel`` (:func:`train_seeds`).
    """
    y = data["test"]["label"]
    members = members or {}
    seeds = list(range(recipe.seed, recipe.seed + seed_runs))
    to_train = [s for s in seeds[1:] if s not in members]
    outs = dict(zip(to_train, _map_seeds(_seed_run, (build, data, zbins, recipe, weights, truth, prior), to_train,
                                         parallel, "the seed spread's")))
    scores, f1 = {}, {}
    for s in seeds:
        if s in members:
            score, prob = _scores_of(members[s], data, truth, prior, (member_probs or {}).get(s, {}).get("test"))
        else:
            score, prob = (first, first_prob) if s == recipe.seed else outs[s]
        scores[s], f1[s] = score, _f1(y, prob)
    return scores, pd.DataFrame(f1).T


def train_seeds(build, data: dict, zbins, recipe: Recipe, weights, seeds, parallel: bool | None = None) -> dict:
    """The network ``build`` trained as :func:`train_one` trains it, once per seed of ``seeds``:
    ``{seed: (model, training seconds)}``, at the same time where ``parallel`` (each in a process of its
    own, which hands its network back through a file; each gives the network it gives alone)."""
    seeds = list(seeds)
    with tempfile.TemporaryDirectory() as tmp:
        outs = _map_seeds(_seed_model, (build, data, zbins, recipe, weights, tmp), seeds, parallel, "the ensemble's")
        return {s: (models.keras.saving.load_model(path), seconds) for s, (path, seconds) in zip(seeds, outs)}


def ensemble_run(build, data: dict, zbins, recipe: Recipe, weights, first: dict, n_seeds: int,
                 parallel: bool | None = None) -> dict:
    """The run ``first`` (the chosen network, seed ``recipe.seed``) as the mean of ``n_seeds``
    trainings (:func:`specml_utils.models.ensemble`): the same keys as :func:`train_candidates`' runs,
    its ``fit`` the first training's with the members' parameters and training seconds summed, plus
    ``members`` (seed → network) and ``member_probs`` (seed → their validation and test probabilities, computed
    once here for :func:`members_table` and :func:`seed_spread`)."""
    trained = train_seeds(build, data, zbins, recipe, weights, range(recipe.seed + 1, recipe.seed + n_seeds), parallel)
    members = {recipe.seed: first["model"], **{s: m for s, (m, _) in trained.items()}}
    model = models.ensemble(list(members.values()))
    test, val = data["test"], data["val"]
    out, rate = training.predict_timed(model, test["X"])
    prob, zprob = models.class_outputs(out)
    val_prob, _ = models.class_probabilities(model, val["X"])
    member_probs = {s: {split: models.class_probabilities(m, data[split]["X"])[0] for split in ("val", "test")}
                    for s, m in members.items()}
    fit = dataclasses.replace(first["fit"], params=first["fit"].params * len(members),
                              seconds=round(first["fit"].seconds + sum(t for _, t in trained.values()), 1))
    print(f"the mean of {len(members)} trainings (seeds {', '.join(map(str, members))}): "
          f"{fit.seconds:.0f} s of training in all")
    return {"model": model, "fit": fit, "prob": prob, "zprob": zprob, "val_prob": val_prob, "predict_rate": rate,
            "members": members, "member_probs": member_probs}


def members_table(run: dict, data: dict) -> pd.DataFrame:
    """Validation and test macro F1 and QSO / BAL QSO F1 on the test split of each member of an
    ensemble run (one row a seed) and of their mean (the run itself), from the probabilities the run holds."""
    val, test = data["val"], data["test"]
    rows = {}
    probs = [*((f"seed {s}", p["val"], p["test"]) for s, p in run.get("member_probs", {}).items()),
             ("mean", run["val_prob"], run["prob"])]
    for name, vp, tp in probs:
        f1 = _f1(test["label"], tp)
        rows[name] = {"val macro F1": macro_f1(val["label"], vp), "test macro F1": f1["all (macro)"],
                      "test QSO F1": f1["QSO"], "test BAL QSO F1": f1["QSO_BAL"]}
    return pd.DataFrame(rows).T


def _map_seeds(fn, job: tuple, seeds: list, parallel: bool | None, what: str) -> list:
    """``fn(job, s)`` for each seed, in processes of their own at the same time where ``parallel``
    (by default where :func:`concurrent_trainings`), else here, one after the other."""
    if parallel is None:
        parallel = concurrent_trainings()
    if parallel and len(seeds) > 1:
        ctx = multiprocessing.get_context("spawn")  # a fresh backend in each: safe after threads started
        try:
            with cf.ProcessPoolExecutor(len(seeds), mp_context=ctx) as pool:
                return list(pool.map(fn, [job] * len(seeds), seeds))
        except BrokenProcessPool:   # a process killed (out of memory?): the same trainings, one at a time here
            print(f"{what} processes died; its seeds train again here, one after the other")
    return [fn(job, s) for s in seeds]


def concurrent_trainings() -> bool:
    """Whether trainings whose timing nobody reads should run two at a time: on a CPU of two cores
    or more (no GPU). Two trainings at TensorFlow's default thread count at once each give the
    network they give alone, to the last digit, and together 1.15× the throughput of one after
    the other on 2 cores (``benchmarks/side_by_side.jsonl``); a GPU is one device to share."""
    return (os.cpu_count() or 1) >= 2 and not report.gpu_present()


def _seed_run(job: tuple, s: int) -> tuple[dict, np.ndarray]:
    """One seed of :func:`seed_spread`: its VI score and its mock test probabilities."""
    build, data, zbins, recipe, weights, truth, prior = job
    training.seed(s)
    model, _ = train_one(build, data, zbins, recipe, weights, s)
    return _scores_of(model, data, truth, prior)


def _scores_of(model, data: dict, truth, prior, test_prob=None) -> tuple[dict, np.ndarray]:
    """A network's VI score on the real spectra and its mock test probabilities (``test_prob`` where
    they were computed already)."""
    score = real.score(real.classify(model, data["grid"], data["weighted"], truth, prior), truth, "VI")[1]
    return score, models.class_probabilities(model, data["test"]["X"])[0] if test_prob is None else test_prob


def _seed_model(job: tuple, s: int) -> tuple[str, float]:
    """One seed of :func:`train_seeds`: the network saved in the job's folder, and its training seconds."""
    build, data, zbins, recipe, weights, folder = job
    training.seed(s)
    model, fit = train_one(build, data, zbins, recipe, weights, s)
    path = Path(folder) / f"seed_{s}.keras"
    model.save(path)
    return str(path), fit.seconds


def _f1(y, prob) -> pd.Series:
    """F1 per class and macro-averaged, of the most probable class."""
    return metrics.classification_table(y, prob.argmax(axis=1))["f1"]


def f1_beside_published(tables: dict) -> pd.DataFrame:
    """F1 per class of every run beside the thesis' published RNC 1.0 and RNC 2.0 values."""
    f1 = pd.DataFrame({f"{n} (ours)": t["f1"].iloc[:4] for n, t in tables.items()})
    f1.insert(0, "RNC 2.0 (published)", [published.THESIS_RNC2[c][2] for c in CLASS_NAMES])
    f1.insert(0, "RNC 1.0 (published)", [published.THESIS_RNC1_F1.get(c, np.nan) for c in CLASS_NAMES])
    f1.index.name = "F1 per class"
    return f1


def scores_by(runs: dict, test: dict, names) -> tuple[dict, dict]:
    """Accuracy and recall per class in bins of S/N and of redshift (:data:`SN_EDGES`, :data:`Z_EDGES`)."""
    pred = {n: runs[n]["prob"].argmax(axis=1) for n in names}
    return ({n: metrics.binned_scores(test["label"], pred[n], test["sn"], SN_EDGES) for n in names},
            {n: metrics.binned_scores(test["label"], pred[n], test["z"], Z_EDGES) for n in names})


def bal_recall_by_bi(run: dict, test: dict) -> pd.DataFrame:
    """Recall of the BAL quasars in bins of their CIV balnicity index (``bi_civ``, km/s, Weymann et
    al. 1991), with 95 % Wilson intervals and the share the network calls plain quasars: where its
    BAL misses lie. Empty where the split has no BI (a catalog without ``BI_CIV``).
    """
    if "bi_civ" not in test:
        return pd.DataFrame()
    bal = CLASS_NAMES.index("QSO_BAL")
    pred = run["prob"].argmax(axis=1)
    is_bal = test["label"] == bal
    rows = []
    for lo, hi in zip(BI_EDGES[:-1], BI_EDGES[1:]):
        s = is_bal & (test["bi_civ"] >= lo) & (test["bi_civ"] < hi)
        rec = metrics.share((pred[s] == bal).sum(), s.sum())
        rows.append({"BI_CIV (km/s)": f"{lo:,.0f}–{hi:,.0f}" if np.isfinite(hi) else f"≥ {lo:,.0f}",
                     "BAL quasars": int(s.sum()), "found": rec["k"], "recall": rec["value"],
                     "lo95": rec["lo95"], "hi95": rec["hi95"],
                     "called QSO": float((pred[s] == CLASS_NAMES.index("QSO")).mean()) if s.any() else np.nan})
    return pd.DataFrame(rows).set_index("BI_CIV (km/s)")


def save_chosen(folder, name: str, run: dict, data: dict, test_macro_f1: float, prior, class_prior: str,
                fine_tune_on: str = ""):
    """Save the chosen network as the bundle's classifier, with what ``specml predict`` needs
    (grid, weighting, class names, the survey's class mix) and what it was made from."""
    return save_model(run["model"], folder, "classifier", architecture=name, members=len(run.get("members", ())) or 1,
                      class_names=list(CLASS_NAMES),
                      trained_on=data["path"].name, test_macro_f1=float(test_macro_f1),
                      fine_tuned_on=fine_tune_on or None, train_seconds=run["fit"].seconds,
                      prior=None if prior is None else {"name": class_prior, "weights": prior.tolist()},
                      **grid_info(data["grid"], data["weighted"]))


def record(data: dict, best: str, tables: dict, summary: pd.DataFrame, rel: dict, real_summary: dict,
           fine_tuned: dict, scores: dict, bal_by_bi: pd.DataFrame | None = None,
           seed_f1: pd.DataFrame | None = None, members: pd.DataFrame | None = None) -> dict:
    """What notebook 04 writes to its metrics JSON (with its parameters and versions added there)."""
    return {"dataset": data["path"].name, "test_spectra": int(len(data["test"]["label"])), "chosen": best,
            "per_model": {n: {"table": t.to_dict(orient="index"), "summary": summary.loc[n].to_dict(), "ece": rel[n][1]}
                          for n, t in tables.items()},
            "f1": {c: float(tables[best].loc[c, "f1"]) for c in CLASS_NAMES},
            "macro_f1": float(tables[best].loc["all (macro)", "f1"]), "real": real_summary,
            "fine_tuned": {k: v for k, v in fine_tuned.items() if k != "fit"},
            "real_seed_accuracy": {str(s): v["accuracy"] for s, v in scores.items()},
            "mock_seed_f1": {} if seed_f1 is None else {str(s): row.to_dict() for s, row in seed_f1.iterrows()},
            "bal_recall_by_bi": {} if bal_by_bi is None else bal_by_bi.to_dict(orient="index"),
            "ensemble_members": {} if members is None else members.to_dict(orient="index")}
