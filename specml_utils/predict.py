"""Apply a model bundle (:mod:`specml_utils.bundle`) to spectrum files: one FITS table row per spectrum.

Files are read, rebinned and standardised by a reader thread while the networks and the redshift
check run on the previous batch; on a Dask cluster each worker does the same for its chunk of files.
"""
from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path

import numpy as np
from astropy.table import Table

from .atomic import atomic_path
from .bundle import Bundle
from .execution import map_chunks
from .grid import rebin, standardize
from .spectra import SpectrumReadError, median_sn, read_any

#: suffixes of the files a folder given to predict is searched for
SPECTRUM_SUFFIXES = (".fits", ".fits.gz", ".fit")


def find_inputs(items) -> list[Path]:
    """Files named, plus the spectrum files under folders named (sorted), in the order given.

    A file reached twice (named twice, or named and inside a folder named) is kept once, at its
    first place, with a warning that counts the repeats.
    """
    import warnings

    out, seen, repeats = [], set(), 0
    for item in items:
        p = Path(item)
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and f.name.endswith(SPECTRUM_SUFFIXES))
        elif p.exists():
            found = [p]
        else:
            raise FileNotFoundError(f"{p}: no such file or folder")
        for f in found:
            key = f.resolve()
            if key in seen:
                repeats += 1
                continue
            seen.add(key)
            out.append(f)
    if repeats:
        warnings.warn(f"{repeats} input file(s) given more than once: each is predicted once", stacklevel=2)
    return out


def _ident(s, key):
    return int(s.ident.get(key, -1))


#: the output table's column types (FILE holds the file name, not its folder)
ROW_DTYPE = np.dtype([("FILE", "U64"), ("PLATE", "i4"), ("MJD", "i4"), ("FIBERID", "i4"), ("TARGETID", "i8"),
                      ("CLASS", "U7"), ("P_STAR", "f4"), ("P_GALAXY", "f4"), ("P_QSO", "f4"), ("P_QSO_BAL", "f4"),
                      ("Z", "f4"), ("Z_ERR", "f4"), ("Z_CHECK", "i2"), ("COVERAGE", "f4"), ("SN_MEDIAN", "f4"),
                      ("ZWARNING", "i4")])
#: a spectrum with fewer valid bins on the model's grid than this is not predicted (as in preprocessing)
MIN_BINS = 50
#: ZWARNING bits, in the spirit of the BOSS pipeline's: 0 means nothing to warn about
ZWARNING_BITS = {
    "LITTLE_COVERAGE": (0, "under half of the model's wavelength grid has data"),
    "LOW_SN": (1, "median S/N per grid bin below 2"),
    "UNSURE_Z": (2, "the redshift CNN's probability had several peaks (see Z_CHECK)"),
    "UNSURE_CLASS": (3, "the most probable class has P < 0.6"),
}


def zwarning(coverage, sn_median, z_check, p_max) -> np.ndarray:
    """The ZWARNING bit mask of each spectrum (see :data:`ZWARNING_BITS`)."""
    bits = {"LITTLE_COVERAGE": np.asarray(coverage) < 0.5, "LOW_SN": np.asarray(sn_median) < 2,
            "UNSURE_Z": np.asarray(z_check) > 0, "UNSURE_CLASS": np.asarray(p_max) < 0.6}
    out = np.zeros(len(np.atleast_1d(coverage)), np.int32)
    for name, flag in bits.items():
        out |= flag.astype(np.int32) << ZWARNING_BITS[name][0]
    return out


def _batches(files, batch_spectra: int):
    """Spectra of ``files`` in batches of ``batch_spectra`` (the last one shorter), each with the
    files that could not be read since the previous batch and the number of files consumed."""
    batch, failed, used = [], [], 0
    for f in files:
        used += 1
        try:
            spectra = read_any(f)
        except SpectrumReadError as err:
            failed.append((str(f), err.problem))
            continue
        for s in spectra:
            batch.append(s)
            if len(batch) >= batch_spectra:
                yield batch, failed, used
                batch, failed, used = [], [], 0
    if batch or failed or used:
        yield batch, failed, used


def _prepare(spectra, bundle: Bundle) -> dict:
    """Rebin and standardise a batch; spectra with too few valid bins go to ``failed``."""
    failed = []
    if not spectra:
        return {"kept": [], "failed": failed}
    flux, ivar = rebin(spectra, bundle.grid)
    nvalid = (ivar > 0).sum(axis=1)
    usable = nvalid >= MIN_BINS
    failed.extend((s.source, "no valid pixel on the model's wavelength grid" if n == 0 else
                   f"only {n} valid bins on the model's wavelength grid (fewer than {MIN_BINS})")
                  for s, n, ok in zip(spectra, nvalid, usable) if not ok)
    flux, ivar = flux[usable], ivar[usable]
    return {"kept": [s for s, ok in zip(spectra, usable) if ok], "failed": failed, "flux": flux, "ivar": ivar,
            "nvalid": nvalid[usable], "x": standardize(flux, ivar, bundle.weighted)}


def _rows(prep: dict, bundle: Bundle) -> np.ndarray:
    """The output rows of a prepared batch: the networks, the redshift check and the flags."""
    kept = prep["kept"]
    part = np.zeros(len(kept), ROW_DTYPE)
    if not kept:
        return part
    flux, ivar = prep["flux"], prep["ivar"]
    out = bundle.predict_x(prep["x"], flux, ivar)
    part["FILE"] = [os.path.basename(s.source) for s in kept]
    for col, key in (("PLATE", "plate"), ("MJD", "mjd"), ("FIBERID", "fiberid"), ("TARGETID", "targetid")):
        part[col] = [_ident(s, key) for s in kept]
    part["CLASS"] = np.array(bundle.class_names)[out["label"]]
    for k, col in enumerate(("P_STAR", "P_GALAXY", "P_QSO", "P_QSO_BAL")):
        part[col] = out["prob"][:, k]
    part["Z"], part["Z_ERR"], part["Z_CHECK"] = out["z"], out["z_err"], out["z_check"]
    part["COVERAGE"] = prep["nvalid"] / bundle.grid.nbins
    part["SN_MEDIAN"] = median_sn(flux, ivar)
    part["ZWARNING"] = zwarning(part["COVERAGE"], part["SN_MEDIAN"], part["Z_CHECK"], out["prob"].max(axis=1))
    return part


def _next_prepared(batches, bundle: Bundle):
    """The next batch read, rebinned and standardised, with its unreadable files; None at the end."""
    item = next(batches, None)
    if item is None:
        return None
    spectra, failed, used = item
    prep = _prepare(spectra, bundle)
    prep["failed"] = failed + prep["failed"]
    return prep, used


_READER = None


def _reader():
    """The thread that reads ahead: one per process, started once and kept for every chunk."""
    from concurrent.futures import ThreadPoolExecutor

    global _READER
    if _READER is None:
        _READER = ThreadPoolExecutor(1, thread_name_prefix="specml-read")
    return _READER


def predict_chunk(files, bundle: Bundle, batch_spectra: int = 1024, on_batch=None, overlap: bool = True) -> dict:
    """Predict every spectrum of a chunk of files: ``{"rows": structured array, "failed": [(file, reason)]}``.

    Spectra go through the networks ``batch_spectra`` at a time, so a chunk of files holding many
    spectra each (spPlate, DESI coadds) still needs bounded memory. One thread reads and rebins
    the next batch while this one runs the networks and the redshift check on the current one
    (file reading, NumPy and the backends release the GIL for most of their work); at most two
    batches are held at once. The same files give the same rows whether they go in one chunk or
    many, here or on a cluster. ``on_batch(n_files)`` is called after each batch (progress);
    ``overlap=False`` reads each batch only when the previous one is done (for comparison).
    """
    rows, failed = [], []
    batches = _batches(files, batch_spectra)
    reader = _reader()
    ahead = reader.submit(_next_prepared, batches, bundle)
    try:
        while (item := ahead.result()) is not None:
            if overlap:  # read the next batch meanwhile
                ahead = reader.submit(_next_prepared, batches, bundle)
            prep, used = item
            failed.extend(prep["failed"])
            rows.append(_rows(prep, bundle))
            if on_batch:
                on_batch(used)
            if not overlap:
                ahead = reader.submit(_next_prepared, batches, bundle)
    finally:
        ahead.cancel()  # an interrupted run reads no further batch
    return {"rows": np.concatenate(rows) if rows else np.zeros(0, ROW_DTYPE), "failed": failed}


_BUNDLES: dict = {}


def _predict_chunk_on_worker(files, bundle_dir: str, batch_spectra: int, one_network: bool = False) -> dict:
    """Worker task: load the bundle once per worker process, then predict the chunk."""
    key = (bundle_dir, one_network)
    if key not in _BUNDLES:
        _BUNDLES[key] = Bundle.load(bundle_dir, one_network)
    return predict_chunk(files, _BUNDLES[key], batch_spectra)


def failed_reason(why: str) -> str:
    """The kind of a failure, without the file-specific detail, for counting."""
    return why.split(" (")[0].split(":")[0]


def predict_files(files, bundle: Bundle | None = None, bundle_dir=None, chunk_files: int = 256,
                  batch_spectra: int = 1024, workers: int | None = None, scheduler: str | None = None,
                  client=None, progress: bool = True, one_network: bool = False) -> tuple[Table, dict]:
    """Read, rebin, standardise and classify ``files``; return the table and a report.

    By default every file goes through this process in one pipelined pass. With ``workers`` (N
    local single-threaded processes), ``scheduler`` (an existing Dask cluster's address) or
    ``client`` (a connected ``dask.distributed.Client``) files go in chunks of ``chunk_files`` to
    workers that each load the bundle from ``bundle_dir`` once
    (:func:`specml_utils.execution.map_chunks`). Files that cannot be read, spectra with no usable
    pixel on the grid, and (on workers) files that make a worker fail twice are counted in the
    report with the reason; every other spectrum gets a row, in input order. ``one_network``: the
    classifier's first training alone, where the bundle's is the mean of several (:meth:`Bundle.load`).
    """
    from tqdm.auto import tqdm

    t0 = time.perf_counter()
    files = [str(f) for f in files]
    chunks = [files[i:i + chunk_files] for i in range(0, len(files), chunk_files)]
    if workers or scheduler or client is not None:
        if bundle_dir is None:
            raise ValueError("a run on workers needs bundle_dir, the folder each worker loads the models from")
        args = (str(Path(bundle_dir).resolve()), batch_spectra, one_network)
        results, lost = map_chunks(_predict_chunk_on_worker, chunks, args, workers=workers, scheduler=scheduler,
                                   client=client, progress=progress, desc="predict")
    else:
        bundle = bundle or Bundle.load(bundle_dir, one_network)
        lost = []
        with tqdm(total=len(files), desc="predict", unit="file", disable=not progress, mininterval=1.0) as bar:
            results = [predict_chunk(files, bundle, batch_spectra, on_batch=bar.update)]  # one pipelined pass
    rows = np.concatenate([r["rows"] for r in results]) if results else np.zeros(0, ROW_DTYPE)
    failed = [f for r in results for f in r["failed"]] + lost
    table = Table(rows)
    seconds = time.perf_counter() - t0
    report = {"spectra_written": len(table), "failed": len(failed),
              "failed_by_reason": dict(Counter(failed_reason(why) for _, why in failed)),
              "failed_files": failed, "seconds": round(seconds, 2),
              "spectra_per_s": round(len(table) / seconds, 1) if seconds > 0 else None}
    return table, report


OUTPUT_COLUMNS = ROW_DTYPE.names


def write_table(table: Table, report: dict, out, bundle: Bundle | None = None) -> Path:
    """Write the predictions (HDU1 ``PREDICTIONS``) and the failures (HDU2 ``FAILED``) atomically."""
    from astropy.io import fits

    out = Path(out)
    pred = fits.table_to_hdu(table)
    pred.name = "PREDICTIONS"
    pred.header["N_FAILED"] = (report["failed"], "inputs that could not be used (see FAILED)")
    pred.header["ZCHECK"] = ("0 no; 1 kept; 2 replaced; 3 BAL, not fit", "Z_CHECK: line-fit check")  # one card
    for name, (bit, why) in ZWARNING_BITS.items():
        pred.header[f"ZWBIT{bit}"] = (name, why[:46])
    if bundle is not None:
        from .models import networks_in

        pred.header["MODELS"] = (str(bundle.info.get("classifier", {}).get("architecture", "")), "classifier")
        pred.header["NETWORKS"] = (networks_in(bundle.classifier), "classifier trainings averaged")
    bad = Table([np.array([f for f, _ in report["failed_files"]], dtype="U256"),
                 np.array([w for _, w in report["failed_files"]], dtype="U128")], names=("FILE", "REASON"))
    fail = fits.table_to_hdu(bad)
    fail.name = "FAILED"
    with atomic_path(out, ".fits") as tmp:
        fits.HDUList([fits.PrimaryHDU(), pred, fail]).writeto(tmp, overwrite=True)
    return out
