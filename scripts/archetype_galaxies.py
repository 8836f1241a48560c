"""Check: what the saved models call galaxies of shapes from outside this project — the 750 galaxy spectra of
Redrock's first galaxy template file, built by DESI from population-synthesis models — observed as the mock
observes its galaxies among quasar targets.

The mock's galaxies are of two kinds: eigen-combinations of the four ``spEigenGal`` spectra, with coefficients
measured on real spectra (``template_calibration.json``), and analytic ones (``physics.galaxy_rest_flux``). Both
were built here. Redrock's ``rrtemplate-galaxy.fits`` as first committed to the public
``desihub/redrock-templates`` repository (commit a85ec73, 2016; read from where the user keeps it — it is not
part of this project) holds five principal components of DESI's galaxy basis templates (luminous red,
emission-line and bright-survey galaxies from stellar-population models with nebular lines) and, in its
``ARCHETYPE_COEFF`` HDU, the coefficients of 750 of those galaxies on them. They are galaxies the networks
never saw, made neither from the BOSS pipeline's eigenspectra nor from this project's physics, so they ask
whether the networks learned galaxies or the mock's way of making them.

Each galaxy's rest spectrum (0.1 Å pixels, 1,167–10,000 Å) is put on the model grid's log-linear step and
smoothed to the BOSS resolution the mock's files carry (``WDISP`` 0.91 pixel) — which also smooths most of the
ringing five components leave about strong lines — and sorted by its lines: **emission-line** where the rest
equivalent width of Hα or [OII] is at least :data:`EW_EMISSION` Å, **passive** otherwise. Each is observed
``--draws`` times as the mock observes a galaxy among quasar targets (:func:`observe`): a redshift uniform over
the mock's range for its kind (:data:`Z_RANGE`; from z = 0.04, where BOSS's red end is still inside the
template), kept only where the spectrum is negative over at most 2 % of the observed pixels (the mock's rule
for its eigen-combinations), a quasar target's r magnitude (:func:`survey.quasar_target_rmag`), the spectrum's
offset from its photometry, then the mock's noise, sky residuals and calibration errors. Two **control arms**
give the same redshifts, magnitudes and noise draws to the mock's own galaxies — its eigen-galaxies and its
analytic galaxies of the same kind — so each arm differs from the others in the galaxy shapes alone. The
bundle predicts as ``specml predict`` does (survey class mix, line-fit check). A galaxy is found when called
GALAXY; how many of those also get their redshift within 6000 km/s is reported beside it.

``--uv-probe`` asks whether the networks read a galaxy's ultraviolet slope as a class cue, with two more arms on
the same draws: DESI's emission-line galaxies with their UV tilted to the flat slope of the mock's blue eigen
galaxies before 2026-11-29 (:func:`flat_eigen_beta`; ``templates.tilt_uv``), and the mock's eigen galaxies with
and without a star-forming UV (``templates.GALAXY_UV_BETA`` set to :data:`STAR_FORMING_UV` or None). ``--members``
scores DESI's galaxies with each network of a classifier saved as the mean of several trainings, alone: the seed
spread against which two bundles' difference can be read.

    python scripts/archetype_galaxies.py --templates PATH/rrtemplate-galaxy.fits --draws 4 [--uv-probe] [--members] \\
        --record benchmarks/archetype_galaxies.jsonl

(``git -C REDROCK_TEMPLATES show a85ec73:rrtemplate-galaxy.fits > rrtemplate-galaxy.fits`` gives the file from a
clone of ``desihub/redrock-templates``.)
"""
from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
from scipy.ndimage import gaussian_filter1d

from specml_utils import metrics, models
from specml_utils.bundle import Bundle
from specml_utils.grid import rebin, standardize
from specml_utils.lines import GALAXY_EMISSION
from specml_utils.metrics import wilson
from specml_utils.mock import noise, physics, templates
from specml_utils.mock.survey import DLOGLAM, LOGLAM0, NPIX_MASTER, quasar_target_rmag
from specml_utils.spectra import Spectrum
from archetype_quasars import through_instrument  # scripts/ is on the path when a script runs
from trial_record import emit

#: the BOSS line-spread σ in pixels of the log grid, as the mock's files give it (``WDISP``)
WDISP = 0.91
#: rest equivalent width (Å) of Hα or [OII] from which a galaxy counts as an emission-line galaxy
EW_EMISSION = 5.0
#: redshifts drawn for each kind: the mock's range for it (``physics.Z_PASSIVE_LOW``, ``physics.Z_SF_MAX``), from
#: z = 0.04, where BOSS's red end (10,400 Å) is still inside the templates (10,000 Å at rest)
Z_RANGE = {"passive": (0.04, 1.0), "emission-line": (0.04, physics.Z_SF_MAX)}
Z_BINS = (0.04, 0.1, 0.25, 0.5, 0.75, 1.0, 1.25, 1.6)
#: the mock's rule for an eigen-combination (``templates.eigen_obs_flux``)
MAX_NEGATIVE = 0.02
#: star-forming galaxies' UV slope, mean and σ (``templates.GALAXY_UV_BETA``'s literature values)
STAR_FORMING_UV = (-1.35, 0.5)


def flat_eigen_beta(n: int = 4000, seed: int = 0) -> float:
    """The median UV slope (``templates.uv_slope``) of the mock's blue eigen galaxies without a star-forming UV."""
    loglam, eig, _ = templates.load("galaxy")
    coef = templates.eigen_coefficients(np.random.default_rng(seed), "galaxy", n)
    return float(np.nanmedian(templates.uv_slope(loglam, coef[templates.is_blue_galaxy(coef)] @ eig)))


def read_galaxies(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """``(log10 λ_rest, rows)``: the galaxies of a Redrock galaxy template file (``BASIS_VECTORS`` on a linear
    grid, ``ARCHETYPE_COEFF`` their coefficients), rebinned onto the model grid's log step (flux conserved) and
    smoothed to the BOSS resolution."""
    from astropy.io import fits

    with fits.open(path) as h:
        hdr = h[0].header
        if str(hdr.get("RRTYPE", "")).strip() != "GALAXY" or "ARCHETYPE_COEFF" not in h:
            raise ValueError(f"{path}: not a Redrock galaxy template file with galaxies in it "
                             f"(RRTYPE {hdr.get('RRTYPE')!r}; needs an ARCHETYPE_COEFF HDU)")
        basis = np.asarray(h[0].data, np.float64)
        coef = np.asarray(h["ARCHETYPE_COEFF"].data, np.float64)
    if "CRVAL1" not in hdr or "CDELT1" not in hdr or hdr.get("LOGLAM", False):
        raise ValueError(f"{path}: expected a linear wavelength grid (CRVAL1, CDELT1, no LOGLAM)")
    lam = hdr["CRVAL1"] + hdr["CDELT1"] * np.arange(basis.shape[1])
    # flux-conserving rebin: the running integral of each row, differenced at the log bins' edges
    loglam = np.arange(np.log10(lam[0]) + DLOGLAM, np.log10(lam[-1]) - DLOGLAM, DLOGLAM)
    edges = 10 ** np.r_[loglam - DLOGLAM / 2, loglam[-1] + DLOGLAM / 2]
    cum = np.concatenate([np.zeros((basis.shape[0], 1)), np.cumsum(basis, axis=1) * hdr["CDELT1"]], axis=1)
    lam_edges = np.r_[lam - hdr["CDELT1"] / 2, lam[-1] + hdr["CDELT1"] / 2]
    binned = np.stack([np.interp(edges, lam_edges, c) for c in cum])
    basis_log = np.diff(binned, axis=1) / np.diff(edges)
    rows = gaussian_filter1d(coef @ basis_log, WDISP, axis=1)
    return loglam, rows


def rest_ew(loglam: np.ndarray, rows: np.ndarray, line: float) -> np.ndarray:
    """Rest equivalent width (Å, emission positive) of the line at ``line`` Å in each row: the flux above the
    median of 20–60 Å either side, within ±10 Å."""
    lam = 10 ** loglam
    d = lam - line
    core, side = np.abs(d) < 10, (np.abs(d) > 20) & (np.abs(d) < 60)
    cont = np.median(rows[:, side], axis=1)
    dl = np.gradient(lam)[core]
    return ((rows[:, core] - cont[:, None]) * dl).sum(axis=1) / np.where(cont > 0, cont, np.nan)


def draw_redshifts(rng, loglam: np.ndarray, rows: np.ndarray, kind: np.ndarray, draws: int,
                   tries: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """``draws`` redshifts per galaxy, uniform over its kind's :data:`Z_RANGE`, kept where the galaxy is negative
    over at most :data:`MAX_NEGATIVE` of the observed pixels. Returns ``(row index, z)`` per draw; a galaxy with
    fewer valid redshifts than ``draws`` gets what it has."""
    ll_obs = LOGLAM0 + DLOGLAM * np.arange(NPIX_MASTER)
    idx, zs = [], []
    for i, row in enumerate(rows):
        z = rng.uniform(*Z_RANGE[kind[i]], tries)
        flux = templates.shifted_rows(ll_obs, np.log10(1 + z), loglam, np.repeat(row[None, :], tries, axis=0))
        keep = z[(flux < 0).mean(axis=1) <= MAX_NEGATIVE][:draws]
        idx.append(np.full(keep.size, i))
        zs.append(keep)
    return np.concatenate(idx), np.concatenate(zs)


def observe(rng, arm: str, rest_rows, loglam_rest, z, passive, rmag, offset, noise_seed: int) -> list[Spectrum]:
    """Spectra observed as the mock observes its galaxies (``survey._model_spectra``'s galaxy branch, then
    ``survey.make_chunk``'s offset and noise); ``arm``: "archetypes" (``rest_rows``, one per spectrum), "mock
    eigen-galaxies" or "mock analytic galaxies"."""
    lam_obs = 10 ** (LOGLAM0 + DLOGLAM * np.arange(NPIX_MASTER))
    if arm == "archetypes":
        flux = np.clip(templates.shifted_rows(np.log10(lam_obs), np.log10(1 + z), loglam_rest, rest_rows), 0, None)
    elif arm == "mock eigen-galaxies":
        flux = templates.eigen_obs_flux(rng, "galaxy", lam_obs, z)
    else:
        flux, _ = physics.galaxy_rest_flux(rng, lam_obs[None, :] / (1 + z[:, None]), passive)
    return through_instrument(flux, rmag, offset, noise_seed)


def score(bundle: Bundle, spectra: list[Spectrum], z: np.ndarray, kind: np.ndarray) -> dict:
    """Galaxies found (called GALAXY), overall, per kind and per redshift bin within each kind, how many of them
    also at their redshift (|Δv| < 6000 km/s), and what the others were called."""
    flux, ivar = rebin(spectra, bundle.grid)
    out = bundle.predict_x(standardize(flux, ivar, bundle.weighted), flux, ivar)
    called = np.array(bundle.class_names)[out["label"]]
    found = called == "GALAXY"
    right_z = found & (np.abs(metrics.velocity_offset(out["z"], z)) < metrics.DV_CATASTROPHIC)

    def share(mask):
        k, n = int(found[mask].sum()), int(mask.sum())
        if n == 0:
            return {"found": 0, "n": 0, "share": None}
        lo, hi = wilson(k, n)
        return {"found": k, "n": n, "share": round(k / n, 3), "lo95": round(float(lo), 3),
                "hi95": round(float(hi), 3), "right_z": int(right_z[mask].sum()),
                "others_called": dict(Counter(called[mask & ~found].tolist()))}

    by_kind = {}
    for k in sorted(set(kind.tolist())):
        by_kind[k] = {**share(kind == k), "by_z": {f"z {a:g}–{b:g}": share((kind == k) & (z >= a) & (z < b))
                                                   for a, b in zip(Z_BINS[:-1], Z_BINS[1:]) if a < Z_RANGE[k][1]}}
    return {**share(np.ones(len(z), bool)), "by_kind": by_kind}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--templates", type=Path, required=True, help="Redrock's rrtemplate-galaxy.fits (commit a85ec73)")
    ap.add_argument("--models", type=Path, default=None, help="model folder (default: data/models)")
    ap.add_argument("--draws", type=int, default=4, help="observations of each galaxy")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--uv-probe", action="store_true", help="add the arms that ask whether the UV slope is a cue")
    ap.add_argument("--members", action="store_true",
                    help="also score DESI's galaxies with each network of a classifier saved as the mean of several")
    ap.add_argument("--record", type=Path, default=None, help="append the result as a JSON line to this file")
    a = ap.parse_args(argv)
    loglam, rows = read_galaxies(a.templates)
    ew = np.maximum(rest_ew(loglam, rows, GALAXY_EMISSION["Hα"]), rest_ew(loglam, rows, GALAXY_EMISSION["[OII]"]))
    kind_of = np.where(ew >= EW_EMISSION, "emission-line", "passive")
    rng = np.random.default_rng(a.seed)
    idx, z = draw_redshifts(rng, loglam, rows, kind_of, a.draws)
    kind = kind_of[idx]
    rmag, offset = quasar_target_rmag(rng.random(idx.size)), noise.spectrophotometric_offsets(rng, idx.size)
    bundle = Bundle.load(a.models)
    result = {}
    arms = [("archetypes", "archetypes", rows, None), ("mock eigen-galaxies", "mock eigen-galaxies", rows, None),
            ("mock analytic galaxies", "mock analytic galaxies", rows, None)]
    if a.uv_probe:
        flat = flat_eigen_beta()
        em = kind_of == "emission-line"
        tilted = rows.copy()
        tilted[em] = templates.tilt_uv(loglam, rows[em], np.full(em.sum(), flat))
        arms += [(f"probe: archetypes, emission-line UV tilted to β = {flat:.2f}", "archetypes", tilted, None),
                 ("probe: mock eigen-galaxies, flat UV", "mock eigen-galaxies", rows, "flat"),
                 ("probe: mock eigen-galaxies, star-forming UV", "mock eigen-galaxies", rows, STAR_FORMING_UV)]
    for name, arm, arm_rows, uv in arms:
        saved = templates.GALAXY_UV_BETA
        if uv is not None:
            templates.GALAXY_UV_BETA = None if uv == "flat" else uv
        try:
            # the same noise draws for every arm (a fresh generator of the same seed each)
            spectra = observe(np.random.default_rng([a.seed, 7]), arm, arm_rows[idx], loglam, z, kind == "passive",
                              rmag, offset, a.seed)
        finally:
            templates.GALAXY_UV_BETA = saved
        result[name] = score(bundle, spectra, z, kind)
        if name == "archetypes" and a.members and models.networks_in(bundle.classifier) > 1:
            # each network the saved classifier averages, alone (the seed spread), the redshift CNN kept
            result["archetypes, each network alone"] = {
                f"member {k}": score(replace(bundle, classifier=bundle.classifier.get_layer(f"member_{k}")),
                                     spectra, z, kind)
                for k in range(models.networks_in(bundle.classifier))}
    emit({"trial": "archetype galaxies", "models": str(a.models or "data/models"), "draws": a.draws, "seed": a.seed,
          "galaxies": len(rows), "emission-line": int((kind_of == "emission-line").sum()),
          "passive": int((kind_of == "passive").sum()),
          "galaxies with no valid redshift": int(len(rows) - np.unique(idx).size), **result}, a.record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
