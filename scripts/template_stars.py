"""Check: what a saved classifier calls stellar spectra of known type — the BOSS pipeline's own 123
stellar templates and, given the file, an independent set — noiseless and as quasar targets are observed.

Before this project's template mock, models trained on the analytic mock called 26 % of the
``spEigenStar`` templates quasars (B stars 63 %, A stars 37 %; issue 13). This script puts each
template, at rest and without noise (every pixel the same high inverse variance), onto the model's
grid as ``specml predict`` does (:func:`grid.rebin`, :func:`grid.standardize`,
:meth:`Bundle.predict_x`, the survey's class mix applied) and counts, per stellar family, how many
are called a star and what the rest are called. With ``--draws K`` each template is also observed
K times as the mock observes its stars: a radial velocity (σ 80 km/s), an r magnitude of the stars
among quasar targets (:func:`survey.quasar_target_rmag`, most near r = 21.9), the mock's noise, sky
residuals and calibration errors (:func:`noise.observe`).

The mock's template stars are drawn from the 123 ``spEigenStar`` spectra, so on them this checks
that the networks learned them. ``--archetypes FILE`` adds stars the networks never saw: the 40
stellar archetypes of Redrock, DESI's redshift fitter (``rrarchetype-star.fits`` of the public
``desihub/redrock-archetypes`` repository: model and observed stars of every type, rest frame,
0.5 Å pixels from 3,000 Å), read where the user keeps it — it is not part of this project.

    python scripts/template_stars.py --models data/models OLD_MODELS --draws 20 \\
        --archetypes PATH/rrarchetype-star.fits --record benchmarks/template_stars.jsonl
"""
from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from specml_utils.bundle import Bundle
from specml_utils.grid import rebin, standardize
from specml_utils.lines import C_KMS
from specml_utils.metrics import wilson
from specml_utils.mock import noise, templates
from specml_utils.mock.survey import DLOGLAM, LOGLAM0, NPIX_MASTER, quasar_target_rmag, scale_to_rmag
from specml_utils.spectra import Spectrum
from trial_record import emit  # scripts/ is on the path when a script runs


def boss_templates() -> tuple[np.ndarray, np.ndarray, list[str]]:
    """``(λ, flux rows, families)`` of the 123 ``spEigenStar`` templates (rest frame)."""
    loglam, flux, names = templates.load("star")
    return 10 ** loglam, flux, [templates.star_family(s) for s in names]


def redrock_archetypes(path: Path) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """``(λ, flux rows, families)`` of Redrock's stellar archetypes (``SUBTYPE`` → family, as
    :func:`templates.star_family` reads the pipeline's names; "WD:DA" → "WD")."""
    from astropy.io import fits

    with fits.open(path) as h:
        if "ARCHETYPES" not in h or "CRVAL1" not in h["ARCHETYPES"].header:
            raise ValueError(f"{path}: not a Redrock archetype file (no ARCHETYPES table with CRVAL1/CDELT1)")
        hdr, data = h["ARCHETYPES"].header, h["ARCHETYPES"].data
        flux = np.asarray(data["ARCHETYPE"], np.float64)
        subtypes = [str(s).strip() for s in data["SUBTYPE"]]
    lam = hdr["CRVAL1"] + hdr["CDELT1"] * np.arange(flux.shape[1])
    return lam, flux, [templates.star_family("WD" if s.startswith("WD") else s) for s in subtypes]


def _noiseless(lam: np.ndarray, flux: np.ndarray) -> list[Spectrum]:
    """Each row as a spectrum on its own pixels, at S/N 1000 per pixel."""
    out = []
    for row in flux:
        scale = float(np.median(np.abs(row[row != 0]))) if np.any(row != 0) else 1.0
        out.append(Spectrum(loglam=np.log10(lam), flux=row.astype(np.float32),
                            ivar=np.full(row.size, (1000 / scale) ** 2, np.float32),
                            and_mask=np.zeros(row.size, np.int32), ident={}))
    return out


def _observed(lam: np.ndarray, flux: np.ndarray, draws: int, seed: int) -> list[Spectrum]:
    """Each row ``draws`` times through the mock's instrument at quasar-target magnitudes."""
    rng = np.random.default_rng(seed)
    rows = np.repeat(np.arange(len(flux)), draws)
    lam_obs = 10 ** (LOGLAM0 + DLOGLAM * np.arange(NPIX_MASTER))
    v = rng.normal(0, 80, rows.size)
    model = np.stack([np.interp(lam_obs / (1 + vi / C_KMS), lam, flux[r], left=0, right=0) for r, vi in zip(rows, v)])
    model = scale_to_rmag(np.clip(model, 0, None), lam_obs, quasar_target_rmag(rng.random(rows.size)))
    obs = noise.observe(rng, model, LOGLAM0, DLOGLAM, calibration_errors=True)
    loglam = LOGLAM0 + DLOGLAM * np.arange(NPIX_MASTER)
    return [Spectrum(loglam=loglam, flux=obs["flux"][i], ivar=obs["ivar"][i], and_mask=obs["and_mask"][i], ident={})
            for i in range(rows.size)]


def score(bundle: Bundle, spectra: list[Spectrum], families: list[str]) -> dict:
    """Stars found, overall and per family, and what the rest were called."""
    flux, ivar = rebin(spectra, bundle.grid)
    out = bundle.predict_x(standardize(flux, ivar, bundle.weighted), flux, ivar)
    called = np.array(bundle.class_names)[out["label"]]
    per = defaultdict(Counter)
    for fam, c in zip(families, called.tolist()):
        per[fam][c] += 1
    k, n = int(np.sum(called == "STAR")), len(spectra)
    lo, hi = wilson(k, n)
    return {"n": n, "star": k, "recall": round(k / n, 3), "lo95": round(float(lo), 3), "hi95": round(float(hi), 3),
            "called": dict(Counter(called.tolist())), "by_family": {f: dict(per[f]) for f in sorted(per)}}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=Path, nargs="+", required=True, help="model folders (specml predict --model)")
    ap.add_argument("--archetypes", type=Path, default=None, help="Redrock's rrarchetype-star.fits, if at hand")
    ap.add_argument("--draws", type=int, default=0, help="observations of each star at quasar-target depth (0: none)")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--record", type=Path, default=None, help="append each result as a JSON line to this file")
    a = ap.parse_args(argv)
    sets = {"spEigenStar": boss_templates()}
    if a.archetypes is not None:
        sets["redrock archetypes"] = redrock_archetypes(a.archetypes)
    for models in a.models:
        bundle = Bundle.load(models)
        for name, (lam, flux, fams) in sets.items():
            emit({"trial": "template_stars", "models": str(models), "stars": name, "observed": "noiseless",
                  **score(bundle, _noiseless(lam, flux), fams)}, a.record)
            if a.draws:
                emit({"trial": "template_stars", "models": str(models), "stars": name,
                      "observed": f"{a.draws} draws at quasar-target depth, seed {a.seed}",
                      **score(bundle, _observed(lam, flux, a.draws, a.seed), list(np.repeat(fams, a.draws)))},
                     a.record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
