"""Check: what a saved classifier calls the BOSS pipeline's own 123 stellar templates, noiseless.

Before this project's template mock, models trained on the analytic mock called 26 % of the
``spEigenStar`` templates quasars (B stars 63 %, A stars 37 %). This script puts each template,
at rest and without noise (every pixel the same high inverse variance), onto the model's grid as
``specml predict`` does (:func:`grid.rebin`, :func:`grid.standardize`, :meth:`Bundle.predict_x`, the
survey's class mix applied) and prints, per stellar family, how many are called a star and what
the rest are called. The mock's template stars are drawn from these same 123 spectra, so this
checks that the networks learned them — not how they do on stars they have never seen.

    python scripts/template_stars.py --models data/models OLD_MODELS --record benchmarks/template_stars.jsonl
"""
from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from specml_utils.bundle import Bundle
from specml_utils.grid import rebin, standardize
from specml_utils.mock import templates
from specml_utils.spectra import Spectrum
from trial_record import emit  # scripts/ is on the path when a script runs


def template_spectra() -> tuple[list[Spectrum], list[str]]:
    """The 123 ``spEigenStar`` templates as noiseless spectra (S/N 1000 per pixel), and their families."""
    loglam, flux, names = templates.load("star")
    spectra = []
    for i, row in enumerate(flux):
        scale = float(np.median(np.abs(row[row != 0]))) if np.any(row != 0) else 1.0
        ivar = np.full(row.size, (1000 / scale) ** 2, np.float32)
        spectra.append(Spectrum(loglam=loglam, flux=row.astype(np.float32), ivar=ivar,
                                and_mask=np.zeros(row.size, np.int32), ident={"template": i},
                                source=f"spEigenStar #{i} {names[i]}"))
    return spectra, [templates.star_family(s) for s in names]


def score(models: Path, spectra: list[Spectrum], families: list[str]) -> dict:
    bundle = Bundle.load(models)
    flux, ivar = rebin(spectra, bundle.grid)
    out = bundle.predict_x(standardize(flux, ivar, bundle.weighted), flux, ivar)
    called = np.array(bundle.class_names)[out["label"]]
    per = defaultdict(Counter)
    for fam, c in zip(families, called.tolist()):
        per[fam][c] += 1
    return {"models": str(models), "n": len(spectra), "star": int(np.sum(called == "STAR")),
            "called": dict(Counter(called.tolist())),
            "by_family": {f: dict(per[f]) for f in sorted(per)},
            "not_star": [s.source for s, c in zip(spectra, called) if c != "STAR"]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=Path, nargs="+", required=True, help="model folders (specml predict --model)")
    ap.add_argument("--record", type=Path, default=None, help="append each result as a JSON line to this file")
    a = ap.parse_args(argv)
    spectra, families = template_spectra()
    for models in a.models:
        emit({"trial": "template_stars", **score(models, spectra, families)}, a.record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
