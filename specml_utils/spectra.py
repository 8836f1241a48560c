"""Readers for the three spectrum file formats, all returning :class:`Spectrum`.

- spec-lite ``spec-PLATE-MJD-FIBER.fits`` (HDU1 COADD table, HDU2 the spAll row)
- spPlate ``spPlate-PLATE-MJD.fits`` (flux image, HDU1 ivar, HDU2 and-mask, log-λ from COEFF0/COEFF1)
- DESI coadds (``B_FLUX``, ``B_IVAR``, ``B_WAVELENGTH``, ... for the B, R and Z arms; FIBERMAP)

HDUs are addressed by position, as older spec-lite files carry no EXTNAME.
"""
from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from astropy.io import fits

from . import fitsbytes

SPEC_LITE_RE = re.compile(r"spec-(\d+)-(\d+)-(\d+)\.fits(\.gz)?$")
SPPLATE_RE = re.compile(r"spPlate-(\d+)-(\d+)\.fits(\.gz)?$")
COADD_COLUMNS = ("FLUX", "LOGLAM", "IVAR", "AND_MASK")
#: the AND_MASK bits that mark one pixel bad (16–31); bits 0–15 are fiber-level (SDSS SPPIXMASK)
PIXEL_MASK_BITS = np.int32(-(1 << 16))


class SpectrumReadError(OSError):
    """A spectrum file could not be read; the message names the file and the problem."""

    def __init__(self, path, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")


@dataclass
class Spectrum:
    """One spectrum on its native pixels.

    Attributes
    ----------
    loglam : ndarray of float64
        log10 of the vacuum wavelength in Angstrom.
    flux, ivar : ndarray of float32
        Flux density (1e-17 erg/s/cm²/Å) and its inverse variance; bad pixels have ivar 0.
    and_mask : ndarray of int32
        Pipeline AND mask (0 where no bit is set).
    ident : dict
        Identifiers: ``plate``, ``mjd``, ``fiberid`` (SDSS) or ``targetid`` (DESI).
    meta : dict
        What the file says about the object (pipeline ``CLASS``, ``Z``, ...), possibly empty.
    source : str
        The file it came from.
    """

    loglam: np.ndarray
    flux: np.ndarray
    ivar: np.ndarray
    and_mask: np.ndarray
    ident: dict
    meta: dict = field(default_factory=dict)
    source: str = ""

    @property
    def wave(self) -> np.ndarray:
        """Vacuum wavelength in Angstrom."""
        return 10.0 ** self.loglam

    def good(self) -> np.ndarray:
        """Pixels that carry information: ivar > 0, no pixel bit of the AND mask, finite flux.

        Bits 0–15 of SDSS's pixel mask describe the whole fiber (NOPLUG, BADTRACE, BADFLAT,
        ...); the pipeline still measures such fibers, and ivar carries their noise. Only bits
        16–31 (NEARBADPIXEL, LOWFLAT, FULLREJECT, BRIGHTSKY, NODATA, ...) mark a pixel as bad.
        """
        return good_pixels(self.flux, self.ivar, self.and_mask)

    def median_sn(self) -> float:
        """Median S/N per pixel over the good pixels (the pipeline's SN_MEDIAN_ALL); 0 if none."""
        return float(median_sn(self.flux, self.ivar, self.good()))


def good_pixels(flux, ivar, and_mask) -> np.ndarray:
    """:meth:`Spectrum.good` on arrays: ivar > 0, no pixel bit (16–31) of the AND mask, finite flux."""
    return (ivar > 0) & ((and_mask & PIXEL_MASK_BITS) == 0) & np.isfinite(flux)


def median_sn(flux, ivar, good=None) -> np.ndarray:
    """Median S/N per pixel, flux·√ivar, over the ``good`` pixels (default: ivar > 0), along the
    last axis: one spectrum or a batch on one grid at once. 0 where no pixel is good.

    The one definition of a spectrum's S/N in the project (mock, preprocessing, ``specml predict``).
    """
    flux, ivar = np.asarray(flux), np.asarray(ivar)
    good = ivar > 0 if good is None else np.asarray(good, bool)
    with np.errstate(invalid="ignore"):
        sn = np.where(good, flux * np.sqrt(np.where(good, ivar, 1)), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # rows with no good pixel: 0 below
        out = np.nanmedian(sn, axis=-1)
    return np.where(good.any(axis=-1), out, 0).astype(sn.dtype)


def _clean(flux, ivar) -> tuple[np.ndarray, np.ndarray, int]:
    """Zero the weight of non-finite pixels; return the count so callers can report it."""
    flux = np.asarray(flux, dtype=np.float32)
    ivar = np.asarray(ivar, dtype=np.float32)
    bad = ~(np.isfinite(flux) & np.isfinite(ivar)) | (ivar < 0)
    nbad = int(bad.sum())
    if nbad:
        flux = np.where(bad, 0, flux).astype(np.float32)
        ivar = np.where(bad, 0, ivar).astype(np.float32)
    return flux, ivar, nbad


def ident_from_name(path) -> dict:
    """PLATE, MJD and FIBERID parsed from a ``spec-PLATE-MJD-FIBER.fits`` name (empty if it does not match)."""
    m = SPEC_LITE_RE.search(os.path.basename(path))
    if not m:
        return {}
    return {"plate": int(m.group(1)), "mjd": int(m.group(2)), "fiberid": int(m.group(3))}


def _column_lookup(names, path) -> dict:
    """Map the COADD column names to the file's spelling (DR14 files use lower case)."""
    upper = {n.upper(): n for n in names}
    missing = [c for c in COADD_COLUMNS if c not in upper]
    if missing:
        raise SpectrumReadError(path, f"HDU1 lacks column(s) {', '.join(missing)}")
    return {c: upper[c] for c in COADD_COLUMNS}


# --------------------------------------------------------------------------- spec-lite
def read_spec_lite(path, fast: bool = True, meta: bool = False) -> Spectrum:
    """Read a spec-lite file.

    Parameters
    ----------
    path : path-like
        ``spec-PLATE-MJD-FIBER.fits``.
    fast : bool
        Parse the raw bytes (:mod:`specml_utils.fitsbytes`, about ten times faster than a full
        astropy open); falls back to astropy for layouts it does not handle.
    meta : bool
        Also read the spAll row (HDU2) into ``Spectrum.meta`` (:data:`META_KEYS`).

    Raises
    ------
    SpectrumReadError
        Truncated or corrupt file, missing HDU or columns.
    """
    path = path if isinstance(path, Path) else Path(path)  # Path() of a Path re-parses it
    if fast and path.suffix == ".fits":
        try:
            return _read_spec_lite_fast(path, meta)
        except fitsbytes.FitsFormatError:
            pass  # let astropy produce the authoritative error, or read what we could not
    return _read_spec_lite_astropy(path, meta)


#: what ``read_spec_lite(meta=True)`` keeps of the spAll row (those the file has)
META_KEYS = ("CLASS", "SUBCLASS", "Z", "Z_ERR", "ZWARNING", "THING_ID", "SN_MEDIAN_ALL", "PSFMAG")


def _meta_value(value):
    """A spAll cell as Python reads it: stripped text, a float64 array (PSFMAG's five), or a scalar."""
    if isinstance(value, (str, bytes)):
        return (value.decode("ascii", "replace") if isinstance(value, bytes) else value).strip()
    return np.array(value, np.float64) if np.ndim(value) else value.item()


def _fast_meta(buf: bytes) -> dict:
    """The :data:`META_KEYS` of the spAll row (HDU2) from the raw bytes. A file without HDU2, or
    with a column scaled by TZERO/TSCAL (which the fast reader does not apply), raises
    :class:`~specml_utils.fitsbytes.FitsFormatError` and goes to astropy."""
    cards, table = fitsbytes.read_table(buf, 2)
    upper = {n.upper(): (k, n) for k, n in enumerate(table.dtype.names, 1)}
    out = {}
    for key in META_KEYS:
        if key in upper and len(table):
            k, name = upper[key]
            if f"TZERO{k}" in cards or f"TSCAL{k}" in cards:
                raise fitsbytes.FitsFormatError(f"column {name} is scaled")
            out[key] = _meta_value(table[0][name])
    return out


def _read_spec_lite_fast(path: Path, meta: bool = False) -> Spectrum:
    try:
        buf = path.read_bytes()
    except OSError as err:
        raise SpectrumReadError(path, f"cannot read file ({err.strerror})") from err
    _, table = fitsbytes.read_table(buf, 1)
    col = _column_lookup(table.dtype.names, path)
    flux, ivar, nbad = _clean(table[col["FLUX"]], table[col["IVAR"]])
    ident = ident_from_name(path)
    if not ident:  # the name does not say: the primary header does
        cards0 = fitsbytes.read_primary_cards(buf)
        ident = {key: fitsbytes.card_value(cards0, card, -1)
                 for key, card in (("plate", "PLATEID"), ("mjd", "MJD"), ("fiberid", "FIBERID"))}
    info = {"n_nonfinite": nbad} if nbad else {}
    if meta:
        info.update(_fast_meta(buf))
    return Spectrum(table[col["LOGLAM"]].astype(np.float64), flux, ivar, table[col["AND_MASK"]].astype(np.int32),
                    ident, info, str(path))


def _read_spec_lite_astropy(path: Path, meta: bool) -> Spectrum:
    try:
        with fits.open(path, memmap=False) as hdul:
            if len(hdul) < 2 or not isinstance(hdul[1], fits.BinTableHDU):
                raise SpectrumReadError(path, "no COADD binary table in HDU1 (is this a spec-lite file?)")
            col = _column_lookup(hdul[1].columns.names, path)
            d = hdul[1].data
            loglam = np.array(d[col["LOGLAM"]], dtype=np.float64)
            flux, ivar, nbad = _clean(d[col["FLUX"]], d[col["IVAR"]])
            mask = np.array(d[col["AND_MASK"]], dtype=np.int32)
            h0 = hdul[0].header
            info = {"n_nonfinite": nbad} if nbad else {}
            if meta and len(hdul) > 2 and isinstance(hdul[2], fits.BinTableHDU):
                row = hdul[2].data[0]
                upper = {n.upper(): n for n in hdul[2].columns.names}
                for key in META_KEYS:
                    if key in upper:
                        info[key] = _meta_value(row[upper[key]])
    except SpectrumReadError:
        raise
    except (OSError, ValueError, TypeError, IndexError, KeyError) as err:
        raise SpectrumReadError(path, f"corrupt or truncated FITS file ({err})") from err
    ident = ident_from_name(path) or {"plate": int(h0.get("PLATEID", -1)), "mjd": int(h0.get("MJD", -1)),
                                      "fiberid": int(h0.get("FIBERID", -1))}
    return Spectrum(loglam, flux, ivar, mask, ident, info, str(path))


# --------------------------------------------------------------------------- spPlate
def read_spplate(path, fibers=None) -> list[Spectrum]:
    """Read the spectra of an spPlate file (one row of the image per fiber).

    Parameters
    ----------
    path : path-like
        ``spPlate-PLATE-MJD.fits``.
    fibers : sequence of int, optional
        1-based fiber numbers to read; all by default.
    """
    path = Path(path)
    try:
        with fits.open(path, memmap=False) as hdul:
            if len(hdul) < 3:
                raise SpectrumReadError(path, f"spPlate needs 3 HDUs (flux, ivar, and-mask), found {len(hdul)}")
            h0 = hdul[0].header
            flux_img = np.asarray(hdul[0].data, dtype=np.float32)
            ivar_img = np.asarray(hdul[1].data, dtype=np.float32)
            mask_img = np.asarray(hdul[2].data, dtype=np.int32)
            for key in ("COEFF0", "COEFF1"):
                if key not in h0:
                    raise SpectrumReadError(path, f"primary header lacks {key} (the log-wavelength solution)")
            coeff0, coeff1 = float(h0["COEFF0"]), float(h0["COEFF1"])
            plate, mjd = int(h0.get("PLATEID", -1)), int(h0.get("MJD", -1))
    except SpectrumReadError:
        raise
    except (OSError, ValueError, TypeError, IndexError) as err:
        raise SpectrumReadError(path, f"corrupt or truncated FITS file ({err})") from err
    if flux_img.ndim != 2 or flux_img.shape != ivar_img.shape or flux_img.shape != mask_img.shape:
        raise SpectrumReadError(path, f"flux, ivar and mask images differ in shape "
                                      f"({flux_img.shape}, {ivar_img.shape}, {mask_img.shape})")
    m = SPPLATE_RE.search(path.name)
    if m:
        plate, mjd = int(m.group(1)), int(m.group(2))
    nfiber, npix = flux_img.shape
    loglam = coeff0 + coeff1 * np.arange(npix)
    fibers = range(1, nfiber + 1) if fibers is None else fibers
    out = []
    for fib in fibers:
        if not 1 <= fib <= nfiber:
            raise SpectrumReadError(path, f"fiber {fib} outside 1..{nfiber}")
        flux, ivar, nbad = _clean(flux_img[fib - 1], ivar_img[fib - 1])
        out.append(Spectrum(loglam, flux, ivar, mask_img[fib - 1],
                            {"plate": plate, "mjd": mjd, "fiberid": int(fib)},
                            {"n_nonfinite": nbad} if nbad else {}, str(path)))
    return out


# --------------------------------------------------------------------------- DESI coadd
def read_desi_coadd(path, arms=("B", "R", "Z")) -> list[Spectrum]:
    """Read a DESI coadd: the arms' pixels of each target, concatenated.

    Arms overlap in wavelength; keeping every pixel lets the inverse-variance-weighted
    rebinning combine the overlaps correctly. The mask is ``{ARM}_MASK`` when present;
    TARGETID comes from the FIBERMAP HDU, or is the row number when the file has none.
    """
    path = Path(path)
    try:
        with fits.open(path, memmap=False) as hdul:
            names = {h.name for h in hdul}
            if not any(f"{arm}_FLUX" in names for arm in arms):
                raise SpectrumReadError(path, "no B_FLUX/R_FLUX/Z_FLUX HDU (is this a DESI coadd?)")
            targetid = (np.asarray(hdul["FIBERMAP"].data["TARGETID"]) if "FIBERMAP" in names else None)
            parts = []
            for arm in arms:
                need = [f"{arm}_WAVELENGTH", f"{arm}_FLUX", f"{arm}_IVAR"]
                missing = [n for n in need if n not in names]
                if missing:
                    raise SpectrumReadError(path, f"missing HDU(s) {', '.join(missing)}")
                wave = np.asarray(hdul[f"{arm}_WAVELENGTH"].data, dtype=np.float64)
                flux = np.asarray(hdul[f"{arm}_FLUX"].data, dtype=np.float32)
                ivar = np.asarray(hdul[f"{arm}_IVAR"].data, dtype=np.float32)
                mask = (np.asarray(hdul[f"{arm}_MASK"].data, dtype=np.int32) if f"{arm}_MASK" in names
                        else np.zeros(flux.shape, np.int32))
                parts.append((wave, flux, ivar, mask))
    except SpectrumReadError:
        raise
    except (OSError, ValueError, TypeError, KeyError) as err:
        raise SpectrumReadError(path, f"corrupt or truncated FITS file ({err})") from err
    loglam = np.log10(np.concatenate([p[0] for p in parts]))
    if targetid is None:  # files without a FIBERMAP: number the spectra by row
        targetid = np.arange(parts[0][1].shape[0])
    out = []
    for i, tid in enumerate(targetid):
        flux, ivar, nbad = _clean(np.concatenate([p[1][i] for p in parts]),
                                  np.concatenate([p[2][i] for p in parts]))
        mask = np.concatenate([p[3][i] for p in parts])
        out.append(Spectrum(loglam, flux, ivar, mask, {"targetid": int(tid)},
                            {"n_nonfinite": nbad} if nbad else {}, str(path)))
    return out


def read_any(path) -> list[Spectrum]:
    """Read any supported file; the format is told by its name, else by its HDUs."""
    path = Path(path)
    if SPEC_LITE_RE.search(path.name):
        return [read_spec_lite(path)]
    if SPPLATE_RE.search(path.name):
        return read_spplate(path)
    try:
        with fits.open(path, memmap=False) as hdul:
            names = {h.name for h in hdul}
            ncols = hdul[1].columns.names if len(hdul) > 1 and isinstance(hdul[1], fits.BinTableHDU) else []
    except (OSError, ValueError) as err:
        raise SpectrumReadError(path, f"corrupt or truncated FITS file ({err})") from err
    if "FIBERMAP" in names or "B_FLUX" in names:
        return read_desi_coadd(path)
    if "LOGLAM" in {c.upper() for c in ncols}:  # real BOSS files say "loglam", the mock "LOGLAM"
        return [read_spec_lite(path, fast=False)]
    raise SpectrumReadError(path, "unrecognised format (not spec-lite, spPlate or DESI coadd)")


# --------------------------------------------------------------------------- writing
#: the COADD table's columns, as in BOSS spec-lite files
COADD_DTYPE = np.dtype([("FLUX", ">f4"), ("LOGLAM", ">f4"), ("IVAR", ">f4"), ("AND_MASK", ">i4"),
                        ("OR_MASK", ">i4"), ("WDISP", ">f4"), ("SKY", ">f4"), ("MODEL", ">f4")])


def spec_lite_bytes(primary_cards: list, coadd: np.ndarray, spall_row: np.ndarray) -> bytes:
    """A spec-lite file (primary header, HDU1 COADD, HDU2 SPALL) as bytes.

    Parameters
    ----------
    primary_cards : list of (key, value[, comment])
        Cards after the mandatory ones (PLATEID, MJD, FIBERID, COEFF0, ...).
    coadd : structured ndarray with :data:`COADD_DTYPE`
    spall_row : structured ndarray of length 1
    """
    header = fitsbytes.header_bytes([("SIMPLE", True), ("BITPIX", 8), ("NAXIS", 0), ("EXTEND", True)]
                                    + list(primary_cards))
    return (header + fitsbytes.table_bytes(coadd, "COADD")
            + fitsbytes.table_bytes(spall_row, "SPALL"))
