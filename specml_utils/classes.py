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
