"""Notebook 05's experiment: the redshift CNN beside two regression baselines, per-class tables,
σ_z calibration, and what the line-fit check changes.

The CNN and the baselines see the same spectra (those of the chosen classes with a confident
visual redshift); the check and the purity/completeness are measured on the whole test split,
through the saved bundle, the way ``specml predict`` runs.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import baselines, evaluation, metrics, models, training
from .augment import AugmentConfig
from .bundle import grid_info, save_model
from .classes import CLASS_NAMES, LABEL, QSO_LABELS, is_qso
from .metrics import DV_CATASTROPHIC


def confident_subsets(data: dict, class_names: str) -> dict:
    """Train/val/test spectra of the named classes (comma-separated) with ``Z_CONF_PERSON = 3``."""
    wanted = [CLASS_NAMES.index(c.strip()) for c in class_names.split(",")]
    return {s: evaluation.subset(data[s], np.isin(data[s]["label"], wanted) & (data[s]["z_conf"] == 3))
            for s in ("train", "val", "test")}


def train_cnn(sel: dict, zbins, nbins: int, recipe, weighted: bool, filters: int = 64, depth: int = 4,
              kernel: int = 10, dense: int = 128, aux_weight: float = 0.5):
    """The redshift CNN trained on ``sel["train"]`` (validation: ``sel["val"]``); ``(model, TrainResult)``.

    ``recipe`` is a :class:`specml_utils.classifiers.Recipe`; augmentation re-observes spectra
    but never shifts them (a shift would move the lines the redshift is read from)."""
    train, val = sel["train"], sel["val"]
    training.seed(recipe.seed)  # reproducible initial weights
    cnn = models.compile_redshift(models.redshift_cnn(nbins, zbins, filters=filters, depth=depth, kernel=kernel,
                                                      dense=dense, aux_classes=len(CLASS_NAMES) if aux_weight else 0),
                                  recipe.learning_rate, class_weight=aux_weight)
    x, y = training.training_inputs(train, models.redshift_targets(cnn, train["z"], train["label"], zbins),
                                    AugmentConfig(p_shift=0) if recipe.augment else None, recipe.batch_size,
                                    recipe.seed, weighted=weighted)
    fit = training.fit(cnn, x, y, val["X"], models.redshift_targets(cnn, val["z"], val["label"], zbins),
                       epochs=recipe.epochs, batch_size=recipe.batch_size, patience=recipe.patience, seed=recipe.seed,
                       schedule=recipe.schedule, precision=recipe.precision)
    return cnn, fit


def regression_baselines(sel: dict, rf_trees: int, seed: int) -> dict:
    """Random Forest and gradient-boosting regressors of t = ln(1+z): per model the fitted
    ``model``, its test-split ``t``, training and inference rates (spectra/s) and training seconds."""
    train, test = sel["train"], sel["test"]
    t_train = np.log1p(train["z"])
    out = {}
    for name, model in (("random forest", baselines.random_forest_regressor(rf_trees, seed)),
                        ("gradient boosting", baselines.gradient_boosting_regressor(seed))):
        train_rate = baselines.fit_timed(model, train["X"], t_train)
        t, rate = baselines.predict_timed(model, test["X"])
        out[name] = {"model": model, "t": t, "train_rate": train_rate, "predict_rate": rate,
                     "train_s": round(len(train["X"]) / train_rate, 2)}
    return out


def groups(labels) -> dict:
    """The test spectra each table row speaks of: quasars (BAL or not), galaxies, stars."""
    return {"QSO": is_qso(labels), "GALAXY": labels == LABEL["GALAXY"], "STAR": labels == LABEL["STAR"]}


def model_table(z_models: dict, speed: dict, test: dict) -> pd.DataFrame:
    """Every model × class: :func:`specml_utils.metrics.redshift_metrics` (n, σ_NMAD, bias,
    median |Δv|, σ(Δv), catastrophic fraction and count, …) and the training and inference rates."""
    rows = []
    for name, zp in z_models.items():
        for g, m in groups(test["label"]).items():
            if m.any():
                r = metrics.redshift_metrics(test["z"][m], zp[m])
                rows.append({"model": name, "class": g, **r, "train spectra/s": speed[name][0],
                             "predict spectra/s": speed[name][1]})
    return pd.DataFrame(rows).set_index(["class", "model"]).sort_index()


#: the columns of :func:`model_table` a reader is shown
SHOWN = ["n", "sigma_nmad", "bias", "median_abs_dv_kms", "sigma_dv_kms", "catastrophic_fraction", "n_catastrophic",
         "train spectra/s", "predict spectra/s"]


def check_table(out: dict, full: dict) -> pd.DataFrame:
    """What the line-fit check did to the confident true quasars of the whole test split: spectra
    checked, redshifts replaced, catastrophes fixed and made, before (``z_cnn``) and after (``z``), and
    the unsure redshifts of spectra called BAL quasars, which are not fitted (``z_check`` 3)."""
    sure = full["z_conf"] == 3
    dv_before = np.abs(metrics.velocity_offset(out["z_cnn"], full["z"]))
    dv_after = np.abs(metrics.velocity_offset(out["z"], full["z"]))
    rows = {}
    for k in QSO_LABELS:
        m = sure & (full["label"] == k)
        swapped = m & (out["z_check"] == 2)
        rows[CLASS_NAMES[k]] = {
            "spectra": int(m.sum()), "checked": int((m & np.isin(out["z_check"], (1, 2))).sum()),
            "replaced": int(swapped.sum()), "unsure, not fitted (BAL)": int((m & (out["z_check"] == 3)).sum()),
            "fixed": int((swapped & (dv_before > DV_CATASTROPHIC) & (dv_after < DV_CATASTROPHIC)).sum()),
            "broken": int((swapped & (dv_before < DV_CATASTROPHIC) & (dv_after > DV_CATASTROPHIC)).sum()),
            "catastrophic, CNN": int((m & (dv_before > DV_CATASTROPHIC)).sum()),
            "catastrophic, checked": int((m & (dv_after > DV_CATASTROPHIC)).sum())}
    return pd.DataFrame(rows).T


def save(folder, cnn, fit, zbins, sigma_scale: dict, z_range: dict, data: dict, forest: dict, trees: int):
    """Save the redshift CNN into the bundle beside 04's classifier (bins, σ scales, redshift range
    per class, grid), and keep the Random Forest's redshifts on the whole test split for notebook 06."""
    saved = save_model(cnn, folder, "redshift", architecture="redshift_cnn",
                       zbins=dict(t_min=zbins.t_min, t_max=zbins.t_max, width=zbins.width),
                       sigma_scale=sigma_scale, z_range=z_range, trained_on=data["path"].name,
                       train_seconds=fit.seconds, **grid_info(data["grid"], data["weighted"]))
    baselines.save_outputs(folder, "random_forest_regressor", baselines.cache_key(data), trees=trees,
                           t=forest["model"].predict(data["test"]["X"]), predict_rate=forest["predict_rate"],
                           train_s=forest["train_s"])
    return saved


def record(data: dict, sel: dict, table: pd.DataFrame, qso: dict, sigma_scale: dict, pc: dict, check: pd.DataFrame,
           real_summary: dict, fit) -> dict:
    """What notebook 05 writes to its metrics JSON (with its parameters and versions added there)."""
    return {"dataset": data["path"].name, "test_spectra": int(len(sel["test"]["z"])),
            "table": {f"{c} | {m}": v for (c, m), v in table.to_dict(orient="index").items()},
            "qso": qso, "sigma_scale": sigma_scale, "purity_completeness": pc,
            "z_check": check.to_dict(orient="index"), "real": real_summary, "training": fit.record()}
