"""BOSS-like sky, noise and masks for the mock survey, calibrated on real spectra.

The numbers come from ``noise_calibration.json``, written by ``scripts/calibrate_mock.py``
from the real SKY, IVAR and AND_MASK columns of BOSS spec-lite files. The variance model is
the CCD equation in flux units: var(λ) = a(λ)·d·(sky(λ) + object(λ)) + floor, where a(λ) is
the measured variance per unit flux (throughput, exposure time) and d a per-spectrum depth.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np

CALIBRATION = Path(__file__).with_name("noise_calibration.json")

#: AND_MASK bits used by the mock (SDSS spmask bits)
BIT_NEARBADPIXEL = 16
BIT_LOWFLAT = 17
BIT_BRIGHTSKY = 23


@functools.lru_cache(maxsize=1)
def calibration() -> dict:
    """The measured sky and noise numbers."""
    return json.loads(CALIBRATION.read_text())


def spectrophotometric_offsets(rng, n: int) -> np.ndarray:
    """r_spec − r_PSF (mag) of ``n`` observations: how much fainter each spectrum is than the
    object's photometry, drawn from the quantiles measured on real spectra (``spectrophotometry``
    of the calibration; linear between them, held at the outermost)."""
    cal = calibration()["spectrophotometry"]
    return np.interp(rng.random(n), cal["probs"], cal["offset_quantiles"])


@functools.lru_cache(maxsize=8)
def sky_template(loglam0: float, npix: int, dloglam: float = 1e-4) -> np.ndarray:
    """Median-normalised sky spectrum (continuum plus emission lines) on a log-λ grid."""
    cal = calibration()["sky"]
    wave = 10 ** (loglam0 + dloglam * np.arange(npix))
    cont = np.interp(wave, cal["continuum_wave"], cal["continuum_rel"])
    sky = cont.copy()
    # sky lines are unresolved: each is a Gaussian of the spectrograph's line-spread width;
    # ``amp`` is the measured peak height relative to the local continuum
    sig_pix = calibration()["wdisp"]
    pix = np.arange(npix)
    for lam, amp in cal["lines"]:
        centre = (np.log10(lam) - loglam0) / dloglam
        lo, hi = int(max(centre - 6 * sig_pix, 0)), int(min(centre + 6 * sig_pix + 1, npix))
        if hi > lo:
            sl = slice(lo, hi)
            peak = amp * np.interp(lam, wave, cont)
            sky[sl] += peak * np.exp(-0.5 * ((pix[sl] - centre) / sig_pix) ** 2)
    return sky


def variance_per_flux(wave: np.ndarray) -> np.ndarray:
    """Measured variance per unit flux a(λ)."""
    cal = calibration()["variance"]
    return np.exp(np.interp(np.log(wave), np.log(cal["wave"]), np.log(cal["per_flux"])))


def flux_calibration_error(rng, n: int, npix: int) -> np.ndarray:
    """Smooth multiplicative errors of the flux calibration, one per spectrum: exp(a·x + b·(x² − 1/3))
    over x ∈ [−1, 1] in log λ, with a ~ N(0, 0.1) and b ~ N(0, 0.07). BOSS quasar targets carry
    such errors at the 10–20 % level across the spectrum, mostly from the fibre offsets chosen
    for 4000 Å and atmospheric refraction (Margala et al. 2016, ApJ 831, 157)."""
    x = np.linspace(-1, 1, npix)[None, :]
    return np.exp(rng.normal(0, 0.1, (n, 1)) * x + rng.normal(0, 0.07, (n, 1)) * (x * x - 1 / 3))


def observe(rng, model: np.ndarray, loglam0: float, dloglam: float = 1e-4,
            exposure_depth: float = 1.0, calibration_errors: bool = False) -> dict:
    """Add sky, photon and read noise and masks to noiseless spectra.

    Parameters
    ----------
    rng : numpy.random.Generator
    model : ndarray, shape (n, npix)
        Noiseless observed-frame flux (1e-17 erg/s/cm²/Å).
    loglam0 : float
        log10 λ of the first pixel.
    exposure_depth : float
        Scales the variance: 4 means a quarter of the exposure time.
    calibration_errors : bool
        Multiply each spectrum by a smooth spectrophotometric error (:func:`flux_calibration_error`)
        and make the sky-subtraction residuals grow to the red.

    Returns
    -------
    dict with ``flux``, ``ivar``, ``and_mask``, ``sky`` (all (n, npix)).
    """
    cal = calibration()
    n, npix = model.shape
    wave = 10 ** (loglam0 + dloglam * np.arange(npix))
    if calibration_errors:
        model = model * flux_calibration_error(rng, n, npix)
    shape = sky_template(loglam0, npix, dloglam)
    level = cal["sky"]["level_median"] * 10 ** rng.normal(0, cal["sky"]["level_scatter_dex"], (n, 1))
    sky = level * shape
    depth = exposure_depth * 10 ** rng.normal(0, cal["depth_scatter_dex"], (n, 1))
    a = variance_per_flux(wave)[None, :] * depth
    var = a * (sky + np.clip(model, 0, None)) + 1e-4 * a.mean()
    sigma = np.sqrt(var)
    flux = model + sigma * rng.standard_normal((n, npix))
    # imperfect sky subtraction: residuals of a few per cent of the sky-line flux, not in the
    # pipeline's ivar — the spikes real spectra show redward of 7000 Å among the OH lines
    cont = np.interp(wave, cal["sky"]["continuum_wave"], cal["sky"]["continuum_rel"])
    lines = level * np.clip(shape - cont, 0, None)
    red = np.clip((wave - 7000) / 3000, 0, 1)[None, :] if calibration_errors else 0.0
    flux += lines * (rng.normal(0, 0.02, (n, 1)) + rng.normal(0, 0.04, (n, npix)) * (1 + red))
    ivar = 1.0 / var
    mask = np.zeros((n, npix), dtype=np.int32)
    # bright sky lines: flag where the sky exceeds twice its local continuum (≈5 % of pixels, as measured)
    mask[:, shape > 2.0 * cont] |= 1 << BIT_BRIGHTSKY
    # low flat-field at the ends of the CCDs, in some spectra
    ends = rng.random(n) < 0.3
    mask[ends, :25] |= 1 << BIT_LOWFLAT
    mask[ends, -25:] |= 1 << BIT_LOWFLAT
    # bad columns: a run of unusable pixels in one spectrum of ten
    bad = np.flatnonzero(rng.random(n) < 0.1)
    starts = rng.integers(0, npix - 60, bad.size)
    lengths = rng.integers(3, 60, bad.size)
    for i, s, length in zip(bad, starts, lengths):
        mask[i, s:s + length] |= 1 << BIT_NEARBADPIXEL
        ivar[i, s:s + length] = 0.0
        flux[i, s:s + length] = 0.0
    return {"flux": flux.astype(np.float32), "ivar": ivar.astype(np.float32), "and_mask": mask,
            "sky": sky.astype(np.float32)}
