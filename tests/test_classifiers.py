"""Notebook 04's breakdowns, checked on small cases counted by hand."""
import numpy as np
import pytest

from specml_utils import classifiers, conclusions
from specml_utils.classes import CLASS_NAMES

QSO, BAL = CLASS_NAMES.index("QSO"), CLASS_NAMES.index("QSO_BAL")


def test_bal_recall_by_bi_counts_each_bin_by_hand():
    # five BAL quasars: BI 100 (missed, called QSO), 300 (found), 700 (found), 5000 (found), 9000 (missed, STAR);
    # one plain quasar with BI 0 that must not count
    label = np.array([BAL, BAL, BAL, BAL, BAL, QSO])
    pred = np.array([QSO, BAL, BAL, BAL, 0, QSO])
    bi = np.array([100.0, 300.0, 700.0, 5000.0, 9000.0, 0.0])
    t = classifiers.bal_recall_by_bi({"prob": np.eye(4)[pred]}, {"label": label, "bi_civ": bi})
    assert list(t["BAL quasars"]) == [2, 1, 0, 0, 2]
    assert list(t["found"]) == [1, 1, 0, 0, 1]
    assert t["recall"].iloc[0] == 0.5 and t["called QSO"].iloc[0] == 0.5
    assert t["recall"].iloc[1] == 1.0 and np.isnan(t["recall"].iloc[2])
    assert t["called QSO"].iloc[4] == 0.0          # the miss at BI 9000 went to STAR, not QSO
    assert t.index[0] == "0–500" and t.index[-1] == "≥ 4,000"
    # Wilson 95 % interval of 1/2: [0.095, 0.905]
    assert t["lo95"].iloc[0] == pytest.approx(0.0945, abs=1e-4) and t["hi95"].iloc[0] == pytest.approx(0.9055, abs=1e-4)
    assert classifiers.bal_recall_by_bi({"prob": np.eye(4)[pred]}, {"label": label}).empty


def test_classify_text_sets_weak_troughs_beside_the_rest():
    t = classifiers.bal_recall_by_bi({"prob": np.eye(4)[[QSO, BAL, BAL, BAL]]},
                                     {"label": np.full(4, BAL), "bi_civ": np.array([100.0, 300.0, 700.0, 5000.0])})
    m = {"chosen": "rnc2", "macro_f1": 0.98, "f1": dict.fromkeys(CLASS_NAMES, 0.97),
         "per_model": {"rnc2": {"table": {"all (macro)": {"support": 4.0}}, "summary": {}}},
         "bal_recall_by_bi": t.to_dict(orient="index")}
    text = conclusions.classify(m)
    # 1/2 against 2/2: the intervals overlap, so the text does not claim that weak troughs are missed more
    assert "does not clearly depend on the troughs' strength: 50.0 % [9.5, 90.5] (1/2) with BI_CIV 0–500 km/s" in text
    many = {"0–500": {"BAL quasars": 100, "found": 70}, "≥ 500": {"BAL quasars": 800, "found": 790}}
    text = conclusions.classify({**m, "bal_recall_by_bi": many})
    assert "Its BAL misses lean to weak troughs: it finds 70.0 % [60.4, 78.1] (70/100)" in text
    assert "98.8 %" in text and "(790/800) of the rest" in text
