"""Training-time augmentation: the instrument's imperfections drawn afresh for every epoch.

A network trained on a mock learns whatever separates the classes there, shortcuts included
(a noise level, a perfect flux calibration). Every training spectrum is re-observed afresh for
each epoch, on the rebinned grid (flux and ivar), before standardisation:

* a smooth multiplicative distortion (spectrophotometric calibration errors: a tilt and a bend
  in log λ, as the BOSS pipeline's own fits absorb with low-order polynomials);
* extra noise, re-drawn at lower S/N (the faint end of quasar targets reaches S/N ≈ 1);
* masked runs of bins (bad columns, bright sky) and a lost blue end (the blue CCD edge);
* an integer shift of a bin (≈ 690 km/s) for classifiers, which do not depend on the exact redshift.

The validation split is never augmented, so the selection of the best epoch stays on the mock as generated.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from .backend import keras

from .grid import standardize


@dataclass(frozen=True)
class AugmentConfig:
    """How strongly the training spectra are re-observed (probabilities are per spectrum).

    Attributes
    ----------
    tilt_sigma, bend_sigma : float
        Standard deviations of the linear and quadratic terms of ln(flux factor) across the grid.
    p_noise, max_noise_scale : float
        Probability of extra noise, and the largest factor by which σ grows (uniform in between).
    p_mask, max_mask_bins : float, int
        Probability of a masked run of bins, and its longest length.
    p_blue_loss, max_blue_bins : float, int
        Probability of losing the bluest bins, and how many at most.
    p_shift : float
        Probability of a shift of ±1 bin (0 for redshift networks).
    """

    tilt_sigma: float = 0.15
    bend_sigma: float = 0.10
    p_noise: float = 0.5
    max_noise_scale: float = 3.0
    p_mask: float = 0.3
    max_mask_bins: int = 40
    p_blue_loss: float = 0.15
    max_blue_bins: int = 40
    p_shift: float = 0.3


def noisier(rng: np.random.Generator, flux: np.ndarray, ivar: np.ndarray, scale):
    """The same spectra observed with their noise σ multiplied by ``scale`` (≥ 1; a number, or one
    per spectrum as an (n, 1) column): extra Gaussian noise of σ·√(scale² − 1) and ivar / scale².
    Where the sky dominates the noise, this is the spectrum observed 2.5 log10(scale) mag fainter
    (or with that much less exposure). Masked bins (ivar 0) stay as they are."""
    sig = np.where(ivar > 0, 1 / np.sqrt(np.where(ivar > 0, ivar, 1)), 0)
    extra = (sig * np.sqrt(scale * scale - 1) * rng.standard_normal(ivar.shape)).astype(np.float32)
    return flux + extra, (ivar / (scale * scale)).astype(np.float32)


def augment(rng: np.random.Generator, flux: np.ndarray, ivar: np.ndarray, cfg: AugmentConfig = AugmentConfig()):
    """Re-observe a batch of rebinned spectra; returns new (flux, ivar) arrays."""
    n, nb = flux.shape
    flux = flux.astype(np.float32, copy=True)
    ivar = ivar.astype(np.float32, copy=True)
    x = np.linspace(-1, 1, nb, dtype=np.float32)[None, :]
    factor = np.exp(rng.normal(0, cfg.tilt_sigma, (n, 1)) * x + rng.normal(0, cfg.bend_sigma, (n, 1)) * (x * x - 1 / 3))
    flux *= factor
    good = ivar > 0
    ivar = np.where(good, ivar / factor ** 2, 0).astype(np.float32)
    noisy = rng.random(n) < cfg.p_noise
    if noisy.any():
        s = rng.uniform(1, cfg.max_noise_scale, noisy.sum())[:, None]
        flux[noisy], ivar[noisy] = noisier(rng, flux[noisy], ivar[noisy], s)
    for i in np.flatnonzero(rng.random(n) < cfg.p_mask):
        length = rng.integers(3, cfg.max_mask_bins + 1)
        start = rng.integers(0, nb - length)
        ivar[i, start:start + length] = 0
    for i in np.flatnonzero(rng.random(n) < cfg.p_blue_loss):
        ivar[i, :rng.integers(1, cfg.max_blue_bins + 1)] = 0
    shift = np.where(rng.random(n) < cfg.p_shift, rng.choice([-1, 1], n), 0)
    for k in (-1, 1):
        sel = shift == k
        if sel.any():
            flux[sel] = np.roll(flux[sel], k, axis=1)
            ivar[sel] = np.roll(ivar[sel], k, axis=1)
            edge = 0 if k == 1 else nb - 1
            ivar[sel, edge] = 0
    return flux, ivar


def rows(t, sel):
    """Rows ``sel`` of targets that are an array, a list/tuple of arrays or a dict of them."""
    if isinstance(t, dict):
        return {name: v[sel] for name, v in t.items()}
    if isinstance(t, (list, tuple)):
        return tuple(v[sel] for v in t)   # Keras reads a list in a batch as one nested input
    return t[sel]


_DRAWER = None


def _drawer() -> ThreadPoolExecutor:
    """The one thread that draws the next epochs of every dataset, one draw after another."""
    global _DRAWER
    if _DRAWER is None:
        _DRAWER = ThreadPoolExecutor(1, thread_name_prefix="specml-epoch")
    return _DRAWER


class EpochBatches(keras.utils.PyDataset):
    """Shuffled batches of arrays for ``keras.Model.fit``, each epoch drawn whole before it begins.

    A new order of the spectra is drawn for every epoch and the epoch's inputs made in that order
    (:meth:`_inputs`: here the rows themselves); batches are consecutive slices. So every spectrum
    is seen exactly once per epoch, every random draw happens in one order (the same seed gives the
    same training), and a batch costs a slice. The next epoch is drawn in a background thread while
    the current one trains — each draw starts when the one before has been taken, so the random
    draws come in the same order as drawn one at a time — and taken at the epoch's end
    (``on_epoch_end``); the augmentation (0.15–0.2 s an epoch for notebook 04) then no longer stops
    the training loop — which pays where cores would otherwise wait, as beside a GPU; on 2 busy cores
    it gained nothing (``benchmarks/epoch_ahead.jsonl``). The price is two epochs' inputs held in memory (n × n_bins float32 each:
    20 MB for notebook 04's 11,446 spectra, 1.8 GB for a million), beside the arrays they are drawn from.

    Keras reads the batches with two worker threads through its ordered queue. With one (its
    default, and what it does with plain arrays too) it prefetches through TensorFlow's
    autotuned pipeline, which here waited 3–5 s before the first batch of 3 to 11 epochs in 21
    (by feed), on 2 cores where an epoch of specnet takes 5–6 s (``scripts/epoch_feed_trial.py``,
    ``benchmarks/epoch_feed.jsonl``); :func:`specml_utils.training.fit` therefore feeds every
    network through this class.

    Parameters
    ----------
    x : ndarray (n, n_bins)
        Inputs, row-aligned with ``targets``.
    targets : ndarray, or list or dict of ndarrays
        What the model's loss expects.
    batch_size, seed : int
    sample_weight : ndarray, optional
    """

    def __init__(self, x, targets, batch_size: int = 240, seed: int = 0, sample_weight=None):
        super().__init__(workers=2)
        self.source, self.targets, self.sample_weight = x, targets, sample_weight
        self.batch_size = batch_size
        self.n_samples = len(x)
        self.rng = np.random.default_rng(seed)
        self.epochs_drawn = 0      # epochs made current so far
        self._next = None
        self._draw_epoch()

    def _inputs(self, order):
        return self.source[order]

    def _make_epoch(self):
        order = self.rng.permutation(self.n_samples)
        w = None if self.sample_weight is None else self.sample_weight[order]
        return order, self._inputs(order), rows(self.targets, order), w

    def _draw_epoch(self):
        """Make the next epoch current (drawn meanwhile, or now the first time), then start drawing the one after."""
        epoch = self._next.result() if self._next is not None else self._make_epoch()
        self.order, self.x, self.y, self.w = epoch
        self.epochs_drawn += 1
        self._next = _drawer().submit(self._make_epoch)

    def __len__(self) -> int:
        return int(np.ceil(self.n_samples / self.batch_size))

    def __getitem__(self, k):
        sl = slice(k * self.batch_size, (k + 1) * self.batch_size)
        if self.w is None:
            return self.x[sl], rows(self.y, sl)
        return self.x[sl], rows(self.y, sl), self.w[sl]

    def on_epoch_end(self):
        self._draw_epoch()


class AugmentedBatches(EpochBatches):
    """:class:`EpochBatches` of augmented, standardised spectra: every epoch re-observes every
    training spectrum afresh (:func:`augment`), in chunks of ``chunk`` spectra.

    Parameters
    ----------
    flux, ivar : ndarray (n, n_bins)
        The training split on the grid (the dataset's ``flux`` and ``ivar``).
    targets : ndarray, or list or dict of ndarrays
        What the model's loss expects, row-aligned with ``flux``.
    cfg : AugmentConfig
    batch_size, seed : int
    sample_weight : ndarray, optional
    weighted : bool
        The standardisation of the dataset (ivar-weighted or plain).
    chunk : int
        Spectra re-observed at a time (bounds the temporary memory of a large training set).
    """

    def __init__(self, flux, ivar, targets, cfg: AugmentConfig = AugmentConfig(), batch_size: int = 240,
                 seed: int = 0, sample_weight=None, weighted: bool = True, chunk: int = 8192):
        self.flux, self.ivar, self.cfg, self.weighted, self.chunk = flux, ivar, cfg, weighted, chunk
        super().__init__(flux, targets, batch_size, seed, sample_weight)

    def _inputs(self, order):
        x = np.empty(self.flux.shape, np.float32)
        for lo in range(0, len(order), self.chunk):
            idx = order[lo:lo + self.chunk]
            x[lo:lo + len(idx)] = standardize(*augment(self.rng, self.flux[idx], self.ivar[idx], self.cfg),
                                              self.weighted)
        return x
