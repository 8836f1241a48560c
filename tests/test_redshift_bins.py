"""Redshift bins, class redshift ranges and the σ_z calibration, against values computed by hand."""
import numpy as np
import pytest

from specml_utils import metrics
from specml_utils import redshift_bins
from specml_utils.redshift_bins import ZBins, calibrate_sigma, class_z_ranges


def test_zbins_estimate_recovers_redshift_between_bin_centres():
    zb = ZBins()
    z = np.array([0.0, 0.123, 2.4567, 5.0])
    est, err, mass = zb.estimate(zb.soft_targets(z))
    # a symmetric target distribution's mean is the true t, to well below a bin (≈ 900 km/s)
    assert np.abs(metrics.velocity_offset(est, z)).max() < 30
    assert (err > 0).all() and (mass > 0.99).all()


def test_zbins_estimate_ignores_a_weaker_second_peak():
    zb = ZBins()
    prob = 0.7 * zb.soft_targets([2.0]) + 0.3 * zb.soft_targets([0.5])
    est, _, mass = zb.estimate(prob)
    assert est[0] == pytest.approx(2.0, abs=1e-3)
    assert mass[0] == pytest.approx(0.7, abs=0.01)


def test_zbins_peaks_by_bin_or_by_mass(monkeypatch):
    zb = ZBins()
    # a narrow spike of 0.3 in one bin at z = 1.6, and 0.7 spread over 7 bins about z = 3.7 (0.2 at most)
    prob = np.zeros((1, zb.n))
    spike, broad = int(zb.index(1.6)), int(zb.index(3.7))
    prob[0, spike] = 0.3
    prob[0, broad - 3:broad + 4] = [0.05, 0.1, 0.15, 0.2, 0.1, 0.07, 0.03]
    monkeypatch.setattr(redshift_bins, "PEAK", "bin")
    assert zb.peaks(prob)[0] == spike                   # "bin": the tallest bin
    est, _, mass = zb.estimate(prob)
    assert mass[0] == pytest.approx(0.3)
    monkeypatch.setattr(redshift_bins, "PEAK", "mass")
    assert zb.peaks(prob)[0] == broad                   # "mass": the window holding 0.7
    est, _, mass = zb.estimate(prob)
    assert mass[0] == pytest.approx(0.7)
    assert est[0] == pytest.approx(np.expm1((prob[0] * zb.centres)[broad - 3:broad + 4].sum() / 0.7))
    # the line-fit check's candidates come in the same order: the broad peak first
    from specml_utils.zcheck import candidates
    cands = candidates(zb, prob[0])
    assert [round(m, 6) for _, m in cands] == [0.7, 0.3]
    assert cands[0][0] == pytest.approx(est[0])


def test_class_z_ranges_by_hand_with_quasars_sharing_one_range():
    names = ("STAR", "GALAXY", "QSO", "QSO_BAL")
    labels = [0, 0, 1, 1, 2, 2, 3, 3]
    z = [-0.001, 0.001, 0.1, 0.8, 0.4, 3.0, 1.6, 5.0]
    r = class_z_ranges(labels, z, names, margin=0.01)
    assert r["STAR"] == pytest.approx((np.expm1(np.log1p(-0.001) - 0.01), np.expm1(np.log1p(0.001) + 0.01)))
    assert r["GALAXY"] == pytest.approx((np.expm1(np.log1p(0.1) - 0.01), np.expm1(np.log1p(0.8) + 0.01)))
    # a BAL quasar may be at z = 0.4 like any quasar, and a quasar at z = 5 like a BAL
    assert r["QSO"] == r["QSO_BAL"] == pytest.approx((np.expm1(np.log1p(0.4) - 0.01), np.expm1(np.log1p(5.0) + 0.01)))


def test_zbins_restrict_picks_the_solution_the_class_allows():
    zb = ZBins()
    # the network's stronger peak is star-like (z = 0); a weaker one is a quasar at z = 2.2
    prob = 0.6 * zb.soft_targets([0.0, 0.0]) + 0.4 * zb.soft_targets([2.2, 2.2])
    ranges = {"STAR": (-0.01, 0.01), "QSO": (0.3, 6.0)}
    kept = zb.restrict(prob, ranges, ("STAR", "GALAXY", "QSO"), labels=[0, 2])
    est, _, _ = zb.estimate(kept)
    assert est[0] == pytest.approx(0.0, abs=1e-3)      # called a star: z ≈ 0
    assert est[1] == pytest.approx(2.2, abs=1e-3)      # called a quasar: the quasar solution
    assert kept[1][np.expm1(zb.centres) < 0.3].sum() == 0
    # no probability left in the range (underflow): the spectrum keeps its distribution
    only_star = zb.soft_targets([0.0])
    np.testing.assert_array_equal(zb.restrict(only_star, ranges, ("STAR", "GALAXY", "QSO"), labels=[2]), only_star)
    # a class without a range keeps every bin
    np.testing.assert_array_equal(zb.restrict(prob, ranges, ("STAR", "GALAXY", "QSO"), labels=[1, 1]), prob)


def test_calibrate_sigma():
    rng = np.random.default_rng(0)
    sigma = np.full(20000, 0.01)
    z = rng.normal(0, 0.03, 20000)  # true spread three times the quoted σ
    assert calibrate_sigma(np.zeros_like(z), z, sigma) == pytest.approx(3.0, rel=0.03)
