"""The common input grid and the two steps every spectrum takes onto it, for training and inference alike.

:class:`Grid` is a log10-λ grid (QuasarNET's by default); :func:`rebin` moves many spectra onto it
with inverse-variance weights and :func:`standardize` scales each one. Preprocessing, the model
bundle, QuasarNET and the real-spectra checks all use these three and nothing else.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .spectra import Spectrum


@dataclass(frozen=True)
class Grid:
    """A log10-λ grid of ``nbins`` bins of width ``dloglam`` starting at ``loglam_min``.

    The default is QuasarNET's: from 3600 Å, Δlog10 λ = 1e-3, 443 bins (to 10,000 Å).
    """

    loglam_min: float = float(np.log10(3600.0))
    dloglam: float = 1e-3
    nbins: int = 443

    @property
    def centres(self) -> np.ndarray:
        """log10 λ at the centre of each bin."""
        return self.loglam_min + self.dloglam * (np.arange(self.nbins) + 0.5)

    @property
    def edges(self) -> np.ndarray:
        return self.loglam_min + self.dloglam * np.arange(self.nbins + 1)

    def bin_of(self, loglam) -> np.ndarray:
        """Bin index of each log-wavelength (may fall outside 0..nbins-1)."""
        return np.floor((np.asarray(loglam) - self.loglam_min) / self.dloglam).astype(np.int64)


def rebin(spectra: list[Spectrum], grid: Grid = Grid()) -> tuple[np.ndarray, np.ndarray]:
    """Inverse-variance-weighted rebinning of many spectra in one pass.

    In each bin, flux = Σ ivar·flux / Σ ivar and ivar = Σ ivar over the native pixels that fall in
    it; masked pixels (a pixel bit, 16–31, of AND_MASK) and non-finite ones carry no weight. Bins without data hold
    flux 0 and ivar 0. The ivar-weighted sum Σ ivar·flux is conserved.

    Returns
    -------
    flux, ivar : ndarray, shape (len(spectra), grid.nbins), float32
    """
    n = len(spectra)
    if n == 0:
        return np.zeros((0, grid.nbins), np.float32), np.zeros((0, grid.nbins), np.float32)
    idx, w, wf = [], [], []
    for i, s in enumerate(spectra):
        b = grid.bin_of(s.loglam)
        ok = (b >= 0) & (b < grid.nbins) & s.good()
        iv = s.ivar[ok].astype(np.float64)
        idx.append(b[ok] + i * grid.nbins)
        w.append(iv)
        wf.append(iv * s.flux[ok])
    idx = np.concatenate(idx)
    size = n * grid.nbins
    sum_w = np.bincount(idx, weights=np.concatenate(w), minlength=size).reshape(n, grid.nbins)
    sum_wf = np.bincount(idx, weights=np.concatenate(wf), minlength=size).reshape(n, grid.nbins)
    with np.errstate(invalid="ignore", divide="ignore"):
        flux = np.where(sum_w > 0, sum_wf / sum_w, 0.0)
    return flux.astype(np.float32), sum_w.astype(np.float32)


def standardize(flux: np.ndarray, ivar: np.ndarray, weighted: bool = True) -> np.ndarray:
    """Per-spectrum standardisation z = (x − mean) / σ.

    ``weighted=True`` uses the ivar-weighted mean and standard deviation (QuasarNET);
    ``False`` the plain ones over bins with data (the thesis). Bins without data hold 0 before
    the shift, as in QuasarNET. Rows with no data or zero spread come back as all zeros.
    """
    w = ivar if weighted else (ivar > 0).astype(np.float32)
    sw = w.sum(axis=1, keepdims=True)
    safe = np.where(sw > 0, sw, 1)
    x = np.where(ivar > 0, flux, 0)
    mean = (w * x).sum(axis=1, keepdims=True) / safe
    sd = np.sqrt((w * (x - mean) ** 2).sum(axis=1, keepdims=True) / safe)
    ok = (sw > 0) & (sd > 0)
    return np.where(ok, (x - mean) / np.where(ok, sd, 1), 0).astype(np.float32)
