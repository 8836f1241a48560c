"""The real spectra of the shared folder, with their labels, and how a model is scored on them.

Two kinds of label:

* ``boss_dr12_vi``: quasar targets of plate 7102 with their rows of the real DR12Q superset
  (``Superset_DR12Q_excerpt.fits``), so **visual-inspection** classes (4) and redshifts;
* the other sets: the BOSS/SDSS **pipeline**'s CLASS and Z from each file's spAll row (3 classes:
  our QSO_BAL counts as QSO there).

The real spectra are a validation set: nothing here is used to train or to choose a model.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import catalog, paths
from .classes import CLASS_NAMES
from .lines import C_KMS
from .metrics import DV_CATASTROPHIC, fmt_share, share as _share, wilson  # noqa: F401  (re-exported)

#: the folder of visually inspected spectra and its superset excerpt
VI_SET = "boss_dr12_vi"
VI_CATALOG = "Superset_DR12Q_excerpt.fits"
#: our classes onto the pipeline's three
PIPELINE_CLASS = {"STAR": "STAR", "GALAXY": "GALAXY", "QSO": "QSO", "QSO_BAL": "QSO"}


def vi_catalog():
    """The superset excerpt of the visually inspected set, cleaned like the full superset, with
    ``PATH`` to each spectrum; None when the shared folder is absent."""
    shared = paths.shared_dir()
    if shared is None or not (shared / "real_spectra" / VI_SET / VI_CATALOG).exists():
        return None
    folder = shared / "real_spectra" / VI_SET
    cat, _ = catalog.clean(catalog.read_superset(folder / VI_CATALOG))
    names = [f"spec-{p:04d}-{m:05d}-{f:04d}.fits" for p, m, f in zip(cat["PLATE"], cat["MJD"], cat["FIBERID"])]
    has = np.array([(folder / n).exists() for n in names])
    cat = cat[has]
    cat["PATH"] = [str(folder / n) for n, h in zip(names, has) if h]
    return cat


def truth_table() -> pd.DataFrame:
    """Every real spectrum in the shared folder and what it is: one row per file.

    Columns: FILE, PATH, set, label_source ("VI" or "pipeline"), true_class (one of
    :data:`CLASS_NAMES` for VI, of STAR/GALAXY/QSO for the pipeline), z_true, z_conf (VI: 0–3;
    pipeline: 3 where ZWARNING = 0, else 0), zwarning, pipeline_class, pipeline_z. Empty when
    the shared folder is absent.
    """
    from .spectra import read_spec_lite

    vi = vi_catalog()
    vi_rows = {}
    if vi is not None:
        for r in vi:
            vi_rows[r["PATH"].rsplit("/", 1)[-1]] = r
    rows = []
    for f in paths.real_spectra_files():
        s = read_spec_lite(f, meta=True)
        pclass = str(s.meta.get("CLASS", "")).strip()
        pz = float(s.meta.get("Z", np.nan))
        zw = int(s.meta.get("ZWARNING", -1))
        row = {"FILE": f.name, "PATH": str(f), "set": f.parent.name, "pipeline_class": pclass,
               "pipeline_z": pz, "zwarning": zw}
        if f.parent.name == VI_SET and f.name in vi_rows:
            r = vi_rows[f.name]
            row.update(label_source="VI", true_class=str(r["CLASS"]), z_true=float(r["Z_VI"]),
                       z_conf=int(r["Z_CONF_PERSON"]))
        elif f.parent.name == VI_SET:
            continue  # a VI-set file without a usable superset row (cleaned away): no label
        else:
            row.update(label_source="pipeline", true_class=pclass, z_true=pz, z_conf=3 if zw == 0 else 0)
        rows.append(row)
    return pd.DataFrame(rows)


def score(pred: pd.DataFrame, truth: pd.DataFrame, label_source: str = "VI") -> tuple[pd.DataFrame, dict]:
    """Score predictions on the real spectra of one label source.

    Parameters
    ----------
    pred : DataFrame
        FILE, CLASS (one of :data:`CLASS_NAMES`) and, when redshifts were made, Z.
    truth : DataFrame
        :func:`truth_table`.
    label_source : "VI" or "pipeline"
        VI labels are scored on 4 classes; pipeline labels on 3 (QSO_BAL → QSO on both sides).

    Returns
    -------
    joined : DataFrame
        One row per spectrum with ``ok_class``, ``dv_kms`` and ``ok_z``.
    summary : dict
        ``accuracy`` and per class ``recall`` (each {k, n, value, lo95, hi95}, Wilson
        intervals), the confusion counts, and QSO ``purity`` and ``completeness`` with
        Busca & Balland's definitions (a quasar counts as found when called QSO or QSO_BAL
        with |Δv| < 6000 km/s; purity over spectra of Z_CONF_PERSON = 3).
    """
    t = truth[truth["label_source"] == label_source]
    cols = ["FILE", "CLASS"] + [c for c in pred if c in ("Z", "Z_ERR", "Z_CHECK", "ZWARNING") or c.startswith("P_")]
    df = t.merge(pred[cols], on="FILE", how="inner")
    if label_source == "pipeline":
        true_c = df["true_class"].map(lambda c: PIPELINE_CLASS.get(c, c))
        pred_c = df["CLASS"].map(PIPELINE_CLASS)
        names = ("STAR", "GALAXY", "QSO")
    else:
        true_c, pred_c, names = df["true_class"], df["CLASS"], CLASS_NAMES
    df["ok_class"] = (true_c == pred_c).to_numpy()
    has_z = "Z" in df and df["Z"].notna().any()
    z = df["Z"].to_numpy(float) if has_z else np.full(len(df), np.nan)
    zt = df["z_true"].to_numpy(float)
    df["dv_kms"] = C_KMS * (z - zt) / (1 + zt)
    df["ok_z"] = np.abs(df["dv_kms"]) < DV_CATASTROPHIC
    summary = {"label_source": label_source, "n": int(len(df)),
               "accuracy": _share(df["ok_class"].sum(), len(df)),
               "recall": {c: _share((df["ok_class"] & (true_c == c)).sum(), (true_c == c).sum()) for c in names
                          if (true_c == c).any()},
               "confusion": pd.crosstab(pd.Categorical(true_c, names), pd.Categorical(pred_c, names),
                                        dropna=False).to_numpy().tolist(),
               "classes": list(names)}
    if has_z:
        true_q = true_c.isin(["QSO", "QSO_BAL"]).to_numpy()
        pred_q = df["CLASS"].isin(["QSO", "QSO_BAL"]).to_numpy()
        good = pred_q & true_q & df["ok_z"].to_numpy()
        sure = df["z_conf"].to_numpy() == 3
        summary["completeness"] = _share(good.sum(), true_q.sum())
        summary["purity"] = _share((good & sure).sum(), (pred_q & sure).sum())
    return df, summary


def summary_table(summaries: dict) -> pd.DataFrame:
    """One row per (model, label source) with accuracy, per-class recall and QSO purity and
    completeness, each as "value [lo, hi]" with its count."""
    rows = {}
    for name, s in summaries.items():
        row = {"spectra": s["n"], "accuracy": fmt_share(s["accuracy"])}
        for c, v in s["recall"].items():
            row[f"{c} recall"] = fmt_share(v)
        for k in ("purity", "completeness"):
            if k in s:
                row[f"QSO {k}"] = fmt_share(s[k])
        rows[name] = row
    return pd.DataFrame(rows).T.fillna("—")


#: the two label sources of the shared real spectra, and how tables name them
LABEL_SOURCES = {"VI": "visual inspection (4 classes)", "pipeline": "pipeline labels (3 classes)"}


def score_sources(pred: pd.DataFrame, truth: pd.DataFrame) -> tuple[dict, dict]:
    """:func:`score` against each label source: ``(joined tables, summaries)``, both keyed by source."""
    joined = {src: score(pred, truth, src) for src in LABEL_SOURCES}
    return {src: j for src, (j, _) in joined.items()}, {src: s for src, (_, s) in joined.items()}


def sources_table(summaries: dict) -> pd.DataFrame:
    """:func:`summary_table` of the summaries :func:`score_sources` gives, one row per label source."""
    return summary_table({LABEL_SOURCES[src]: s for src, s in summaries.items()})


def classify(model, grid, weighted: bool, truth: pd.DataFrame, prior_weights=None) -> pd.DataFrame:
    """A classifier's answer for every real spectrum of ``truth``: FILE, CLASS and P_<class>,
    with the preprocessing the model was trained with (``grid``, ``weighted``) and the
    probabilities moved to the survey's class mix by ``prior_weights`` (as ``specml predict`` does)."""
    from .classes import shift_prior
    from .models import class_probabilities
    from .grid import rebin, standardize
    from .spectra import read_spec_lite

    flux, ivar = rebin([read_spec_lite(p) for p in truth["PATH"]], grid)
    prob, _ = class_probabilities(model, standardize(flux, ivar, weighted))
    prob = shift_prior(prob, prior_weights)
    out = pd.DataFrame({"FILE": truth["FILE"].to_numpy(), "CLASS": np.array(CLASS_NAMES)[prob.argmax(axis=1)]})
    for k, c in enumerate(CLASS_NAMES):
        out[f"P_{c}"] = prob[:, k]
    return out


def misses(joined: pd.DataFrame, with_z: bool = False) -> pd.DataFrame:
    """The spectra a model got wrong (class, or with ``with_z`` a true quasar's redshift), for
    reading: redshifts and probabilities to 3 decimals (a star's z ≈ −0.0001 reads 0.000), the
    redshift error as Δz/(1+z), and as a velocity only where it is one (|Δz/(1+z)| < 0.1:
    c·Δz/(1+z) for a wrong line would be faster than light)."""
    bad = ~joined["ok_class"]
    if with_z:
        bad |= joined["true_class"].isin(["QSO", "QSO_BAL"]) & ~joined["ok_z"]
    out = joined.loc[bad].reset_index(drop=True)
    cols = ["FILE", "set", "true_class", "z_true", "CLASS"]
    if with_z and "Z" in out:
        rel = (out["Z"] - out["z_true"]) / (1 + out["z_true"])
        out["dz/(1+z)"] = rel.round(4)
        out["dv_kms"] = (C_KMS * rel).where(rel.abs() < 0.1).round(0)
        cols += [c for c in ("Z", "Z_CHECK", "ZWARNING", "dz/(1+z)", "dv_kms") if c in out]
    cols += [c for c in out if c.startswith("P_")]
    out = out[[c for c in cols if c in out]]
    num = [c for c in out if c in ("z_true", "Z") or c.startswith("P_")]
    out[num] = out[num].astype(float).round(3) + 0.0     # + 0.0 turns −0.0 into 0.0
    if "dv_kms" in out:
        out["dv_kms"] = [f"{v:,.0f}" if pd.notna(v) else "—" for v in out["dv_kms"]]
    return out
