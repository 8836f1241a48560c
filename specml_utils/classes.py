"""The four classes and the DR12Q visual-inspection codes that define them."""
from __future__ import annotations

import numpy as np

#: class names in network output order
CLASS_NAMES = ("STAR", "GALAXY", "QSO", "QSO_BAL")
#: DR12Q ``CLASS_PERSON`` code of each class (0 means not inspected)
PERSON_CODE = {"STAR": 1, "QSO": 3, "GALAXY": 4, "QSO_BAL": 30}
#: every code the superset may hold
VALID_PERSON_CODES = (0, 1, 3, 4, 30)
#: the thesis' Table 1: spectra of each class in the cleaned DR12 superset
THESIS_TABLE1 = {"STAR": 207_905, "GALAXY": 20_699, "QSO": 270_534, "QSO_BAL": 29_652}


def index_from_person_code(codes) -> np.ndarray:
    """Map ``CLASS_PERSON`` codes to class indices (0..3); -1 for anything else."""
    codes = np.asarray(codes)
    out = np.full(codes.shape, -1, dtype=np.int8)
    for i, name in enumerate(CLASS_NAMES):
        out[codes == PERSON_CODE[name]] = i
    return out


#: network label of each class
LABEL = {name: i for i, name in enumerate(CLASS_NAMES)}
#: the labels that count as a quasar (QSO or BAL QSO)
QSO_LABELS = (LABEL["QSO"], LABEL["QSO_BAL"])


def is_qso(labels) -> np.ndarray:
    """True where a label is a quasar, BAL or not."""
    return np.isin(labels, QSO_LABELS)


def is_bal(labels) -> np.ndarray:
    """True where a label is a BAL quasar."""
    return np.asarray(labels) == LABEL["QSO_BAL"]


def prior_weights(train_counts, target) -> np.ndarray:
    """Per-class factors that move probabilities learned under one class mix to another.

    A classifier trained on a mix π_train estimates p(c | x) ∝ p(x | c) π_train(c); on a survey
    whose mix is π_target the posterior is p(c | x) π_target(c) / π_train(c), renormalised
    (Saerens, Latinne & Decaestecker 2002). ``train_counts`` and ``target`` are per-class
    counts or fractions in :data:`~specml_utils.classes.CLASS_NAMES` order.
    """
    train = np.asarray(train_counts, float)
    target = np.asarray(target, float)
    if train.shape != target.shape or (train <= 0).any() or (target <= 0).any():
        raise ValueError("class mixes need one positive number per class")
    w = (target / target.sum()) / (train / train.sum())
    return w / w.max()


def shift_prior(prob: np.ndarray, weights) -> np.ndarray:
    """Class probabilities multiplied by :func:`prior_weights` and renormalised (unchanged for None)."""
    if weights is None:
        return prob
    p = np.asarray(prob) * np.asarray(weights, float)[None, :]
    return (p / p.sum(axis=1, keepdims=True)).astype(np.asarray(prob).dtype)
