"""The DR12Q superset catalog: reading, the thesis' cleaning, the BAL join, the crossmatch with spectra."""
from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.table import Table, join

from . import sas
from .classes import CLASS_NAMES, VALID_PERSON_CODES, index_from_person_code

#: columns the project needs from the superset
REQUIRED_COLUMNS = ("THING_ID", "PLATE", "MJD", "FIBERID", "Z_VI", "CLASS_PERSON", "Z_CONF_PERSON")
#: columns it keeps when present
OPTIONAL_COLUMNS = ("SDSS_NAME", "RA", "DEC", "Z_PIPE", "ZWARNING", "PSFMAG")
BAL_COLUMNS = ("BAL_FLAG_VI", "BI_CIV")


class CatalogError(ValueError):
    """The catalog file is unusable; the message names the file and the problem."""


def read_superset(path, columns=None) -> Table:
    """Read the DR12Q superset (or the mock's copy of it).

    Parameters
    ----------
    path : path-like
        ``Superset_DR12Q.fits``.
    columns : sequence of str, optional
        Columns to keep; default :data:`REQUIRED_COLUMNS` plus those of :data:`OPTIONAL_COLUMNS` present.

    Raises
    ------
    CatalogError
        The file is missing, not FITS, has no table in HDU1, or lacks a required column.
    """
    return read_table(path, REQUIRED_COLUMNS, columns or OPTIONAL_COLUMNS, hint="run `specml mock` or "
                      "`specml download` first")


def read_table(path, required, optional=(), hint: str = "") -> Table:
    """Read the required and (when present) optional columns of the table in HDU1."""
    path = Path(path)
    if not path.exists():
        raise CatalogError(f"{path}: catalog not found" + (f" ({hint})" if hint else ""))
    try:
        with fits.open(path, memmap=True) as hdul:
            if len(hdul) < 2 or not isinstance(hdul[1], fits.BinTableHDU):
                raise CatalogError(f"{path}: no binary table in HDU1")
            names = hdul[1].columns.names
            missing = [c for c in required if c not in names]
            if missing:
                raise CatalogError(f"{path}: missing column(s) {', '.join(missing)}")
            keep = list(dict.fromkeys([*required, *(c for c in optional if c in names)]))
            data = hdul[1].data
            # native byte order: pandas and friends refuse FITS's big-endian arrays
            cols = {c: np.array(data[c]) for c in keep}
            t = Table({c: a.astype(a.dtype.newbyteorder("=")) for c, a in cols.items()})
    except CatalogError:
        raise
    except (OSError, ValueError, TypeError) as err:
        raise CatalogError(f"{path}: corrupt or truncated FITS file ({err})") from err
    if "SDSS_NAME" in t.colnames and t["SDSS_NAME"].dtype.kind == "S":
        t["SDSS_NAME"] = np.char.strip(np.char.decode(t["SDSS_NAME"], "ascii"))
    return t


def clean(cat: Table) -> tuple[Table, "OrderedDict[str, int]"]:
    """The thesis' cleaning, with every dropped row counted by reason.

    Drops, in this order: rows without an object ID (THING_ID ≤ 0 or blank SDSS_NAME),
    class codes outside {0, 1, 3, 4, 30}, rows never inspected (CLASS_PERSON = 0),
    rows with Z_CONF_PERSON = 0, and repeated (PLATE, MJD, FIBERID) rows (the first is kept).
    Adds ``CLASS`` (name) and ``LABEL`` (0..3, in :data:`CLASS_NAMES` order).

    Returns
    -------
    table : astropy.table.Table
    report : OrderedDict
        ``rows_in``, one count per reason, ``rows_out``.
    """
    report = OrderedDict(rows_in=len(cat))
    keep = np.ones(len(cat), bool)

    def drop(reason, bad):
        bad = np.asarray(bad) & keep
        report[reason] = int(bad.sum())
        keep[bad] = False

    no_id = np.asarray(cat["THING_ID"]) <= 0
    if "SDSS_NAME" in cat.colnames:
        no_id |= np.char.strip(np.asarray(cat["SDSS_NAME"]).astype(str)) == ""
    drop("no object ID", no_id)
    codes = np.asarray(cat["CLASS_PERSON"])
    drop("invalid CLASS_PERSON code", ~np.isin(codes, VALID_PERSON_CODES))
    drop("not inspected (CLASS_PERSON = 0)", codes == 0)
    drop("Z_CONF_PERSON = 0", np.asarray(cat["Z_CONF_PERSON"]) == 0)
    key = np.rec.fromarrays([np.asarray(cat[c]) for c in ("PLATE", "MJD", "FIBERID")])
    dup = np.zeros(len(cat), bool)
    idx = np.flatnonzero(keep)
    _, first = np.unique(key[idx], return_index=True)
    dup[idx] = True
    dup[idx[first]] = False
    drop("duplicate (PLATE, MJD, FIBERID)", dup)
    out = cat[keep]
    out["LABEL"] = index_from_person_code(out["CLASS_PERSON"])
    out["CLASS"] = np.array(CLASS_NAMES)[out["LABEL"]]
    report["rows_out"] = len(out)
    return out, report


def join_bal(cat: Table, dr12q_path) -> Table:
    """Add the quasar catalog's BAL columns (BAL_FLAG_VI, BI_CIV) by THING_ID; -1 where absent."""
    q = read_table(dr12q_path, ("THING_ID", *BAL_COLUMNS))
    q = q[np.unique(np.asarray(q["THING_ID"]), return_index=True)[1]]  # one row per object
    q = q[np.asarray(q["THING_ID"]) > 0]
    cat = cat.copy()
    cat["_row"] = np.arange(len(cat))
    j = join(cat, q, keys="THING_ID", join_type="left")
    j.sort("_row")
    for c in BAL_COLUMNS:
        j[c] = np.ma.filled(j[c], -1)
    j.remove_column("_row")
    return j


def spectrum_paths(cat: Table, data_home, run2d: str = sas.RUN2D) -> list[Path]:
    """Local path of each row's spec-lite file in the SAS layout under ``data_home``."""
    home = Path(data_home)
    return [home / sas.spectrum_relpath(p, m, f, run2d)
            for p, m, f in zip(cat["PLATE"], cat["MJD"], cat["FIBERID"])]


def crossmatch(cat: Table, data_home, run2d: str = sas.RUN2D) -> tuple[Table, dict]:
    """Match catalog rows to the spectra on disk on (PLATE, MJD, FIBERID).

    Returns
    -------
    matched : Table
        Catalog rows whose file exists, with a ``PATH`` column.
    counts : dict
        ``objects`` (distinct THING_ID), ``catalog_rows``, ``spectra_on_disk``, ``matched``,
        ``rows_without_spectrum``, ``spectra_without_row``.
    """
    home = Path(data_home)
    root = home / sas.spectra_root(run2d)
    on_disk = {p.name for p in root.glob("*/spec-*.fits")} if root.exists() else set()
    paths = spectrum_paths(cat, home, run2d)
    has = np.array([p.name in on_disk for p in paths], dtype=bool)
    matched = cat[has]
    matched["PATH"] = [str(p) for p, h in zip(paths, has) if h]
    names_in_cat = {p.name for p in paths}
    ids = np.asarray(cat["THING_ID"])
    counts = {
        "objects": int(len(np.unique(ids[ids > 0]))),
        "catalog_rows": len(cat),
        "spectra_on_disk": len(on_disk),
        "matched": int(has.sum()),
        "rows_without_spectrum": int((~has).sum()),
        "spectra_without_row": len(on_disk - names_in_cat),
    }
    return matched, counts
