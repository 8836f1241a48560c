"""Notebook 06's side-by-side rows and the baselines notebooks 04 and 05 keep for it."""
import json

import numpy as np
import pytest

from specml_utils import baselines, comparison, report
from specml_utils.classes import is_bal, is_qso


def _split():
    # 4 spectra: a star, a galaxy, a quasar at z = 2, a BAL quasar at z = 2.5 (all confident)
    return {"label": np.array([0, 1, 2, 3]), "z": np.array([0.0, 0.1, 2.0, 2.5]), "z_conf": np.array([3, 3, 3, 3])}


def test_class_masks():
    assert is_qso([0, 1, 2, 3]).tolist() == [False, False, True, True]
    assert is_bal([0, 1, 2, 3]).tolist() == [False, False, False, True]


def test_forest_row_and_summary_by_hand():
    test = _split()
    prob = np.array([[.9, .1, 0, 0], [.1, .8, .1, 0], [0, .1, .9, 0], [0, 0, .6, .4]])  # the BAL called QSO
    row = comparison.forest_row({"prob": prob, "predict_rate": 100.0, "train_s": 2.0},
                                {"t": np.log1p([0.0, 0.1, 2.0, 3.5]), "predict_rate": 300.0, "train_s": 3.0})
    assert row["rate"] == pytest.approx(75.0)          # in series: 1 / (1/100 + 1/300)
    assert row["train_s"] == 5.0
    s = comparison.summarise(row, test)
    # the BAL quasar is detected but its z is 1 off (catastrophic): 1 correct of 2 detections, of 2 quasars
    assert s["purity %"] == pytest.approx(50.0) and s["completeness %"] == pytest.approx(50.0)
    assert s["BAL recall %"] == 0.0 and s["non-BAL rejection %"] == 100.0
    assert s["catastrophic %"] == pytest.approx(50.0)


def test_kept_outputs_come_back_only_for_the_same_training_split(tmp_path):
    key = {"dataset": "d.h5", "train": "abc", "n_test": 4}
    baselines.save_outputs(tmp_path, "random_forest_classifier", key, prob=np.eye(4), predict_rate=10.0)
    back = baselines.load_outputs(tmp_path, "random_forest_classifier", key)
    assert (back["prob"] == np.eye(4)).all() and float(back["predict_rate"]) == 10.0
    assert baselines.load_outputs(tmp_path, "random_forest_classifier", {**key, "train": "other"}) is None
    assert baselines.load_outputs(tmp_path, "random_forest_regressor", key) is None
    split = {"path": tmp_path / "d.h5", "train": {"label": np.array([0, 1]), "z": np.array([0.0, 1.0])},
             "test": {"label": np.zeros(4, int)}}
    other = {**split, "train": {"label": np.array([0, 1]), "z": np.array([0.0, 1.5])}}
    assert baselines.cache_key(split) != baselines.cache_key(other)


def test_metrics_json_has_no_nan(tmp_path):
    path = tmp_path / "m.json"
    report.write_metrics("m", {"a": float("nan"), "b": np.float32(np.inf), "c": np.array([1.0, np.nan]), "d": 2},
                         folder=tmp_path)
    text = path.read_text()
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text) == {"a": None, "b": None, "c": [1.0, None], "d": 2}
