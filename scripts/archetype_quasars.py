"""Check: what the saved models call quasars whose eigen-coefficients come from outside this project — the 64
quasar archetypes of Redrock, DESI's redshift fitter — observed as the mock observes its quasars.

The mock's template quasars are combinations of the four ``spEigenQSO`` eigenspectra, with coefficient ratios drawn
around the 84 measured by fitting real pipeline-labelled spectra (``template_calibration.json``). Redrock's quasar
archetypes (``rrarchetype-qso.fits`` of the public ``desihub/redrock-archetypes`` repository, read from where the user
keeps it — it is not part of this project) are combinations of the same four eigenspectra (to rounding: each row is
fitted exactly by them), chosen by DESI from fits to real SDSS DR12Q quasars to span their variety; 11 of them are BAL
quasars. So they are not shapes the networks never saw; they are **coefficient vectors** the mock did not draw from,
and they test whether the mock's spread of quasar shapes covers real quasars'.

Each archetype is observed ``--draws`` times, exactly as the mock observes a template quasar except for its
coefficients (:func:`observe`): a redshift from the mock's DR12Q-like distribution (BAL archetypes from z = 1.57), a
BOSS quasar's r magnitude, the spectrum's offset from its photometry, forest fluctuations and DLAs, then the mock's
noise, sky residuals and calibration errors. A **control arm** draws the same redshifts, magnitudes and noise seeds
for template quasars of the mock's own coefficients (:func:`templates.eigen_obs_flux`), so the difference between
the two arms is the coefficients alone. The bundle predicts as ``specml predict`` does (survey class mix, line-fit
check). A quasar is found when called QSO or BAL QSO with |Δv| < 6000 km/s; BAL troughs in the archetypes are
smoothed by the eigen-fit, so for them only "found" is scored, not QSO against BAL QSO.

    python scripts/archetype_quasars.py --archetypes PATH/rrarchetype-qso.fits --draws 20 \\
        --record benchmarks/archetype_quasars.jsonl
"""
from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import numpy as np

from specml_utils import metrics
from specml_utils.bundle import Bundle
from specml_utils.classes import is_qso
from specml_utils.grid import rebin, standardize
from specml_utils.metrics import wilson
from specml_utils.mock import noise, physics, templates
from specml_utils.mock.survey import DLOGLAM, LOGLAM0, NPIX_MASTER, quasar_rmag, scale_to_rmag
from specml_utils.spectra import Spectrum
from trial_record import emit  # scripts/ is on the path when a script runs

Z_BINS = (0.35, 1.0, 2.0, 2.6, 3.5, 6.0)


def read_archetypes(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(log10 λ_rest, rows, is_bal, resp)`` of Redrock's quasar archetypes (``RESP``: the share of the fitted
    quasars each archetype stands for)."""
    from astropy.io import fits

    with fits.open(path) as h:
        if "ARCHETYPES" not in h or "CRVAL1" not in h["ARCHETYPES"].header:
            raise ValueError(f"{path}: not a Redrock archetype file (no ARCHETYPES table with CRVAL1/CDELT1)")
        hdr, data = h["ARCHETYPES"].header, h["ARCHETYPES"].data
        if str(hdr.get("RRTYPE", "")).strip() != "QSO":
            raise ValueError(f"{path}: RRTYPE is {hdr.get('RRTYPE')!r}, not QSO")
        rows = np.asarray(data["ARCHETYPE"], np.float64)
        bal = np.array([str(s).strip() == "BAL" for s in data["SUBTYPE"]])
        resp = np.asarray(data["RESP"], np.float64)
    if not hdr.get("LOGLAM", False):
        raise ValueError(f"{path}: archetypes on a linear grid; expected LOGLAM = T")
    return hdr["CRVAL1"] + hdr["CDELT1"] * np.arange(rows.shape[1]), rows, bal, resp


def coefficient_distance(loglam: np.ndarray, rows: np.ndarray) -> dict:
    """How far each archetype's eigen-coefficient ratios (c1..c3 / c0) lie from the nearest of the mock's 84 measured
    ratio vectors, in units of their measured scatter — beside the same distance among the 84 themselves and the
    mock's jitter (the scatter it draws around each)."""
    e_loglam, eig, _ = templates.load("qso")
    if not np.allclose(loglam, e_loglam[: loglam.size], atol=1e-7) or loglam.size != e_loglam.size:
        raise ValueError("the archetypes are not on the spEigenQSO grid; their coefficients cannot be compared")
    coef = np.linalg.lstsq(eig.T, rows.T, rcond=None)[0].T
    resid = np.linalg.norm(rows - coef @ eig, axis=1) / np.linalg.norm(rows, axis=1)
    cal = templates.calibration()["qso"]
    ours, sd = np.asarray(cal["ratios"]), np.asarray(cal["ratio_std"])
    ratios = coef[:, 1:] / coef[:, :1]

    def nearest(a, b, skip_self=False):
        d = np.sqrt((((a[:, None, :] - b[None, :, :]) / sd) ** 2).sum(-1))
        if skip_self:
            np.fill_diagonal(d, np.inf)
        return d.min(axis=1)

    d_arch, d_ours = nearest(ratios, ours), nearest(ours, ours, skip_self=True)
    q = lambda d: [round(float(x), 2) for x in np.percentile(d, [50, 90, 100])]  # noqa: E731
    return {"fit_residual_max": float(resid.max()), "jitter_in_scatter_units": cal["jitter"],
            "archetype_to_nearest_ours_p50_p90_max": q(d_arch), "ours_to_nearest_other_p50_p90_max": q(d_ours),
            "archetypes_beyond_2_scatter": int((d_arch > 2).sum()), "distance": d_arch}


#: the mock's rule for an eigen-combination (``templates.eigen_obs_flux``): redrawn when negative over more than this
#: share of the observed pixels
MAX_NEGATIVE = 0.02


def valid_redshifts(rng, loglam_rest: np.ndarray, rows: np.ndarray, bal: np.ndarray, draws: int,
                    tries: int = 400) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``draws`` redshifts per archetype from the mock's DR12Q-like distribution (BAL archetypes from z = 1.57), kept
    only where the archetype is negative over at most :data:`MAX_NEGATIVE` of the observed pixels, as the mock keeps
    its own eigen-combinations: each archetype is a fit to real spectra over the rest range they covered, and
    beyond it the combination can go negative. Returns ``(row index per draw, z per draw, share of tries valid per
    archetype)``; an archetype with fewer valid redshifts than ``draws`` gets what it has."""
    ll_obs = LOGLAM0 + DLOGLAM * np.arange(NPIX_MASTER)
    idx, zs, ok_share = [], [], np.zeros(len(rows))
    for i, row in enumerate(rows):
        z = physics.qso_redshifts(rng, tries, physics.BAL_Z_MIN if bal[i] else 0.35)
        flux = templates.shifted_rows(ll_obs, np.log10(1 + z), loglam_rest, np.repeat(row[None, :], tries, axis=0))
        ok = (flux < 0).mean(axis=1) <= MAX_NEGATIVE
        ok_share[i] = ok.mean()
        keep = z[ok][:draws]
        idx.append(np.full(keep.size, i))
        zs.append(keep)
    return np.concatenate(idx), np.concatenate(zs), ok_share


def observe(rng, rest_rows: np.ndarray, loglam_rest: np.ndarray, z: np.ndarray, rmag: np.ndarray,
            offset: np.ndarray, noise_seed: int) -> list[Spectrum]:
    """Spectra observed as the mock observes its template quasars (``survey.physics_qso``'s template branch, no BAL
    troughs, no extra dust or host: the archetypes are fits to whole real spectra), ``rest_rows`` one per spectrum
    (None: the mock's own eigen-combinations)."""
    lam_obs = 10 ** (LOGLAM0 + DLOGLAM * np.arange(NPIX_MASTER))
    shape_rng = np.random.default_rng([noise_seed, 1])
    if rest_rows is None:
        flux = templates.eigen_obs_flux(shape_rng, "qso", lam_obs, z)
    else:
        flux = np.clip(templates.shifted_rows(np.log10(lam_obs), np.log10(1 + z), loglam_rest, rest_rows), 0, None)
    lam_rest = lam_obs[None, :] / (1 + z[:, None])
    forest = physics.forest_fluctuation(physics.lya_forest(rng, np.broadcast_to(lam_obs, lam_rest.shape), lam_rest),
                                        lam_rest)
    flux *= forest * physics.dla_absorption(rng, lam_obs, lam_rest, z)
    return through_instrument(flux, rmag, offset, noise_seed)


def through_instrument(flux: np.ndarray, rmag: np.ndarray, offset: np.ndarray, noise_seed: int) -> list[Spectrum]:
    """Noiseless observed-frame spectra (rows on the mock's master grid) as the mock's files hold them: scaled to
    their r magnitudes, moved by their offsets from the photometry, then the mock's noise, sky residuals and
    calibration errors (``survey.make_chunk``'s steps)."""
    lam_obs = 10 ** (LOGLAM0 + DLOGLAM * np.arange(NPIX_MASTER))
    model = scale_to_rmag(flux, lam_obs, rmag) * 10 ** (-0.4 * offset)[:, None]
    obs = noise.observe(np.random.default_rng([noise_seed, 2]), model, LOGLAM0, DLOGLAM, calibration_errors=True)
    loglam = LOGLAM0 + DLOGLAM * np.arange(NPIX_MASTER)
    return [Spectrum(loglam=loglam, flux=obs["flux"][i], ivar=obs["ivar"][i], and_mask=obs["and_mask"][i], ident={})
            for i in range(len(flux))]


def score(bundle: Bundle, spectra: list[Spectrum], z: np.ndarray, group: np.ndarray) -> dict:
    """Quasars found (called QSO or BAL QSO, |Δv| < 6000 km/s), overall, per redshift bin and per archetype group,
    and what the missed ones were called."""
    flux, ivar = rebin(spectra, bundle.grid)
    out = bundle.predict_x(standardize(flux, ivar, bundle.weighted), flux, ivar)
    called = np.array(bundle.class_names)[out["label"]]
    found = is_qso(out["label"]) & (np.abs(metrics.velocity_offset(out["z"], z)) < metrics.DV_CATASTROPHIC)

    def share(mask):
        k, n = int(found[mask].sum()), int(mask.sum())
        if n == 0:
            return {"found": 0, "n": 0, "share": None, "lo95": None, "hi95": None}
        lo, hi = wilson(k, n)
        return {"found": k, "n": n, "share": round(k / n, 4), "lo95": round(float(lo), 4), "hi95": round(float(hi), 4)}

    bins = {f"z {a:g}–{b:g}": share((z >= a) & (z < b)) for a, b in zip(Z_BINS[:-1], Z_BINS[1:])}
    return {**share(np.ones(len(z), bool)), "by_z": bins,
            "by_group": {g: share(group == g) for g in sorted(set(group.tolist()))},
            "missed_called": dict(Counter(np.where(is_qso(out["label"]), "quasar, wrong z", called)[~found].tolist())),
            "found_each": found}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--archetypes", type=Path, required=True, help="Redrock's rrarchetype-qso.fits")
    ap.add_argument("--models", type=Path, default=None, help="model folder (default: data/models)")
    ap.add_argument("--draws", type=int, default=20, help="observations of each archetype")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--record", type=Path, default=None, help="append the result as a JSON line to this file")
    a = ap.parse_args(argv)
    loglam, rows, bal, resp = read_archetypes(a.archetypes)
    dist = coefficient_distance(loglam, rows)
    rng = np.random.default_rng(a.seed)
    idx, z, z_share = valid_redshifts(rng, loglam, rows, bal, a.draws)
    rmag, offset = quasar_rmag(rng, idx.size), noise.spectrophotometric_offsets(rng, idx.size)
    far = dist["distance"][idx] > 2
    group = np.where(bal[idx], "BAL archetypes", np.where(far, "non-BAL, beyond 2× scatter", "non-BAL, within 2×"))
    bundle = Bundle.load(a.models)
    result = {}
    for arm, rest_rows in (("archetypes", rows[idx]), ("control: the mock's own coefficients", None)):
        # the same forest, DLA and noise draws for both arms (a fresh generator of the same seed each)
        spectra = observe(np.random.default_rng([a.seed, 7]), rest_rows, loglam, z, rmag, offset, a.seed)
        result[arm] = score(bundle, spectra, z, group)
    for arm in result:
        # weighted by RESP, the share of DESI's 3,000 fitted DR12Q quasars each archetype stands for
        found = result[arm].pop("found_each")
        per = np.array([found[idx == i].mean() if (idx == i).any() else np.nan for i in range(len(rows))])
        used = ~np.isnan(per)
        result[arm]["found_share_weighted_by_resp"] = round(float(np.sum(resp[used] * per[used]) / resp[used].sum()), 4)
        if arm == "archetypes":
            per_arch = per
    worst = [i for i in np.argsort(np.where(np.isnan(per_arch), 2, per_arch))[:8]]
    emit({"trial": "archetype quasars", "models": str(a.models or "data/models"), "draws": a.draws, "seed": a.seed,
          "coefficients": {k: v for k, v in dist.items() if k != "distance"},
          "archetypes used": int(np.isfinite(per_arch).sum()), "of": len(rows),
          "resp of those left out": round(float(resp[np.isnan(per_arch)].sum()), 4),
          "draws per archetype min/median": [int(np.bincount(idx, minlength=len(rows)).min()),
                                             int(np.median(np.bincount(idx, minlength=len(rows))))], **result,
          "worst archetypes": [{"row": int(i), "bal": bool(bal[i]), "resp": round(float(resp[i]), 4),
                                "distance": round(float(dist["distance"][i]), 2), "valid_z_share": round(float(z_share[i]), 2),
                                "found_share": round(float(per_arch[i]), 2)} for i in worst]}, a.record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
