"""scikit-learn baselines on the same standardised inputs as the CNNs.

The thesis names a Random Forest as the classical alternative; for redshift we add a histogram
gradient-boosting regressor. The regressors predict t = ln(1 + z), as the CNN does.
"""
from __future__ import annotations

import time

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestClassifier, RandomForestRegressor


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
    t0 = time.perf_counter()
    model.fit(x, y)
    return round(len(x) / (time.perf_counter() - t0), 1)


def predict_timed(model, x, proba: bool = False) -> tuple[np.ndarray, float]:
    """Predictions (probabilities when ``proba``) and the inference rate in spectra/s."""
    t0 = time.perf_counter()
    out = model.predict_proba(x) if proba else model.predict(x)
    return out, round(len(x) / (time.perf_counter() - t0), 1)
