"""Helpers of the exploration notebook: class tables, example spectra, mock-vs-real comparisons, a viewer."""
from __future__ import annotations

import numpy as np
import pandas as pd
from astropy.table import Table

from . import plots
from .catalog import spectrum_paths
from .classes import CLASS_NAMES, PERSON_CODE, THESIS_TABLE1
from .spectra import SpectrumReadError, read_spec_lite

def class_table(cat: Table) -> pd.DataFrame:
    """Spectra per visual-inspection class, beside the thesis' Table 1 (published, full DR12 superset)."""
    codes = np.asarray(cat["CLASS_PERSON"])
    rows = []
    for cls in CLASS_NAMES:
        n = int((codes == PERSON_CODE[cls]).sum())
        rows.append({"class": cls, "CLASS_PERSON": PERSON_CODE[cls], "spectra (this survey)": n,
                     "fraction": n / len(codes), "thesis Table 1 (published)": THESIS_TABLE1[cls],
                     "thesis fraction": THESIS_TABLE1[cls] / sum(THESIS_TABLE1.values())})
    rows.append({"class": "not inspected", "CLASS_PERSON": 0, "spectra (this survey)": int((codes == 0).sum()),
                 "fraction": float((codes == 0).mean()), "thesis Table 1 (published)": pd.NA, "thesis fraction": pd.NA})
    table = pd.DataFrame(rows).set_index("class")
    # counts stay integers; the thesis has no row for uninspected spectra: "—", not NaN
    table["thesis Table 1 (published)"] = [int(v) if pd.notna(v) else "—" for v in table["thesis Table 1 (published)"]]
    table["thesis fraction"] = [round(float(v), 3) if pd.notna(v) else "—" for v in table["thesis fraction"]]
    return table


def pick_examples(cat: Table, home, seed: int = 0, min_sn: float = 4.0) -> tuple[dict, dict]:
    """One good-S/N spectrum per class (Z_CONF_PERSON = 3) from the catalog's data home."""
    rng = np.random.default_rng(seed)
    spectra, info = {}, {}
    codes = np.asarray(cat["CLASS_PERSON"])
    for cls in CLASS_NAMES:
        rows = np.flatnonzero((codes == PERSON_CODE[cls]) & (np.asarray(cat["Z_CONF_PERSON"]) == 3))
        for i in rng.permutation(rows)[:200]:
            path = spectrum_paths(cat[i:i + 1], home)[0]
            try:
                s = read_spec_lite(path)
            except (SpectrumReadError, FileNotFoundError):
                continue
            if s.median_sn() >= min_sn:
                spectra[cls] = s
                info[cls] = (float(cat["Z_VI"][i]), f"{s.ident['plate']}-{s.ident['mjd']}-{s.ident['fiberid']}")
                break
    return spectra, info


def spectrum_viewer(cat: Table, home, interactive: bool | None = None, default_class: str = "QSO"):
    """Pick a class and an object, see its spectrum with the lines marked at its redshift.

    In JupyterLab (``interactive`` True, or None outside headless runs, with ipywidgets installed)
    this is a widget; headless runs (``specml notebooks`` and ``make nbval`` set
    ``SPECML_HEADLESS=1``) and ``interactive=False`` get a static figure of the first object of
    ``default_class``.
    """
    import os

    import matplotlib.pyplot as plt

    if interactive is None:
        interactive = os.environ.get("SPECML_HEADLESS") != "1"

    codes = np.asarray(cat["CLASS_PERSON"])
    by_class = {c: np.flatnonzero(codes == PERSON_CODE[c])[:500] for c in CLASS_NAMES}

    def draw(cls: str, k: int):
        i = by_class[cls][k]
        s = read_spec_lite(spectrum_paths(cat[i:i + 1], home)[0])
        fig, ax = plt.subplots(figsize=(10, 3.2))
        z = float(cat["Z_VI"][i])
        plots.plot_spectrum(ax, s, z, cls, f"{cls}  z = {plots.z_text(z)}  plate-mjd-fiber {s.ident['plate']}-"
                                           f"{s.ident['mjd']}-{s.ident['fiberid']}  S/N = {s.median_sn():.1f}")
        ax.set_xlabel("observed wavelength [Å]")
        fig.tight_layout()
        return fig

    if interactive:
        try:
            import ipywidgets as w
        except ImportError:
            interactive = False
    if not interactive:
        return draw(default_class, 0)
    cls_w = w.Dropdown(options=list(CLASS_NAMES), value=default_class, description="class")
    obj_w = w.IntSlider(0, 0, max(len(by_class[default_class]) - 1, 0), description="object")

    def on_class(change):
        obj_w.max = max(len(by_class[change["new"]]) - 1, 0)
        obj_w.value = 0

    cls_w.observe(on_class, names="value")

    def show(cls, k):
        draw(cls, k)
        plt.show()

    return w.interactive(show, cls=cls_w, k=obj_w)


#: rest-frame grid of the composites: 800–10,500 Å in steps of 2e-3 in log10 λ
COMPOSITE_GRID = (np.log10(800.0), 2e-3, 557)


def rest_composite(spectra: list, z) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median rest-frame composite of spectra at redshifts ``z``.

    Each spectrum is ivar-weighted-rebinned onto :data:`COMPOSITE_GRID` in its rest frame and
    divided by its median; the composite is the median over spectra in each bin that at least
    three of them cover (NaN elsewhere).

    Returns
    -------
    wave, composite, count : ndarray
        Rest wavelength (Å), the composite, the number of spectra in each bin.
    """
    from dataclasses import replace

    from .grid import Grid, rebin

    grid = Grid(*COMPOSITE_GRID)
    shifted = [replace(s, loglam=s.loglam - np.log10(1 + zi)) for s, zi in zip(spectra, z)]
    flux, ivar = rebin(shifted, grid)
    good = ivar > 0
    med = np.array([np.median(f[g]) if g.sum() > 10 else np.nan for f, g in zip(flux, good)])
    ok = np.isfinite(med) & (med > 0)
    norm = np.where(good[ok], flux[ok] / med[ok, None], np.nan)
    count = good[ok].sum(axis=0)
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            comp = np.nanmedian(norm, axis=0) if ok.any() else np.full(grid.nbins, np.nan)
    comp = np.where(count >= 3, comp, np.nan)
    return 10 ** grid.centres, comp, count


def mock_and_real_by_class(cat: Table, home, per_class: int = 150, seed: int = 0) -> dict:
    """Spectra, redshifts, S/N and colours per class, from the mock (a random sample of confident
    rows) and from the real visually inspected set.

    Returns ``{class: {"mock": {...}, "real": {...}}}`` with ``spectra``, ``z``, ``sn`` and
    ``psfmag`` (n × 5, ugriz) in each.
    """
    from . import real

    rng = np.random.default_rng(seed)
    codes = np.asarray(cat["CLASS_PERSON"])
    conf = np.asarray(cat["Z_CONF_PERSON"])
    vi = real.vi_catalog()
    out = {}
    for cls in CLASS_NAMES:
        rows = rng.permutation(np.flatnonzero((codes == PERSON_CODE[cls]) & (conf == 3)))[:per_class]
        mock = {"spectra": [], "z": [], "psfmag": []}
        for i, p in zip(rows, spectrum_paths(cat[rows], home)):
            try:
                mock["spectra"].append(read_spec_lite(p))
            except (SpectrumReadError, FileNotFoundError):
                continue
            mock["z"].append(float(cat["Z_VI"][i]))
            mock["psfmag"].append(np.asarray(cat["PSFMAG"][i], float))
        entry = {"mock": mock}
        if vi is not None:
            sel = vi[np.asarray(vi["CLASS"]) == cls]
            entry["real"] = {"spectra": [read_spec_lite(p) for p in sel["PATH"]],
                             "z": [float(v) for v in sel["Z_VI"]],
                             "psfmag": [np.asarray(m, float) for m in sel["PSFMAG"]]}
        for d in entry.values():
            d["sn"] = np.array([s.median_sn() for s in d["spectra"]])
            d["psfmag"] = np.array(d["psfmag"]).reshape(-1, 5)
            d["z"] = np.array(d["z"])
        out[cls] = entry
    return out


def sn_colour_table(samples: dict) -> pd.DataFrame:
    """Per class and source: spectra, median S/N, fraction at S/N < 2, median u−g and g−r."""
    rows = []
    for cls, entry in samples.items():
        for src, d in entry.items():
            if not len(d["sn"]):
                continue
            m = d["psfmag"]
            rows.append({"class": cls, "source": src, "spectra": len(d["sn"]),
                         "S/N median": np.median(d["sn"]), "S/N < 2": np.mean(d["sn"] < 2),
                         "u−g median": np.median(m[:, 0] - m[:, 1]), "g−r median": np.median(m[:, 1] - m[:, 2])})
    return pd.DataFrame(rows).set_index(["class", "source"])


#: spectral r-magnitude bins (AB) in which :func:`throughput_table` compares S/N at equal flux
R_SPEC_BINS = ((20.0, 21.0), (21.0, 22.0))


def spectral_r_mag(spec) -> float:
    """AB magnitude of a spectrum in the r band, with the mock photometry's top-hat band
    (:data:`specml_utils.mock.survey.BANDS`): the mean flux of its good pixels there. NaN when
    fewer than half of the band's pixels are good or their mean flux is not positive."""
    from .mock.survey import BANDS, psf_mags

    wave, good = spec.wave, spec.good()
    band = (wave >= BANDS["r"][0]) & (wave < BANDS["r"][1])
    if good[band].sum() < 0.5 * band.sum() or not band.any():
        return float("nan")
    flux = np.where(good, spec.flux, np.interp(wave, wave[good], spec.flux[good]))
    if flux[band].mean() <= 0:
        return float("nan")
    return float(psf_mags(flux[None, :], wave)[0, 2])


def real_pipeline_photometry() -> dict:
    """The pipeline-labelled real spectra (every shared set but the visually inspected plate),
    with their PSF magnitudes from the spAll row: ``{"spectra": [...], "psfmag": (n, 5)}``;
    files without PSFMAG are left out. Empty lists when the shared folder is absent."""
    from . import paths, real

    spectra, mags = [], []
    for f in paths.real_spectra_files():
        if f.parent.name == real.VI_SET:
            continue
        s = read_spec_lite(f, meta=True)
        if "PSFMAG" in s.meta:
            spectra.append(s)
            mags.append(s.meta["PSFMAG"])
    return {"spectra": spectra, "psfmag": np.array(mags, float).reshape(-1, 5)}


def inspected_label(spectra) -> str:
    """How tables and figures name the visually inspected spectra: by their plates ("VI plate 7102")."""
    plates = sorted({int(s.ident["plate"]) for s in spectra if "plate" in s.ident})
    return f"VI plate{'s' if len(plates) > 1 else ''} " + ", ".join(map(str, plates)) if plates else "VI"


def throughput_sets(samples: dict, pipeline: dict | None = None) -> dict:
    """Spectral r magnitude, PSF r magnitude and median S/N of every spectrum, per source:
    the mock and the visually inspected plate (all classes of ``samples``, from
    :func:`mock_and_real_by_class`) and the other real plates (``pipeline``, from
    :func:`real_pipeline_photometry`). Returns ``{source: {"r_spec", "r_psf", "sn"}}``."""
    real_spectra = [s for entry in samples.values() for s in entry.get("real", {}).get("spectra", [])]
    names = {"mock": "mock", "real": inspected_label(real_spectra)}
    pooled = {}
    for entry in samples.values():
        for src, d in entry.items():
            out = pooled.setdefault(names[src], {"spectra": [], "psfmag": []})
            out["spectra"] += list(d["spectra"])
            out["psfmag"] += list(d["psfmag"])
    if pipeline and len(pipeline["spectra"]):
        pooled["other real plates"] = pipeline
    out = {}
    for src, d in pooled.items():
        if not len(d["spectra"]):
            continue
        out[src] = {"r_spec": np.array([spectral_r_mag(s) for s in d["spectra"]]),
                    "r_psf": np.array(d["psfmag"], float).reshape(-1, 5)[:, 2],
                    "sn": np.array([s.median_sn() for s in d["spectra"]])}
    return out


def throughput_table(sets: dict) -> pd.DataFrame:
    """Per source: how much fainter the spectra are than their photometry (median r_spec − r_PSF,
    spectra with a finite r_spec), and the median S/N per pixel overall and at equal spectral flux
    (:data:`R_SPEC_BINS`; the count in brackets in the column of that name)."""
    rows = []
    for src, d in sets.items():
        ok = np.isfinite(d["r_spec"]) & np.isfinite(d["r_psf"])
        row = {"source": src, "spectra": len(d["sn"]),
               "r_spec − r_PSF (median)": float(np.median(d["r_spec"][ok] - d["r_psf"][ok])) if ok.any() else np.nan,
               "S/N median": float(np.median(d["sn"]))}
        for lo, hi in R_SPEC_BINS:
            sel = ok & (d["r_spec"] >= lo) & (d["r_spec"] < hi)
            row[f"S/N at r_spec {lo:g}–{hi:g}"] = float(np.median(d["sn"][sel])) if sel.any() else np.nan
            row[f"n at r_spec {lo:g}–{hi:g}"] = int(sel.sum())
        rows.append(row)
    return pd.DataFrame(rows).set_index("source")
