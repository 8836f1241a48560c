import numpy as np
import pytest
from astropy.table import Table

from specml_utils import sas
from specml_utils.catalog import REQUIRED_COLUMNS
from specml_utils.lines import C_KMS
from specml_utils.mock import MockConfig, generate_survey, noise, physics, templates
from specml_utils.mock.survey import DLOGLAM, LOGLAM0, NPIX_MASTER, plan_catalog, sdss_name, sdss_names
from specml_utils.spectra import read_spec_lite

LAM = 10 ** (LOGLAM0 + DLOGLAM * np.arange(NPIX_MASTER))


def test_catalog_has_superset_columns_and_sas_layout(small_mock):
    home, summary = small_mock
    cat = Table.read(home / sas.SUPERSET_RELPATH)
    for col in (*REQUIRED_COLUMNS, "SDSS_NAME", "RA", "DEC", "Z_PIPE", "ZWARNING", "PSFMAG"):
        assert col in cat.colnames
    assert set(np.unique(cat["CLASS_PERSON"])) <= {0, 1, 3, 4, 30}
    assert (cat["Z_CONF_PERSON"] < 3).any() and (cat["CLASS_PERSON"] == 0).any()
    q = Table.read(home / sas.DR12Q_RELPATH)
    assert {"BAL_FLAG_VI", "BI_CIV"} <= set(q.colnames)
    bal = q["BAL_FLAG_VI"] == 1
    assert (q["BI_CIV"][bal] > 0).mean() > 0.8 and (q["BI_CIV"][~bal] == 0).all()
    row = cat[0]
    path = home / sas.spectrum_relpath(row["PLATE"], row["MJD"], row["FIBERID"])
    assert path.exists() or summary["n_files"] < summary["n_rows"]
    assert summary["n_files"] == len(list(home.rglob("spec-*.fits")))


def test_spec_lite_hdus_match_the_real_format(small_mock, real_files):
    from astropy.io import fits

    mock = sorted(small_mock[0].rglob("spec-*.fits"))[0]
    # DR12's v5_7_0 files name the COADD columns in lower case, later reductions in upper case
    for real in (real_files[0], real_files[-1]):
        with fits.open(mock) as m, fits.open(real) as r:
            assert [c.upper() for c in m[1].columns.names] == [c.upper() for c in r[1].columns.names]
            assert [c.format for c in m[1].columns] == [c.format for c in r[1].columns]
            for col in ("CLASS", "Z", "PLATE", "MJD", "FIBERID", "ZWARNING", "THING_ID"):
                assert col in m[2].columns.names and col in r[2].columns.names


def test_deterministic_and_independent_of_workers(tmp_path):
    a = generate_survey(MockConfig(n_spectra=60, seed=3, workers=1, chunk_size=20), tmp_path / "a", progress=False)
    b = generate_survey(MockConfig(n_spectra=60, seed=3, workers=2, chunk_size=20), tmp_path / "b", progress=False)
    fa = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.fits"))
    fb = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*.fits"))
    assert fa == fb and a["n_files"] == b["n_files"]
    for rel in fa:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel


def test_vectorised_names_and_fibers_are_the_per_row_ones():
    # the planner builds names in one pass: they must be the strings the per-row formatter writes,
    # ties and roll-overs included (59.995 s is written 60.00 by both)
    rng = np.random.default_rng(0)
    ra = np.r_[rng.uniform(0, 360, 20000), 0.0, 359.99999, 15.0, 14.999999999, 0.125 * 15 / 3600, 59.995 / 240]
    dec = np.r_[rng.uniform(-90, 90, 20000), 0.0, -0.0, 89.99999, -0.00001, -10.0, 0.25 / 3600]
    assert sdss_names(ra, dec).tolist() == [sdss_name(a, d) for a, d in zip(ra, dec)]
    # fibers: distinct within each plate, 1..1000
    plan = plan_catalog(MockConfig(n_spectra=5000, seed=2))
    for p in np.unique(plan["PLATE"]):
        f = np.asarray(plan["FIBERID"][plan["PLATE"] == p])
        assert len(np.unique(f)) == len(f) and f.min() >= 1 and f.max() <= 1000


def test_class_mix():
    plan = plan_catalog(MockConfig(n_spectra=4000, class_mix="dr12"))
    frac = {c: np.mean(plan["CLASS_TRUE"] == c) for c in ("STAR", "GALAXY", "QSO", "QSO_BAL")}
    assert frac["QSO"] == pytest.approx(0.512, abs=0.03) and frac["GALAXY"] == pytest.approx(0.039, abs=0.015)
    plan = plan_catalog(MockConfig(n_spectra=4000, class_mix="balanced"))
    assert all(abs(np.mean(plan["CLASS_TRUE"] == c) - 0.25) < 0.03 for c in ("STAR", "GALAXY", "QSO", "QSO_BAL"))
    plan = plan_catalog(MockConfig(n_spectra=4000))  # the default: a third more galaxies than each other class
    assert abs(np.mean(plan["CLASS_TRUE"] == "GALAXY") - 4 / 13) < 0.03
    assert all(abs(np.mean(plan["CLASS_TRUE"] == c) - 3 / 13) < 0.03 for c in ("STAR", "QSO", "QSO_BAL"))
    with pytest.raises(ValueError, match="unknown classes"):
        MockConfig(class_mix={"PULSAR": 1.0}).mix()


@pytest.mark.skipif(not templates.available(), reason="the BOSS templates (../shared) are absent")
def test_stars_and_galaxies_as_faint_as_the_quasar_targets():
    """In the template mocks no class is told apart by its brightness alone (the analytic mock keeps
    CMASS-like galaxies); the other rows of the plan do not depend on the galaxies' magnitudes."""
    r = {}
    for physics_ in ("mixed", "analytic"):
        plan = plan_catalog(MockConfig(n_spectra=4000, physics=physics_))
        r[physics_] = {c: plan["RMAG_TRUE"][plan["CLASS_TRUE"] == c] for c in ("STAR", "GALAXY", "QSO")}
    mixed = {c: np.median(v) for c, v in r["mixed"].items()}
    assert abs(mixed["GALAXY"] - mixed["STAR"]) < 0.15 and abs(mixed["GALAXY"] - mixed["QSO"]) < 0.5
    assert 20.8 < mixed["GALAXY"] < 21.9 and r["mixed"]["GALAXY"].max() <= 21.9
    assert np.median(r["analytic"]["GALAXY"]) == pytest.approx(19.6, abs=0.1)
    np.testing.assert_array_equal(r["mixed"]["QSO"], r["analytic"]["QSO"])


@pytest.mark.skipif(not templates.available(), reason="the BOSS templates (../shared) are absent")
def test_the_template_mocks_hold_passive_galaxies_nearby():
    """In the `mixed` plan about half the passive galaxies lie at z = 0.02–0.5 (a fifth of them below 0.2, where
    the CMASS-like draw puts 2 %); the analytic plan keeps every passive galaxy CMASS-like."""
    low = {}
    for physics_ in ("mixed", "analytic"):
        plan = plan_catalog(MockConfig(n_spectra=8000, physics=physics_, class_mix={"GALAXY": 1.0}))
        z = np.asarray(plan["Z_TRUE"])[np.asarray(plan["KIND"]) == "PASSIVE"]
        low[physics_] = np.mean(z < 0.2)
        assert z.size > 1000
    assert low["mixed"] == pytest.approx(0.5 * 0.023 + 0.5 * 0.18 / 0.48, abs=0.04)
    assert low["analytic"] < 0.04


@pytest.mark.skipif(not templates.available(), reason="the BOSS templates (../shared) are absent")
def test_the_default_mock_adds_galaxies_beyond_z_1_without_taking_the_nearby_ones():
    """Per star, the default `mixed` plan holds as many star-forming galaxies below z = 0.25 as a balanced plan
    with a fifth of them [OII] emitters did (4/3 · 0.75 · 0.6 · 0.738 = 0.443), and 2.6 times as many beyond z = 1
    (4/3 · 0.75 · (0.4 · 0.6 / 1.1 + 0.6 · 0.009) = 0.224, against 0.75 · (0.2 · 0.6 / 1.1 + 0.8 · 0.009) = 0.087)."""
    plan = plan_catalog(MockConfig(n_spectra=12000, physics="mixed"))
    z, kind = np.asarray(plan["Z_TRUE"]), np.asarray(plan["KIND"])
    n_star = np.sum(np.asarray(plan["CLASS_TRUE"]) == "STAR")
    assert np.sum((kind == "SF") & (z < 0.25)) / n_star == pytest.approx(0.443, abs=0.04)
    assert np.sum((kind == "SF") & (z > 1.0)) / n_star == pytest.approx(0.224, abs=0.03)


def test_qso_redshifts_like_dr12q():
    z = physics.qso_redshifts(np.random.default_rng(0), 20000)
    assert 2.2 < np.median(z) < 2.8
    assert abs(np.mean(z < 2.15) - 0.38) < 0.02        # DR12Q: 113,200 of 297,301 below 2.15
    assert 0.5 < np.mean((z > 2.15) & (z < 3.5)) < 0.62
    assert z.min() < 0.6 and z.max() > 4.8


def test_galaxy_redshifts_cover_what_boss_sees_without_a_pile_up():
    """Star-forming galaxies reach z = 1.6 ([OII] still inside the spectrograph), none sits on a cut
    at z = 1, and the emission-line fraction is drawn uniformly over 0.5–1.6."""
    rng = np.random.default_rng(5)
    n = 200_000
    passive = rng.random(n) < 0.25
    z = physics.galaxy_redshifts(rng, n, passive, sf_median=0.15, sf_sigma=0.8, elg_frac=0.2)
    sf = z[~passive]
    assert z.min() >= 0.02 and z[passive].max() <= 1.0 and sf.max() == pytest.approx(physics.Z_SF_MAX)
    assert np.sum(sf == 1.0) == 0
    # above z = 1 (log-normal tail: P = 0.9 %) almost all are the uniform fifth: 0.2 × 0.6 / 1.1
    assert np.mean(sf > 1.0) == pytest.approx(0.2 * 0.6 / 1.1 + 0.8 * 0.009, abs=0.004)


def test_half_the_passive_galaxies_lie_nearby_and_the_rest_is_unchanged():
    """With ``low_passive_frac=0.5`` half the passive galaxies are uniform over 0.02–0.5 (CMASS-like ones
    put 2 % below z = 0.2, these 38 %), and the star-forming ones — the emission-line fifth included —
    keep the redshifts they had."""
    n = 200_000
    passive = np.random.default_rng(6).random(n) < 0.25
    kw = dict(sf_median=0.15, sf_sigma=0.8, elg_frac=0.2)
    before = physics.galaxy_redshifts(np.random.default_rng(5), n, passive, side_rng=np.random.default_rng(7), **kw)
    z = physics.galaxy_redshifts(np.random.default_rng(5), n, passive, low_passive_frac=0.5,
                                 side_rng=np.random.default_rng(7), **kw)
    np.testing.assert_array_equal(z[~passive], before[~passive])
    assert np.mean(before[passive] < 0.2) == pytest.approx(0.023, abs=0.003)
    assert np.mean(z[passive] < 0.2) == pytest.approx(0.5 * 0.023 + 0.5 * 0.18 / 0.48, abs=0.006)
    assert z[passive].min() >= 0.02 and z[passive].max() <= 1.0
    moved = z[passive] != before[passive]
    assert np.mean(moved) == pytest.approx(0.5, abs=0.01)
    assert z[passive][moved].max() <= physics.Z_PASSIVE_LOW[1]


def test_galaxy_emission_line_lands_in_the_right_pixel():
    """Hα of a star-forming galaxy at z = 0.3 peaks in the pixel of 6564.61 × 1.3 Å."""
    rng = np.random.default_rng(1)
    z = 0.3
    flux, _ = physics.galaxy_rest_flux(rng, (LAM / (1 + z))[None, :], np.array([False]))
    expected = np.argmin(np.abs(np.log10(LAM) - np.log10(6564.61 * (1 + z))))
    window = slice(expected - 40, expected + 40)
    assert np.argmax(flux[0, window]) + window.start == pytest.approx(expected, abs=1)


def test_lya_forest_mean_transmission_follows_tau_eff():
    """Mean forest transmission at z_abs ≈ 3 is exp(−0.0018 (1+z)^3.92) within a few per cent."""
    rng = np.random.default_rng(2)
    lam_obs = np.broadcast_to(LAM, (400, LAM.size))
    lam_rest = lam_obs / 4.3  # a z = 3.3 quasar: z_abs = 3 falls between its Lyβ and Lyα
    trans = physics.lya_forest(rng, lam_obs, lam_rest)
    z_abs = LAM / 1215.67 - 1
    band = (np.abs(z_abs - 3.0) < 0.05) & (LAM / 4.3 > 1025.72)  # Lyα forest only, above Lyβ
    expected = np.exp(-0.0018 * 4.0 ** 3.92)
    assert trans[:, band].mean() == pytest.approx(expected, rel=0.05)
    assert trans[:, LAM / 4.3 > 1216].min() == 1.0  # no absorption redward of Lyα


def test_bal_troughs_lie_blueward_of_civ():
    rng = np.random.default_rng(3)
    z = 2.5
    lam_rest = (LAM / (1 + z))[None, :].repeat(50, axis=0)
    flux, par = physics.qso_rest_flux(rng, lam_rest, bal=True)
    plain, _ = physics.qso_rest_flux(np.random.default_rng(3), lam_rest, bal=False)
    assert (par["bi_civ"] > 0).mean() > 0.8
    v = C_KMS * (1549.06 - lam_rest[0]) / 1549.06
    trough = (v > 5000) & (v < 15000)
    red = (lam_rest[0] > 1600) & (lam_rest[0] < 1800)
    # depth blueward of CIV relative to the red side exceeds that of non-BAL quasars
    assert np.median(flux[:, trough].min(1) / flux[:, red].mean(1)) < np.median(
        plain[:, trough].min(1) / plain[:, red].mean(1))


def test_noise_matches_calibration():
    """The mock's ivar follows var = a(λ)·d·(sky + object), with a(λ) measured on real spectra."""
    rng = np.random.default_rng(4)
    model = np.full((200, NPIX_MASTER), 2.0)
    obs = noise.observe(rng, model, LOGLAM0)
    ratio = (1 / obs["ivar"]) / (obs["sky"] + 2.0)
    good = obs["and_mask"] == 0
    cal = noise.calibration()["variance"]
    for w, a in zip(cal["wave"][4:-4:4], cal["per_flux"][4:-4:4]):
        k = np.argmin(np.abs(LAM - w))
        assert np.median(ratio[:, k][good[:, k]]) == pytest.approx(a, rel=0.1)
    # the flux scatter is what the ivar says it is
    pull = (obs["flux"] - model) * np.sqrt(obs["ivar"])
    assert np.std(pull[good]) == pytest.approx(1.0, abs=0.02)
    assert 0.02 < np.mean(obs["and_mask"] & (1 << noise.BIT_BRIGHTSKY) > 0) < 0.1


def test_mock_sky_level_like_real(small_mock, real_files):
    """Median SKY of mock and real spectra agree within 30 %."""
    from astropy.io import fits

    real = np.median([np.median(fits.getdata(f, 1)["SKY"]) for f in real_files[:40]])
    mock = np.median([np.median(fits.getdata(f, 1)["SKY"]) for f in sorted(small_mock[0].rglob("spec-*.fits"))[:40]])
    assert mock == pytest.approx(real, rel=0.3)


def test_written_files_read_back(small_mock):
    f = sorted(small_mock[0].rglob("spec-*.fits"))[5]
    s = read_spec_lite(f, meta=True)
    assert s.meta["CLASS"] in ("STAR", "GALAXY", "QSO")
    assert np.allclose(np.diff(s.loglam), 1e-4, atol=2e-6)


def test_spectrophotometric_offsets_follow_their_calibration():
    cal = noise.calibration()["spectrophotometry"]
    d = noise.spectrophotometric_offsets(np.random.default_rng(0), 40000)
    assert np.quantile(d, cal["probs"][1:-1]) == pytest.approx(cal["offset_quantiles"][1:-1], abs=0.03)
    assert d.min() >= cal["offset_quantiles"][0] and d.max() <= cal["offset_quantiles"][-1]
    # measured on real spectra of other plates, not on the visually inspected one
    assert cal["n"] > 50


def test_spectra_fainter_than_their_photometry_as_real_ones(small_mock):
    """Each spectrum lies r_spec − r_PSF from the object's photometry, drawn from the offsets measured
    on real BOSS/eBOSS spectra; the analytic mock has none."""
    from specml_utils.explore import spectral_r_mag

    home, summary = small_mock
    d = []
    for f in sorted(home.rglob("spec-*.fits")):
        s = read_spec_lite(f, meta=True)
        d.append(spectral_r_mag(s) - s.meta["PSFMAG"][2])
    d = np.array(d)
    d = d[np.isfinite(d)]
    assert len(d) > 350
    if summary["config"]["physics"] == "analytic":
        assert abs(np.median(d)) < 0.03 and np.percentile(d, 90) - np.percentile(d, 10) < 0.15
    else:
        cal = noise.calibration()["spectrophotometry"]
        want = np.interp([0.25, 0.5, 0.75], cal["probs"], cal["offset_quantiles"])
        assert np.percentile(d, [25, 50, 75]) == pytest.approx(want, abs=0.08)


def test_analytic_plan_has_no_spectrophotometric_offsets():
    plan = plan_catalog(MockConfig(n_spectra=500, physics="analytic"))
    assert (plan["SPEC_OFFSET"] == 0).all()


def test_a_survey_made_by_other_mock_code_is_made_again(tmp_path):
    import json

    from specml_utils.mock.survey import code_fingerprint
    from specml_utils.sources import ensure_mock

    home = ensure_mock(n_spectra=40, seed=5, home=tmp_path / "m", workers=1, progress=False)
    manifest = home / "mock_manifest.json"
    made = json.loads(manifest.read_text())
    assert made["mock_code"] == code_fingerprint()
    stamp = manifest.stat().st_mtime_ns
    ensure_mock(n_spectra=40, seed=5, home=home, workers=1, progress=False)
    assert manifest.stat().st_mtime_ns == stamp                  # same settings, same code: reused
    made["mock_code"] = "an older mock"
    manifest.write_text(json.dumps(made))
    ensure_mock(n_spectra=40, seed=5, home=home, workers=1, progress=False)
    assert json.loads(manifest.read_text())["mock_code"] == code_fingerprint()   # made again


def test_optical_fe2_has_the_equivalent_width_asked_and_stays_beside_hbeta():
    lam = np.repeat(np.linspace(3500, 6500, 30001)[None, :], 2, axis=0)
    step = lam[0, 1] - lam[0, 0]
    alpha = np.array([-0.5, -0.2])
    cont = (lam / 3000.0) ** (-2.0 - alpha[:, None])
    fe2 = physics.fe2_optical(lam, np.array([10.0, 40.0]), np.array([3000.0, 6000.0]), alpha) / cont
    lo, hi = physics.FE2_WINDOW
    ew = fe2[:, (lam[0] > lo) & (lam[0] < hi)].sum(axis=1) * step
    assert ew == pytest.approx([10.0, 40.0], rel=0.1)
    far = (lam[0] < 3900) | (lam[0] > 5800)       # no Fe II line within 4σ of these
    assert fe2[:, far].max() < 1e-3 * fe2.max()


def test_quasars_with_strong_fe2_have_weak_oiii():
    rng = np.random.default_rng(3)
    lam = np.repeat(np.linspace(4400, 5200, 801)[None, :], 4000, axis=0)
    flux, par = physics.qso_rest_flux(rng, lam)
    r = par["r_fe2"]
    assert np.median(r) == pytest.approx(physics.FE2_R_MEDIAN, rel=0.1)
    # [OIII] 5008 peak above its surroundings, in quasars of the strongest and weakest Fe II quartiles
    peak = flux[:, 608] - 0.5 * (flux[:, 590] + flux[:, 626])
    strong, weak = r > np.quantile(r, 0.75), r < np.quantile(r, 0.25)
    assert np.median(peak[strong] / flux[strong, 590]) < 0.6 * np.median(peak[weak] / flux[weak, 590])


def test_smc_dust_follows_its_normalisation_and_has_no_2175_bump():
    """Pei (1992)'s SMC fit: A_V / E(B−V) = R_V = 2.93 and A_B − A_V = E(B−V) to the fit's few per cent,
    rising steadily into the UV, with no bump at 2175 Å (the Milky Way's curve has one)."""
    lam = np.array([4400.0, 5500.0])
    a = -2.5 * np.log10(physics.smc_extinction(lam, 1.0))
    assert a[1] == pytest.approx(2.93, rel=0.05)
    assert a[0] - a[1] == pytest.approx(1.0, rel=0.1)
    grid = np.linspace(1200, 8000, 500)
    assert np.all(np.diff(-np.log10(physics.smc_extinction(grid, 0.2))) < 0)
    # per row: E(B−V) = 0 leaves a spectrum alone
    two = physics.smc_extinction(np.vstack([grid, grid / 2]), np.array([0.0, 0.3]))
    assert two.shape == (2, grid.size) and np.all(two[0] == 1) and np.all(two[1] < 1)


def test_a_tenth_of_the_template_mock_quasars_are_reddened_and_the_rest_of_the_plan_is_unchanged(monkeypatch):
    """:func:`physics.qso_dust_ebv`: 10 % of quasars reddened, 3.7 % above E(B−V) = 0.1, 0.45 % above 0.3, none
    beyond 0.5; only quasars, one value per object (repeats keep it), none in the analytic plan, and the
    other columns the same as without it (their own stream)."""
    plan = plan_catalog(MockConfig(n_spectra=30000, physics="mixed", class_mix={"QSO": 1, "QSO_BAL": 1, "STAR": 1}))
    ebv = np.asarray(plan["EBV_QSO"])
    qso = np.isin(np.asarray(plan["CLASS_TRUE"]), ["QSO", "QSO_BAL"])
    assert np.all(ebv[~qso] == 0) and ebv.max() <= physics.QSO_DUST_MAX
    assert np.mean(ebv[qso] > 0) == pytest.approx(0.1, abs=0.01)
    assert np.mean(ebv[qso] > 0.1) == pytest.approx(0.1 * np.exp(-1), abs=0.006)
    assert np.mean(ebv[qso] > 0.3) == pytest.approx(0.1 * (np.exp(-3) - np.exp(-5)) / (1 - np.exp(-5)), abs=0.0025)
    for thing in np.unique(np.asarray(plan["THING_ID"])[qso])[:300]:
        assert np.unique(ebv[np.asarray(plan["THING_ID"]) == thing]).size == 1
    analytic = plan_catalog(MockConfig(n_spectra=3000, physics="analytic"))
    assert np.all(analytic["EBV_QSO"] == 0)
    cfg = MockConfig(n_spectra=3000, physics="mixed")
    dusty = plan_catalog(cfg)
    monkeypatch.setattr(physics, "qso_dust_ebv", lambda rng, n: np.zeros(n))
    clean = plan_catalog(cfg)
    assert np.any(dusty["EBV_QSO"] > 0) and np.all(clean["EBV_QSO"] == 0)
    for c in ("CLASS_TRUE", "KIND", "Z_TRUE", "RMAG_TRUE", "SPEC_OFFSET", "ROW_SEED", "PLATE", "FIBERID"):
        np.testing.assert_array_equal(dusty[c], clean[c])


def test_a_reddened_quasar_is_dimmed_by_its_dust_in_the_blue_and_not_its_forest():
    """:func:`survey.physics_qso` with and without dust, the same draws: the ratio of the two is the SMC
    curve's over the nucleus' rest-frame wavelengths (no host at z = 2.5; the forest and DLAs are the same)."""
    from specml_utils.mock.survey import physics_qso

    lam_obs = 10 ** (LOGLAM0 + DLOGLAM * np.arange(NPIX_MASTER))
    z = np.array([2.5, 2.5])
    lam_rest = lam_obs[None, :] / (1 + z[:, None])
    tpl = np.zeros(2, bool)
    plain, _ = physics_qso(np.random.default_rng(4), lam_obs, lam_rest, False, np.array([20.0, 20.0]), z, tpl)
    dusty, _ = physics_qso(np.random.default_rng(4), lam_obs, lam_rest, False, np.array([20.0, 20.0]), z, tpl,
                           np.array([0.0, 0.2]))
    np.testing.assert_allclose(dusty[0], plain[0])
    ok = plain[1] > 0
    np.testing.assert_allclose(dusty[1][ok] / plain[1][ok], physics.smc_extinction(lam_rest[1], 0.2)[ok], rtol=1e-9)
