"""Generate the mock BOSS survey: a DR12Q-like catalog and spec-lite files, laid out as on the SAS.

Generation runs in chunks of spectra, each from its own seed (so the result does not depend on
the number of workers), in a bounded pool of processes; memory stays flat with survey size.
"""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from astropy.table import Table

from .. import __version__, sas
from ..atomic import atomic_path, atomic_write_bytes
from ..classes import CLASS_NAMES, PERSON_CODE, THESIS_TABLE1
from ..execution import map_chunks, per_core
from ..lines import C_KMS
from ..spectra import COADD_DTYPE, good_pixels, median_sn, spec_lite_bytes
from . import noise, physics, templates

#: log10 λ of the mock's master pixel grid (BOSS: Δlog10 λ = 1e-4, about 3560–10400 Å)
LOGLAM0 = 3.5510
NPIX_MASTER = 4650
DLOGLAM = 1e-4
#: SDSS ugriz approximated as top hats inside the BOSS range (Å)
BANDS = {"u": (3600, 4000), "g": (4000, 5500), "r": (5500, 6900), "i": (6900, 8300), "z": (8300, 10000)}
CLASS_MIXES = {
    # the thesis sampled equal numbers per class (20,000 each, limited by the 20,699 galaxies)
    "balanced": {c: 0.25 for c in CLASS_NAMES},
    # the default: as balanced, with a third more galaxies — the class whose spectra range widest (passive
    # and star-forming, z = 0.02–1.6, [OII] emitters), so its emission-line galaxies beyond z = 0.5 come
    # on top of the nearby ones rather than in their place (scripts/README.md, "[OII] galaxies beyond z = 1");
    # the training's balanced class weights keep the class from weighing more
    "galaxy_rich": {c: (4 if c == "GALAXY" else 3) / 13 for c in CLASS_NAMES},
    # the natural mix of the cleaned DR12 superset (the thesis' Table 1)
    "dr12": {c: v / sum(THESIS_TABLE1.values()) for c, v in THESIS_TABLE1.items()},
}


PHYSICS = ("analytic", "templates", "mixed")
#: the default mock's class mix (:data:`CLASS_MIXES`)
DEFAULT_CLASS_MIX = "galaxy_rich"
#: catalog rows of the default mock survey: 40,000 balanced ones gave the networks 22,869 training spectra,
#: and with half as many the quasar classes' F1 stayed at the edge of 0.97 even at 25 epochs
#: (scripts/README.md, "Training set size"); 44,000 keep as many stars and quasars beside the extra galaxies
DEFAULT_N_SPECTRA = 44_000


def resolve_physics(physics: str = "auto") -> str:
    """The mock physics to use: ``"auto"`` means "mixed" where the BOSS templates are found
    (:func:`specml_utils.mock.templates.template_dir`) and "analytic" elsewhere."""
    if physics == "auto":
        return "mixed" if templates.available() else "analytic"
    if physics not in PHYSICS:
        raise ValueError(f"physics must be one of {', '.join(PHYSICS)} or 'auto', not {physics!r}")
    if physics != "analytic" and not templates.available():
        templates.load("star")  # raises, saying where the templates are looked for
    return physics


@dataclass
class MockConfig:
    """Everything that defines a mock survey; the same config and seed give the same files.

    Attributes
    ----------
    n_spectra : int
        Number of catalog rows (spectra), repeat observations included.
    seed : int
    class_mix : str or dict
        ``"galaxy_rich"`` (default: equal numbers of stars, quasars and BAL quasars, as the thesis
        trained, and a third more galaxies), ``"balanced"`` (equal numbers), ``"dr12"`` (the superset's
        natural mix) or a dict of class name to fraction.
    frac_not_inspected, frac_conf0, frac_no_id : float
        Rows with CLASS_PERSON = 0, rows with Z_CONF_PERSON = 0, rows without THING_ID:
        the thesis' cleaning drops them.
    frac_repeat : float
        Rows that re-observe an object already in the survey (same THING_ID, another plate).
    frac_missing_file : float
        Rows whose spectrum is not on disk (the crossmatch reports them).
    frac_dead_fiber : float
        Spectra with IVAR = 0 everywhere (the preprocessing skips and counts them).
    exposure_depth : float
        Variance scale: 1 is BOSS depth as measured on real spectra; 2 is half the exposure.
    physics : str
        How spectra are made: ``"analytic"`` (line lists, blackbodies and power laws),
        ``"templates"`` (the BOSS pipeline's own templates, built from real spectra, with the
        analytic physics where they stop), ``"mixed"`` (half and half, per spectrum) or
        ``"auto"``: mixed where the templates are found, else analytic (:func:`resolve_physics`).
    chunk_size, workers : int
        Spectra per task and processes (default: all cores).
    """

    n_spectra: int = DEFAULT_N_SPECTRA
    seed: int = 12345
    class_mix: str | dict = DEFAULT_CLASS_MIX
    frac_not_inspected: float = 0.02
    frac_conf0: float = 0.01
    frac_no_id: float = 0.005
    frac_repeat: float = 0.05
    frac_missing_file: float = 0.01
    frac_dead_fiber: float = 0.002
    exposure_depth: float = 1.0
    physics: str = "auto"
    chunk_size: int = 250
    workers: int | None = None
    run2d: str = sas.RUN2D

    def __post_init__(self):
        if int(self.n_spectra) < 1:
            raise ValueError(f"n_spectra must be at least 1, not {self.n_spectra}")
        self.physics = resolve_physics(self.physics)

    def mix(self) -> dict:
        mix = CLASS_MIXES[self.class_mix] if isinstance(self.class_mix, str) else dict(self.class_mix)
        unknown = set(mix) - set(CLASS_NAMES)
        if unknown:
            raise ValueError(f"class_mix names unknown classes {sorted(unknown)}; use {CLASS_NAMES}")
        total = sum(mix.values())
        return {c: mix.get(c, 0.0) / total for c in CLASS_NAMES}


# --------------------------------------------------------------------------- the catalog plan
def quasar_target_rmag(u: np.ndarray) -> np.ndarray:
    """r magnitudes of the stars and galaxies that pass BOSS quasar target selection, from uniform
    draws ``u`` (inverse transform): an exponential tail of scale 1.2 mag below the r = 21.9 limit,
    most of them near it (Ross et al. 2012), clipped to 17.0–21.9."""
    return np.clip(21.9 + 1.2 * np.log1p(-u), 17.0, 21.9)


def quasar_rmag(rng, n: int) -> np.ndarray:
    """r magnitudes of ``n`` BOSS quasars: an exponential tail of scale 1.3 mag below the r = 21.85
    limit, most near it, clipped to 17.5–21.85."""
    return np.clip(21.85 - rng.exponential(1.3, n), 17.5, 21.85)


def plan_catalog(cfg: MockConfig) -> Table:
    """Draw every row's object, class, redshift, magnitude, plate, MJD and fiber (no spectra yet)."""
    rng = np.random.default_rng([cfg.seed, 0])
    n = cfg.n_spectra
    mix = cfg.mix()
    n_obj = max(1, int(round(n * (1 - cfg.frac_repeat))))
    cls = rng.choice(len(CLASS_NAMES), n_obj, p=[mix[c] for c in CLASS_NAMES])
    # repeats: re-observations of earlier objects
    obj = np.concatenate([np.arange(n_obj), rng.integers(0, n_obj, n - n_obj)])
    cls = cls[obj]
    z = np.zeros(n_obj)
    kind = np.array([""] * n_obj, dtype="U12")
    for k, name in enumerate(CLASS_NAMES):
        sel = cls[:n_obj] == k
        m = sel.sum()
        if name in ("QSO", "QSO_BAL"):
            # visual BAL flags need CIV in the spectrum, so BAL quasars start at z = 1.57 as in DR12Q
            z[sel] = physics.qso_redshifts(rng, m, physics.BAL_Z_MIN if name == "QSO_BAL" else 0.35)
            kind[sel] = "QSO"
        elif name == "GALAXY":
            if cfg.physics == "analytic":
                passive = rng.random(m) < 0.6
                z[sel] = physics.galaxy_redshifts(rng, m, passive)
            else:
                # the galaxies among quasar targets: mostly blue, compact, star-forming, many nearby
                # (a choice made after seeing the real VI galaxies, README "Real spectra"), two fifths of
                # them [OII] emitters out to z = 1.6 (scripts/README.md, "Galaxies beyond z = 1" and
                # "[OII] galaxies beyond z = 1"), and
                # half the passive ones nearby (scripts/README.md, "Passive galaxies nearby")
                passive = rng.random(m) < 0.25
                z[sel] = physics.galaxy_redshifts(rng, m, passive, sf_median=0.15, sf_sigma=0.8, elg_frac=0.4,
                                                  low_passive_frac=0.5,
                                                  side_rng=np.random.default_rng([cfg.seed, 5]))
            kind[sel] = np.where(passive, "PASSIVE", "SF")
        else:
            kind[sel] = physics.star_types(rng, m)
            if cfg.physics != "analytic":
                # a stream of its own, so the rest of the plan is the same whatever the physics
                trng = np.random.default_rng([cfg.seed, 3])
                tpl = np.ones(m, bool) if cfg.physics == "templates" else trng.random(m) < 0.5
                kinds = kind[sel]
                kinds[tpl] = templates.star_kinds(trng, int(tpl.sum()))
                kind[sel] = kinds
            z[sel] = rng.normal(0, 80, m) / C_KMS   # radial velocities
    # r-band magnitudes: BOSS quasars to r = 21.85 with most near the limit; analytic galaxies
    # CMASS-like and stars from bright standards to faint contaminants
    rmag = np.empty(n_obj)
    for k, name in enumerate(CLASS_NAMES):
        sel = cls[:n_obj] == k
        m = sel.sum()
        if name in ("QSO", "QSO_BAL"):
            rmag[sel] = quasar_rmag(rng, m)
        elif name == "GALAXY":
            rmag[sel] = np.clip(rng.normal(19.6, 0.6, m), 17.0, 21.0)
            if cfg.physics != "analytic":
                # galaxies that pass quasar target selection are as faint as the quasars and stars
                # there (Ross et al. 2012), not CMASS-bright; a stream of their own keeps the rest
                # of the plan as it was (a choice made after seeing the real VI galaxies' S/N)
                rmag[sel] = quasar_target_rmag(np.random.default_rng([cfg.seed, 4]).random(m))
        elif cfg.physics == "analytic":
            rmag[sel] = rng.uniform(16.5, 21.5, m)
        else:
            # stars that pass quasar target selection: as faint as the quasars (Ross et al. 2012)
            # (as many draws as the analytic branch, so the plan stays aligned)
            rmag[sel] = quasar_target_rmag(rng.random(m))
    ra = rng.uniform(0, 360, n_obj)
    dec = np.degrees(np.arcsin(rng.uniform(np.sin(np.radians(-10)), np.sin(np.radians(70)), n_obj)))
    # plates of 1000 fibers; a repeat goes on a later plate than its first observation
    plate = 3586 + np.arange(n) // 1000
    rng.shuffle(plate[:n_obj])
    if n > n_obj:
        plate[n_obj:] = plate.max() + 1 + np.arange(n - n_obj) // 1000
    fiber = np.empty(n, dtype=np.int32)
    # rows grouped by plate in one sort (a stable sort keeps each plate's rows in row order)
    order = np.argsort(plate, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(plate[order]) != 0])
    for sel in np.split(order, starts[1:]):
        fiber[sel] = rng.permutation(1000)[: sel.size] + 1
    mjd = 55176 + (plate - 3586) * 3 + 1

    t = Table()
    t["THING_ID"] = (100_000_000 + obj * 7 + cfg.seed % 7).astype(np.int64)
    t["RA"] = ra[obj]
    t["DEC"] = dec[obj]
    t["SDSS_NAME"] = sdss_names(t["RA"], t["DEC"])
    t["PLATE"] = plate.astype(np.int32)
    t["MJD"] = mjd.astype(np.int32)
    t["FIBERID"] = fiber
    t["CLASS_TRUE"] = np.array(CLASS_NAMES)[cls]
    t["KIND"] = kind[obj]
    t["Z_TRUE"] = z[obj]
    t["RMAG_TRUE"] = rmag[obj]
    t["MISSING_FILE"] = rng.random(n) < cfg.frac_missing_file
    t["DEAD_FIBER"] = rng.random(n) < cfg.frac_dead_fiber
    t["ROW_SEED"] = rng.integers(0, 2**31, n)
    # how much fainter each observation's spectrum is than the object's photometry (fiber losses,
    # seeing, variability between imaging and spectroscopy), drawn from what real BOSS/eBOSS spectra
    # show; a stream of its own keeps the rest of the plan as it was (scripts/README.md, "Spectra
    # fainter than their photometry")
    t["SPEC_OFFSET"] = (noise.spectrophotometric_offsets(np.random.default_rng([cfg.seed, 6]), n)
                        if cfg.physics != "analytic" else np.zeros(n))
    # quasars reddened by dust in their own galaxies (physics.qso_dust_ebv), one colour excess per object;
    # a stream of its own keeps the rest of the plan as it was (scripts/README.md, "Reddened quasars")
    ebv = np.zeros(n_obj)
    if cfg.physics != "analytic":
        is_qso = np.isin(cls[:n_obj], [CLASS_NAMES.index("QSO"), CLASS_NAMES.index("QSO_BAL")])
        ebv[is_qso] = physics.qso_dust_ebv(np.random.default_rng([cfg.seed, 7]), int(is_qso.sum()))
    t["EBV_QSO"] = ebv[obj]
    return t


def sdss_name(ra: float, dec: float) -> str:
    """IAU-style SDSS name ``HHMMSS.ss+DDMMSS.s``."""
    h = ra / 15
    hh, mm = int(h), int((h % 1) * 60)
    ss = ((h * 60) % 1) * 60
    sign = "+" if dec >= 0 else "-"
    d = abs(dec)
    dd, dm = int(d), int((d % 1) * 60)
    ds = ((d * 60) % 1) * 60
    return f"{hh:02d}{mm:02d}{ss:05.2f}{sign}{dd:02d}{dm:02d}{ds:04.1f}"


def sdss_names(ra, dec) -> np.ndarray:
    """:func:`sdss_name` for arrays: the same strings, written digit by digit into a byte buffer."""
    h = np.asarray(ra, float) / 15
    dec = np.asarray(dec, float)
    d = np.abs(dec)

    def rounded(x, decimals):
        # x rounded as Python's format rounds it; the rare value within 1e-6 of a tie is formatted by Python
        scaled = x * 10 ** decimals
        r = np.rint(scaled).astype(np.int64)
        near = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6
        r[near] = [int(f"{v:.{decimals}f}".replace(".", "")) for v in x[near].tolist()]
        return r

    # HHMMSS.ss+DDMMSS.s as (column, value, digits); the decimal points go in afterwards
    fields = [(0, h.astype(np.int64), 2), (2, ((h % 1) * 60).astype(np.int64), 2),
              (4, rounded(((h * 60) % 1) * 60, 2), 4), (10, d.astype(np.int64), 2),
              (12, ((d % 1) * 60).astype(np.int64), 2), (14, rounded(((d * 60) % 1) * 60, 1), 3)]
    buf = np.empty((h.size, 19), np.uint8)
    for col, value, width in fields:
        for k in range(width):
            buf[:, col + width - 1 - k] = ord("0") + (value // 10 ** k) % 10
    buf[:, 9] = np.where(dec >= 0, ord("+"), ord("-"))
    # make room for the two decimal points: SS.ss and SS.s
    out = np.empty((h.size, 18), np.uint8)
    out[:, :6], out[:, 6], out[:, 7:9] = buf[:, :6], ord("."), buf[:, 6:8]
    out[:, 9:16], out[:, 16], out[:, 17] = buf[:, 9:16], ord("."), buf[:, 16]
    return out.view("S18").ravel().astype("U18")


# --------------------------------------------------------------------------- spectra
def _model_spectra(rng, classes, kinds, z, rmag, lam_obs, how="analytic", ebv=None):
    """Noiseless observed-frame spectra scaled to their r magnitudes, plus drawn parameters.

    ``how``: "analytic", "templates" or "mixed" (each spectrum one or the other at random);
    ``ebv``: each quasar's colour excess from its own dust (none where not given).
    """
    n = len(z)
    model = np.zeros((n, lam_obs.size))
    bi = np.zeros(n)
    use_templates = {"analytic": np.zeros(n, bool), "templates": np.ones(n, bool),
                     "mixed": rng.random(n) < 0.5}[how]
    for name in np.unique(classes):
        sel = np.flatnonzero(classes == name)
        lam_rest = lam_obs[None, :] / (1 + z[sel, None])
        tpl = use_templates[sel]
        if name in ("QSO", "QSO_BAL"):
            flux, par = physics_qso(rng, lam_obs, lam_rest, name == "QSO_BAL", rmag[sel], z[sel], tpl,
                                    None if ebv is None else ebv[sel])
            if "bi_civ" in par:
                bi[sel] = par["bi_civ"]
        elif name == "GALAXY":
            flux = np.empty(lam_rest.shape)
            if (~tpl).any():
                flux[~tpl], _ = physics.galaxy_rest_flux(rng, lam_rest[~tpl], kinds[sel][~tpl] == "PASSIVE")
            if tpl.any():
                flux[tpl] = templates.eigen_obs_flux(rng, "galaxy", lam_obs, z[sel][tpl],
                                                     passive=kinds[sel][tpl] == "PASSIVE")
        else:
            star_kinds = kinds[sel]
            from_tpl = np.char.find(star_kinds.astype(str), ":") >= 0
            flux = np.zeros((sel.size, lam_obs.size))
            if (~from_tpl).any():
                lam_s = lam_rest[~from_tpl]
                flux[~from_tpl], _ = physics.star_rest_flux(rng, lam_s, star_kinds[~from_tpl])
            if from_tpl.any():
                flux[from_tpl] = templates.star_flux(rng, lam_obs, star_kinds[from_tpl], z[sel][from_tpl])
        model[sel] = flux
    return scale_to_rmag(model, lam_obs, rmag), bi


def scale_to_rmag(model: np.ndarray, lam_obs: np.ndarray, rmag) -> np.ndarray:
    """Spectra (rows, 1e-17 erg/s/cm²/Å on ``lam_obs``) scaled in place so that their mean flux in the
    top-hat r band is that of AB magnitude ``rmag`` (f_λ = f_ν c / λ²); returns them."""
    lo, hi = np.searchsorted(lam_obs, BANDS["r"])
    r_model = model[:, lo:hi].mean(axis=1)
    lam_r = np.mean(BANDS["r"])
    target = 10 ** (-0.4 * (rmag + 48.6)) * 2.99792458e18 / lam_r ** 2 * 1e17
    model *= (target / np.where(r_model > 0, r_model, 1))[:, None]
    return model


def physics_qso(rng, lam_obs, lam_rest, bal, rmag, z, tpl, ebv=None):
    """Quasar spectra: analytic, or (where ``tpl``) an eigen-combination of real quasars with the
    analytic BAL troughs; then, for all, their own dust (colour excess ``ebv``, SMC-like), host
    galaxies, the Lyman forest and DLAs."""
    n = len(z)
    flux = np.empty(lam_rest.shape)
    bi = np.zeros(n)
    if (~tpl).any():
        flux[~tpl], par = physics.qso_rest_flux(rng, lam_rest[~tpl], bal=bal, mag=rmag[~tpl])
        if bal:
            bi[~tpl] = par["bi_civ"]
    if tpl.any():
        eig = templates.eigen_obs_flux(rng, "qso", lam_obs, z[tpl])
        if bal:
            p = physics.bal_parameters(rng, int(tpl.sum()))
            eig = physics.apply_bal(eig, lam_rest[tpl], p)
            bi[tpl] = physics.balnicity_index(p)
        flux[tpl] = eig
    if ebv is not None and np.any(ebv > 0):
        # the dust is the quasar's host's: it reddens the nucleus, not the starlight added next
        # nor the intervening forest and DLAs; only the reddened tenth is computed
        red = ebv > 0
        flux[red] *= physics.smc_extinction(lam_rest[red], ebv[red])
    flux = physics.add_host(rng, flux, lam_rest, z)
    forest = physics.lya_forest(rng, np.broadcast_to(lam_obs, lam_rest.shape), lam_rest)
    if tpl.any():
        # the eigenspectra hold the mean forest of their quasars: our forest adds only its
        # fluctuations there, so the mean absorption is not applied twice
        forest[tpl] = physics.forest_fluctuation(forest[tpl], lam_rest[tpl])
    flux *= forest * physics.dla_absorption(rng, lam_obs, lam_rest, z)
    return flux, {"bi_civ": bi} if bal else {}


def psf_mags(model: np.ndarray, lam_obs: np.ndarray) -> np.ndarray:
    """ugriz AB magnitudes of noiseless spectra from top-hat bands."""
    out = np.empty((model.shape[0], 5), dtype=np.float32)
    for k, (lo_w, hi_w) in enumerate(BANDS.values()):
        lo, hi = np.searchsorted(lam_obs, (lo_w, hi_w))
        f_lam = np.clip(model[:, lo:hi].mean(axis=1), 1e-6, None) * 1e-17
        lam = 0.5 * (lo_w + hi_w)
        out[:, k] = -2.5 * np.log10(f_lam * lam ** 2 / 2.99792458e18) - 48.6
    return out


def _pipeline(rng, classes, z):
    """What the BOSS pipeline would say: class, redshift, warning (some catastrophic failures)."""
    n = len(z)
    pipe_class = np.where(np.isin(classes, ("QSO", "QSO_BAL")), "QSO", classes).astype("U6")
    sig = np.where(pipe_class == "QSO", 1e-3 * (1 + z), 1e-4 * (1 + z))
    z_pipe = z + sig * rng.standard_normal(n)
    fail = rng.random(n) < 0.03
    z_pipe[fail] = rng.uniform(0, 4, fail.sum())
    pipe_class[fail] = rng.choice(["STAR", "GALAXY", "QSO"], fail.sum())
    zwarning = np.where(fail, 4, 0).astype(np.int32)
    return pipe_class, z_pipe, sig, zwarning


def make_chunk(args) -> dict:
    """Generate and write one chunk of spectra; return per-row results for the catalog.

    Runs in a worker process; ``args`` = (rows as a dict of arrays, chunk seed, out dir, config dict).
    """
    rows, seed, out, cfg = args
    rng = np.random.default_rng(seed)
    lam_obs = 10 ** (LOGLAM0 + DLOGLAM * np.arange(NPIX_MASTER))
    classes, z = rows["CLASS_TRUE"], rows["Z_TRUE"]
    model, bi = _model_spectra(rng, classes, rows["KIND"], z, rows["RMAG_TRUE"], lam_obs, cfg["physics"],
                               rows["EBV_QSO"])
    mags = psf_mags(model, lam_obs)  # the photometry sees the object itself
    model = model * 10 ** (-0.4 * rows["SPEC_OFFSET"])[:, None]  # the fiber, what this observation caught
    obs = noise.observe(rng, model, LOGLAM0, DLOGLAM, cfg["exposure_depth"],
                        calibration_errors=cfg["physics"] != "analytic")
    pipe_class, z_pipe, z_err, zwarning = _pipeline(rng, classes, z)
    n = len(z)
    sn = np.zeros(n, dtype=np.float32)
    loglam = (LOGLAM0 + DLOGLAM * np.arange(NPIX_MASTER)).astype(np.float32)
    for i in range(n):
        plate, mjd, fib = int(rows["PLATE"][i]), int(rows["MJD"][i]), int(rows["FIBERID"][i])
        # each plate's pixel range differs a little, as on real plates
        start = (plate * 7) % 20
        stop = NPIX_MASTER - (plate * 3) % 25
        ivar = obs["ivar"][i, start:stop]
        if rows["DEAD_FIBER"][i]:
            ivar = np.zeros_like(ivar)
        flux = obs["flux"][i, start:stop]
        sn[i] = median_sn(flux, ivar, good_pixels(flux, ivar, obs["and_mask"][i, start:stop]))
        if rows["MISSING_FILE"][i]:
            continue
        coadd = np.zeros(stop - start, dtype=COADD_DTYPE)
        coadd["FLUX"] = flux
        coadd["LOGLAM"] = loglam[start:stop]
        coadd["IVAR"] = ivar
        coadd["AND_MASK"] = obs["and_mask"][i, start:stop]
        coadd["OR_MASK"] = obs["and_mask"][i, start:stop]
        coadd["WDISP"] = 0.91
        coadd["SKY"] = obs["sky"][i, start:stop]
        coadd["MODEL"] = model[i, start:stop]
        spall = np.zeros(1, dtype=SPALL_DTYPE)
        spall["PLATE"], spall["MJD"], spall["FIBERID"] = plate, mjd, fib
        spall["RUN2D"] = cfg["run2d"]
        spall["OBJTYPE"] = "QSO" if classes[i] != "STAR" else "SPECTROPHOTO_STD"
        spall["PLUG_RA"], spall["PLUG_DEC"] = rows["RA"][i], rows["DEC"][i]
        spall["CLASS"] = pipe_class[i]
        spall["SUBCLASS"] = _subclass(rows["KIND"][i]) if classes[i] == "STAR" else ""
        spall["Z"], spall["Z_ERR"], spall["ZWARNING"] = z_pipe[i], z_err[i], zwarning[i]
        spall["SN_MEDIAN_ALL"] = sn[i]
        spall["THING_ID"] = rows["THING_ID"][i]
        spall["PSFMAG"] = mags[i]
        spall["SPECPRIMARY"] = 1
        cards = [("TELESCOP", "SDSS 2.5-M"), ("PLATEID", plate), ("MJD", mjd), ("FIBERID", fib),
                 ("RA", float(rows["RA"][i])), ("DEC", float(rows["DEC"][i])),
                 ("PLUG_RA", float(rows["RA"][i])), ("PLUG_DEC", float(rows["DEC"][i])),
                 ("COEFF0", round(float(loglam[start]), 4)), ("COEFF1", DLOGLAM),
                 ("RUN2D", cfg["run2d"]), ("EXPTIME", 4500.0 / cfg["exposure_depth"]),
                 ("ORIGIN", "SpecML mock survey", "not a real SDSS spectrum")]
        path = Path(out) / sas.spectrum_relpath(plate, mjd, fib, cfg["run2d"])
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, spec_lite_bytes(cards, coadd, spall))
    return {"index": rows["index"], "PSFMAG": mags, "SN_MEDIAN_ALL": sn, "Z_PIPE": z_pipe,
            "ZWARNING": zwarning, "CLASS_PIPE": pipe_class, "BI_CIV": bi}


def _subclass(kind: str) -> str:
    """The pipeline-style SUBCLASS of a mock star: its template's name, or its analytic type."""
    if ":" in kind:
        return templates.load("star")[2][int(kind.split(":")[1])].split(" (")[0]
    return kind


SPALL_DTYPE = np.dtype([
    ("PROGRAMNAME", "S5"), ("PLATE", ">i4"), ("MJD", ">i4"), ("FIBERID", ">i4"), ("RUN2D", "S7"),
    ("OBJTYPE", "S16"), ("PLUG_RA", ">f8"), ("PLUG_DEC", ">f8"), ("CLASS", "S6"), ("SUBCLASS", "S21"),
    ("Z", ">f4"), ("Z_ERR", ">f4"), ("ZWARNING", ">i4"), ("SN_MEDIAN_ALL", ">f4"), ("THING_ID", ">i4"),
    ("PSFMAG", ">f4", (5,)), ("SPECPRIMARY", "u1"),
])


# --------------------------------------------------------------------------- the survey
def generate_survey(cfg: MockConfig, out, progress: bool = True, replace: bool = False) -> dict:
    """Generate a mock survey under ``out`` in the SAS layout; return a summary.

    Writes ``dr12/boss/qso/DR12Q/Superset_DR12Q.fits``, ``DR12Q.fits`` (quasars, with the BAL
    columns), the spec-lite files and ``mock_manifest.json``. Files are written atomically, never
    half-written. A folder that already holds spectra of another survey (another config, or no
    manifest) is refused — two surveys in one folder would mix — unless ``replace``, which first
    removes that survey's catalogs, spectra and manifest.
    """
    out = Path(out)
    _clear_other_survey(out, cfg, replace)
    t0 = time.perf_counter()
    plan = plan_catalog(cfg)
    n = len(plan)
    plan["index"] = np.arange(n)
    cols = ["index", "CLASS_TRUE", "KIND", "Z_TRUE", "RMAG_TRUE", "SPEC_OFFSET", "EBV_QSO", "PLATE", "MJD", "FIBERID",
            "RA", "DEC", "THING_ID", "MISSING_FILE", "DEAD_FIBER"]
    arrays = {c: np.asarray(plan[c]) for c in cols}
    cdict = {"exposure_depth": cfg.exposure_depth, "run2d": cfg.run2d, "physics": cfg.physics}
    chunks = [(s, min(s + cfg.chunk_size, n)) for s in range(0, n, cfg.chunk_size)]
    tasks = [({c: a[s:e] for c, a in arrays.items()}, [cfg.seed, 1, k], str(out), cdict)
             for k, (s, e) in enumerate(chunks)]
    results, _ = map_chunks(make_chunk, tasks, workers=per_core(cfg.workers), isolate=False, progress=progress,
                            desc="mock spectra", unit="spec", weight=lambda t: len(t[0]["index"]))
    merged = {k: np.concatenate([r[k] for r in results]) for k in results[0] if k != "index"}
    superset, dr12q = catalog_tables(cfg, plan, merged)
    cat_path = out / sas.SUPERSET_RELPATH
    for table, rel in ((superset, sas.SUPERSET_RELPATH), (dr12q, sas.DR12Q_RELPATH)):
        with atomic_path(out / rel, ".fits") as tmp:
            table.write(tmp, format="fits", overwrite=True)
    elapsed = time.perf_counter() - t0
    summary = {
        "config": asdict(cfg), "n_rows": n, "n_objects": int(len(np.unique(plan["THING_ID"]))),
        "n_files": int(n - plan["MISSING_FILE"].sum()),
        "class_counts": {c: int((plan["CLASS_TRUE"] == c).sum()) for c in CLASS_NAMES},
        "seconds": round(elapsed, 2), "spectra_per_s": round(n / elapsed, 1),
        "catalog": str(cat_path), "specml_version": __version__, "mock_code": code_fingerprint(),
    }
    atomic_write_bytes(out / "mock_manifest.json", (json.dumps(summary, indent=1) + "\n").encode())
    return summary


def code_fingerprint() -> str:
    """A digest of the mock generator's code and calibration files (this package's ``*.py`` and
    ``*.json``): a survey on disk that another version of them made is not the survey these make."""
    here = Path(__file__).parent
    h = hashlib.sha256()
    for p in sorted(here.glob("*.py")) + sorted(here.glob("*.json")):
        h.update(p.name.encode() + b"\0" + p.read_bytes())
    return h.hexdigest()[:16]


def _clear_other_survey(out: Path, cfg: MockConfig, replace: bool) -> None:
    import shutil

    spectra = out / sas.spectra_root(cfg.run2d)
    manifest = out / "mock_manifest.json"
    has_spectra = spectra.exists() and any(spectra.iterdir())
    if not has_spectra and not manifest.exists():
        return
    same = False
    if manifest.exists():
        old = json.loads(manifest.read_text()).get("config", {})
        same = all(old.get(k) == v for k, v in asdict(cfg).items() if k not in ("workers", "chunk_size"))
    if same:
        return          # the same survey again: every file is rewritten with the same content
    if not replace:
        raise ValueError(f"{out}: holds another survey ({'another configuration' if manifest.exists() else 'spectra without a mock manifest'}); "
                         "choose an empty folder or replace it (--replace)")
    for path in (spectra, out / sas.SUPERSET_RELPATH, out / sas.DR12Q_RELPATH, manifest):
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def catalog_tables(cfg: MockConfig, plan: Table, res: dict) -> tuple[Table, Table]:
    """The superset (one row per spectrum) and the quasar catalog with BAL columns."""
    rng = np.random.default_rng([cfg.seed, 2])
    n = len(plan)
    cls = np.asarray(plan["CLASS_TRUE"])
    z = np.asarray(plan["Z_TRUE"])
    sn = res["SN_MEDIAN_ALL"]
    # visual-inspection confidence: high at good S/N, lower for faint, noisy spectra
    conf = np.where(sn > 2, np.where(rng.random(n) < 0.97, 3, 2), rng.choice([1, 2, 3], n, p=[0.3, 0.5, 0.2]))
    person = np.array([PERSON_CODE[c] for c in cls], dtype=np.int16)
    not_inspected = rng.random(n) < cfg.frac_not_inspected
    person[not_inspected] = 0
    conf[not_inspected] = 0
    conf[rng.random(n) < cfg.frac_conf0] = 0
    z_vi = np.where(person == 0, -1.0, z)
    thing = np.asarray(plan["THING_ID"]).copy()
    thing[rng.random(n) < cfg.frac_no_id] = -1
    t = Table()
    t["SDSS_NAME"] = plan["SDSS_NAME"]
    t["RA"], t["DEC"] = plan["RA"], plan["DEC"]
    t["THING_ID"] = thing
    t["PLATE"], t["MJD"], t["FIBERID"] = plan["PLATE"], plan["MJD"], plan["FIBERID"]
    t["Z_VI"] = z_vi
    t["Z_PIPE"] = res["Z_PIPE"]
    t["ZWARNING"] = res["ZWARNING"]
    t["CLASS_PERSON"] = person
    t["Z_CONF_PERSON"] = conf.astype(np.int16)
    t["PSFMAG"] = res["PSFMAG"]
    t.meta["ORIGIN"] = "SpecML mock survey"
    t.meta["SEED"] = cfg.seed
    qso = np.isin(person, (3, 30))
    q = Table()
    for c in ("SDSS_NAME", "RA", "DEC", "THING_ID", "PLATE", "MJD", "FIBERID", "Z_VI"):
        q[c] = t[c][qso]
    q["BAL_FLAG_VI"] = (person[qso] == 30).astype(np.int16)
    q["BI_CIV"] = res["BI_CIV"][qso].astype(np.float32)
    q.meta["ORIGIN"] = "SpecML mock survey"
    return t, q
