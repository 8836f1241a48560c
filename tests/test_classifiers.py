"""Notebook 04's breakdowns, checked on small cases counted by hand; its seed spread trained at once and one after the other."""
import concurrent.futures as cf
import multiprocessing

import numpy as np
import pandas as pd
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


def test_seeds_trained_at_the_same_time_give_the_networks_they_give_one_after_the_other(small_mock, tmp_path):
    """The seed spread trains its seeds in processes of their own, at once, where there is no GPU:
    each must be the network the same seed gives in this process, to the last digit."""
    from specml_utils import catalog, sources, training
    from specml_utils.grid import Grid
    from specml_utils.preprocess import SPLITS, PreprocessConfig, build_dataset, load_dataset
    from specml_utils.redshift_bins import ZBins

    home, _ = small_mock
    matched, _ = catalog.crossmatch(catalog.clean(sources.load_catalog(home))[0], home)
    build_dataset(matched, tmp_path / "ds.h5", PreprocessConfig(workers=1), progress=False)
    data = {s: load_dataset(tmp_path / "ds.h5", s) for s in SPLITS}
    cfg = data["test"]["provenance"]["config"]
    data.update(grid=Grid(cfg["loglam_min"], cfg["dloglam"], cfg["nbins"]), weighted=bool(cfg["weighted"]))
    # a few mock spectra stand in for the real ones, labelled as the inspectors' would be
    rows = matched[:12]
    truth = pd.DataFrame({"FILE": [p.rsplit("/", 1)[-1] for p in rows["PATH"]], "PATH": list(rows["PATH"]),
                          "label_source": "VI", "true_class": np.array(CLASS_NAMES)[rows["LABEL"]],
                          "z_true": np.asarray(rows["Z_VI"], float), "z_conf": 3})
    zbins = ZBins()
    build = classifiers.builders(cfg["nbins"], zbins, filters=8, depth=2)["specnet"]
    recipe = classifiers.Recipe(epochs=1, batch_size=64, seed=0)
    labels = data["train"]["label"]
    weights = training.sample_weights(labels, training.balanced_class_weight(labels, len(CLASS_NAMES)))
    first = {"accuracy": {"value": 1.0}}
    prob0 = np.eye(4)[data["test"]["label"]]
    alone = classifiers.seed_spread(build, data, zbins, recipe, weights, truth, None, first, 3, prob0, parallel=False)
    at_once = classifiers.seed_spread(build, data, zbins, recipe, weights, truth, None, first, 3, prob0, parallel=True)
    assert list(alone[1].index) == [0, 1, 2]
    assert alone[0] == at_once[0]
    pd.testing.assert_frame_equal(alone[1], at_once[1], check_exact=True)
    # and the networks themselves: every test probability, bit for bit
    job = (build, data, zbins, recipe, weights, truth, None)
    with cf.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        elsewhere = list(pool.map(classifiers._seed_run, [job, job], [1, 2]))
    for s, (_, prob) in zip([1, 2], elsewhere):
        np.testing.assert_array_equal(classifiers._seed_run(job, s)[1], prob)


def test_a_seed_spread_whose_processes_die_trains_its_seeds_here(monkeypatch, capsys):
    class DyingPool:
        def __init__(self, *a, **k):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def map(self, *a):
            raise classifiers.BrokenProcessPool("a process in the pool was terminated abruptly")

    y = np.array([0, 1, QSO, BAL])
    monkeypatch.setattr(classifiers.cf, "ProcessPoolExecutor", DyingPool)
    monkeypatch.setattr(classifiers, "_seed_run", lambda job, s: ({"accuracy": {"value": s / 10}}, np.eye(4)[y]))
    data = {"test": {"label": y}}
    scores, f1 = classifiers.seed_spread(None, data, None, classifiers.Recipe(seed=0), None, None, None,
                                         {"accuracy": {"value": 1.0}}, 3, np.eye(4)[y], parallel=True)
    assert [scores[s]["accuracy"]["value"] for s in (0, 1, 2)] == [1.0, 0.1, 0.2] and list(f1.index) == [0, 1, 2]
    assert "train again here" in capsys.readouterr().out


def _tiny_specnet():
    from specml_utils import models
    from specml_utils.redshift_bins import ZBins

    return models.specnet(32, filters=4, depth=1, kernel=3, dense=8, zbins=ZBins())


def test_an_ensemble_outputs_the_mean_of_its_members_and_saves_and_loads(tmp_path):
    from specml_utils import models
    from specml_utils.backend import keras

    members = []
    for s in range(3):
        keras.utils.set_random_seed(s)
        members.append(_tiny_specnet())
    x = np.random.default_rng(0).standard_normal((9, 32)).astype("float32")
    alone = [models.class_probabilities(m, x) for m in members]
    ens = models.ensemble(members)
    prob, zprob = models.class_probabilities(ens, x)
    np.testing.assert_allclose(prob, np.mean([p for p, _ in alone], axis=0), atol=1e-6)
    np.testing.assert_allclose(zprob, np.mean([z for _, z in alone], axis=0), atol=1e-6)
    assert not np.allclose(alone[0][0], alone[1][0])          # the members differ, so the mean is not one of them
    ens.save(tmp_path / "ens.keras")
    back = keras.saving.load_model(tmp_path / "ens.keras")
    assert models.is_multitask(back)
    np.testing.assert_allclose(models.class_probabilities(back, x)[0], prob, atol=1e-6)


def test_an_ensemble_run_trains_the_other_seeds_and_the_seed_spread_scores_its_members_without_training(monkeypatch):
    from specml_utils import models
    from specml_utils.backend import keras
    from specml_utils.training import TrainResult

    trained = []

    def train_one(build, data, zbins, recipe, weights, seed):   # a tiny untrained network per seed stands in
        trained.append(seed)
        keras.utils.set_random_seed(seed)
        return build(), TrainResult({}, 1, 1, 2.0, 100.0, params=10)

    monkeypatch.setattr(classifiers, "train_one", train_one)
    rng = np.random.default_rng(1)
    y = np.array([0, 1, QSO, BAL, QSO, BAL])
    data = {s: {"label": y, "X": rng.standard_normal((6, 32)).astype("float32")} for s in ("val", "test")}
    data.update(grid=None, weighted=True)
    first_model, first_fit = train_one(_tiny_specnet, data, None, None, None, 0)
    first = {"model": first_model, "fit": first_fit}
    run = classifiers.ensemble_run(_tiny_specnet, data, None, classifiers.Recipe(seed=0), None, first, 3, parallel=False)
    assert trained == [0, 1, 2] and list(run["members"]) == [0, 1, 2]
    mean = np.mean([models.class_probabilities(m, data["test"]["X"])[0] for m in run["members"].values()], axis=0)
    np.testing.assert_allclose(run["prob"], mean, atol=1e-6)
    assert run["fit"].params == 30 and run["fit"].seconds == 6.0    # the members' parameters and seconds summed
    for s, m in run["members"].items():
        np.testing.assert_array_equal(run["member_probs"][s]["val"], models.class_probabilities(m, data["val"]["X"])[0])
    # the table and the spread reuse the run's probabilities: no network is run again on the mock
    calls = []
    real_probabilities = models.class_probabilities
    monkeypatch.setattr(classifiers.models, "class_probabilities",
                        lambda *a, **k: calls.append(a) or real_probabilities(*a, **k))
    table = classifiers.members_table(run, data)
    assert list(table.index) == ["seed 0", "seed 1", "seed 2", "mean"]
    assert table.loc["mean", "test macro F1"] == pytest.approx(classifiers.macro_f1(y, mean))
    # the spread scores the members as they are: nothing is trained again
    monkeypatch.setattr(classifiers.real, "classify", lambda model, *a: model)
    monkeypatch.setattr(classifiers.real, "score", lambda model, *a: (None, {"accuracy": {"value": model.name}}))
    scores, f1 = classifiers.seed_spread(_tiny_specnet, data, None, classifiers.Recipe(seed=0), None, None, None,
                                         {"accuracy": {"value": "the mean"}}, 3, run["prob"], members=run["members"],
                                         member_probs=run["member_probs"])
    assert trained == [0, 1, 2] and calls == []
    assert [scores[s]["accuracy"]["value"] for s in (0, 1, 2)] == ["member_0", "member_1", "member_2"]
    assert list(f1.index) == [0, 1, 2]
    assert f1.loc[1, "all (macro)"] == pytest.approx(classifiers.macro_f1(y, run["member_probs"][1]["test"]))
