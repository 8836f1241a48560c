"""Rebinning and standardisation onto the common grid, against values computed by hand."""
import numpy as np
import pytest

from specml_utils.grid import Grid, rebin, standardize
from specml_utils.spectra import Spectrum


def spectrum(loglam, flux, ivar, mask=None):
    return Spectrum(np.asarray(loglam, float), np.asarray(flux, np.float32), np.asarray(ivar, np.float32),
                    np.zeros(len(flux), np.int32) if mask is None else np.asarray(mask, np.int32), {})


def test_rebin_conserves_ivar_weighted_sum():
    rng = np.random.default_rng(0)
    ll = 3.5563 + 1e-4 * np.arange(4600)
    s = spectrum(ll, rng.normal(5, 2, ll.size), rng.uniform(0.1, 3, ll.size))
    grid = Grid()
    flux, ivar = rebin([s], grid)
    inside = (grid.bin_of(ll) >= 0) & (grid.bin_of(ll) < grid.nbins)
    assert np.sum(flux * ivar) == pytest.approx(np.sum((s.flux * s.ivar)[inside]), rel=1e-5)
    assert np.sum(ivar) == pytest.approx(np.sum(s.ivar[inside]), rel=1e-5)
    # the ivar-weighted mean of each bin, by hand, for bin 10
    b = grid.bin_of(ll) == 10
    assert flux[0, 10] == pytest.approx(np.sum(s.flux[b] * s.ivar[b]) / np.sum(s.ivar[b]), rel=1e-5)


def test_rebin_ignores_masked_pixels_and_handles_batches():
    ll = np.log10(3600) + 1e-4 * (np.arange(30) + 0.5)  # three grid bins
    flux = np.ones(30)
    flux[5] = 1000
    s1 = spectrum(ll, flux, np.ones(30), mask=np.eye(1, 30, 5, dtype=int)[0] * (1 << 18))  # FULLREJECT
    s2 = spectrum(ll, 2 * np.ones(30), np.ones(30))
    f, iv = rebin([s1, s2])
    assert f[0, 0] == pytest.approx(1.0) and iv[0, 0] == pytest.approx(9)
    assert f[1, :3].tolist() == [2, 2, 2] and iv[1, 3:].sum() == 0


def test_line_at_known_redshift_lands_in_the_right_bin():
    """A narrow line at CIV × (1 + 2.5) is the brightest bin, the one holding log10(1549.06 × 3.5)."""
    ll = 3.5515 + 1e-4 * np.arange(4620)
    lam_line = 1549.06 * 3.5
    flux = 1 + 50 * np.exp(-0.5 * ((10 ** ll - lam_line) / 2.0) ** 2)
    grid = Grid()
    f, iv = rebin([spectrum(ll, flux, np.ones_like(ll))], grid)
    x = standardize(f, iv)
    assert np.argmax(x[0]) == int(np.floor((np.log10(lam_line) - np.log10(3600)) / 1e-3))


def test_standardize():
    rng = np.random.default_rng(1)
    f = rng.normal(3, 2, (4, 443)).astype(np.float32)
    iv = rng.uniform(0.5, 2, (4, 443)).astype(np.float32)
    iv[1, :100] = 0
    iv[3] = 0  # no data at all
    x = standardize(f, iv, weighted=True)
    w = iv[0]
    assert np.average(x[0], weights=w) == pytest.approx(0, abs=1e-5)
    assert np.sqrt(np.average(x[0] ** 2, weights=w)) == pytest.approx(1, rel=1e-5)
    assert (x[3] == 0).all()
    xu = standardize(f, iv, weighted=False)
    assert xu[0].mean() == pytest.approx(0, abs=1e-5) and xu[0].std() == pytest.approx(1, rel=1e-5)
    assert xu[1, 100:].mean() == pytest.approx(0, abs=1e-5)
