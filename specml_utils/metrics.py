"""Metrics with the definitions of the thesis and of QuasarNET, written out so they can be checked by hand.

Classification: per-class support, precision, recall, F1 and one-vs-rest accuracy (the thesis'
Tablas 2 and 3), confusion matrices, and a reliability table for the class probabilities.
Redshift: Δv = c·Δz/(1 + z_true), σ_NMAD of Δz/(1 + z), bias, median |Δv|, the catastrophic
fraction |Δv| > 6000 km/s, and the coverage of a per-spectrum σ_z.
QSO selection: purity and completeness as Busca & Balland (2018) define them.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .classes import CLASS_NAMES
from .lines import C_KMS

#: a redshift is correct when |Δv| is below this (km/s), QuasarNET's definition
DV_CATASTROPHIC = 6000.0


def confusion(y_true, y_pred, n_classes: int = len(CLASS_NAMES)) -> np.ndarray:
    """Counts: row = true class, column = predicted class."""
    m = np.zeros((n_classes, n_classes), np.int64)
    np.add.at(m, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return m


def row_normalised(m: np.ndarray) -> np.ndarray:
    """Each row divided by its total (the fraction of each true class given each prediction)."""
    tot = m.sum(axis=1, keepdims=True)
    return m / np.where(tot > 0, tot, 1)


def classification_table(y_true, y_pred, names=CLASS_NAMES) -> pd.DataFrame:
    """The thesis' table: per class support, precision, recall, F1 and accuracy.

    Accuracy per class is one-vs-rest, (TP + TN) / N. A final row gives the overall accuracy
    (correct / N) and the macro averages.
    """
    m = confusion(y_true, y_pred, len(names))
    n = m.sum()
    tp = np.diag(m).astype(float)
    pred_tot, true_tot = m.sum(axis=0), m.sum(axis=1)
    precision = np.divide(tp, pred_tot, out=np.zeros_like(tp), where=pred_tot > 0)
    recall = np.divide(tp, true_tot, out=np.zeros_like(tp), where=true_tot > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(tp), where=denom > 0)
    tn = n - pred_tot - true_tot + tp
    acc = (tp + tn) / n if n else np.zeros_like(tp)
    df = pd.DataFrame({"support": true_tot, "precision": precision, "recall": recall, "f1": f1,
                       "accuracy": acc}, index=list(names))
    df.loc["all (macro)"] = [n, precision.mean(), recall.mean(), f1.mean(), tp.sum() / n if n else 0.0]
    df["support"] = df["support"].astype(int)
    return df


def reliability(prob, y_true, n_bins: int = 10) -> tuple[pd.DataFrame, float]:
    """Reliability of the top-class probability: per confidence bin, the mean confidence, the
    fraction correct and the count; and the expected calibration error (count-weighted mean gap)."""
    prob = np.asarray(prob)
    conf = prob.max(axis=1)
    correct = prob.argmax(axis=1) == np.asarray(y_true)
    edges = np.linspace(0, 1, n_bins + 1)
    b = np.clip(np.digitize(conf, edges[1:-1]), 0, n_bins - 1)
    rows = []
    for k in range(n_bins):
        s = b == k
        if s.any():
            rows.append({"lo": edges[k], "hi": edges[k + 1], "confidence": conf[s].mean(),
                         "accuracy": correct[s].mean(), "count": int(s.sum())})
    df = pd.DataFrame(rows)
    ece = float((df["count"] * (df["confidence"] - df["accuracy"]).abs()).sum() / len(conf)) if len(conf) else 0.0
    return df, ece


def velocity_offset(z_pred, z_true) -> np.ndarray:
    """Δv = c·(z_pred − z_true)/(1 + z_true), km/s."""
    z_true = np.asarray(z_true, np.float64)
    return C_KMS * (np.asarray(z_pred, np.float64) - z_true) / (1 + z_true)


def sigma_nmad(x) -> float:
    """1.4826 × the median absolute deviation from the median: a σ that ignores outliers."""
    x = np.asarray(x, np.float64)
    return float(1.4826 * np.median(np.abs(x - np.median(x)))) if x.size else float("nan")


def sigma_nmad_interval(z_true, z_pred, n_boot: int = 1000, seed: int = 0) -> tuple[float, float]:
    """95 % bootstrap interval (percentiles of ``n_boot`` resamples) of σ_NMAD of Δz/(1+z)."""
    z_true = np.asarray(z_true, np.float64)
    dz = (np.asarray(z_pred, np.float64) - z_true) / (1 + z_true)
    if dz.size == 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    boots = [sigma_nmad(dz[rng.integers(0, dz.size, dz.size)]) for _ in range(n_boot)]
    lo, hi = np.percentile(boots, [2.5, 97.5])
    return float(lo), float(hi)


def redshift_metrics(z_true, z_pred, z_err=None) -> dict:
    """σ_NMAD and bias (median) of Δz/(1+z), median |Δv|, σ(Δv) without catastrophes, and the
    catastrophic fraction |Δv| > 6000 km/s; with ``z_err``, the fraction of |Δz| within 1σ and 2σ."""
    z_true = np.asarray(z_true, np.float64)
    z_pred = np.asarray(z_pred, np.float64)
    dz = (z_pred - z_true) / (1 + z_true)
    dv = velocity_offset(z_pred, z_true)
    ok = np.abs(dv) <= DV_CATASTROPHIC
    out = {"n": int(z_true.size), "sigma_nmad": sigma_nmad(dz), "bias": float(np.median(dz)) if dz.size else np.nan,
           "median_abs_dv_kms": float(np.median(np.abs(dv))) if dv.size else np.nan,
           "sigma_dv_kms": float(np.std(dv[ok])) if ok.any() else np.nan,
           "catastrophic_fraction": float(1 - ok.mean()) if dv.size else np.nan,
           "n_catastrophic": int((~ok).sum())}
    if z_err is not None:
        r = np.abs(z_pred - z_true) / np.asarray(z_err, np.float64)
        out["within_1sigma"] = float(np.mean(r <= 1))
        out["within_2sigma"] = float(np.mean(r <= 2))
    return out


def qso_purity_completeness(true_qso, z_true, z_conf, pred_qso, z_pred) -> dict:
    """QSO purity, completeness and F1 as defined by QuasarNET (Busca & Balland 2018).

    A detection is correct when the spectrum is a true QSO and |Δv| < 6000 km/s.
    Completeness = correct detections / true QSOs. Purity = correct detections / detections,
    with spectra whose visual redshift is not confident (Z_CONF_PERSON ≠ 3) left out of purity.
    """
    true_qso = np.asarray(true_qso, bool)
    pred_qso = np.asarray(pred_qso, bool)
    conf = np.asarray(z_conf) == 3
    good_z = np.abs(velocity_offset(z_pred, z_true)) < DV_CATASTROPHIC
    correct = pred_qso & true_qso & good_z
    n_true = int(true_qso.sum())
    n_det = int((pred_qso & conf).sum())
    completeness = correct.sum() / n_true if n_true else np.nan
    purity = (correct & conf).sum() / n_det if n_det else np.nan
    f1 = 2 * purity * completeness / (purity + completeness) if purity + completeness > 0 else np.nan
    return {"purity": float(purity), "completeness": float(completeness), "f1": float(f1),
            "n_true_qso": n_true, "n_detected": n_det, "n_correct": int(correct.sum()),
            # the counts of each ratio: purity over confident detections, completeness over true quasars
            "purity_k": int((correct & conf).sum()), "purity_n": n_det,
            "completeness_k": int(correct.sum()), "completeness_n": n_true}


def purity_completeness_table(pc: dict) -> pd.Series:
    """Purity and completeness from :func:`qso_purity_completeness` as ``value [95 % interval] (k/n)``,
    each with the counts it is made of, and F1."""
    return pd.Series({"purity": fmt_share(share(pc["purity_k"], pc["purity_n"]), 4),
                      "completeness": fmt_share(share(pc["completeness_k"], pc["completeness_n"]), 4),
                      "F1": f"{pc['f1']:.4f}"}, name="value [95 % Wilson interval] (k/n)")


def wilson(k, n, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval (95 % by default) of a proportion k/n; (nan, nan) for n = 0."""
    if n == 0:
        return float("nan"), float("nan")
    p = k / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    # the interval holds p exactly (at k = 0 or n rounding can leave it 1e-16 short, a negative error bar)
    return float(min(p, max(0.0, mid - half))), float(max(p, min(1.0, mid + half)))


def share(k, n) -> dict:
    """A proportion with its counts and 95 % Wilson interval: ``k``, ``n``, ``value``, ``lo95``, ``hi95``."""
    lo, hi = wilson(k, n)
    return {"k": int(k), "n": int(n), "value": float(k / n) if n else float("nan"), "lo95": lo, "hi95": hi}


def fmt_share(s: dict, digits: int = 2) -> str:
    """``0.87 [0.77, 0.93] (60/69)``"""
    if not s["n"]:
        return "—"
    return f"{s['value']:.{digits}f} [{s['lo95']:.{digits}f}, {s['hi95']:.{digits}f}] ({s['k']}/{s['n']})"


def binned_scores(y_true, y_pred, values, edges, names=CLASS_NAMES) -> pd.DataFrame:
    """Per bin of ``values`` (S/N, redshift, ...): the median value in it (``centre``), the count,
    the accuracy and each class' recall."""
    y_true, y_pred, values = map(np.asarray, (y_true, y_pred, values))
    rows = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        s = (values >= lo) & (values < hi)
        row = {"lo": lo, "hi": hi, "centre": float(np.median(values[s])) if s.any() else np.nan, "count": int(s.sum()),
               "accuracy": float((y_true[s] == y_pred[s]).mean()) if s.any() else np.nan}
        for k, name in enumerate(names):
            t = s & (y_true == k)
            row[f"recall_{name}"] = float((y_pred[t] == k).mean()) if t.any() else np.nan
        rows.append(row)
    return pd.DataFrame(rows)
