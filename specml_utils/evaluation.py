"""What notebooks 04–06 share: the dataset splits they train on."""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import sources
from .classes import CLASS_NAMES
from .grid import Grid
from .mock.survey import DEFAULT_CLASS_MIX, DEFAULT_N_SPECTRA
from .preprocess import SPLITS, load_dataset


def load_splits(source: str = "mock", n_spectra: int = DEFAULT_N_SPECTRA, seed: int = 12345, class_mix: str = DEFAULT_CLASS_MIX,
                nbins: int = 443, max_train: int = 0, sample_seed: int = 0) -> dict:
    """The train/val/test splits of the dataset notebook 03 made, plus its grid and standardisation.

    ``max_train`` > 0 keeps a random subset of that many training spectra (quick runs, sweeps);
    validation and test are never cut, so their numbers stay comparable.
    """
    data = read_splits(sources.dataset_path(source, n_spectra, seed, class_mix, nbins))
    data["train"] = sample(data["train"], max_train, sample_seed)
    return data


def read_splits(path) -> dict:
    """The train/val/test splits of the dataset file ``path``, its ``path``, ``grid`` and ``weighted``."""
    data = {s: load_dataset(path, s) for s in SPLITS}
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


def sample(d: dict, n: int, seed: int = 0) -> dict:
    """``n`` spectra of split ``d`` drawn at random, in their order in the split (the whole split when
    ``n`` is 0 or not below its size); what is not per spectrum (class names, provenance) is kept."""
    size = len(d["label"])
    if not n or n >= size:
        return d
    keep = np.sort(np.random.default_rng(seed).permutation(size)[:n])
    return {k: (v[keep] if isinstance(v, np.ndarray) and v.shape[:1] == (size,) else v) for k, v in d.items()}


def subset(d: dict, mask) -> dict:
    """The rows of one split where ``mask`` is true (per-spectrum arrays only)."""
    n = len(d["label"])
    return {k: v[mask] for k, v in d.items() if isinstance(v, np.ndarray) and v.shape[:1] == (n,)}
