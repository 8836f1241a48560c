"""Redshift as a classification over bins: the bins, each class' redshift range, the σ_z calibration.

The redshift CNN (:func:`specml_utils.models.redshift_cnn`) spreads its probability over the
:class:`ZBins` of ln(1 + z); reading a redshift and its σ from that probability, limiting it to
the range a class covers (:func:`class_z_ranges`) and calibrating σ on validation spectra
(:func:`calibrate_sigma_by_class`) are numerical steps with no network in them, so they live here.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import uniform_filter1d

#: how a solution's peak is found in the CNN's probability: "bin", the single most probable bin (until
#: 2026-11-29); "mass", the tallest bin of the ±window bins that hold the most probability — a broad peak can
#: outweigh a narrow, taller one, and on the validation split and a mock of another seed this made fewer
#: catastrophic quasar redshifts and found more quasars (scripts/zpeak_trial.py, benchmarks/zpeak_trial.jsonl)
PEAK = "mass"


@dataclass(frozen=True)
class ZBins:
    """Bins of t = ln(1 + z) over which the redshift CNN spreads its probability.

    The default, 0.003 in t (≈ 900 km/s) from t = -0.01 to ln(1 + 6.5), is finer than the
    6000 km/s that separates a correct redshift from a catastrophic one.
    """

    t_min: float = -0.01
    t_max: float = float(np.log1p(6.5))
    width: float = 0.003

    @property
    def n(self) -> int:
        return int(np.ceil((self.t_max - self.t_min) / self.width))

    @property
    def centres(self) -> np.ndarray:
        return self.t_min + self.width * (np.arange(self.n) + 0.5)

    def soft_targets(self, z) -> np.ndarray:
        """One row per redshift: "two-hot" probabilities on the two bins whose centres bracket t.

        The weights are linear in t's position between the two centres, so the target's mean is
        exactly t — the network can place a redshift between bin centres — and cross-entropy on
        such targets is a proper scoring rule: the spread the network predicts reflects how
        unsure it is, which is what :meth:`estimate` turns into σ_z.
        """
        t = np.log1p(np.asarray(z, np.float64))
        u = np.clip((t - self.t_min) / self.width - 0.5, 0, self.n - 1)
        lo = np.minimum(np.floor(u).astype(np.int64), self.n - 2)
        frac = u - lo
        p = np.zeros((len(t), self.n), np.float32)
        rows = np.arange(len(t))
        p[rows, lo] = 1 - frac
        p[rows, lo + 1] = frac
        return p

    def index(self, z) -> np.ndarray:
        """The bin each redshift falls in (clipped to the grid)."""
        u = (np.log1p(np.asarray(z, np.float64)) - self.t_min) / self.width
        return np.clip(np.floor(u).astype(np.int64), 0, self.n - 1)

    def peaks(self, prob, window: int = 6) -> np.ndarray:
        """Each row's peak bin, as :data:`PEAK` says: its most probable bin ("bin"), or the most
        probable bin among the 2·``window`` + 1 that hold the most probability ("mass")."""
        prob = np.asarray(prob, np.float64)
        if PEAK == "bin":
            return prob.argmax(axis=1)
        centre = uniform_filter1d(prob, 2 * window + 1, axis=1, mode="constant").argmax(axis=1)
        idx = np.clip(centre[:, None] + np.arange(-window, window + 1), 0, prob.shape[1] - 1)
        return idx[np.arange(len(prob)), np.take_along_axis(prob, idx, axis=1).argmax(axis=1)]

    def estimate(self, prob, window: int = 6) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Redshift, its 1σ uncertainty and the peak's probability from the CNN's output.

        z comes from the probability-weighted mean of t within ±``window`` bins of the peak
        (:meth:`peaks`; so a second, weaker solution elsewhere does not pull it); σ_z adds the
        second moment of the whole distribution about z, so a spectrum with two plausible
        redshifts gets a σ as large as their separation.
        """
        prob = np.asarray(prob, np.float64)
        n, k = prob.shape
        c = self.centres
        peak = self.peaks(prob, window)
        idx = peak[:, None] + np.arange(-window, window + 1)[None, :]
        inside = (idx >= 0) & (idx < k)
        idx = np.clip(idx, 0, k - 1)
        w = np.where(inside, np.take_along_axis(prob, idx, axis=1), 0.0)
        mass = w.sum(axis=1)
        t = (w * c[idx]).sum(axis=1) / mass
        var = (w * (c[idx] - t[:, None]) ** 2).sum(axis=1) / mass + self.width ** 2 / 12
        z = np.expm1(t)
        return z, (1 + z) * np.sqrt(var), mass

    def restrict(self, prob, ranges: dict, names, labels) -> np.ndarray:
        """Zero the probability outside the redshift range of each spectrum's class.

        ``ranges`` maps a class name to (z_min, z_max) — :func:`class_z_ranges` — and ``labels``
        index ``names``. A spectrum the classifier calls a quasar then gets the quasar solution
        even where the network also saw a star-like one at z ≈ 0; classes without a range keep
        every bin.
        """
        z = np.expm1(self.centres)
        allowed = np.ones((len(names), self.n), bool)
        for k, name in enumerate(names):
            if name in ranges:
                lo, hi = ranges[name]
                allowed[k] = (z >= lo) & (z <= hi)
        kept = np.where(allowed[np.asarray(labels)], prob, 0.0)
        # a spectrum with no probability left in its class' range (float32 underflow) keeps all
        return np.where(kept.sum(axis=1, keepdims=True) > 0, kept, prob)


def class_z_ranges(labels, z, names, margin: float = 0.01, shared=(("QSO", "QSO_BAL"),)) -> dict:
    """The redshift range the training spectra of each class cover, widened by ``margin`` in ln(1 + z).

    Classes in one group of ``shared`` get the union of their ranges: a BAL quasar's redshift is
    a quasar's (the mock's BALs start at z = 1.57 only because DR12Q flags them from CIV).
    """
    t = np.log1p(np.asarray(z, np.float64))
    labels = np.asarray(labels)
    span = {name: (t[labels == k].min(), t[labels == k].max()) for k, name in enumerate(names) if (labels == k).any()}
    for group in shared:
        present = [g for g in group if g in span]
        if present:
            both = (min(span[g][0] for g in present), max(span[g][1] for g in present))
            span.update({g: both for g in present})
    return {name: (float(np.expm1(lo - margin)), float(np.expm1(hi + margin))) for name, (lo, hi) in span.items()}


def calibrate_sigma(z_true, z_pred, sigma, target: float = 0.6827) -> float:
    """The factor s for which a fraction ``target`` of |z_pred − z_true| falls within s·σ.

    Fitted on the validation split, applied unchanged to the test split and to new spectra.
    """
    ratio = np.abs(np.asarray(z_pred) - np.asarray(z_true)) / np.asarray(sigma)
    return float(np.quantile(ratio, target))


def calibrate_sigma_by_class(labels, z_true, z_pred, sigma, names, target: float = 0.6827) -> dict:
    """:func:`calibrate_sigma` separately for each class: a star's redshift is far surer than a
    faint quasar's, which one factor for all would hide. Classes absent from ``labels`` get the
    factor fitted on everything."""
    labels = np.asarray(labels)
    overall = calibrate_sigma(z_true, z_pred, sigma, target)
    return {name: (calibrate_sigma(np.asarray(z_true)[labels == k], np.asarray(z_pred)[labels == k],
                                   np.asarray(sigma)[labels == k], target) if (labels == k).any() else overall)
            for k, name in enumerate(names)}
