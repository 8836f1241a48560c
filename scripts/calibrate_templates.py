"""Measure the eigen-coefficients of real galaxies and quasars for the template mock.

Fits the ``spEigenQSO`` and ``spEigenGal`` eigenspectra (4 each) to the real spec-lite files
whose **pipeline** class is QSO or GALAXY with ZWARNING = 0, at the pipeline's redshift, by
inverse-variance-weighted least squares, and writes the ratios c_k / c_0 (k = 1..3) with their
spread to ``specml_utils/mock/template_calibration.json``. The visually inspected set
(``boss_dr12_vi``) is never read: it is the validation set.

Run: ``python scripts/calibrate_templates.py`` (seconds; needs ../shared).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from specml_utils import paths, real  # noqa: E402
from specml_utils.mock import templates  # noqa: E402
from specml_utils.spectra import read_spec_lite  # noqa: E402

#: how far beyond each measured ratio vector the mock draws (× the measured scatter)
JITTER = {"qso": 0.5, "galaxy": 0.5}


def fit(spec, z, kind):
    """Eigen-coefficients of one spectrum at redshift z (None when the fit is ill-posed)."""
    loglam, eig, _ = templates.load(kind)
    ll_rest = spec.loglam - np.log10(1 + z)
    ok = spec.good() & (ll_rest > loglam[0]) & (ll_rest < loglam[-1])
    if ok.sum() < 500:
        return None
    a = np.stack([np.interp(ll_rest[ok], loglam, e) for e in eig], axis=1)
    w = np.sqrt(spec.ivar[ok])
    coef, *_ = np.linalg.lstsq(a * w[:, None], spec.flux[ok] * w, rcond=None)
    return coef if coef[0] > 0 else None


def main() -> None:
    files = [f for f in paths.real_spectra_files() if f.parent.name != real.VI_SET]
    if not files:
        sys.exit("no real spectra found (looked in $SPECML_SHARED and ../shared)")
    out = {}
    for kind, cls in (("qso", "QSO"), ("galaxy", "GALAXY")):
        ratios, used = [], []
        for f in files:
            s = read_spec_lite(f, meta=True)
            if str(s.meta.get("CLASS", "")).strip() != cls or int(s.meta.get("ZWARNING", 1)) != 0:
                continue
            c = fit(s, float(s.meta["Z"]), kind)
            if c is not None:
                ratios.append((c[1:] / c[0]).round(5).tolist())
                used.append(f.name)
        r = np.array(ratios)
        out[kind] = {"n_spectra": len(used), "files": used, "ratios": ratios,
                     "ratio_std": r.std(axis=0).round(5).tolist(), "jitter": JITTER[kind]}
        print(f"{kind}: {len(used)} spectra; ratio median {np.median(r, 0).round(3)}, std {r.std(0).round(3)}")
    out["source"] = ("least-squares fits of the idlspec2d eigenspectra to the pipeline-labelled real spectra of "
                     "the shared folder (ZWARNING = 0), at the pipeline redshift; scripts/calibrate_templates.py")
    templates.CALIBRATION.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {templates.CALIBRATION}")


if __name__ == "__main__":
    main()
