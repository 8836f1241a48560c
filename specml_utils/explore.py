"""Helpers of the exploration notebook: class tables, example spectra, real-vs-mock, a viewer."""
from __future__ import annotations

import numpy as np
import pandas as pd
from astropy.table import Table

from . import paths, plots
from .catalog import spectrum_paths
from .classes import CLASS_NAMES, PERSON_CODE, THESIS_TABLE1
from .spectra import SpectrumReadError, read_spec_lite

PIPELINE_TO_CLASS = {"STAR": "STAR", "GALAXY": "GALAXY", "QSO": "QSO"}


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
                 "fraction": float((codes == 0).mean()), "thesis Table 1 (published)": None, "thesis fraction": None})
    return pd.DataFrame(rows).set_index("class")


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
            g = s.good()
            if g.any() and np.median(s.flux[g] * np.sqrt(s.ivar[g])) >= min_sn:
                spectra[cls] = s
                info[cls] = (float(cat["Z_VI"][i]), f"{s.ident['plate']}-{s.ident['mjd']}-{s.ident['fiberid']}")
                break
    return spectra, info


def real_spectra(min_sn: float = 0.0) -> list:
    """The real spec-lite files of the shared folder with their pipeline CLASS, Z and S/N (empty when absent)."""
    out = []
    for p in paths.real_spectra_files():
        try:
            s = read_spec_lite(p, meta=True)
        except SpectrumReadError:
            continue
        if s.meta.get("SN_MEDIAN_ALL", 0) >= min_sn:
            out.append(s)
    return out


def median_sn(spectrum) -> float:
    """Median S/N per pixel over good pixels (the pipeline's SN_MEDIAN_ALL definition)."""
    g = spectrum.good()
    return float(np.median(spectrum.flux[g] * np.sqrt(spectrum.ivar[g]))) if g.any() else 0.0


def spectrum_viewer(cat: Table, home, interactive: bool = True, default_class: str = "QSO"):
    """Pick a class and an object, see its spectrum with the lines marked at its redshift.

    In JupyterLab (``interactive=True`` and ipywidgets installed) this is a widget; headless
    runs (papermill, nbval) get a static figure of the first object of ``default_class``.
    """
    import matplotlib.pyplot as plt

    codes = np.asarray(cat["CLASS_PERSON"])
    by_class = {c: np.flatnonzero(codes == PERSON_CODE[c])[:500] for c in CLASS_NAMES}

    def draw(cls: str, k: int):
        i = by_class[cls][k]
        s = read_spec_lite(spectrum_paths(cat[i:i + 1], home)[0])
        fig, ax = plt.subplots(figsize=(10, 3.2))
        z = float(cat["Z_VI"][i])
        plots.plot_spectrum(ax, s, z, cls, f"{cls}  z = {z:.3f}  plate-mjd-fiber {s.ident['plate']}-"
                                           f"{s.ident['mjd']}-{s.ident['fiberid']}  S/N = {median_sn(s):.1f}")
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
