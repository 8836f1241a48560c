"""Metrics against values computed by hand on tiny cases."""
import numpy as np
import pytest

from specml_utils import metrics


def test_classification_table_by_hand():
    # true:  0 0 0 1 1 2 2 2 3 3 ; pred: 0 0 1 1 1 2 3 2 3 0
    y = np.array([0, 0, 0, 1, 1, 2, 2, 2, 3, 3])
    p = np.array([0, 0, 1, 1, 1, 2, 3, 2, 3, 0])
    t = metrics.classification_table(y, p)
    # class 0: TP 2, predicted 3, true 3 -> P = R = 2/3; TN = 10 - 3 - 3 + 2 = 6 -> acc 0.8
    assert t.loc["STAR", "precision"] == pytest.approx(2 / 3)
    assert t.loc["STAR", "recall"] == pytest.approx(2 / 3)
    assert t.loc["STAR", "f1"] == pytest.approx(2 / 3)
    assert t.loc["STAR", "accuracy"] == pytest.approx(0.8)
    # class 1: TP 2, predicted 3, true 2 -> P 2/3, R 1, F1 0.8
    assert t.loc["GALAXY", ["precision", "recall", "f1"]].tolist() == pytest.approx([2 / 3, 1.0, 0.8])
    # class 3: TP 1, predicted 2, true 2 -> 0.5 each
    assert t.loc["QSO_BAL", "f1"] == pytest.approx(0.5)
    assert t.loc["QSO", "support"] == 3
    assert t.loc["all (macro)", "accuracy"] == pytest.approx(0.7)   # 7 of 10 right
    m = metrics.confusion(y, p)
    assert m[0].tolist() == [2, 1, 0, 0] and m.sum() == 10
    assert metrics.row_normalised(m)[2].tolist() == pytest.approx([0, 0, 2 / 3, 1 / 3])


def test_reliability_and_ece_by_hand():
    # two spectra at confidence 0.9 (one right), two at 0.6 (both right)
    prob = np.array([[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.4, 0.6]])
    y = np.array([0, 1, 0, 1])
    df, ece = metrics.reliability(prob, y, n_bins=10)
    assert df["count"].tolist() == [2, 2]
    assert df["accuracy"].tolist() == [1.0, 0.5]
    # ECE = (2·|0.6 − 1| + 2·|0.9 − 0.5|) / 4 = 0.4
    assert ece == pytest.approx(0.4)


def test_redshift_metrics_by_hand():
    z_true = np.array([1.0, 1.0, 2.0, 3.0])
    # Δv = c·Δz/(1+z): 0.002 at z=1 -> 299.79 km/s; 0.1 at z=1 -> 14990 km/s (catastrophic)
    z_pred = np.array([1.002, 1.1, 2.0, 3.0 - 0.004])
    dv = metrics.velocity_offset(z_pred, z_true)
    assert dv == pytest.approx([299.792458, 14989.6229, 0.0, -299.792458])
    r = metrics.redshift_metrics(z_true, z_pred)
    assert r["catastrophic_fraction"] == pytest.approx(0.25) and r["n_catastrophic"] == 1
    assert r["median_abs_dv_kms"] == pytest.approx(299.792458)
    dz = np.array([0.001, 0.05, 0.0, -0.001])
    assert r["sigma_nmad"] == pytest.approx(1.4826 * np.median(np.abs(dz - np.median(dz))))
    assert r["bias"] == pytest.approx(0.0005)
    r = metrics.redshift_metrics(z_true, z_pred, z_err=np.array([0.003, 0.001, 0.1, 0.001]))
    assert r["within_1sigma"] == pytest.approx(0.5) and r["within_2sigma"] == pytest.approx(0.5)


def test_qso_purity_completeness_by_hand():
    # five true QSOs, two non-QSOs; one QSO missed, one with a wrong z, one star called QSO,
    # one detection with Z_CONF_PERSON = 2 (left out of purity)
    true_qso = np.array([1, 1, 1, 1, 1, 0, 0], bool)
    pred_qso = np.array([1, 1, 1, 0, 1, 1, 0], bool)
    z_true = np.array([2.0, 2.0, 2.0, 2.0, 2.0, 0.0, 0.0])
    z_pred = np.array([2.0, 2.0, 2.5, 2.0, 2.0, 0.0, 0.0])
    z_conf = np.array([3, 3, 3, 3, 2, 3, 3])
    r = metrics.qso_purity_completeness(true_qso, z_true, z_conf, pred_qso, z_pred)
    assert r["completeness"] == pytest.approx(3 / 5)      # rows 0, 1, 4 correct
    assert r["purity"] == pytest.approx(2 / 4)            # detections with conf 3: rows 0, 1, 2, 5; correct 0, 1
    assert r["f1"] == pytest.approx(2 * 0.5 * 0.6 / 1.1)


def test_binned_scores():
    y = np.array([0, 0, 1, 1])
    p = np.array([0, 1, 1, 1])
    df = metrics.binned_scores(y, p, np.array([1.0, 1.5, 5.0, 6.0]), np.array([0, 2, 10]))
    assert df["accuracy"].tolist() == [0.5, 1.0]
    assert df["recall_STAR"].iloc[0] == 0.5 and np.isnan(df["recall_STAR"].iloc[1])


def test_sigma_nmad_interval_covers_the_true_sigma():
    from specml_utils.metrics import sigma_nmad_interval

    rng = np.random.default_rng(1)
    z = rng.uniform(0, 3, 4000)
    zp = z + 0.001 * (1 + z) * rng.normal(size=z.size)       # Δz/(1+z) ~ N(0, 0.001)
    lo, hi = sigma_nmad_interval(z, zp)
    assert lo < 0.001 < hi and hi - lo < 0.0002
    assert np.isnan(sigma_nmad_interval([], [])[0])




def test_wilson_interval_holds_the_share_exactly_at_zero_and_all():
    """At k = 0 or k = n rounding once left the bound 1e-16 inside the share, so an error bar drawn
    from it was negative and notebook 04's plot of accuracy against redshift failed."""
    from specml_utils.metrics import wilson

    for n in range(1, 400):
        for k in (0, n // 3, n):
            lo, hi = wilson(k, n)
            assert 0.0 <= lo <= k / n <= hi <= 1.0, (k, n, lo, hi)
    assert wilson(6, 6)[1] == 1.0 and wilson(0, 11)[0] == 0.0
    lo, hi = wilson(5, 10)     # by hand: 0.5 ± 1.96·sqrt(0.025 + 0.00960) / 1.38416 around 0.5
    assert (round(lo, 4), round(hi, 4)) == (0.2366, 0.7634)


def test_scores_plot_when_a_bin_is_all_right():
    import pandas as pd

    from specml_utils.evalplots import scores_vs

    df = pd.DataFrame({"lo": [0, 1], "hi": [1, 2], "centre": [0.5, 1.5], "count": [6, 11], "accuracy": [1.0, 0.0],
                       **{f"recall_{c}": [1.0, 0.0] for c in ("STAR", "GALAXY", "QSO", "QSO_BAL")}})
    scores_vs({"net": df}, "z")
