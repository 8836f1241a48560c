"""scikit-learn baselines on the same standardised inputs as the CNNs.

The thesis names a Random Forest as the classical alternative; for redshift we add a histogram
gradient-boosting regressor. The regressors predict t = ln(1 + z), as the CNN does.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestClassifier, RandomForestRegressor

from .atomic import atomic_path
from .timing import timed


def random_forest_classifier(n_estimators: int = 200, seed: int = 0) -> RandomForestClassifier:
    """Random Forest with balanced class weights (the same imbalance handling as the CNNs)."""
    return RandomForestClassifier(n_estimators=n_estimators, class_weight="balanced", n_jobs=-1,
                                  random_state=seed, min_samples_leaf=1)


def random_forest_regressor(n_estimators: int = 200, seed: int = 0) -> RandomForestRegressor:
    return RandomForestRegressor(n_estimators=n_estimators, n_jobs=-1, random_state=seed, max_features="sqrt")


def gradient_boosting_regressor(seed: int = 0) -> HistGradientBoostingRegressor:
    return HistGradientBoostingRegressor(max_iter=300, learning_rate=0.1, early_stopping=True, random_state=seed)


def fit_timed(model, x, y) -> float:
    """Fit and return the training rate in spectra/s."""
    return timed(lambda: model.fit(x, y), len(x))[1]


def predict_timed(model, x, proba: bool = False) -> tuple[np.ndarray, float]:
    """Predictions (probabilities when ``proba``) and the inference rate in spectra/s."""
    return timed(lambda: model.predict_proba(x) if proba else model.predict(x), len(x))


def save_outputs(folder, name: str, key: dict, **arrays) -> Path:
    """Keep a baseline's test-split outputs (and rates) for notebook 06, under ``folder/baselines``.

    ``key`` says what they were made from (dataset, trees, seed, …); :func:`load_outputs` gives
    them back only for the same key, so a stale file is never mistaken for this run's."""
    path = Path(folder) / "baselines" / f"{name}.npz"
    arrays = {k: np.asarray(v) for k, v in arrays.items()}
    with atomic_path(path, ".npz") as tmp:
        np.savez(tmp, key=json.dumps(key, sort_keys=True), **arrays)
    return path


def load_outputs(folder, name: str, key: dict) -> dict | None:
    """The outputs :func:`save_outputs` kept for ``key``, or None (absent, or made from other inputs)."""
    path = Path(folder) / "baselines" / f"{name}.npz"
    if not path.exists():
        return None
    with np.load(path) as f:
        if str(f["key"]) != json.dumps(key, sort_keys=True):
            return None
        return {k: f[k] for k in f.files if k != "key"}


def cache_key(data: dict) -> dict:
    """What a baseline's kept outputs depend on: the dataset file and the training split drawn from it."""
    import hashlib

    train = data["train"]
    # the same file can give other training sets (a cap, another seed): their labels and redshifts tell
    fingerprint = hashlib.sha1(np.asarray(train["label"]).tobytes() + np.asarray(train["z"]).tobytes()).hexdigest()
    return {"dataset": data["path"].name, "train": fingerprint[:16], "n_test": int(len(data["test"]["label"]))}
