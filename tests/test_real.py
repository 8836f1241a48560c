"""The real-spectra tables and their scores: Wilson intervals and per-class scores by hand."""
import numpy as np
import pandas as pd
import pytest

from specml_utils import real


def test_wilson_interval_matches_the_hand_computed_one():
    lo, hi = real.wilson(8, 10)
    assert lo == pytest.approx(0.4902, abs=1e-4) and hi == pytest.approx(0.9433, abs=1e-4)
    assert real.wilson(0, 5)[0] == 0.0 and real.wilson(5, 5)[1] == 1.0
    assert np.isnan(real.wilson(0, 0)[0])


def _truth():
    return pd.DataFrame({
        "FILE": [f"f{i}" for i in range(6)], "label_source": ["VI"] * 5 + ["pipeline"],
        "true_class": ["STAR", "GALAXY", "QSO", "QSO", "QSO_BAL", "QSO"],
        "z_true": [0.0, 0.05, 2.0, 1.0, 2.5, 1.5], "z_conf": [3, 3, 3, 2, 3, 3]})


def test_scores_on_a_small_case_by_hand():
    pred = pd.DataFrame({"FILE": [f"f{i}" for i in range(6)],
                         "CLASS": ["STAR", "STAR", "QSO", "QSO_BAL", "QSO_BAL", "QSO_BAL"],
                         "Z": [0.0, 0.0, 2.001, 1.2, 2.5, 1.5]})
    df, s = real.score(pred, _truth(), "VI")
    assert s["n"] == 5
    assert (s["accuracy"]["k"], s["accuracy"]["n"]) == (3, 5)          # f0, f2, f4 right
    assert s["recall"]["GALAXY"]["k"] == 0 and s["recall"]["QSO"]["k"] == 1
    assert s["confusion"][1] == [1, 0, 0, 0]                         # the galaxy called a star
    # completeness: true quasars f2, f3, f4 found with a good z: f2 and f4 (f3 is off by 0.2 in z)
    assert (s["completeness"]["k"], s["completeness"]["n"]) == (2, 3)
    # purity over Z_CONF = 3: called QSO f2, f4 (f3 has z_conf 2): both right
    assert (s["purity"]["k"], s["purity"]["n"]) == (2, 2)
    # pipeline labels: 3 classes, QSO_BAL counts as QSO
    _, p = real.score(pred, _truth(), "pipeline")
    assert p["n"] == 1 and p["accuracy"]["k"] == 1 and p["classes"] == ["STAR", "GALAXY", "QSO"]


def test_the_shared_vi_set_is_read_with_the_superset_reader(shared):
    cat = real.vi_catalog()
    if cat is None:
        pytest.skip("no boss_dr12_vi set in ../shared")
    assert len(cat) > 0 and all(p.endswith(".fits") for p in cat["PATH"])
    truth = real.truth_table()
    vi = truth[truth["label_source"] == "VI"]
    assert len(vi) == len(cat)
    assert set(vi["true_class"]) <= {"STAR", "GALAXY", "QSO", "QSO_BAL"}
    assert (truth["label_source"] == "pipeline").any()
