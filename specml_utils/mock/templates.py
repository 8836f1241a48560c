"""Mock spectra built from the BOSS pipeline's own templates (idlspec2d), which were made from real spectra.

* **Stars**: the 123 ``spEigenStar`` templates (O to M, subdwarfs, white dwarfs, carbon stars,
  an L dwarf), drawn with the weights of the stars that BOSS quasar target selection lets in
  (:data:`STAR_POPULATION`), with radial velocities and Galactic reddening.
* **Galaxies** and **quasars**: combinations of the ``spEigenGal`` and ``spEigenQSO``
  eigenspectra whose coefficients are drawn from those measured by fitting real pipeline-labelled
  spectra (``template_calibration.json``, written by ``scripts/calibrate_mock.py --templates``).
  The analytic physics is added where the templates stop: forest fluctuations, BAL troughs,
  DLAs and host galaxies for quasars.

The template files are looked up as ``$SPECML_TEMPLATES``, ``data/templates`` or the shared
folder's ``boss_templates``; they are public (the idlspec2d product's ``templates/`` folder).
"""
from __future__ import annotations

import functools
import json
import os
from pathlib import Path

import numpy as np

from .. import paths

FILES = {"star": "spEigenStar-55734.fits", "galaxy": "spEigenGal-56436.fits", "qso": "spEigenQSO-55732.fits"}
CALIBRATION = Path(__file__).with_name("template_calibration.json")

#: Stars among BOSS quasar targets, by family. The quasar colour box meets the stellar locus
#: where A and F stars — blue horizontal-branch and halo turn-off stars — and white dwarfs sit
#: (Richards et al. 2002, AJ 123, 2945; Ross et al. 2012, ApJS 199, 3), and DR12Q's visual
#: inspection found the superset's stars to be mostly such faint A/F stars and white dwarfs, with
#: fewer G/K/M stars, carbon stars and CVs (Pâris et al. 2017, A&A 597, A79). The fractions are
#: our reading of those papers; the A share was raised from 0.22 to 0.30 (F lowered) after the
#: real VI stars' composite and colours came out bluer than the mock's (README, "Real spectra").
STAR_POPULATION = {"O": 0.01, "B": 0.10, "A": 0.30, "F": 0.22, "SD": 0.05, "G": 0.07, "K": 0.05, "M": 0.04,
                   "L": 0.01, "WD": 0.10, "CARBON": 0.02, "CV": 0.03}


def template_dir() -> Path | None:
    """The folder holding the template files, or None when none is found."""
    candidates = []
    if os.environ.get("SPECML_TEMPLATES"):
        candidates.append(Path(os.environ["SPECML_TEMPLATES"]))
    candidates.append(paths.DATA / "templates")
    shared = paths.shared_dir()
    if shared is not None:
        candidates.append(shared / "boss_templates")
    for c in candidates:
        if all((c / f).exists() for f in FILES.values()):
            return c
    return None


def available() -> bool:
    """Whether the templates can be found (see :func:`template_dir`)."""
    return template_dir() is not None


@functools.lru_cache(maxsize=4)
def load(kind: str) -> tuple[np.ndarray, np.ndarray, list]:
    """``(loglam, flux, names)`` of one template file: log10 λ of its pixels, one row per template
    or eigenspectrum, and the NAMEi cards (stars only)."""
    from astropy.io import fits

    folder = template_dir()
    if folder is None:
        raise FileNotFoundError("the BOSS templates (spEigenStar, spEigenGal, spEigenQSO) were not found: put them in "
                                f"{paths.DATA / 'templates'} or set SPECML_TEMPLATES, or use physics='analytic'")
    path = folder / FILES[kind]
    with fits.open(path) as h:
        hdr, data = h[0].header, np.asarray(h[0].data, np.float64)
    if data.ndim != 2 or "COEFF0" not in hdr or "COEFF1" not in hdr:
        raise ValueError(f"{path}: not an idlspec2d template file (no 2-d image with COEFF0/COEFF1)")
    loglam = hdr["COEFF0"] + hdr["COEFF1"] * np.arange(data.shape[1])
    names = [str(hdr.get(f"NAME{i}", "")).strip() for i in range(data.shape[0])]
    return loglam, data, names


def star_family(name: str) -> str:
    """The family of a ``spEigenStar`` template name ("A0IVn (25642)" → "A", "WDhotter" → "WD")."""
    if name.startswith("sd"):
        return "SD"
    if "WD" in name:
        return "WD"
    if name.startswith("Carbon"):
        return "CARBON"
    if name.startswith("Ldwarf"):
        return "L"
    return name[:1]


@functools.lru_cache(maxsize=1)
def calibration() -> dict:
    """Eigen-coefficients measured on real spectra (see the module docstring)."""
    return json.loads(CALIBRATION.read_text())


def shifted_rows(loglam_out: np.ndarray, dlog: np.ndarray, loglam_in: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Each row of ``rows`` (on the log-linear grid ``loglam_in``) at ``loglam_out − dlog[i]``, linearly
    interpolated, edge values beyond. ``loglam_out`` is one grid shared by every row: only the
    shift differs, so this is a gather, not one interpolation per row."""
    step = loglam_in[1] - loglam_in[0]
    pos = (loglam_out[None, :] - np.asarray(dlog, float)[:, None] - loglam_in[0]) / step
    pos = np.clip(pos, 0, loglam_in.size - 1)
    k = np.minimum(pos.astype(np.int64), loglam_in.size - 2)
    f = pos - k
    r = np.arange(len(rows))[:, None]
    return rows[r, k] * (1 - f) + rows[r, k + 1] * f


def ccm_extinction(lam: np.ndarray, ebv: np.ndarray, r_v: float = 3.1) -> np.ndarray:
    """Transmission 10^(−0.4 A_λ) of Galactic dust (Cardelli, Clayton & Mathis 1989, optical/NIR)."""
    x = 1e4 / lam   # 1/μm
    y = x - 1.82
    a = np.where(x >= 1.1, 1 + 0.17699 * y - 0.50447 * y ** 2 - 0.02427 * y ** 3 + 0.72085 * y ** 4
                 + 0.01979 * y ** 5 - 0.77530 * y ** 6 + 0.32999 * y ** 7, 0.574 * x ** 1.61)
    b = np.where(x >= 1.1, 1.41338 * y + 2.28305 * y ** 2 + 1.07233 * y ** 3 - 5.38434 * y ** 4
                 - 0.62251 * y ** 5 + 5.30260 * y ** 6 - 2.09002 * y ** 7, -0.527 * x ** 1.61)
    a_lam = np.asarray(ebv, float).reshape(-1, 1) * r_v * (a + b / r_v)
    return 10 ** (-0.4 * a_lam)


def star_kinds(rng, n) -> np.ndarray:
    """Each star's template: the family by :data:`STAR_POPULATION`, then a template of it at random.

    Returns labels ``"FAMILY:index"`` (index into ``spEigenStar``); CVs are ``"CV"`` (made by
    the analytic model: the star templates hold no CV)."""
    _, _, names = load("star")
    fam = np.array([star_family(s) for s in names])
    keys = list(STAR_POPULATION)
    p = np.array([STAR_POPULATION[k] for k in keys])
    drawn = np.array(keys)[rng.choice(len(keys), n, p=p / p.sum())]
    members = {k: np.flatnonzero(fam == k) for k in keys}
    size = np.array([0 if f == "CV" else members[f].size for f in drawn.tolist()], dtype=int)
    pick = size > 0
    # one vectorised draw: the same stream as one rng.choice(members) per star, in order
    within = np.zeros(len(drawn), int)
    within[pick] = rng.integers(0, size[pick])
    return np.array(["CV" if not ok else f"{f}:{int(members[f][i])}" for f, ok, i in zip(drawn.tolist(), pick, within)])


def star_flux(rng, lam_obs: np.ndarray, kinds: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Observed-frame stellar spectra (arbitrary units) for template kinds from :func:`star_kinds`.

    Each template is Doppler-shifted by ``z`` (its radial velocity) and reddened by Galactic
    dust with E(B−V) drawn for high-latitude fields (exponential, mean 0.03, at most 0.15).
    """
    loglam, flux, _ = load("star")
    idx = np.array([int(k.split(":")[1]) for k in kinds])
    out = shifted_rows(np.log10(lam_obs), np.log10(1 + np.asarray(z)), loglam, flux[idx])
    ebv = np.minimum(rng.exponential(0.03, len(kinds)), 0.15)
    return np.clip(out, 0, None) * ccm_extinction(lam_obs[None, :], ebv)


#: Quasar target selection asks for quasar-like (blue, UV-excess) colours, so the galaxies it
#: lets in are mostly blue, compact and star-forming; the real galaxies we could fit
#: (pipeline-labelled, ZWARNING = 0) are all red. So this fraction of eigen galaxies is drawn
#: along the second eigenspectrum — a flat blue continuum with nebular emission, taken with a
#: negative sign — from none of it to about twice the first's light at 5000 Å.
GALAXY_BLUE_FRACTION = 0.7
GALAXY_BLUE_C1 = (-90.0, 0.0)
GALAXY_BLUE_C23_SIGMA = 3.0
#: With True, a galaxy the survey plan calls PASSIVE is drawn from the measured (red) galaxies and one it calls SF
#: along the blue direction, so the plan's KIND (which also set its redshift) describes its spectrum; with False
#: :data:`GALAXY_BLUE_FRACTION` of them are blue whatever the row's kind (scripts/README.md, "Galaxies that follow
#: the plan's kind").
GALAXY_FOLLOW_KIND = False


def is_blue_galaxy(coef: np.ndarray) -> np.ndarray:
    """Which eigen-galaxy coefficient rows (n, 4) are blue draws: c1 ≤ 0 (:data:`GALAXY_BLUE_C1`), where the
    measured red galaxies' c1 are positive."""
    return coef[:, 1] <= 0


#: The blue eigen galaxies' ultraviolet is flat in f_λ (β ≈ −0.5, the spEigenGal basis comes from red
#: galaxies), while star-forming galaxies' UV continuum f_λ ∝ λ^β has β = −1.33 ± 0.60 at z = 0.4–0.75
#: (Mondal et al. 2023) and −1.38 ± 0.43 at z = 1–2 (Kurczynski et al. 2014), as blue as a quasar's. With
#: this (mean, σ) set, each blue eigen galaxy's slope over :data:`GALAXY_UV_WINDOWS` is set to a draw from
#: it (clipped to :data:`GALAXY_UV_BETA_RANGE`) by tilting its spectrum below :data:`GALAXY_UV_PIVOT` Å;
#: None leaves the eigen-combinations as they are (scripts/README.md, "Galaxies of known shape").
GALAXY_UV_BETA = (-1.35, 0.5)
GALAXY_UV_BETA_RANGE = (-2.5, 0.0)
GALAXY_UV_WINDOWS = ((1500.0, 1700.0), (3300.0, 3500.0))
GALAXY_UV_PIVOT = 3600.0


def uv_slope(loglam: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Each row's UV slope β (f_λ ∝ λ^β) between the mean fluxes of the two :data:`GALAXY_UV_WINDOWS`
    (NaN where either is not positive)."""
    lam = 10 ** loglam
    (a0, a1), (b0, b1) = GALAXY_UV_WINDOWS
    blue = rows[:, (lam > a0) & (lam < a1)].mean(axis=1)
    red = rows[:, (lam > b0) & (lam < b1)].mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        beta = np.log(blue / red) / np.log((a0 + a1) / (b0 + b1))
    return np.where((blue > 0) & (red > 0), beta, np.nan)


def tilt_uv(loglam: np.ndarray, rows: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """``rows`` (rest frame, on ``loglam``) with their UV slope (:func:`uv_slope`) moved to ``beta`` by a
    power-law tilt (λ / :data:`GALAXY_UV_PIVOT`)^Δβ below the pivot, unchanged above it (rows without a
    measurable slope are left as they are)."""
    delta = np.nan_to_num(np.asarray(beta, float) - uv_slope(loglam, rows))
    x = np.minimum(10 ** loglam / GALAXY_UV_PIVOT, 1.0)
    return rows * x[None, :] ** delta[:, None]


def eigen_coefficients(rng, kind: str, n: int, passive=None) -> np.ndarray:
    """Coefficients (n, 4) with c0 = 1: a measured ratio vector, jittered by its measured scatter
    (and for galaxies, a share drawn along the blue star-forming direction: those not ``passive``
    where :data:`GALAXY_FOLLOW_KIND`, else :data:`GALAXY_BLUE_FRACTION` of them)."""
    cal = calibration()[kind]
    ratios = np.asarray(cal["ratios"])
    pick = ratios[rng.integers(0, len(ratios), n)]
    jitter = rng.standard_normal(pick.shape) * np.asarray(cal["ratio_std"]) * cal["jitter"]
    coef = np.column_stack([np.ones(n), pick + jitter])
    if kind == "galaxy":
        blue = rng.random(n) < GALAXY_BLUE_FRACTION   # drawn either way: the random stream stays the same
        if GALAXY_FOLLOW_KIND and passive is not None:
            blue = ~np.asarray(passive, bool)
        coef[blue, 1] = rng.uniform(*GALAXY_BLUE_C1, blue.sum())
        coef[blue, 2:] = rng.normal(0, GALAXY_BLUE_C23_SIGMA, (blue.sum(), 2))
    return coef


def eigen_obs_flux(rng, kind: str, lam_obs: np.ndarray, z, passive=None) -> np.ndarray:
    """Spectra from eigen-combinations (``kind`` "qso" or "galaxy") at redshifts ``z``, on the
    observed wavelengths ``lam_obs`` (one grid for all; flux per unit rest wavelength, unscaled).

    Combinations that go negative over more than 2 % of the observed pixels are redrawn (up to
    20 times); what is left below zero is clipped. ``passive`` (galaxies): the plan's PASSIVE rows
    (:data:`GALAXY_FOLLOW_KIND`). Blue galaxy draws (:func:`is_blue_galaxy`) get a
    star-forming galaxy's UV slope (:data:`GALAXY_UV_BETA`, :func:`tilt_uv`).
    """
    loglam, eig, _ = load(kind)
    ll_obs, shift = np.log10(lam_obs), np.log10(1 + np.asarray(z, float))
    uv = kind == "galaxy" and GALAXY_UV_BETA is not None
    if uv:
        beta = np.clip(rng.normal(*GALAXY_UV_BETA, len(shift)), *GALAXY_UV_BETA_RANGE)

    def rest(c, sel=slice(None)):
        rows = c @ eig
        if uv:
            # the blue draws get a star-forming UV
            blue = is_blue_galaxy(c)
            rows[blue] = tilt_uv(loglam, rows[blue], beta[sel][blue])
        return rows

    passive = None if passive is None else np.asarray(passive, bool)
    coef = eigen_coefficients(rng, kind, len(shift), passive)
    out = shifted_rows(ll_obs, shift, loglam, rest(coef))
    for _ in range(20):
        bad = (out < 0).mean(axis=1) > 0.02
        if not bad.any():
            break
        coef[bad] = eigen_coefficients(rng, kind, int(bad.sum()), None if passive is None else passive[bad])
        out[bad] = shifted_rows(ll_obs, shift[bad], loglam, rest(coef[bad], bad))
    return np.clip(out, 0, None)
