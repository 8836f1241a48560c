"""From spectra on their native pixels to one HDF5 dataset on a common log-λ grid.

Steps: inverse-variance-weighted rebinning (vectorised over many spectra at once),
per-spectrum standardisation, a stratified train/validation/test split by object, and one
HDF5 file with inputs, labels, identifiers, the grid and provenance.
"""
from __future__ import annotations

import json
import time
from collections import Counter, OrderedDict
from dataclasses import asdict, dataclass
from pathlib import Path

import h5py
import numpy as np
from astropy.table import Table

from . import __version__
from .atomic import atomic_path
from .classes import CLASS_NAMES
from .grid import Grid, rebin, standardize
from .execution import map_chunks, per_core
from .spectra import SpectrumReadError, read_spec_lite

SPLITS = ("train", "val", "test")


def skip_reason(nvalid: int, min_bins: int) -> str | None:
    """Why a rebinned spectrum with ``nvalid`` bins of data (ivar > 0) is unusable, or None."""
    if nvalid == 0:
        return "no valid pixel on the grid (ivar 0 everywhere or no overlap)"
    if nvalid < min_bins:
        return f"fewer than {min_bins} valid bins"
    return None


def stratified_split(labels, groups=None, fractions=(0.6, 0.2, 0.2), seed: int = 0) -> np.ndarray:
    """Assign each row to train (0), validation (1) or test (2), stratified by label.

    Rows sharing a group (the same THING_ID, i.e. repeat observations of one object) always land
    in the same split, so no object is seen in training and tested again. A class with fewer than
    three objects cannot be stratified (a small download meets this first): its rows go to the
    training split and a warning names the class and its count.
    """
    import warnings

    from sklearn.model_selection import train_test_split

    labels = np.asarray(labels)
    groups = np.arange(len(labels)) if groups is None else np.asarray(groups)
    uniq, first = np.unique(groups, return_index=True)
    glab = labels[first]
    values, counts = np.unique(glab, return_counts=True)
    rare = values[counts < 3]
    if rare.size:
        names = ", ".join(f"{CLASS_NAMES[v] if 0 <= v < len(CLASS_NAMES) else v} ({c})"
                          for v, c in zip(values, counts) if v in rare)
        warnings.warn(f"too few objects to split class(es) {names}: they all go to the training split",
                      stacklevel=2)
    common = ~np.isin(glab, rare)
    split = np.zeros(len(labels), np.int8)
    if common.sum() < 3:
        return split
    f_train, f_val, f_test = (f / sum(fractions) for f in fractions)
    g_train, g_rest, _, y_rest = train_test_split(uniq[common], glab[common], test_size=f_val + f_test,
                                                  stratify=glab[common], random_state=seed)
    # the second cut can only be stratified where each class left has two members
    _, rest_counts = np.unique(y_rest, return_counts=True)
    g_val, g_test = train_test_split(g_rest, test_size=f_test / (f_val + f_test),
                                     stratify=y_rest if rest_counts.min() >= 2 else None, random_state=seed + 1)
    for k, g in enumerate((g_train, g_val, g_test)):
        split[np.isin(groups, g)] = k
    return split


@dataclass
class PreprocessConfig:
    """Parameters of :func:`build_dataset` (stored as provenance in the dataset)."""

    loglam_min: float = float(np.log10(3600.0))
    dloglam: float = 1e-3
    nbins: int = 443
    weighted: bool = True
    min_bins: int = 50
    fractions: tuple = (0.6, 0.2, 0.2)
    seed: int = 0
    #: the most spectra per chunk; fewer when that gives each worker under four chunks (see :func:`chunked`)
    chunk_size: int = 500
    workers: int | None = None

    @property
    def grid(self) -> Grid:
        return Grid(self.loglam_min, self.dloglam, self.nbins)


def chunked(paths: list, chunk_size: int, workers: int) -> list:
    """``paths`` in chunks of at most ``chunk_size``, and at least four per worker when there are
    enough paths (at least 50 each): with fewer, the last chunks leave most workers idle while one
    or two finish."""
    size = max(1, min(chunk_size, max(50, -(-len(paths) // (4 * max(1, workers))))))
    return [paths[s:s + size] for s in range(0, len(paths), size)]


def rebin_chunk(paths, grid: Grid) -> dict:
    """Read and rebin a chunk of spec-lite files: ``ok`` (indices into ``paths``), ``flux``, ``ivar``,
    ``sn`` of those read, ``errors`` [(index, reason)] of the others."""
    spectra, ok_idx, errors, sn = [], [], [], []
    for i, p in enumerate(paths):
        try:
            s = read_spec_lite(p)
        except SpectrumReadError as err:
            errors.append((i, f"unreadable: {err.problem}"))
            continue
        sn.append(s.median_sn())
        spectra.append(s)
        ok_idx.append(i)
    flux, ivar = rebin(spectra, grid)
    return {"ok": np.array(ok_idx, int), "flux": flux, "ivar": ivar, "sn": np.array(sn, np.float32),
            "errors": errors, "n": len(paths), "paths": list(paths)}


def build_dataset(matched: Table, out, cfg: PreprocessConfig = PreprocessConfig(), source: str = "mock",
                  provenance: dict | None = None, progress: bool = True, scheduler: str | None = None) -> dict:
    """Read, rebin, standardise and split the matched spectra; write one HDF5 file.

    Parameters
    ----------
    matched : Table
        Output of :func:`specml_utils.catalog.crossmatch` after cleaning (needs PATH, LABEL,
        Z_VI, Z_CONF_PERSON, THING_ID, PLATE, MJD, FIBERID; BAL_FLAG_VI and BI_CIV when joined).
    out : path-like
        The HDF5 file; written to a temporary name and renamed.
    scheduler : str, optional
        Read and rebin on the Dask cluster at this address instead of ``cfg.workers`` local
        processes (:func:`specml_utils.execution.map_chunks`). The dataset is the same either way.

    Returns
    -------
    dict
        The report: counts in and out, skipped spectra by reason (with a few example files),
        class balance per split, seconds and spectra per second.
    """
    t0 = time.perf_counter()
    grid = cfg.grid
    paths = [str(p) for p in matched["PATH"]]
    workers = per_core(cfg.workers)
    chunks = chunked(paths, cfg.chunk_size, workers)
    n_in = len(paths)
    row_of = {p: i for i, p in enumerate(paths)}
    flux = np.zeros((n_in, grid.nbins), np.float32)
    ivar = np.zeros((n_in, grid.nbins), np.float32)
    x = np.zeros((n_in, grid.nbins), np.float32)
    sn = np.zeros(n_in, np.float32)
    nvalid = np.zeros(n_in, int)
    keep = np.zeros(n_in, bool)

    def place(r: dict) -> dict:
        """A chunk's spectra into their catalog rows, standardised, as it arrives (while the workers
        go on): what is left to do after the last chunk is then little more than writing the file."""
        rows = np.array([row_of[r["paths"][i]] for i in r["ok"]], int)
        if rows.size:
            flux[rows], ivar[rows], sn[rows] = r["flux"], r["ivar"], r["sn"]
            x[rows] = standardize(r["flux"], r["ivar"], cfg.weighted)  # row by row: the same wherever it runs
            nvalid[rows] = np.count_nonzero(r["ivar"] > 0, axis=1)
            keep[rows] = True
        return {"paths": r["paths"], "errors": r["errors"]}

    results, lost = map_chunks(rebin_chunk, chunks, (grid,), workers=workers, scheduler=scheduler,
                               progress=progress, desc="preprocess", consume=place)
    reasons, examples = Counter(), {}
    for r in results:
        for i, why in r["errors"]:
            reasons[why] += 1
            examples.setdefault(why, []).append(r["paths"][i])
    for path, why in lost:  # files that made a cluster worker fail twice
        why = why.split(":")[0]
        reasons[why] += 1
        examples.setdefault(why, []).append(path)
    for row in np.flatnonzero(keep):
        why = skip_reason(nvalid[row], cfg.min_bins)
        if why:
            keep[row] = False
            reasons[why] += 1
            examples.setdefault(why, []).append(paths[row])
    sel = np.flatnonzero(keep)
    if sel.size == 0:
        raise ValueError(f"no usable spectrum: {n_in} catalog rows matched, all skipped "
                         f"({', '.join(f'{k}: {v}' for k, v in reasons.items()) or 'no spectra on disk'})")
    t = matched[sel]
    labels = np.asarray(t["LABEL"])
    split = stratified_split(labels, np.asarray(t["THING_ID"]), cfg.fractions, cfg.seed)
    bal = (np.asarray(t["BAL_FLAG_VI"]) if "BAL_FLAG_VI" in t.colnames
           else (labels == CLASS_NAMES.index("QSO_BAL")).astype(np.int8))
    report = OrderedDict(
        spectra_in=n_in, spectra_out=int(sel.size),
        skipped={k: int(v) for k, v in reasons.items()},
        skipped_examples={k: v[:5] for k, v in examples.items()},
        class_balance={s: {c: int(((split == k) & (labels == i)).sum()) for i, c in enumerate(CLASS_NAMES)}
                       for k, s in enumerate(SPLITS)},
    )
    prov = {"config": asdict(cfg), "source": source, "specml_version": __version__,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **(provenance or {})}
    with atomic_path(out, ".h5") as tmp:
        with h5py.File(tmp, "w") as h:
            for name, rows in (("X", x), ("flux", flux), ("ivar", ivar)):
                _write_rows(h, name, rows, sel)
            h["loglam"] = grid.centres
            h["label"] = labels.astype(np.int8)
            h["class_names"] = np.array(CLASS_NAMES, dtype="S7")
            h["z"] = np.asarray(t["Z_VI"], np.float32)
            h["z_conf"] = np.asarray(t["Z_CONF_PERSON"], np.int8)
            h["bal"] = np.asarray(bal, np.int8)
            if "BI_CIV" in t.colnames:
                h["bi_civ"] = np.asarray(t["BI_CIV"], np.float32)
            for c in ("THING_ID", "PLATE", "MJD", "FIBERID"):
                h[c.lower()] = np.asarray(t[c], np.int64)
            h["sn"] = sn[sel]
            h["split"] = split
            h.attrs["provenance"] = json.dumps(prov)
            h.attrs["report"] = json.dumps(report)
    elapsed = time.perf_counter() - t0
    report["seconds"] = round(elapsed, 2)
    report["spectra_per_s"] = round(n_in / elapsed, 1) if elapsed > 0 else None
    return report


def _write_rows(h: h5py.File, name: str, rows: np.ndarray, sel: np.ndarray, block: int = 2048) -> None:
    """``h[name] = rows[sel]`` a block of rows at a time: no full-size copy to make (and page in)
    before the file is written."""
    dset = h.create_dataset(name, (sel.size,) + rows.shape[1:], rows.dtype)
    for s in range(0, sel.size, block):
        dset[s:s + block] = rows[sel[s:s + block]]


def load_dataset(path, split: str | None = None) -> dict:
    """Read a dataset written by :func:`build_dataset` (optionally one split) into a dict of arrays."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: dataset not found (run notebook 03 or `specml preprocess`)")
    with h5py.File(path, "r") as h:
        n = h["label"].shape[0]
        sel = slice(None) if split is None else h["split"][()] == SPLITS.index(split)
        # whole arrays, then the split's rows in memory: h5py reads an index list row by row (24 s against 0.1 s)
        out = {k: h[k][()][sel] if h[k].shape and h[k].shape[0] == n else h[k][()] for k in h.keys()}
        out["class_names"] = [c.decode() for c in h["class_names"][()]]
        out["provenance"] = json.loads(h.attrs["provenance"])
        out["report"] = json.loads(h.attrs["report"])
    return out
