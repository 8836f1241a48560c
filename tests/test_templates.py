"""The template mock: the BOSS templates put their features where the physics says (skipped without them)."""
import numpy as np
import pytest

from specml_utils.lines import C_KMS
from specml_utils.mock import MockConfig, physics, templates
from specml_utils.mock.survey import DLOGLAM, LOGLAM0, NPIX_MASTER, plan_catalog

LAM = 10 ** (LOGLAM0 + DLOGLAM * np.arange(NPIX_MASTER))

needs_templates = pytest.mark.skipif(not templates.available(), reason="the BOSS templates are absent")


@needs_templates
def test_a_star_template_at_a_known_velocity_has_halpha_in_the_right_pixel():
    _, _, names = templates.load("star")
    a0 = next(i for i, n in enumerate(names) if n.startswith("A0"))
    rng = np.random.default_rng(0)
    win = (LAM > 6480) & (LAM < 6660)
    for v in (-300.0, 0.0, 400.0):
        z = np.array([v / C_KMS])
        f = templates.star_flux(rng, LAM, np.array([f"A:{a0}"]), z)[0]
        rest0 = templates.star_flux(rng, LAM, np.array([f"A:{a0}"]), np.zeros(1))[0]
        lam_min0 = LAM[win][np.argmin(rest0[win])]
        lam_min = LAM[win][np.argmin(f[win])]
        # the line's core moves by λ·v/c (to a pixel: 1e-4 dex ≈ 69 km/s)
        assert abs(np.log10(lam_min / lam_min0) - np.log10(1 + z[0])) <= 1.5e-4


@needs_templates
def test_an_eigen_quasar_at_known_redshift_peaks_at_its_lines():
    rng = np.random.default_rng(1)
    z = 2.4
    f = templates.eigen_obs_flux(rng, "qso", LAM, np.full(20, z))
    mean = f.mean(axis=0)
    for rest in (1215.67, 1549.06):
        win = np.abs(LAM / (rest * (1 + z)) - 1) < 0.02
        peak = LAM[win][np.argmax(mean[win])] / (1 + z)
        assert abs(C_KMS * (peak - rest) / rest) < 2500     # the composite's lines, blueshifts included


@needs_templates
def test_star_population_and_plan_do_not_depend_on_the_physics():
    a = plan_catalog(MockConfig(n_spectra=2000, seed=4, physics="analytic"))
    b = plan_catalog(MockConfig(n_spectra=2000, seed=4, physics="templates"))
    for col in ("CLASS_TRUE", "PLATE", "MJD", "FIBERID", "THING_ID", "MISSING_FILE", "DEAD_FIBER"):
        assert np.array_equal(a[col], b[col]), col
    stars = b[b["CLASS_TRUE"] == "STAR"]
    fam = [k.split(":")[0] for k in stars["KIND"]]
    share = {f: fam.count(f) / len(fam) for f in set(fam)}
    # A and F stars dominate, as in quasar target selection
    assert share["A"] + share["F"] > 0.35 and share.get("M", 0) < 0.12


def test_unknown_physics_is_refused():
    with pytest.raises(ValueError, match="physics"):
        MockConfig(physics="nonsense")


def test_a_dla_is_black_at_its_centre_with_damped_wings():
    rng = np.random.default_rng(3)
    z_qso = np.full(400, 3.0)
    lam_rest = LAM[None, :] / (1 + z_qso[:, None])
    t = physics.dla_absorption(rng, LAM, lam_rest, z_qso)
    has = (t < 0.01).any(axis=1)
    # dN/dz · Δz ≈ 0.25 × (3.0 − 2.37 − 0.04) → about 14 % of sightlines hold at least one
    assert 0.05 < has.mean() < 0.3
    i = np.flatnonzero(has)[0]
    centre = np.argmin(t[i])
    width = (t[i] < 0.5).sum()                 # pixels, 1e-4 dex each
    assert 10 < width < 400                    # a damped core of several Å, not a narrow line
    assert t[i, centre] < 1e-3 and t[i].max() == pytest.approx(1.0, abs=1e-3)


def test_a_uv_tilt_gives_a_power_law_its_new_slope_and_leaves_the_optical_alone():
    loglam = np.arange(np.log10(1200), np.log10(9000), 1e-4)
    lam = 10 ** loglam
    rows = np.stack([(lam / 5000) ** -0.5, np.full(lam.size, 2.0)])
    assert np.allclose(templates.uv_slope(loglam, rows), [-0.5, 0.0], atol=0.02)
    out = templates.tilt_uv(loglam, rows, np.array([-2.0, -1.35]))
    # a power law tilted by a power law is one: the slope is the target to the windows' averaging
    assert np.allclose(templates.uv_slope(loglam, out), [-2.0, -1.35], atol=0.03)
    above = lam >= templates.GALAXY_UV_PIVOT
    assert np.array_equal(out[:, above], rows[:, above])
    # at 1600 Å the flat row is (1600/3600)^-1.35 = 2.99 times brighter
    assert out[1, np.searchsorted(lam, 1600.0)] / 2.0 == pytest.approx((1600 / 3600) ** -1.35, rel=1e-3)


@needs_templates
def test_blue_eigen_galaxies_take_the_drawn_uv_slope(monkeypatch):
    lam_obs = 10 ** np.arange(np.log10(3650), np.log10(10300), 1e-4)
    lam_rest = lam_obs / 2.2   # z = 1.2: the rest UV from 1,660 Å is observed

    def median_beta():
        flux = templates.eigen_obs_flux(np.random.default_rng(5), "galaxy", lam_obs, np.full(400, 1.2))
        blue = flux[:, (lam_rest > 1700) & (lam_rest < 1900)].mean(1)
        red = flux[:, (lam_rest > 3300) & (lam_rest < 3500)].mean(1)
        return np.median(np.log(blue / red) / np.log(1800 / 3400))

    monkeypatch.setattr(templates, "GALAXY_BLUE_FRACTION", 1.0)   # every eigen galaxy a blue draw
    monkeypatch.setattr(templates, "GALAXY_UV_BETA", None)
    assert median_beta() > -0.8   # the basis' own UV: flat in f_λ
    monkeypatch.setattr(templates, "GALAXY_UV_BETA", (-1.35, 0.5))
    assert median_beta() == pytest.approx(-1.35, abs=0.1)


@needs_templates
def test_galaxies_follow_the_plans_kind_when_asked(monkeypatch):
    passive = np.arange(1000) % 4 == 0             # a quarter of the rows PASSIVE, as in the plan
    rng = np.random.default_rng(11)
    coef = templates.eigen_coefficients(rng, "galaxy", 1000, passive)
    # off: about GALAXY_BLUE_FRACTION of every kind is blue
    assert 0.6 < templates.is_blue_galaxy(coef[passive]).mean() < 0.8
    assert 0.6 < templates.is_blue_galaxy(coef[~passive]).mean() < 0.8
    monkeypatch.setattr(templates, "GALAXY_FOLLOW_KIND", True)
    coef = templates.eigen_coefficients(np.random.default_rng(11), "galaxy", 1000, passive)
    # on: the PASSIVE rows are the measured red galaxies (c1 > 0), the SF rows blue draws
    np.testing.assert_array_equal(templates.is_blue_galaxy(coef), ~passive)
    # and the spectra made from them keep it through the redraws of negative combinations
    lam_obs = 10 ** np.arange(np.log10(3650), np.log10(10300), 1e-4)
    flux = templates.eigen_obs_flux(np.random.default_rng(2), "galaxy", lam_obs, np.full(200, 0.1), passive[:200])
    lam_rest = lam_obs / 1.1
    d4000 = (flux[:, (lam_rest > 4050) & (lam_rest < 4250)].mean(1)
             / flux[:, (lam_rest > 3750) & (lam_rest < 3950)].mean(1))
    assert np.median(d4000[passive[:200]]) > np.median(d4000[~passive[:200]]) + 0.2   # the 4000 Å break of the red
