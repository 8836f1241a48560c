"""Each chapter's closing text is written from its metrics: the numbers, the convergence verdict and
the hand-over to the next chapter come from the dict, not from prose written once."""
from specml_utils import conclusions
from specml_utils.metrics import share


def _classify_metrics(epochs_run, limit=15, schedule=None):
    table = {"all (macro)": {"support": 100.0}}
    return {"chosen": "rnc2", "macro_f1": 0.98, "f1": {"STAR": 0.99, "GALAXY": 0.98, "QSO": 0.97, "QSO_BAL": 0.96},
            "per_model": {"rnc2": {"table": table, "summary": {"epochs run": float(epochs_run), "best epoch": 7.0}}},
            "parameters": {"epochs": limit, "patience": 5, "lr_schedule": schedule}}


def test_classify_says_whether_training_converged_and_what_05_takes():
    stopped = conclusions.classify(_classify_metrics(12))
    assert "stopped early after 12 of at most 15 epochs" in stopped and "epoch 7" in stopped
    assert "it converged" in stopped
    limit = conclusions.classify(_classify_metrics(15))
    assert "The chosen network, rnc2, ran all 15 epochs" in limit and "not at convergence" in limit
    assert "converged." not in limit
    assert "**Next:** notebook 05 takes rnc2's classes" in limit
    assert "macro F1 0.980" in limit and "(100 spectra)" in limit
    annealed = conclusions.classify(_classify_metrics(15, schedule="cosine"))
    # the last epoch's rate: (1 + cos(14π/15)) / 2 = 1.1 % of the first (by hand)
    assert "ran its whole 15-epoch cosine schedule, the learning rate annealed to 1.1 % of its start" in annealed
    assert "epoch 7" in annealed
    assert "a longer schedule may still improve" in annealed and "converged." not in annealed
    assert "The weights kept are epoch 7's" in annealed   # its best epoch (7) came before the small steps


def test_preprocess_hands_its_split_counts_to_the_next_chapters():
    m = {"spectra_in": 10, "spectra_out": 9, "grid": {"nbins": 443}, "skipped": {"no valid pixel": 1},
         "spectra_per_s": 1234.4, "class_balance": {"train": {"QSO": 5, "STAR": 1}, "val": {"QSO": 2},
                                                    "test": {"STAR": 1}}}
    text = conclusions.preprocess(m)
    assert text.startswith("9 of 10 spectra reached the 443-bin grid (1 skipped")
    assert "6 / 2 / 1 (train / validation / test)" in text
    assert "on the 6 training spectra, choose on the 2 validation spectra, and report on the 1 test" in text


def test_proportions_carry_their_wilson_interval():
    # 65 of 69: Wilson 95 % interval [0.860, 0.977] (computed by hand from the Wilson formula)
    assert conclusions._p(share(65, 69)) == "94.2 % [86.0, 97.7] (65/69)"
    assert conclusions._p(share(0, 0)) == "— (none)"


def _throughput(mock_sn, vi_sn, mock_off, vi_off):
    row = lambda sn, off: {"spectra": 10, "r_spec − r_PSF (median)": off, "S/N median": 3.0,  # noqa: E731
                           "S/N at r_spec 21–22": sn, "n at r_spec 21–22": 5}
    return {"mock": row(mock_sn, mock_off), "VI plate 7102": row(vi_sn, vi_off)}


def test_explore_reads_the_noise_model_from_s_n_at_equal_flux():
    m = {"source": "mock", "n_rows": 1, "class_counts": {}, "redshift": {}, "sn_median": {}}
    base = {**m, "class_counts": {c: 1 for c in ("STAR", "GALAXY", "QSO", "QSO_BAL")},
            "redshift": {c: {"median": 0.0} for c in ("STAR", "GALAXY", "QSO", "QSO_BAL")},
            "sn_median": {c: 1.0 for c in ("STAR", "GALAXY", "QSO", "QSO_BAL")},
            "mock_vs_real": {"QSO mock": {"S/N median": 5.0}, "QSO real": {"S/N median": 3.0, "spectra": 4}}}
    fainter = conclusions.explore({**base, "throughput": _throughput(2.6, 2.5, 0.04, 0.40)})
    assert "mock 2.60 (5 spectra), VI plate 7102 2.50 (5)" in fainter
    assert "mock +0.04 mag, VI plate 7102 +0.40 mag" in fainter
    assert "not the noise model" in fainter and "caught 0.36 mag less" in fainter
    noisy = conclusions.explore({**base, "throughput": _throughput(4.0, 2.5, 0.04, 0.40)})
    assert "1.60 times the inspected plate's" in noisy and "not the noise model" not in noisy
    assert "throughput" not in conclusions.explore(base) and "equal flux" not in conclusions.explore(base)


def test_redshift_text_survives_metrics_that_could_not_be_measured():
    # a one-epoch model on a small mock can leave no quasar within 6000 km/s: σ(Δv) without
    # catastrophes is then null in the metrics JSON, and the text says so instead of failing
    q = {"n": 3, "n_catastrophic": 3, "sigma_nmad": 0.2, "median_abs_dv_kms": 40000.0, "sigma_dv_kms": None,
         "within_1sigma": None, "within_2sigma": 0.0}
    text = conclusions.redshift({"qso": q})
    assert "σ(Δv) — km/s without catastrophes" in text and "puts — % of quasars within 1σ and 0.0 %" in text
    assert "catastrophic (|Δv| > 6000 km/s) 100.00 %" in text


def test_classify_sets_an_ensemble_beside_its_trainings_alone():
    members = {"seed 0": {"val macro F1": 0.9815, "test macro F1": 0.9805},
               "seed 1": {"val macro F1": 0.9806, "test macro F1": 0.9809},
               "mean": {"val macro F1": 0.9818, "test macro F1": 0.9818}}
    text = conclusions.classify({**_classify_metrics(12), "ensemble_members": members})
    assert "the chosen network, rnc2 (the mean of 2 trainings), reaches macro F1 0.980" in text
    assert "validation macro F1 0.9818 against 0.9806–0.9815 for the trainings alone" in text
    assert "test macro F1 0.9818 against 0.9805–0.9809" in text
    assert "the mean of" not in conclusions.classify(_classify_metrics(12))
