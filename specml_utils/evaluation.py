"""What notebooks 04–06 share: the dataset splits they train on, and the check on real spectra."""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import paths, sources
from .classes import CLASS_NAMES
from .metrics import DV_CATASTROPHIC, velocity_offset
from .preprocess import SPLITS, Grid, load_dataset

#: the pipeline's classes; ours map onto them with QSO_BAL → QSO
PIPELINE_CLASS = {"STAR": "STAR", "GALAXY": "GALAXY", "QSO": "QSO", "QSO_BAL": "QSO"}


def load_splits(source: str = "mock", n_spectra: int = 20_000, seed: int = 12345, class_mix: str = "balanced",
                nbins: int = 443, max_train: int = 0, sample_seed: int = 0) -> dict:
    """The train/val/test splits of the dataset notebook 03 made, plus its grid and standardisation.

    ``max_train`` > 0 keeps a random subset of that many training spectra (quick runs, sweeps);
    validation and test are never cut, so their numbers stay comparable.
    """
    path = sources.dataset_path(source, n_spectra, seed, class_mix, nbins)
    data = {s: load_dataset(path, s) for s in SPLITS}
    if max_train and max_train < len(data["train"]["label"]):
        keep = np.sort(np.random.default_rng(sample_seed).permutation(len(data["train"]["label"]))[:max_train])
        n = len(data["train"]["label"])
        data["train"] = {k: (v[keep] if isinstance(v, np.ndarray) and v.shape[:1] == (n,) else v)
                         for k, v in data["train"].items()}
    cfg = data["test"]["provenance"]["config"]
    data["path"] = path
    data["grid"] = Grid(cfg["loglam_min"], cfg["dloglam"], cfg["nbins"])
    data["weighted"] = bool(cfg["weighted"])
    return data


def split_counts(data: dict) -> pd.DataFrame:
    """Spectra per class in each split."""
    rows = {s: np.bincount(data[s]["label"], minlength=len(CLASS_NAMES)) for s in SPLITS}
    df = pd.DataFrame(rows, index=list(CLASS_NAMES))
    df.loc["total"] = df.sum()
    return df


def subset(d: dict, mask) -> dict:
    """The rows of one split where ``mask`` is true (per-spectrum arrays only)."""
    n = len(d["label"])
    return {k: v[mask] for k, v in d.items() if isinstance(v, np.ndarray) and v.shape[:1] == (n,)}


def real_spectra_table() -> pd.DataFrame:
    """The real spectra of the shared folder with their pipeline labels (empty when it is absent)."""
    from .spectra import read_spec_lite

    rows = []
    for f in paths.real_spectra_files():
        s = read_spec_lite(f, meta=True)
        rows.append({"FILE": f.name, "set": f.parent.name, "pipeline_class": str(s.meta.get("CLASS", "")).strip(),
                     "pipeline_z": float(s.meta.get("Z", np.nan)), "zwarning": int(s.meta.get("ZWARNING", -1))})
    return pd.DataFrame(rows)


def sim_to_real(pred: pd.DataFrame, truth: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Compare predictions (a ``specml predict`` table as a DataFrame) with the pipeline's labels.

    Returns the joined table and a summary: class agreement over all spectra and over those the
    pipeline is sure of (ZWARNING = 0), and the fraction of the pipeline's confident quasars
    (CLASS = QSO, ZWARNING = 0) whose |Δv| < 6000 km/s.
    """
    df = truth.merge(pred[["FILE", "CLASS", "Z", "Z_ERR"] + [c for c in pred if c.startswith("P_") or c == "Z_CHECK"]],
                     on="FILE", how="inner")
    df["ours"] = df["CLASS"].map(PIPELINE_CLASS)
    df["agree"] = df["ours"] == df["pipeline_class"]
    df["dv_kms"] = velocity_offset(df["Z"], df["pipeline_z"])
    sure = df["zwarning"] == 0
    qso = sure & (df["pipeline_class"] == "QSO")
    summary = {"n_spectra": int(len(df)), "class_agreement": float(df["agree"].mean()),
               "n_zwarning0": int(sure.sum()), "class_agreement_zwarning0": float(df.loc[sure, "agree"].mean()),
               "n_confident_qso": int(qso.sum())}
    if qso.any() and df["Z"].notna().any():  # redshifts given (not a classifier-only check)
        summary["confident_qso_dv_ok"] = float((df.loc[qso, "dv_kms"].abs() < DV_CATASTROPHIC).mean())
        summary["confident_qso_median_abs_dv_kms"] = float(df.loc[qso, "dv_kms"].abs().median())
    return df, summary
