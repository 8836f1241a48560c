import numpy as np
import pytest

from specml_utils import explore
from specml_utils.mock.survey import BANDS
from specml_utils.spectra import Spectrum


def _flat(mag_ab: float, bad=None) -> Spectrum:
    """A spectrum whose f_λ is constant at the value an AB magnitude gives at the r band's centre."""
    loglam = np.arange(np.log10(3600), np.log10(10000), 1e-4)
    lam_r = np.mean(BANDS["r"])
    f = 10 ** (-0.4 * (mag_ab + 48.6)) * 2.99792458e18 / lam_r ** 2 * 1e17
    flux = np.full(loglam.size, f, np.float32)
    ivar = np.ones(loglam.size, np.float32)
    if bad is not None:
        flux[bad] = -1e3  # garbage where the ivar says the pixel is bad
        ivar[bad] = 0
    return Spectrum(loglam, flux, ivar, np.zeros(loglam.size, np.int32), {})


def test_spectral_r_magnitude_of_a_known_flux():
    assert explore.spectral_r_mag(_flat(20.0)) == pytest.approx(20.0, abs=1e-4)


def test_spectral_r_magnitude_skips_bad_pixels_and_needs_half_the_band():
    wave = 10 ** np.arange(np.log10(3600), np.log10(10000), 1e-4)
    band = np.flatnonzero((wave >= BANDS["r"][0]) & (wave < BANDS["r"][1]))
    assert explore.spectral_r_mag(_flat(21.0, bad=band[: band.size // 3])) == pytest.approx(21.0, abs=1e-4)
    assert np.isnan(explore.spectral_r_mag(_flat(21.0, bad=band[: 2 * band.size // 3])))


def test_throughput_table_medians_by_hand():
    sets = {"a": {"r_spec": np.array([20.5, 20.7, 21.5, np.nan]), "r_psf": np.array([20.0, 20.0, 21.0, 21.0]),
                  "sn": np.array([5.0, 4.0, 2.0, 1.0])}}
    t = explore.throughput_table(sets)
    assert t.loc["a", "spectra"] == 4
    assert t.loc["a", "r_spec − r_PSF (median)"] == pytest.approx(0.5)
    assert t.loc["a", "S/N median"] == pytest.approx(3.0)
    assert t.loc["a", "S/N at r_spec 20–21"] == pytest.approx(4.5)
    assert t.loc["a", "n at r_spec 20–21"] == 2
    assert t.loc["a", "S/N at r_spec 21–22"] == pytest.approx(2.0)


def test_the_inspected_spectra_are_named_by_their_plates():
    from types import SimpleNamespace as S

    assert explore.inspected_label([S(ident={"plate": 7102}), S(ident={"plate": 7102})]) == "VI plate 7102"
    assert explore.inspected_label([S(ident={"plate": 7102}), S(ident={"plate": 3655})]) == "VI plates 3655, 7102"
    assert explore.inspected_label([S(ident={"targetid": 1})]) == "VI"
