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


def test_seed_spread_scores_every_seed_on_the_mock_test_split(monkeypatch):
    y = np.array([0, 1, QSO, BAL, QSO, BAL])
    first = np.eye(4)[y]                           # seed 0: every spectrum right
    second = np.eye(4)[[0, 1, QSO, BAL, BAL, BAL]]  # seed 1: one quasar called a BAL quasar
    monkeypatch.setattr(classifiers, "train_one", lambda *a: (object(), None))
    monkeypatch.setattr(classifiers.training, "seed", lambda s: None)
    monkeypatch.setattr(classifiers.models, "class_probabilities", lambda model, x: (second, None))
    monkeypatch.setattr(classifiers.real, "classify", lambda *a: None)
    monkeypatch.setattr(classifiers.real, "score", lambda *a: (None, {"accuracy": {"value": 0.5}}))
    data = {"test": {"label": y, "X": np.zeros((6, 3))}, "grid": None, "weighted": True}
    scores, f1 = classifiers.seed_spread(None, data, None, classifiers.Recipe(seed=0), None, None, None,
                                         {"accuracy": {"value": 1.0}}, 2, first)
    assert list(f1.index) == [0, 1] and scores[1]["accuracy"]["value"] == 0.5
    assert f1.loc[0, "QSO"] == 1.0 and f1.loc[0, "QSO_BAL"] == 1.0
    # seed 1: QSO precision 1/1, recall 1/2 → F1 2/3; BAL precision 2/3, recall 2/2 → F1 0.8
    assert f1.loc[1, "QSO"] == pytest.approx(2 / 3) and f1.loc[1, "QSO_BAL"] == pytest.approx(0.8)
    text = conclusions.classify({"chosen": "specnet", "macro_f1": 0.98, "f1": dict.fromkeys(CLASS_NAMES, 0.97),
                                 "per_model": {"specnet": {"table": {"all (macro)": {"support": 6.0}}, "summary": {}}},
                                 "real": {"VI": {"n": 4, "accuracy": {"k": 4, "n": 4, "value": 1.0, "lo95": 0.5, "hi95": 1.0},
                                                 "recall": {c: {"k": 1, "n": 1, "value": 1.0, "lo95": 0.2, "hi95": 1.0}
                                                            for c in CLASS_NAMES}}},
                                 "mock_seed_f1": {str(s): row.to_dict() for s, row in f1.iterrows()}})
    assert "the same seeds give QSO F1 0.667–1.000 and BAL QSO F1 0.800–1.000" in text
