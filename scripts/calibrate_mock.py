"""Measure the mock survey's sky and noise model from real BOSS spec-lite files.

Reads the real spectra in ``../shared/real_spectra`` (never copies them) and writes the
derived numbers to ``specml_utils/mock/noise_calibration.json``:

- ``variance``: median of 1/IVAR ÷ (SKY + max(MODEL, 0)) in wavelength bins — the
  detector's variance per unit of collected flux (photon noise), per wavelength;
- ``depth_scatter_dex``: the spread of that ratio between spectra (exposure depth, seeing);
- ``sky``: the median sky continuum shape (knots), the sky emission lines (peaks of the
  median sky above its continuum) and the spread of sky levels between spectra;
- ``mask``: how often each AND_MASK bit is set;
- ``wdisp``: the median line-spread width in pixels;
- ``sn_median_all``: quantiles of the pipeline's S/N per class, for comparisons;
- ``spectrophotometry``: quantiles of r_spec − r_PSF, how much fainter a spectrum is than its
  photometry (the mock draws each spectrum's from them).

The visually inspected plate (the validation set) is left out: every number comes from the
pipeline-labelled spectra of the other plates.

Run: ``python scripts/calibrate_mock.py`` (seconds).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from astropy.io import fits
from scipy.ndimage import median_filter
from scipy.signal import find_peaks

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from specml_utils import paths, real  # noqa: E402

DL = 1e-4
I0 = round(np.log10(3600) / DL)
NPIX = 4600


#: probabilities at which the spectrophotometric offsets' distribution is kept (the mock interpolates)
OFFSET_PROBS = np.linspace(0.025, 0.975, 20)


def spectrophotometry() -> dict:
    """How much fainter each spectrum of the other plates is than its PSF photometry in r (r_spec −
    r_PSF, mag): fiber losses with the seeing, fiber placement, the quasar targets' focal offsets and
    variability between the imaging and the spectroscopy — measured as notebook 01 measures it
    (:func:`specml_utils.explore.throughput_sets`). Quantiles at :data:`OFFSET_PROBS`."""
    from specml_utils.explore import real_pipeline_photometry, throughput_sets

    phot = throughput_sets({}, real_pipeline_photometry())["other real plates"]
    d = phot["r_spec"] - phot["r_psf"]
    d = d[np.isfinite(d)]
    return {"n": int(d.size), "median": round(float(np.median(d)), 3),
            "probs": np.round(OFFSET_PROBS, 4).tolist(),
            "offset_quantiles": [round(float(q), 3) for q in np.quantile(d, OFFSET_PROBS)]}


def main() -> None:
    # the visually inspected plate is the validation set: nothing of the mock is measured on it
    files = [f for f in paths.real_spectra_files() if f.parent.name != real.VI_SET]
    if not files:
        sys.exit("no real spectra found (looked in $SPECML_SHARED and ../shared)")
    edges = np.linspace(np.log10(3600), np.log10(10300), 25)
    ratios = [[] for _ in range(len(edges) - 1)]
    per_file_ratio, sky_levels, wdisp = [], [], []
    sky_stack = np.full((len(files), NPIX), np.nan)
    bit_counts = np.zeros(32)
    npix_total = 0
    sn = {}
    for j, f in enumerate(files):
        with fits.open(f) as h:
            d = h[1].data
            ll, iv, sky, mod, am = (np.asarray(d[c], dtype=float) for c in ("LOGLAM", "IVAR", "SKY", "MODEL", "AND_MASK"))
            cls = h[2].data["CLASS"][0].strip()
            sn.setdefault(cls, []).append(float(h[2].data["SN_MEDIAN_ALL"][0]))
            wdisp.append(float(np.median(d["WDISP"])))
        am = am.astype(np.int64)
        for b in range(32):
            bit_counts[b] += np.sum((am >> b) & 1)
        npix_total += len(am)
        good = (iv > 0) & (am == 0)
        r = 1 / iv[good] / (sky[good] + np.clip(mod[good], 0, None))
        k = np.digitize(ll[good], edges) - 1
        for b in range(len(edges) - 1):
            ratios[b].extend(r[k == b])
        mid = (ll[good] > np.log10(4500)) & (ll[good] < np.log10(8500))
        per_file_ratio.append(np.median(r[mid]))
        sky_levels.append(np.median(sky[good]))
        idx = np.round(ll / DL).astype(int) - I0
        ok = good & (idx >= 0) & (idx < NPIX)
        sky_stack[j, idx[ok]] = sky[ok] / np.median(sky[good])
    lam = 10 ** ((np.arange(NPIX) + I0) * DL)
    med = np.nanmedian(sky_stack, axis=0)
    med = np.where(np.isfinite(med), med, np.nanmedian(med))
    cont = median_filter(med, 201, mode="nearest")
    resid = med - cont
    peaks, _ = find_peaks(resid, height=0.25 * np.median(cont), distance=3)
    peaks = peaks[np.argsort(-resid[peaks])][:200]
    knots = np.arange(3600, 10401, 200)
    centres = 10 ** (0.5 * (edges[1:] + edges[:-1]))
    out = {
        "source": f"{len(files)} real spec-lite files in shared/real_spectra",
        "variance": {"wave": np.round(centres, 1).tolist(),
                     "per_flux": [round(float(np.median(r)), 5) for r in ratios]},
        "depth_scatter_dex": round(float(np.std(np.log10(per_file_ratio))), 3),
        "sky": {
            "level_median": round(float(np.median(sky_levels)), 3),
            "level_scatter_dex": round(float(np.std(np.log10(sky_levels))), 3),
            "continuum_wave": knots.tolist(),
            "continuum_rel": [round(float(np.interp(w, lam, cont)), 4) for w in knots],
            "lines": [[round(float(lam[p]), 2), round(float(resid[p] / np.interp(lam[p], lam, cont)), 3)]
                      for p in sorted(peaks)],
        },
        "mask": {"bit_fraction": {str(b): round(float(c / npix_total), 5) for b, c in enumerate(bit_counts) if c}},
        "wdisp": round(float(np.median(wdisp)), 3),
        "sn_median_all": {c: {"n": len(v), "q10": round(float(np.percentile(v, 10)), 2),
                              "q50": round(float(np.median(v)), 2), "q90": round(float(np.percentile(v, 90)), 2)}
                          for c, v in sn.items()},
    }
    out["spectrophotometry"] = spectrophotometry()
    dest = paths.ROOT / "specml_utils" / "mock" / "noise_calibration.json"
    dest.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {dest}: {len(out['sky']['lines'])} sky lines, depth scatter {out['depth_scatter_dex']} dex")
    print(json.dumps({k: out[k] for k in ("variance", "mask", "sn_median_all")}, indent=None)[:2000])


if __name__ == "__main__":
    main()
