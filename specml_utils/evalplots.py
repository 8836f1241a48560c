"""Figures that evaluate the trained models (notebooks 04–06). Each docstring is the caption."""
from __future__ import annotations

import numpy as np
import matplotlib.pyplot as plt

from .classes import CLASS_NAMES
from .lines import MARKED
from .metrics import DV_CATASTROPHIC, row_normalised, wilson
from .plots import CLASS_COLORS, smooth


def confusion_matrices(m: np.ndarray, names=CLASS_NAMES, title: str = ""):
    """Confusion matrix of the test split: counts (left) and row-normalised (right; each true class sums to 1)."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    panels = ((axes[0], m, "d", "count"), (axes[1], row_normalised(m), ".3f", "fraction of true class"))
    for ax, data, fmt, label in panels:
        im = ax.imshow(data, cmap="Blues")
        for i in range(len(names)):
            for j in range(len(names)):
                v = data[i, j]
                ax.text(j, i, format(v, fmt), ha="center", va="center", fontsize=9,
                        color="white" if v > 0.6 * data.max() else "black")
        ax.set_xticks(range(len(names)), names, rotation=30)
        ax.set_yticks(range(len(names)), names)
        ax.set_xlabel("predicted class")
        ax.set_ylabel("true class (catalog label)")
        fig.colorbar(im, ax=ax, label=label, shrink=0.8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def training_curves(histories: dict):
    """Loss and accuracy per epoch, training (solid) and validation (dashed); the dot is the epoch kept."""
    # a multi-task model names its classification accuracy ``class_accuracy``
    acc = {name: "class_accuracy" if "class_accuracy" in h else "accuracy" for name, h in histories.items()}
    keys = ["loss"] + (["accuracy"] if all(acc[n] in h for n, h in histories.items()) else [])
    fig, axes = plt.subplots(1, len(keys), figsize=(5.5 * len(keys), 3.8), squeeze=False)
    for ax, key in zip(axes[0], keys):
        for i, (name, h) in enumerate(histories.items()):
            c = f"C{i}"
            k = acc[name] if key == "accuracy" else key
            ep = np.arange(1, len(h[k]) + 1)
            ax.plot(ep, h[k], color=c, label=f"{name} train")
            ax.plot(ep, h[f"val_{k}"], color=c, ls="--", label=f"{name} validation")
            best = int(np.argmin(h["val_loss"]))
            ax.plot(best + 1, h[f"val_{k}"][best], "o", color=c)
        ax.set_xlabel("epoch")
        ax.set_ylabel(key)
        if key == "loss":
            ax.set_yscale("log")
    axes[0, 0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def reliability_diagram(tables: dict):
    """Reliability diagram: fraction correct (with its 95 % Wilson interval) against the top-class
    probability, per model (the diagonal is perfect calibration); below, how many spectra fall in each bin."""
    fig, (ax, axc) = plt.subplots(2, 1, figsize=(5.5, 6), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    ax.plot([0, 1], [0, 1], color="0.6", ls=":", label="perfect calibration")
    for i, (name, (df, ece)) in enumerate(tables.items()):
        k = np.round(df["accuracy"] * df["count"]).astype(int)
        lo, hi = np.array([wilson(a, n) for a, n in zip(k, df["count"])]).T
        ax.errorbar(df["confidence"], df["accuracy"], yerr=[df["accuracy"] - lo, hi - df["accuracy"]], fmt="o-",
                    ms=4, capsize=2, color=f"C{i}", label=f"{name} (ECE {ece:.3f})")
        axc.step(df["hi"], df["count"], where="pre", color=f"C{i}")
    ax.set_ylabel("fraction correct")
    ax.legend(fontsize=8)
    axc.set_yscale("log")
    axc.set_xlabel("predicted probability of the chosen class")
    axc.set_ylabel("spectra")
    fig.tight_layout()
    return fig


def scores_vs(tables: dict, xlabel: str, log: bool = False):
    """Recall of each class (and overall accuracy, black) against a binned quantity, one panel per model."""
    fig, axes = plt.subplots(1, len(tables), figsize=(5 * len(tables), 3.8), sharey=True, squeeze=False)
    for ax, (name, df) in zip(axes[0], tables.items()):
        df = df[df["count"] > 0]
        x = df["centre"]   # each point at the median of its bin, not the middle of its edges
        for cls in CLASS_NAMES:
            ax.plot(x, df[f"recall_{cls}"], "o-", ms=3, color=CLASS_COLORS[cls], label=cls)
        k = np.round(df["accuracy"] * df["count"]).astype(int)
        lo, hi = np.array([wilson(a, n) for a, n in zip(k, df["count"])]).T
        ax.errorbar(x, df["accuracy"], yerr=[df["accuracy"] - lo, hi - df["accuracy"]], color="k", lw=2, capsize=2,
                    label="accuracy (95 % interval)")
        for xi, n in zip(x, df["count"]):
            ax.annotate(f"{n}", (xi, 1.0), xytext=(0, 4), textcoords="offset points", ha="center", fontsize=6,
                        color="0.4")
        ax.set_title(f"{name} (numbers: spectra per bin)", fontsize=9)
        ax.set_xlabel(xlabel)
        ax.set_ylim(-0.02, 1.1)
        if log:
            ax.set_xscale("log")
    axes[0, 0].set_ylabel("recall, accuracy")
    axes[0, 0].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def gallery(wave, flux, ivar, cases: list, ncols: int = 2, width: int = 3):
    """Misclassified test spectra (rebinned): the lines of the true class at the true z (grey,
    dotted, labels above) and of the predicted class at the predicted z (red, dashed, labels below).

    ``cases`` holds dicts with ``row``, ``true``, ``z_true``, ``pred``, ``z_pred``, ``p`` and ``title``.
    """
    n = len(cases)
    nrows = max(1, int(np.ceil(n / ncols)))
    fig, axes = plt.subplots(nrows, ncols, figsize=(6.5 * ncols, 2.6 * nrows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.axis("off")
    for ax, c in zip(axes.flat, cases):
        good = ivar[c["row"]] > 0
        y = smooth(flux[c["row"]], width, good)
        ax.plot(wave, y, lw=0.7, color=CLASS_COLORS.get(c["true"], "k"))
        lo, hi = np.nanpercentile(y, [1, 99.5]) if np.isfinite(y).any() else (0, 1)
        pad = 0.2 * (hi - lo)
        ax.set_ylim(lo - 2 * pad, hi + 2 * pad)
        for cls, z, style, color, ypos, va in ((c["true"], c["z_true"], ":", "0.4", hi + 1.9 * pad, "top"),
                                               (c["pred"], c["z_pred"], "--", "tab:red", lo - 1.9 * pad, "bottom")):
            for name, rest in MARKED.get(cls, {}).items():
                obs = rest * (1 + z)
                if wave[0] < obs < wave[-1]:
                    ax.axvline(obs, color=color, lw=0.7, ls=style)
                    ax.text(obs, ypos, name, rotation=90, fontsize=6, ha="right", va=va, color=color)
        ax.set_title(c["title"], fontsize=8, loc="left")
        ax.set_xlim(wave[0], wave[-1])
    for ax in axes[-1]:
        ax.set_xlabel("observed wavelength [Å]")
    for ax in axes[:, 0]:
        ax.set_ylabel("flux [10⁻¹⁷ erg s⁻¹ cm⁻² Å⁻¹]", fontsize=7)
    fig.tight_layout()
    return fig


def dz_vs_z(results: dict, z_true):
    """|Δz| against z_true for each model (the thesis' Figure 12); the dashed curve is |Δv| = 6000 km/s."""
    fig, axes = plt.subplots(1, len(results), figsize=(4.6 * len(results), 3.8), sharey=True, squeeze=False)
    zz = np.linspace(0, max(np.max(z_true), 1) * 1.02, 200)
    for ax, (name, zp) in zip(axes[0], results.items()):
        dz = np.abs(np.asarray(zp) - z_true)
        ax.scatter(z_true, np.maximum(dz, 1e-5), s=2, alpha=0.4)
        ax.plot(zz, DV_CATASTROPHIC / 299792.458 * (1 + zz), "k--", lw=1, label="|Δv| = 6000 km/s")
        ax.set_yscale("log")
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("true z (catalog)")
    axes[0, 0].set_ylabel("|z_pred − z_true| (floored at 1e-5)")
    axes[0, 0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def zpred_vs_ztrue(results: dict, z_true):
    """Predicted against true (catalog) redshift for each model (the thesis' Figure 13)."""
    fig, axes = plt.subplots(1, len(results), figsize=(4.2 * len(results), 4), squeeze=False)
    top = max(np.max(z_true), 1) * 1.05
    for ax, (name, zp) in zip(axes[0], results.items()):
        ax.scatter(z_true, zp, s=2, alpha=0.4)
        ax.plot([0, top], [0, top], "k:", lw=1)
        ax.set_xlim(0, top)
        ax.set_ylim(0, top)
        ax.set_aspect("equal")
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("true z (catalog)")
        ax.set_ylabel("z predicted")
    fig.tight_layout()
    return fig


def sigma_calibration(z_true, z_pred, z_err):
    """Calibration of the per-spectrum σ_z: the cumulative fraction of |Δz|/σ_z (solid) beside a
    Gaussian's (dashed); at 1 and 2 the curves should read 68 % and 95 %."""
    from scipy.stats import norm

    r = np.sort(np.abs(np.asarray(z_pred) - z_true) / np.asarray(z_err))
    fig, ax = plt.subplots(figsize=(5, 3.6))
    ax.plot(r, np.arange(1, r.size + 1) / r.size, label="CNN on the test split")
    x = np.linspace(0, 5, 200)
    ax.plot(x, 2 * norm.cdf(x) - 1, "k--", label="Gaussian")
    for k in (1, 2):
        ax.axvline(k, color="0.7", lw=0.7)
    ax.set_xlim(0, 5)
    ax.set_xlabel("|Δz| / σ_z")
    ax.set_ylabel("cumulative fraction")
    ax.legend()
    fig.tight_layout()
    return fig


def sweep_summary(df, metric: str, params: list):
    """A metric across the hyperparameter grid: one panel per swept parameter, every run a dot."""
    fig, axes = plt.subplots(1, len(params), figsize=(3.6 * len(params), 3.2), sharey=True, squeeze=False)
    for ax, p in zip(axes[0], params):
        ax.plot(df[p], df[metric], "o")
        ax.set_xlabel(p)
        if df[p].dtype.kind in "fi" and df[p].min() > 0 and df[p].max() / df[p].min() > 20:
            ax.set_xscale("log")
    axes[0, 0].set_ylabel(metric)
    fig.tight_layout()
    return fig


def threshold_curves(curves: dict, operating: dict, published_purity: float | None = None):
    """QSO purity (solid) and completeness (dashed) against each model's decision threshold, with
    the threshold each model is run at marked (●), and QuasarNET's published purity (dotted).

    ``curves``: name → DataFrame (threshold, purity, completeness); ``operating``: name → threshold."""
    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    lows = []
    for i, (name, c) in enumerate(curves.items()):
        color = f"C{i}"
        ax.plot(c["threshold"], 100 * c["purity"], color=color, label=f"{name}: purity")
        ax.plot(c["threshold"], 100 * c["completeness"], color=color, ls="--", label=f"{name}: completeness")
        t = operating.get(name)
        if t is not None:
            j = int(np.argmin(np.abs(c["threshold"] - t)))
            for col in ("purity", "completeness"):
                ax.plot(c["threshold"].iloc[j], 100 * c[col].iloc[j], "o", color=color, ms=5)
        lows.append(100 * np.nanmin(c[["purity", "completeness"]].to_numpy()))
    if published_purity is not None:
        ax.axhline(published_purity, color="0.5", lw=0.7, ls=":", label=f"QuasarNET published purity, {published_purity} %")
    # every curve on the axes, the flat top of the best ones still readable
    ax.set_ylim(max(0.0, min(lows + [95.0]) - 1), 100.3)
    ax.set_xlabel("threshold (c_th for QuasarNET, P(QSO) + P(BAL QSO) for classifiers)")
    ax.set_ylabel("per cent of quasars")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.set_title("● the threshold each model runs at", fontsize=8, loc="left")
    fig.tight_layout()
    return fig
