"""Apply the trained classifier and redshift CNN to spectrum files: one FITS table row per spectrum.

A *model bundle* is a folder holding ``classifier.keras``, ``redshift.keras`` and ``bundle.json``
(the input grid, the standardisation, the class names, the redshift bins and the σ_z scale).
The main job writes it to ``data/models/`` (notebooks 04 and 05).
"""
from __future__ import annotations

import contextlib
import json
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from astropy.table import Table

from . import paths
from .atomic import atomic_path, atomic_write_bytes
from .classes import CLASS_NAMES
from .preprocess import Grid, rebin, standardize
from .spectra import SpectrumReadError, read_any

#: where the main job leaves the trained models
DEFAULT_MODELS = paths.MODELS
#: suffixes of the files a folder given to predict is searched for
SPECTRUM_SUFFIXES = (".fits", ".fits.gz", ".fit")


def _update_bundle_json(folder: Path, **entries) -> None:
    path = folder / "bundle.json"
    info = json.loads(path.read_text()) if path.exists() else {}
    info.update(entries)
    atomic_write_bytes(path, (json.dumps(info, indent=1) + "\n").encode())


def save_model(model, folder, role: str, **info) -> Path:
    """Save a trained model as ``FOLDER/ROLE.keras`` (atomically) and record ``info`` under ``role``
    in ``bundle.json``. ``role`` is ``classifier`` or ``redshift``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{role}.keras"
    with atomic_path(path, ".keras") as tmp:
        model.save(tmp)
    _update_bundle_json(folder, **{role: {"file": path.name, "saved": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                                    time.gmtime()), **info}})
    return path


@dataclass
class Bundle:
    """A loaded classifier + redshift CNN and the preprocessing they expect."""

    classifier: object
    redshift: object
    grid: Grid
    weighted: bool
    zbins: object
    sigma_scale: dict
    class_names: tuple = CLASS_NAMES
    z_range: dict = field(default_factory=dict)
    info: dict = field(default_factory=dict)
    prior_weights: tuple | None = None

    @classmethod
    def load(cls, folder=None) -> "Bundle":
        """Load the bundle in ``folder`` (default: the main job's ``data/models``)."""
        from .models import ZBins

        folder = Path(folder or DEFAULT_MODELS)
        meta = folder / "bundle.json"
        if not meta.exists():
            raise FileNotFoundError(f"{meta}: no model bundle here (run notebooks 04 and 05, or give --model)")
        try:
            info = json.loads(meta.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise ValueError(f"{meta}: not a valid bundle description (corrupt JSON: {err})") from err
        missing = [r for r in ("classifier", "redshift") if r not in info]
        if missing:
            raise ValueError(f"{meta}: no {' or '.join(missing)} model recorded (run notebook "
                             f"{'04' if 'classifier' in missing else '05'})")
        c, r = info["classifier"], info["redshift"]
        if c["grid"] != r["grid"] or c["weighted"] != r["weighted"]:
            raise ValueError(f"{meta}: the classifier and redshift models were trained on different grids")
        return cls(classifier=_load_model(folder / c["file"]), redshift=_load_model(folder / r["file"]),
                   grid=Grid(**c["grid"]), weighted=c["weighted"], zbins=ZBins(**r["zbins"]),
                   sigma_scale=_per_class(r["sigma_scale"], c["class_names"]), class_names=tuple(c["class_names"]),
                   z_range=r.get("z_range", {}), info=info,
                   prior_weights=tuple(c["prior"]["weights"]) if c.get("prior") else None)

    def predict_x(self, x: np.ndarray, flux=None, ivar=None, batch_size: int = 1024, prior: bool = True) -> dict:
        """Class probabilities, class, z and σ_z for standardised inputs ``x`` (n, nbins).

        Class probabilities are moved from the training set's class mix to the survey's where the
        bundle records one (``prior`` in ``bundle.json``; :func:`specml_utils.models.prior_weights`);
        ``prior=False`` keeps the training mix (for a test split drawn like the training set).

        With the rebinned ``flux`` and ``ivar`` (not standardised) the redshifts of quasars the
        CNN is unsure of are checked with a line fit (:mod:`specml_utils.zcheck`).
        """
        from .models import class_probabilities, redshift_probabilities, shift_prior
        from .zcheck import class_redshifts

        prob, _ = class_probabilities(self.classifier, x, batch_size)
        prob = shift_prior(prob, self.prior_weights if prior else None)  # to the survey's class mix
        label = prob.argmax(axis=1)
        zprob = redshift_probabilities(self.redshift, x, batch_size)
        out = class_redshifts(self.zbins, zprob, label, self.class_names, self.z_range, flux, ivar,
                              10 ** self.grid.centres)
        scale = np.array([self.sigma_scale[c] for c in self.class_names])[label]  # σ_z calibrated per class
        return {"prob": prob, "label": label, "z": out["z"], "z_err": out["z_err"] * scale,
                "z_check": out["z_check"], "z_cnn": out["z_cnn"]}


def _load_model(path: Path):
    """A saved Keras model, or an error that names the file and says what is wrong with it."""
    from .backend import keras

    if not path.exists():
        raise FileNotFoundError(f"{path}: model file missing from the bundle")
    try:
        return keras.saving.load_model(path)
    except Exception as err:  # Keras raises many kinds (zip, HDF5, JSON, ValueError) for one cause
        raise ValueError(f"{path}: cannot load this model file (corrupt or truncated? {type(err).__name__})") from err


def _per_class(scale, names) -> dict:
    """σ_z scale factors per class (a single number applies to every class)."""
    return dict(scale) if isinstance(scale, dict) else {n: float(scale) for n in names}


def grid_info(grid: Grid, weighted: bool) -> dict:
    """How inputs were made, as stored in ``bundle.json``."""
    return {"grid": asdict(grid), "weighted": bool(weighted)}


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


def predict_chunk(files, bundle: Bundle, batch_spectra: int = 1024) -> dict:
    """Predict every spectrum of a chunk of files: ``{"rows": structured array, "failed": [(file, reason)]}``.

    Spectra go through the networks ``batch_spectra`` at a time, so a chunk of files holding many
    spectra each (spPlate, DESI coadds) still needs bounded memory. The same chunks give the same
    numbers whether they run here or on a cluster.
    """
    rows, failed, batch = [], [], []

    def flush():
        if not batch:
            return
        flux, ivar = rebin(batch, bundle.grid)
        nvalid = (ivar > 0).sum(axis=1)
        usable = nvalid >= MIN_BINS
        failed.extend((s.source, "no valid pixel on the model's wavelength grid" if n == 0 else
                       f"only {n} valid bins on the model's wavelength grid (fewer than {MIN_BINS})")
                      for s, n, ok in zip(batch, nvalid, usable) if not ok)
        kept = [s for s, ok in zip(batch, usable) if ok]
        if kept:
            out = bundle.predict_x(standardize(flux[usable], ivar[usable], bundle.weighted), flux[usable], ivar[usable])
            part = np.zeros(len(kept), ROW_DTYPE)
            part["FILE"] = [Path(s.source).name for s in kept]
            for col, key in (("PLATE", "plate"), ("MJD", "mjd"), ("FIBERID", "fiberid"), ("TARGETID", "targetid")):
                part[col] = [_ident(s, key) for s in kept]
            part["CLASS"] = np.array(bundle.class_names)[out["label"]]
            for k, col in enumerate(("P_STAR", "P_GALAXY", "P_QSO", "P_QSO_BAL")):
                part[col] = out["prob"][:, k]
            part["Z"], part["Z_ERR"], part["Z_CHECK"] = out["z"], out["z_err"], out["z_check"]
            fu, iu = flux[usable], ivar[usable]
            part["COVERAGE"] = nvalid[usable] / bundle.grid.nbins
            part["SN_MEDIAN"] = [np.median(f[i > 0] * np.sqrt(i[i > 0])) for f, i in zip(fu, iu)]
            part["ZWARNING"] = zwarning(part["COVERAGE"], part["SN_MEDIAN"], part["Z_CHECK"], out["prob"].max(axis=1))
            rows.append(part)
        batch.clear()

    for f in files:
        try:
            spectra = read_any(f)
        except SpectrumReadError as err:
            failed.append((str(f), err.problem))
            continue
        for s in spectra:
            batch.append(s)
            if len(batch) >= batch_spectra:
                flush()
    flush()
    return {"rows": np.concatenate(rows) if rows else np.zeros(0, ROW_DTYPE), "failed": failed}


_BUNDLES: dict = {}


def _predict_chunk_on_worker(files, bundle_dir: str, batch_spectra: int) -> dict:
    """Cluster task: load the bundle once per worker process, then predict the chunk."""
    if bundle_dir not in _BUNDLES:
        _BUNDLES[bundle_dir] = Bundle.load(bundle_dir)
    return predict_chunk(files, _BUNDLES[bundle_dir], batch_spectra)


def failed_reason(why: str) -> str:
    """The kind of a failure, without the file-specific detail, for counting."""
    return why.split(" (")[0].split(":")[0]


def predict_files(files, bundle: Bundle | None = None, bundle_dir=None, chunk_files: int = 256,
                  batch_spectra: int = 1024, workers: int | None = None, scheduler: str | None = None,
                  client=None, progress: bool = True) -> tuple[Table, dict]:
    """Read, rebin, standardise and classify ``files``; return the table and a report.

    Files go in chunks of ``chunk_files``: here, one after the other, or on a Dask cluster with
    ``workers`` (a LocalCluster), ``scheduler`` (an existing one) or ``client`` (a connected
    ``dask.distributed.Client``), where each worker loads the
    bundle from ``bundle_dir`` once. Files that cannot be read, spectra with no usable pixel on
    the grid, and (on a cluster) files that make a worker fail twice are counted in the report
    with the reason; every other spectrum gets a row, in input order.
    """
    from tqdm.auto import tqdm

    t0 = time.perf_counter()
    files = [str(f) for f in files]
    chunks = [files[i:i + chunk_files] for i in range(0, len(files), chunk_files)]
    if workers or scheduler or client:
        from .distributed import client_for, map_chunks

        if bundle_dir is None:
            raise ValueError("a cluster run needs bundle_dir, the folder each worker loads the models from")
        args = (str(Path(bundle_dir).resolve()), batch_spectra)
        with (contextlib.nullcontext(client) if client else client_for(workers, scheduler)) as c:
            results, lost = map_chunks(_predict_chunk_on_worker, chunks, args, c, progress=progress, desc="predict")
    else:
        bundle = bundle or Bundle.load(bundle_dir)
        results, lost = [], []
        with tqdm(total=len(files), desc="predict", unit="file", disable=not progress, mininterval=1.0) as bar:
            for c in chunks:
                results.append(predict_chunk(c, bundle, batch_spectra))
                bar.update(len(c))
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
    pred.header["ZCHECK"] = ("0 no; 1 CNN z kept; 2 replaced", "Z_CHECK: quasar line-fit check of Z")
    for name, (bit, why) in ZWARNING_BITS.items():
        pred.header[f"ZWBIT{bit}"] = (name, why[:46])
    if bundle is not None:
        pred.header["MODELS"] = (str(bundle.info.get("classifier", {}).get("architecture", "")), "classifier")
    bad = Table([np.array([f for f, _ in report["failed_files"]], dtype="U256"),
                 np.array([w for _, w in report["failed_files"]], dtype="U128")], names=("FILE", "REASON"))
    fail = fits.table_to_hdu(bad)
    fail.name = "FAILED"
    with atomic_path(out, ".fits") as tmp:
        fits.HDUList([fits.PrimaryHDU(), pred, fail]).writeto(tmp, overwrite=True)
    return out
