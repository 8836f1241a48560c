"""The line-fit check of quasar redshifts, on spectra built with known lines."""
import numpy as np
import pytest

from specml_utils import zcheck
from specml_utils.metrics import velocity_offset
from specml_utils.redshift_bins import ZBins
from specml_utils.grid import Grid

LAM = 10 ** Grid().centres
NAMES = ("STAR", "GALAXY", "QSO", "QSO_BAL")


def quasar(z, rng, lines=((1215.67, 8.0), (1549.06, 3.0), (1908.73, 1.5), (2799.12, 2.0)), noise=0.1):
    """A flat continuum with broad lines at ``z``, the forest's mean absorption, and noise."""
    rest = LAM / (1 + z)
    flux = np.ones_like(LAM)
    for centre, amp in lines:
        flux += amp * np.exp(-0.5 * ((rest - centre) / (centre * 2500 / 299792.458)) ** 2)
    flux *= zcheck.mean_forest_transmission(LAM, z)
    return flux + noise * rng.standard_normal(LAM.size), np.full(LAM.size, noise ** -2)


def test_aliases_by_hand():
    # CIV seen at z = 2.2 read as Lyα, and the reverse
    a = zcheck.aliases(2.2)
    assert min(abs(x - (3.2 * 1549.06 / 1215.67 - 1)) for x in a) < 1e-12
    assert min(abs(x - (3.2 * 1215.67 / 1549.06 - 1)) for x in a) < 1e-12
    assert all(0 <= x <= 7 for x in a) and len(zcheck.aliases(2.2, (2.0, 2.5))) < len(a)


def test_chi2_is_lowest_at_the_true_redshift_and_an_emission_line_cannot_hide_in_the_forest():
    rng = np.random.default_rng(1)
    flux, ivar = quasar(2.2, rng)
    truth = zcheck.chi2(flux, ivar, LAM, 2.2)
    # reading CIV as Lyα puts the real Lyα line in the "forest" of z = 3.08; it must cost
    wrong = zcheck.chi2(flux, ivar, LAM, 3.2 * 1549.06 / 1215.67 - 1)
    assert truth < wrong - 100
    # and it is a minimum: 3000 km/s either side fits worse
    for dv in (-3000, 3000):
        assert truth < zcheck.chi2(flux, ivar, LAM, (1 + 2.2) * (1 + dv / 299792.458) - 1)


def test_check_replaces_a_wrong_top_peak_and_keeps_a_right_one():
    zb = ZBins()
    rng = np.random.default_rng(2)
    alias = 3.2 * 1549.06 / 1215.67 - 1
    flux, ivar = np.array([quasar(2.2, rng)[0], quasar(2.2, rng)[0]]), np.full((2, LAM.size), 100.0)
    # spectrum 0: the CNN prefers the alias; spectrum 1: it prefers the truth
    prob = np.array([0.6 * zb.soft_targets([alias])[0] + 0.4 * zb.soft_targets([2.2])[0],
                     0.6 * zb.soft_targets([2.2])[0] + 0.4 * zb.soft_targets([alias])[0]])
    z, checked = zcheck.check_quasar_redshifts(zb, prob, flux, ivar, LAM, np.array([True, True]))
    assert checked.all()
    assert abs(velocity_offset(z[0], 2.2)) < 1500 and np.isnan(z[1])
    # a spectrum not called a quasar is left alone
    z, checked = zcheck.check_quasar_redshifts(zb, prob, flux, ivar, LAM, np.array([False, False]))
    assert not checked.any() and np.isnan(z).all()


def test_aliases_are_tried_when_the_cnn_missed_the_right_peak():
    zb = ZBins()
    rng = np.random.default_rng(3)
    flux, ivar = quasar(2.2, rng)
    alias, other = 3.2 * 1549.06 / 1215.67 - 1, 0.9
    prob = 0.45 * zb.soft_targets([alias])[0] + 0.3 * zb.soft_targets([other])[0] + 0.25 / zb.n
    out = zcheck.class_redshifts(zb, prob[None, :], [2], NAMES, {"QSO": (0.3, 5.5), "QSO_BAL": (0.3, 5.5)},
                                 flux[None, :], ivar[None, :], LAM)
    assert out["z_check"][0] == 2 and abs(velocity_offset(out["z"][0], 2.2)) < 1500
    assert out["z_err"][0] > 0


def test_class_redshifts_without_spectra_is_the_restricted_estimate():
    zb = ZBins()
    prob = 0.6 * zb.soft_targets([0.0, 0.0]) + 0.4 * zb.soft_targets([2.2, 2.2])
    out = zcheck.class_redshifts(zb, prob, [0, 2], NAMES, {"STAR": (-0.01, 0.01), "QSO": (0.3, 6.0)})
    assert out["z"][0] == pytest.approx(0.0, abs=1e-3) and out["z"][1] == pytest.approx(2.2, abs=1e-3)
    assert (out["z_check"] == 0).all()


def test_strongest_line_proposes_the_redshift_the_cnn_missed():
    zb = ZBins()
    rng = np.random.default_rng(4)
    # a low-redshift quasar: MgII, Hβ and [OIII] in the range; the CNN's unsure peaks are all elsewhere
    flux, ivar = quasar(0.55, rng, lines=((2799.12, 6.0), (4862.68, 3.0), (5008.24, 2.0)))
    assert abs(zcheck.strongest_line(flux, ivar, LAM) - 2799.12 * 1.55) < 30
    prob = 0.4 * zb.soft_targets([1.7])[0] + 0.35 * zb.soft_targets([2.6])[0] + 0.25 / zb.n
    out = zcheck.class_redshifts(zb, prob[None, :], [2], NAMES, {"QSO": (0.3, 5.5), "QSO_BAL": (0.3, 5.5)},
                                 flux[None, :], ivar[None, :], LAM)
    assert out["z_check"][0] == 2 and abs(velocity_offset(out["z"][0], 0.55)) < 1500
    # with a confident CNN (top peak above alias_below) no such candidate is tried
    sure = 0.8 * zb.soft_targets([1.7])[0] + 0.2 * zb.soft_targets([2.6])[0]
    z, _ = zcheck.check_quasar_redshifts(zb, sure[None, :], flux[None, :], ivar[None, :], LAM, [True],
                                         z_range=(0.3, 5.5))
    assert np.isnan(z[0]) or abs(velocity_offset(z[0], 0.55)) > 6000


def _objective(a, b, c):
    return float(((a @ c - b) ** 2).sum())


def test_fit_recovers_known_coefficients_free_continuum_and_non_negative_lines():
    a = zcheck.design(LAM, 2.2)
    truth = np.zeros(a.shape[1])
    truth[:zcheck.N_FREE] = [1.0, -0.3, 0.05, -0.01]    # free: a continuum term may be negative
    truth[zcheck.N_FREE::2] = 2.0                        # each line's core
    c = zcheck.fit(a, a @ truth)
    assert np.allclose(c, truth, atol=1e-8)
    # a line the data want negative is held at 0 while the continuum stays free
    b = a @ truth - 3.0 * a[:, zcheck.N_FREE]
    c = zcheck.fit(a, b)
    assert c[zcheck.N_FREE] == 0 and (c[zcheck.N_FREE:] >= 0).all()


def test_fit_agrees_with_nnls_over_every_column_and_survives_a_degenerate_design():
    from scipy.optimize import nnls

    rng = np.random.default_rng(3)
    nf = zcheck.N_FREE
    for z in (0.4, 1.3, 2.2, 3.6):
        a = zcheck.design(LAM, z) * rng.uniform(0.5, 2.0, LAM.size)[:, None]
        b = rng.standard_normal(LAM.size) + a[:, nf:].sum(axis=1)
        # the plain way: the free columns with both signs, every pixel, one non-negative solve
        both, _ = nnls(np.column_stack([a[:, :nf], -a[:, :nf], a[:, nf:]]), b, maxiter=2000)
        plain = np.concatenate([both[:nf] - both[nf:2 * nf], both[2 * nf:]])
        assert _objective(a, b, zcheck.fit(a, b)) == pytest.approx(_objective(a, b, plain), rel=1e-10)
    # a line whose pixels are all masked (a zero column once weighted): the Gram matrix is singular and
    # the fit falls back to the plain solve; and two identical columns, singular up to round-off
    a = zcheck.design(LAM, 2.2)
    a[:, nf + 2] = 0
    b = a @ np.r_[1.0, 0, 0, 0, np.ones(a.shape[1] - nf)]
    with pytest.raises(np.linalg.LinAlgError):
        np.linalg.cholesky(np.column_stack([a, b]).T @ np.column_stack([a, b]))
    c = zcheck.fit(a, b)
    assert _objective(a, b, c) < 1e-16 * (b ** 2).sum() and (c[nf:] >= 0).all()
    a = np.column_stack([a, a[:, -1]])
    assert _objective(a, b, zcheck.fit(a, b)) < 1e-16 * (b ** 2).sum()


def test_line_profile_by_hand_and_zero_beyond_ten_sigma():
    from specml_utils.lines import gaussian

    u = np.array([0.0, 1.0, 3.0, 9.99, 10.0, 1e3])
    assert np.allclose(gaussian(u ** 2)[:4], np.exp(-0.5 * u[:4] ** 2), rtol=1e-15, atol=0)
    assert (gaussian(u ** 2)[4:] == 0).all()


def test_bal_quasars_are_flagged_not_fitted_unless_asked():
    zb = ZBins()
    rng = np.random.default_rng(2)
    alias = 3.2 * 1549.06 / 1215.67 - 1
    flux, ivar = quasar(2.2, rng)[0], np.full(LAM.size, 100.0)
    # the CNN prefers the alias: fitted as a plain quasar it is replaced (see above)
    prob = (0.6 * zb.soft_targets([alias])[0] + 0.4 * zb.soft_targets([2.2])[0])[None, :]
    rng_ = {"QSO": (0.3, 5.5), "QSO_BAL": (0.3, 5.5)}
    as_qso = zcheck.class_redshifts(zb, prob, [2], NAMES, rng_, flux[None, :], ivar[None, :], LAM)
    assert as_qso["z_check"][0] == 2
    # called a BAL quasar: not fitted, the CNN's peak kept, and flagged as unsure (3)
    as_bal = zcheck.class_redshifts(zb, prob, [3], NAMES, rng_, flux[None, :], ivar[None, :], LAM)
    assert as_bal["z_check"][0] == 3 and as_bal["z"][0] == as_bal["z_cnn"][0]
    assert abs(velocity_offset(as_bal["z"][0], alias)) < 1500
    # a BAL quasar whose CNN saw a single peak is neither fitted nor flagged
    one = zcheck.class_redshifts(zb, zb.soft_targets([2.2]), [3], NAMES, rng_, flux[None, :], ivar[None, :], LAM)
    assert one["z_check"][0] == 0
    # check_bal=True fits it as before
    fitted = zcheck.class_redshifts(zb, prob, [3], NAMES, rng_, flux[None, :], ivar[None, :], LAM, check_bal=True)
    assert fitted["z_check"][0] in (1, 2)


def test_fe2_and_host_land_at_their_rest_wavelengths_and_are_fitted():
    """The optical Fe II column at z = 0.4 peaks where its strongest lines lie, the host's Ca K
    absorption shows at 3934.78 Å (1 + z), and a noiseless quasar made of continuum, lines, Fe II
    and host light is fitted exactly at its redshift but not by the lines alone (nor one pixel off)."""
    z = 0.4
    rest = LAM / (1 + z)
    px = np.median(np.diff(np.log(LAM)))  # one pixel of the grid in ln λ
    fe2 = zcheck.component_columns(rest)[:, 0]
    # the strongest multiplet's lines (weight 1.5, vacuum λ) sit within a pixel of a local maximum
    peaks = np.flatnonzero((fe2[1:-1] > fe2[:-2]) & (fe2[1:-1] > fe2[2:])) + 1
    for air in (4923.93, 5018.44, 5169.03):
        obs = air * 1.00028 * (1 + z)
        assert np.abs(np.log(LAM[peaks] / obs)).min() < 1.5 * px
    lam_h, host = zcheck.host_template()
    k = np.abs(lam_h - 3934.78).argmin()
    assert host[k] < host[k - 15] and host[k] < host[k + 15]  # Ca K in absorption
    a = zcheck.design(LAM, z)
    n_lines = zcheck.design(LAM, z).shape[1] - zcheck.component_columns(rest).shape[1]
    coef = np.zeros(a.shape[1])
    coef[0], coef[zcheck.N_FREE:n_lines] = 1.0, 0.5
    coef[n_lines:] = 0.8
    flux, ivar = a @ coef, np.full(LAM.size, 400.0)
    assert zcheck.chi2(flux, ivar, LAM, z) < 1e-6
    off = (1 + z) * np.exp(px) - 1
    assert zcheck.chi2(flux, ivar, LAM, off) > 100
    saved = zcheck.COMPONENTS
    try:
        zcheck.COMPONENTS = ()
        assert zcheck.design(LAM, z).shape[1] == n_lines  # the lines-only model of before
        assert zcheck.chi2(flux, ivar, LAM, z) > 100
    finally:
        zcheck.COMPONENTS = saved


def test_component_table_matches_the_columns_computed_directly():
    """The tabulated columns equal Fe II Gaussians and humps computed at the pixels themselves."""
    rest = LAM / 1.3
    cols = zcheck.component_columns(rest)
    sig = zcheck._FE2_RESTS * zcheck.LINE_SIGMAS_KMS[0] / 299792.458
    direct = (np.exp(-0.5 * ((rest[:, None] - zcheck._FE2_RESTS) / sig) ** 2) * zcheck._FE2_WEIGHTS).sum(axis=1)
    assert np.allclose(cols[:, 0], direct, rtol=0, atol=1e-6 * direct.max())
    hump = np.exp(-0.5 * ((rest - 2600.0) / 250.0) ** 2)
    assert np.allclose(cols[:, 2], hump, rtol=0, atol=1e-6)


def test_chi2_has_no_jump_where_lya_crosses_a_pixel():
    """At z = 4.6 Lyα is the strongest line and sits at the forest's edge: over steps of 1/12 of a pixel χ² must
    change smoothly and reach its minimum at the true redshift. (With the forest a step at Lyα, χ² jumped by
    about 4,000 between neighbouring steps and its minimum lay 0.003 in ln(1 + z) off.)"""
    rng = np.random.default_rng(3)
    flux, ivar = quasar(4.6, rng)
    t = np.log1p(4.6) + np.arange(-20, 20) * 0.0002
    c = np.array([zcheck.chi2(flux, ivar, LAM, np.expm1(x)) for x in t])
    assert np.abs(np.diff(c)).max() < 1000
    assert abs(int(c.argmin()) - 20) <= 2


def test_refits_keep_the_continuum_above_the_absorbed_forest(monkeypatch):
    # a z = 3.5 quasar whose forest pixels keep a random fraction of their flux, and no flux below the Lyman limit
    rng = np.random.default_rng(0)
    flux, ivar = quasar(3.5, rng, noise=0.05)
    rest = LAM / 4.5
    forest = rest < 1200
    flux[forest] *= rng.uniform(0, 1, forest.sum())
    flux[rest < 912] = 0.05 * rng.standard_normal((rest < 912).sum())
    monkeypatch.setattr(zcheck, "REFITS", 0)
    one_model, one_score = zcheck.model_fit(flux, ivar, LAM, 3.5)
    monkeypatch.setattr(zcheck, "REFITS", 3)
    model, score = zcheck.model_fit(flux, ivar, LAM, 3.5)
    # one fit with inflated variance lets the continuum dive below zero where the forest absorbs; the score then
    # charges the flux above it in full. Fitted as it is scored, the continuum stays above zero and scores better
    assert one_model[forest].min() < -0.1
    assert model[forest].min() > 0
    assert score < one_score - 100
    assert score == pytest.approx(zcheck.chi2(flux, ivar, LAM, 3.5))


def test_trough_reach_by_hand():
    # troughs reach 25,000 km/s blueward of their ion: CIV's to 1549.06 (1 − 25000 / c) = 1419.9 Å, SiIV's to
    # 1280.3 Å, NV's to 1136.7 Å; none beyond CIV
    w = zcheck.trough_weight(np.array([1100.0, 1200.0, 1300.0, 1400.0, 1410.0, 1425.0, 1548.0, 1550.0]))
    np.testing.assert_array_equal(w, [0, 1, 1, 0, 0, 1, 1, 0])


def test_trough_model_finds_a_bal_quasar_at_its_redshift(monkeypatch):
    # a z = 2.5 quasar with troughs 3,000–12,000 km/s blueward of CIV, SiIV and NV (depths 0.8, 0.6, 0.5)
    rng = np.random.default_rng(3)
    flux, ivar = quasar(2.5, rng, noise=0.05)
    rest = LAM / 3.5
    for line, depth in ((1549.06, 0.8), (1396.76, 0.6), (1240.14, 0.5)):
        v = 299792.458 * (line - rest) / line
        flux *= 1 - depth * ((v > 3000) & (v < 12000))
    monkeypatch.setattr(zcheck, "BAL_MODEL", "troughs")
    truth = zcheck.chi2(flux, ivar, LAM, 2.5, bal=True)
    # a minimum: 3000 km/s either side fits worse, and so does every line alias
    for dv in (-3000, 3000):
        assert truth < zcheck.chi2(flux, ivar, LAM, 3.5 * (1 + dv / 299792.458) - 1, bal=True) - 100
    assert all(truth < zcheck.chi2(flux, ivar, LAM, z, bal=True) - 100 for z in zcheck.aliases(2.5))
    model, score = zcheck.model_fit(flux, ivar, LAM, 2.5, bal=True)
    assert score == truth and model.shape == flux.shape
    # redward of CIV nothing may absorb: the model follows the flux there
    red = rest > 1600
    assert np.median(np.abs(model[red] - flux[red])) < 0.1
