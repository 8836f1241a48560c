"""Figures of the notebooks. Each function draws one figure; its docstring is the caption."""
from __future__ import annotations

import numpy as np
import matplotlib.pyplot as plt

from .classes import CLASS_NAMES
from .lines import MARKED

CLASS_COLORS = {"STAR": "tab:orange", "GALAXY": "tab:green", "QSO": "tab:blue", "QSO_BAL": "tab:purple"}


def z_text(z: float) -> str:
    """A redshift for a title, three decimals; a star's tiny negative radial-velocity z reads 0.000, not -0.000."""
    text = f"{z:.3f}"
    return "0.000" if text == "-0.000" else text


def smooth(y, width: int = 5, good=None):
    """Boxcar-smoothed copy of ``y`` for display; pixels not ``good`` are left out (NaN where none is)."""
    y = np.asarray(y, float)
    good = np.isfinite(y) if good is None else (good & np.isfinite(y))
    if width <= 1:
        return np.where(good, y, np.nan)
    k = np.ones(width)
    num = np.convolve(np.where(good, y, 0.0), k, mode="same")
    den = np.convolve(good.astype(float), k, mode="same")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def plot_spectrum(ax, spectrum, z: float, cls: str, title: str = "", width: int = 5, color=None):
    """Draw one spectrum (masked pixels hidden, boxcar-smoothed) with its class's lines marked at ``z``."""
    good = spectrum.good()
    flux = np.where(good, spectrum.flux, np.nan)
    wave = spectrum.wave
    shown = smooth(spectrum.flux, width, good)
    ax.plot(wave, shown, lw=0.6, color=color or CLASS_COLORS.get(cls, "k"))
    lo = np.nanpercentile(flux, 1) if np.isfinite(flux).any() else 0.0
    # near the top of the drawn (smoothed) curve, so that a strong line's peak is not cut off,
    # while a few noisy pixels at the red end do not set the scale
    hi = np.nanpercentile(shown, 99.8) if np.isfinite(shown).any() else 1.0
    pad = 0.15 * (hi - lo)
    ax.set_ylim(lo - pad, hi + 2 * pad)
    last, side = -np.inf, "right"
    for name, rest in sorted(MARKED.get(cls, {}).items(), key=lambda kv: kv[1]):
        obs = rest * (1 + z)
        if wave[0] < obs < wave[-1]:
            ax.axvline(obs, color="0.5", lw=0.6, ls=":")
            # a line close to the previous one (Ca K and H, Lyα and NV) gets its label on the other side
            side = ("left" if side == "right" else "right") if obs - last < 0.015 * (wave[-1] - wave[0]) else "right"
            ax.text(obs, hi + 1.9 * pad, name, rotation=90, fontsize=7, ha=side, va="top", color="0.3")
            last = obs
    ax.set_xlim(wave[0], wave[-1])
    ax.set_ylabel("flux [10⁻¹⁷ erg s⁻¹ cm⁻² Å⁻¹]")
    if title:
        ax.set_title(title, fontsize=9, loc="left")


def class_examples(spectra: dict, info: dict):
    """One spectrum of each class with the lines of its class marked at its redshift (the thesis' Figure 4).

    ``spectra`` maps class name to a Spectrum, ``info`` to (z, label text).
    """
    fig, axes = plt.subplots(len(spectra), 1, figsize=(10, 2.4 * len(spectra)), sharex=True)
    for ax, (cls, s) in zip(np.atleast_1d(axes), spectra.items()):
        z, text = info[cls]
        plot_spectrum(ax, s, z, cls, f"{cls}  z = {z_text(z)}  {text}")
    np.atleast_1d(axes)[-1].set_xlabel("observed wavelength [Å]")
    fig.tight_layout()
    return fig


def redshift_and_sn(z_by_class: dict, sn_by_class: dict):
    """Left: catalog redshift by class. Right: median S/N per pixel by class (log scale)."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 3.6))
    for cls in CLASS_NAMES:
        # stars sit at z ≈ 0: they are in the table, not the redshift histogram (but in the S/N one)
        if cls != "STAR" and cls in z_by_class and len(z_by_class[cls]):
            a.hist(np.asarray(z_by_class[cls]), bins=np.linspace(0, 5.5, 56), histtype="step", lw=1.5, label=cls,
                   color=CLASS_COLORS[cls])
        if cls in sn_by_class and len(sn_by_class[cls]):
            s = np.clip(np.asarray(sn_by_class[cls]), 0.05, None)
            b.hist(s, bins=np.logspace(-1.3, 2, 40), histtype="step", lw=1.5, label=cls, color=CLASS_COLORS[cls])
    a.set_xlabel("redshift (Z_VI)")
    a.set_ylabel("spectra")
    a.legend(fontsize=8)
    b.set_xscale("log")
    b.set_xlabel("median S/N per pixel")
    b.set_ylabel("spectra")
    b.legend(fontsize=8)
    fig.tight_layout()
    return fig


def mock_vs_real(pairs: list):
    """Mock (left) and real BOSS (right) spectra of the same class at similar redshift.

    ``pairs`` is a list of (class, mock Spectrum, mock z, real Spectrum, real z).
    """
    fig, axes = plt.subplots(len(pairs), 2, figsize=(12, 2.4 * len(pairs)), squeeze=False)
    for row, (cls, ms, mz, rs, rz) in zip(axes, pairs):
        plot_spectrum(row[0], ms, mz, cls, f"mock {cls}  z = {z_text(mz)}")
        plot_spectrum(row[1], rs, rz, cls, f"real {cls} ({rs.source.split('/')[-1]})  z = {z_text(rz)}", color="k")
    for ax in axes[-1]:
        ax.set_xlabel("observed wavelength [Å]")
    fig.tight_layout()
    return fig


def sn_comparison(mock_sn, real_sn, label_real: str = "real BOSS/eBOSS"):
    """Distribution of the median S/N per pixel of mock and real quasar spectra (normalised histograms)."""
    fig, ax = plt.subplots(figsize=(6, 3.6))
    bins = np.logspace(-1, 2, 30)
    ax.hist(np.clip(mock_sn, 0.1, None), bins=bins, density=True, histtype="step", lw=1.8, label="mock")
    ax.hist(np.clip(real_sn, 0.1, None), bins=bins, density=True, histtype="step", lw=1.8, color="k",
            label=label_real)
    ax.set_xscale("log")
    ax.set_xlabel("median S/N per pixel")
    ax.set_ylabel("density")
    ax.legend()
    fig.tight_layout()
    return fig


def before_after(native: list, loglam_grid, flux, x, labels, zs):
    """Top: spectra on their native pixels (thin) and rebinned onto the grid (thick).
    Bottom: the same after standardisation, the network's input."""
    n = len(native)
    fig, axes = plt.subplots(2, n, figsize=(3.4 * n, 5), squeeze=False)
    wave = 10 ** np.asarray(loglam_grid)
    for k in range(n):
        s = native[k]
        g = s.good()
        axes[0, k].plot(s.wave, smooth(s.flux, 3, g), lw=0.4, color="0.6", label="native (Δlog λ = 1e-4)")
        axes[0, k].plot(wave, flux[k], lw=1.0, color=CLASS_COLORS[labels[k]], label="rebinned")
        axes[0, k].set_title(f"{labels[k]}  z = {zs[k]:.2f}", fontsize=9)
        axes[1, k].plot(wave, x[k], lw=0.8, color=CLASS_COLORS[labels[k]])
        axes[1, k].set_xlabel("wavelength [Å]")
    axes[0, 0].set_ylabel("flux")
    axes[1, 0].set_ylabel("standardised flux")
    axes[0, 0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def split_balance(balance: dict):
    """Spectra of each class in the train, validation and test splits."""
    fig, ax = plt.subplots(figsize=(6.5, 3.4))
    splits = list(balance)
    width = 0.8 / len(CLASS_NAMES)
    for k, cls in enumerate(CLASS_NAMES):
        ax.bar(np.arange(len(splits)) + k * width, [balance[s][cls] for s in splits], width, label=cls,
               color=CLASS_COLORS[cls])
    ax.set_xticks(np.arange(len(splits)) + 0.4 - width / 2, splits)
    ax.set_ylabel("spectra")
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    return fig


def dropped_rows(report: dict):
    """Catalog rows dropped by the cleaning, by reason."""
    reasons = {k: v for k, v in report.items() if k not in ("rows_in", "rows_out")}
    fig, ax = plt.subplots(figsize=(6.5, 2.8))
    ax.barh(list(reasons), list(reasons.values()), color="tab:red")
    ax.invert_yaxis()
    ax.set_xlabel("rows dropped")
    fig.tight_layout()
    return fig


def composites(samples: dict):
    """Median rest-frame composites per class: the mock (colour) and the real visually inspected
    spectra (black), each divided by its median; the legend gives how many spectra each holds.
    Features an inspector looks at — Balmer and Ca lines of stars, a galaxy's emission lines,
    the quasar's broad lines and forest — should sit at the same place with similar strength."""
    from .explore import rest_composite

    fig, axes = plt.subplots(len(samples), 1, figsize=(10, 2.6 * len(samples)))
    for ax, (cls, entry) in zip(np.atleast_1d(axes), samples.items()):
        for src, d in entry.items():
            if not d["spectra"]:
                continue
            wave, comp, _ = rest_composite(d["spectra"], d["z"])
            ax.plot(wave, comp, lw=0.8 if src == "mock" else 1.0, color=CLASS_COLORS[cls] if src == "mock" else "k",
                    label=f"{src} ({len(d['spectra'])} spectra)")
        ax.set_title(cls, fontsize=9, loc="left")
        ax.set_ylabel("flux / median")
        ax.legend(fontsize=8, loc="upper right")
        finite = [ln.get_ydata() for ln in ax.get_lines()]
        top = np.nanpercentile(np.concatenate(finite), 99.5) if finite else 2
        ax.set_ylim(0, top * 1.1)
    np.atleast_1d(axes)[-1].set_xlabel("rest-frame wavelength [Å]")
    fig.tight_layout()
    return fig


def sn_and_colours(samples: dict):
    """Median S/N per pixel (left) and u−g against g−r PSF colours (right), per class, for the
    mock (colour) and the real visually inspected spectra (black)."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    bins = np.logspace(-1, 2, 25)
    for cls, entry in samples.items():
        for src, d in entry.items():
            if not len(d["sn"]):
                continue
            real = src != "mock"
            axes[0].hist(np.clip(d["sn"], 0.1, None), bins=bins, density=True, histtype="step",
                         ls="--" if real else "-", color=CLASS_COLORS[cls], lw=1.6 if real else 1.0,
                         label=f"{cls} {src} ({len(d['sn'])})")
            m = d["psfmag"]
            axes[1].scatter(m[:, 1] - m[:, 2], m[:, 0] - m[:, 1], s=14 if real else 4, color=CLASS_COLORS[cls],
                            edgecolor="k" if real else "none", marker="o" if real else ".", alpha=1 if real else 0.4,
                            label=f"{cls} {src}")
    axes[0].set_xscale("log")
    axes[0].set_xlabel("median S/N per pixel")
    axes[0].set_ylabel("density")
    axes[0].legend(fontsize=7, ncol=2)
    axes[1].set_xlabel("g − r [mag]")
    axes[1].set_ylabel("u − g [mag]")
    axes[1].set_xlim(-0.6, 1.8)
    axes[1].set_ylim(-0.6, 3.0)
    axes[1].legend(fontsize=7, ncol=2, markerscale=2)
    fig.tight_layout()
    return fig


def throughput(sets: dict):
    """Median S/N per pixel against the spectrum's own r magnitude (left) and how much fainter each
    spectrum is than its PSF photometry (right), per source (:func:`specml_utils.explore.throughput_sets`)."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    style = {"mock": dict(color="tab:blue", marker=".", s=6, alpha=0.4),
             "VI": dict(color="k", marker="o", s=16),   # the inspected plate(s), whatever their numbers
             "other real plates": dict(color="tab:orange", marker="s", s=14)}
    bins = np.linspace(-1.0, 2.0, 31)
    for src, d in sets.items():
        st = style.get("VI" if src.startswith("VI") else src, dict(marker="x", s=12))
        axes[0].scatter(d["r_spec"], np.clip(d["sn"], 0.1, None), label=f"{src} ({len(d['sn'])})", **st)
        diff = d["r_spec"] - d["r_psf"]
        diff = diff[np.isfinite(diff)]
        axes[1].hist(np.clip(diff, bins[0], bins[-1]), bins=bins, density=True, histtype="step", lw=1.5,
                     color=st.get("color"), label=f"{src} (median {np.median(diff):+.2f})")
    axes[0].set_yscale("log")
    axes[0].set_xlabel("r magnitude of the spectrum [AB]")
    axes[0].set_ylabel("median S/N per pixel")
    axes[0].legend(fontsize=7)
    axes[1].set_xlabel("r of the spectrum − PSF r [mag]")
    axes[1].set_ylabel("density")
    axes[1].legend(fontsize=7)
    fig.tight_layout()
    return fig
