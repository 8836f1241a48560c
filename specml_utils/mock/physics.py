"""Noiseless rest-frame physics of the mock survey's four classes.

Every function works on a batch: ``lam_rest`` is an (n, npix) array of rest-frame vacuum
wavelengths (Å) and parameters are length-n arrays, so one call makes n spectra. Fluxes are
in arbitrary units; :mod:`specml_utils.mock.survey` scales them to a magnitude.

References for the numbers: Vanden Berk et al. 2001 (quasar composite: line equivalent widths
and widths), Boroson & Green 1992 and Shen et al. 2011 (optical Fe II beside Hβ, its strength
against [OIII]), Faucher-Giguère et al. 2008 (Lyα effective optical depth), Gibson et al. 2009
(BAL trough velocities and widths), Pei 1992, Richards et al. 2003 and Hopkins et al.
2004 (quasars reddened by SMC-like dust), Kauffmann et al. 2003 (D4000 of passive and star-forming
galaxies), Pickles 1998 / Covey et al. 2007 (stellar features by spectral type).
"""
from __future__ import annotations

import numpy as np

from ..lines import AIR_TO_VACUUM, C_KMS, FE2_OPTICAL, FE2_HUMPS, TAU_EFF_A, TAU_EFF_GAMMA, gaussian

H = 6.62607015e-27
K_B = 1.380649e-16
C_AA = 2.99792458e18  # Å/s


def planck_lambda(lam, temp):
    """Blackbody B_λ shape (arbitrary units) at wavelengths ``lam`` (Å) and temperatures ``temp`` (K)."""
    x = np.minimum(H * C_AA / (lam * K_B * temp), 500.0)
    return lam ** -5 / np.expm1(x) * 1e20


def gauss(lam, centre, sigma):
    """Unit-area Gaussian (0 beyond 10 σ)."""
    return gaussian(((lam - centre) / sigma) ** 2) / (np.sqrt(2 * np.pi) * sigma)


def line(lam, centre, ew, sigma, cont=1.0):
    """A Gaussian line of rest equivalent width ``ew`` (Å) on continuum ``cont``.

    ``centre``, ``ew`` and ``sigma`` are scalars or length-n arrays (one per spectrum); the
    line's area is ``ew`` times the continuum. Add it for emission, subtract it for absorption.
    """
    centre = np.asarray(centre, float).reshape(-1, 1)
    ew = np.asarray(ew, float).reshape(-1, 1)
    sigma = np.asarray(sigma, float).reshape(-1, 1)
    return ew * cont * gauss(lam, centre, sigma)


def _col(x):
    return np.asarray(x, float).reshape(-1, 1)


# --------------------------------------------------------------------------- quasars
#: rest line, median rest EW (Å), log10 scatter of EW, FWHM scale relative to the broad-line FWHM
QSO_EMISSION = [
    (1025.72, 9.0, 0.25, 1.0),    # Lyβ + OVI
    (1215.67, 70.0, 0.22, 0.8),   # Lyα
    (1240.14, 12.0, 0.30, 0.8),   # NV
    (1304.0, 2.0, 0.30, 0.8),     # OI
    (1335.0, 1.0, 0.30, 0.8),     # CII
    (1399.8, 8.0, 0.25, 1.0),     # SiIV + OIV]
    (1549.06, 30.0, 0.25, 1.0),   # CIV
    (1640.4, 3.0, 0.30, 1.0),     # HeII
    (1908.73, 20.0, 0.22, 1.1),   # CIII]
    (2799.12, 30.0, 0.22, 0.9),   # MgII
    (4102.89, 5.0, 0.30, 0.9),    # Hδ
    (4341.68, 12.0, 0.30, 0.9),   # Hγ
    (4862.68, 50.0, 0.25, 1.0),   # Hβ
    (6564.61, 200.0, 0.22, 0.9),  # Hα
]
#: narrow lines: rest λ, median EW, scatter
QSO_NARROW = [(3728.48, 2.0, 0.4), (4960.30, 5.0, 0.4), (5008.24, 15.0, 0.4)]
#: the window of R_FeII = EW(Fe II) / EW(Hβ) (Boroson & Green 1992)
FE2_WINDOW = (4434.0, 4684.0)
#: R_FeII: log-normal, median and log10 scatter (most SDSS quasars 0.1–1.5: Shen et al. 2011, Shen & Ho 2014)
FE2_R_MEDIAN, FE2_R_SCATTER = 0.5, 0.25
#: [OIII] weakens as Fe II strengthens (Boroson & Green's eigenvector 1): EW ∝ (R_FeII / median)^this
OIII_FE2_SLOPE = -0.8
#: BAL troughs: ion, rest λ, relative depth range
BAL_IONS = [("CIV", 1549.06, (1.0, 1.0)), ("SiIV", 1396.76, (0.4, 1.0)), ("NV", 1240.14, (0.5, 1.0)),
            ("Lyα", 1215.67, (0.3, 0.9)), ("AlIII", 1857.0, (0.0, 0.6)), ("MgII", 2799.12, (0.0, 0.8))]


#: DR12Q flags BALs (BAL_FLAG_VI, BI_CIV) only where the CIV region is observed
BAL_Z_MIN = 1.57


def qso_redshifts(rng, n, z_min: float = 0.35):
    """Redshifts like DR12Q: 38 % below z = 2.15 (DR12Q: 184,101 of its 297,301 quasars are
    above 2.15; Pâris et al. 2017), most of the rest at 2.15–3.5, a tail to ~5.2. None below
    ``z_min`` (redrawn, keeping the shape of the distribution above it)."""
    z = _qso_redshifts(rng, n)
    low = z < z_min
    while low.any():
        z[low] = _qso_redshifts(rng, int(low.sum()))
        low = z < z_min
    return z


def _qso_redshifts(rng, n):
    u = rng.random(n)
    z = 2.15 + rng.lognormal(np.log(0.45), 0.55, n)
    low = u < 0.38
    z[low] = rng.uniform(0.4, 2.15, low.sum())
    high = u > 0.975
    z[high] = rng.uniform(3.6, 5.2, high.sum())
    return np.clip(z, 0.35, 5.5)


def add_host(rng, flux, lam_rest, z):
    """Add host-galaxy starlight to low-redshift quasars.

    The host's share of the light at rest 4500 Å is drawn up to 60 % and fades to none at
    z = 1.2, since only the hosts of the less luminous, nearby quasars show in BOSS spectra
    (Vanden Berk et al. 2006; Shen et al. 2011). The host is an old stellar population.
    """
    z = np.asarray(z, float)
    frac = rng.uniform(0, 0.6, len(z)) * np.clip(1 - z / 1.2, 0, 1)
    idx = np.flatnonzero(frac > 0)
    if idx.size == 0:
        return flux
    host, _ = galaxy_rest_flux(rng, lam_rest[idx], np.ones(idx.size, bool))
    qso_4500 = _cont_at(lam_rest[idx], flux[idx], 4500.0)
    ratio = frac[idx] / (1 - frac[idx]) * qso_4500 / _cont_at(lam_rest[idx], host, 4500.0)
    flux = flux.copy()
    flux[idx] += ratio[:, None] * host
    return flux


def lya_forest(rng, lam_obs, lam_rest):
    """Lyman-series forest transmission blueward of Lyα, deepening with redshift.

    A log-normal optical-depth field smoothed over ~2 pixels, scaled so the mean
    transmission follows τ_eff(z) = 0.0018 (1+z)^3.92 (Faucher-Giguère et al. 2008).
    """
    n, npix = lam_obs.shape
    g = rng.standard_normal((n, npix))
    g = (g + np.roll(g, 1, axis=1) + np.roll(g, -1, axis=1) + 0.5 * (np.roll(g, 2, axis=1) + np.roll(g, -2, axis=1)))
    g /= np.sqrt(1 + 1 + 1 + 0.25 + 0.25)
    sig = 1.4
    field = np.exp(sig * g - 0.5 * sig ** 2)
    trans = np.ones_like(lam_obs)
    for line, strength in ((1215.67, 1.0), (1025.72, 0.16), (972.54, 0.056)):
        z_abs = lam_obs / line - 1
        inside = lam_rest < line
        tau_eff = strength * TAU_EFF_A * (1 + z_abs) ** TAU_EFF_GAMMA
        tau0 = _tau0_for_mean(np.exp(-tau_eff), sig)
        trans = np.where(inside, trans * np.exp(-tau0 * field), trans)
        field = np.roll(field, 7, axis=1)  # decorrelate the higher series a little
    # Lyman-limit absorption below 912 Å
    tau_ll = _col(rng.uniform(0.3, 3.0, n))
    ll = lam_rest < 911.75
    trans = np.where(ll, trans * np.exp(-tau_ll * (lam_rest / 911.75) ** 3), trans)
    return trans


def forest_fluctuation(trans, lam_rest):
    """A forest transmission divided by its mean in the forest, for spectra (eigen-combinations of
    real quasars) that already hold the mean absorption."""
    inside = lam_rest < 1215.67
    count = inside.sum(axis=1, keepdims=True)
    m = np.where(inside, trans, 0).sum(axis=1, keepdims=True) / np.maximum(count, 1)
    m = np.where((count > 0) & (m > 0), m, 1.0)
    return np.where(inside, np.clip(trans / m, 0, 1.5), 1.0)


#: DLAs per unit redshift, and the column-density range (log10 N_HI / cm⁻²): dN/dz ≈ 0.25 at
#: z ≈ 2.5 with a steep column-density distribution (Noterdaeme et al. 2012, BOSS DR9)
DLA_DNDZ = 0.25
DLA_LOGN = (20.3, 21.7)


def dla_absorption(rng, lam_obs, lam_rest, z_qso):
    """Damped Lyα absorbers in front of quasars: Lorentzian-wing damped profiles (and their Lyβ)
    at redshifts from the quasar's Lyβ (or the blue end of the spectrum) to 3000 km/s short of the quasar."""
    trans = np.ones(lam_rest.shape)
    z_lo = np.maximum((1 + np.asarray(z_qso)) * 1025.72 / 1215.67 - 1, 3600 / 1215.67 - 1)
    z_hi = np.asarray(z_qso) - 0.01 * (1 + np.asarray(z_qso))
    path = np.clip(z_hi - z_lo, 0, None)
    count = rng.poisson(DLA_DNDZ * path)
    for i in np.flatnonzero(count):
        for _ in range(count[i]):
            z_abs = rng.uniform(z_lo[i], z_hi[i])
            # dN/dlogN ∝ N^-1 (steep): uniform in log N overweights high columns a little
            logn = DLA_LOGN[0] - np.log10(1 - rng.random() * (1 - 10 ** (DLA_LOGN[0] - DLA_LOGN[1])))
            lam_abs = lam_obs / (1 + z_abs)
            for rest, f_osc, gamma in ((1215.67, 0.4164, 6.265e8), (1025.72, 0.0791, 1.897e8)):
                # Lorentzian wings: τ = N (πe²/m_e c) f Γ λ⁴ / (4π² c² Δλ²), CGS
                dl = (lam_abs - rest) * 1e-8
                tau = (10 ** logn * 0.02654 * f_osc * gamma * (rest * 1e-8) ** 4
                       / (4 * np.pi ** 2 * 2.99792458e10 ** 2 * np.maximum(dl ** 2, 1e-24)))
                trans[i] *= np.exp(-np.minimum(tau, 50))
    return trans


def _mean_transmission_table(sig):
    # E[exp(-τ0 e^{σg-σ²/2})] on a τ0 grid, by Gauss–Hermite quadrature
    x, w = np.polynomial.hermite_e.hermegauss(60)
    w = w / w.sum()
    tau0 = np.logspace(-4, 2.5, 400)
    mean = (w * np.exp(-tau0[:, None] * np.exp(sig * x[None, :] - 0.5 * sig ** 2))).sum(1)
    return tau0, mean


_TABLES = {}


def _tau0_for_mean(target, sig):
    """Invert the mean-transmission table: the τ0 giving mean transmission ``target``."""
    if sig not in _TABLES:
        _TABLES[sig] = _mean_transmission_table(sig)
    tau0, mean = _TABLES[sig]
    # mean decreases with tau0; np.interp needs increasing x
    return np.interp(target, mean[::-1], tau0[::-1])


def bal_troughs(rng, n):
    """Draw BAL trough parameters: minimum velocity, width (km/s), CIV depth, LoBAL flag."""
    vmin = rng.uniform(0, 12000, n)
    width = np.clip(rng.lognormal(np.log(5000), 0.5, n), 2200, 22000)
    vmax = np.minimum(vmin + width, 29000)
    depth = rng.uniform(0.35, 0.95, n)
    lobal = rng.random(n) < 0.15
    second = rng.random(n) < 0.3
    return {"vmin": vmin, "vmax": vmax, "depth": depth, "lobal": lobal, "second": second,
            "vmin2": vmax + rng.uniform(1000, 6000, n), "width2": rng.uniform(1500, 5000, n),
            "depth2": depth * rng.uniform(0.3, 0.9, n)}


def trough_profile(v, vmin, vmax, edge=400.0):
    """Smooth-edged top hat in outflow velocity ``v`` (km/s, positive blueward)."""
    return 0.25 * (1 + np.tanh((v - vmin) / edge)) * (1 + np.tanh((vmax - v) / edge))


def balnicity_index(p):
    """BI_CIV (km/s) of the drawn CIV troughs, with Weymann et al. (1991)'s definition.

    BI = ∫_{3000}^{25000} (1 − f(v)/0.9) C dv, with C = 1 only where f < 0.9 has held
    for more than 2000 km/s; f is the continuum-normalised transmission.
    """
    v = np.arange(0.0, 25000.0, 10.0)[None, :]
    col = lambda a: np.asarray(a, float)[:, None]  # noqa: E731
    f = 1 - col(p["depth"]) * trough_profile(v, col(p["vmin"]), col(p["vmax"]))
    f2 = 1 - col(p["depth2"]) * trough_profile(v, col(p["vmin2"]), col(p["vmin2"] + p["width2"]))
    f = np.where(col(p["second"]) > 0, f * f2, f)
    below = f < 0.9
    k = np.arange(v.shape[1])[None, :]
    last_above = np.maximum.accumulate(np.where(below, -1, k), axis=1)
    run = (k - last_above) * 10.0           # km/s spent below 0.9 so far, in the current run
    c = (run > 2000) & (v >= 3000)
    return np.sum((1 - f / 0.9) * c, axis=1) * 10.0


def apply_bal(flux, lam_rest, p):
    """Multiply quasar spectra by their BAL troughs (CIV, SiIV, NV, Lyα; AlIII and MgII for LoBALs)."""
    rng_scale = p["ion_scale"]
    for k, (ion, rest, _) in enumerate(BAL_IONS):
        v = C_KMS * (rest - lam_rest) / rest  # outflow velocity (km/s), positive blueward
        prof = trough_profile(v, _col(p["vmin"]), _col(p["vmax"]))
        prof2 = trough_profile(v, _col(p["vmin2"]), _col(p["vmin2"] + p["width2"])) * _col(p["second"])
        depth = _col(p["depth"] * rng_scale[:, k])
        depth2 = _col(p["depth2"] * rng_scale[:, k])
        if ion in ("AlIII", "MgII"):
            depth = depth * _col(p["lobal"])
            depth2 = depth2 * _col(p["lobal"])
        flux = flux * (1 - depth * prof) * (1 - depth2 * prof2)
    return flux


def qso_rest_flux(rng, lam_rest, bal=False, mag=None):
    """Quasar spectra in the rest frame: power law, Fe II and Balmer pseudo-continua, broad and
    narrow lines whose strengths, widths and blueshifts vary as in real quasars; optional BAL troughs.

    Returns the flux and a dict of drawn parameters (``bi_civ`` for BALs).
    """
    n = lam_rest.shape[0]
    alpha = rng.normal(-0.5, 0.35, n)                  # f_ν ∝ ν^α
    cont = (lam_rest / 3000.0) ** _col(-2.0 - alpha)
    # Fe II + Balmer continuum "small blue bump" (2200–4000 Å)
    bump = _col(rng.uniform(0.05, 0.3, n))
    (c1, s1), (c2, s2) = FE2_HUMPS
    cont = cont * (1 + bump * (np.exp(-0.5 * ((lam_rest - c1) / s1) ** 2)
                               + 0.6 * np.exp(-0.5 * ((lam_rest - c2) / s2) ** 2)))
    # Baldwin effect: fainter quasars have stronger lines
    baldwin = 1.0 if mag is None else 10 ** (0.06 * (np.asarray(mag) - 20.5))
    fwhm = np.clip(rng.lognormal(np.log(4500), 0.2, n), 1500, 12000)
    civ_shift = np.clip(rng.normal(700, 700, n), -300, 4000)   # CIV blueshift (km/s)
    flux = cont.copy()
    ew_broad = {}
    for rest, ew_med, scatter, width_scale in QSO_EMISSION:
        ew = ew_broad[rest] = ew_med * 10 ** rng.normal(0, scatter, n) * baldwin
        shift = civ_shift * (0.5 if rest < 1450 else 1.0) if rest < 1700 else rng.normal(0, 200, n)
        centre = rest * (1 - shift / C_KMS)
        sigma = rest * fwhm * width_scale / C_KMS / 2.3548
        c_line = (rest / 3000.0) ** (-2.0 - alpha)
        flux += line(lam_rest, centre, ew * c_line, sigma, cont=1.0)
    r_fe2 = FE2_R_MEDIAN * 10 ** rng.normal(0, FE2_R_SCATTER, n)
    flux += fe2_optical(lam_rest, r_fe2 * ew_broad[4862.68], fwhm, alpha)  # R_FeII is relative to Hβ
    for rest, ew_med, scatter in QSO_NARROW:
        ew = ew_med * 10 ** rng.normal(0, scatter, n)
        if rest in (4960.30, 5008.24):
            ew = ew * (r_fe2 / FE2_R_MEDIAN) ** OIII_FE2_SLOPE
        sigma = rest * rng.uniform(300, 700, n) / C_KMS / 2.3548
        c_line = (rest / 3000.0) ** (-2.0 - alpha)
        flux += line(lam_rest, rest, ew * c_line, sigma, cont=1.0)
    params = {"alpha": alpha, "fwhm": fwhm, "r_fe2": r_fe2}
    # narrow associated CIV absorbers in some non-BAL quasars (hard cases: not BAL troughs)
    if not bal:
        nal = rng.random(n) < 0.2
        v = rng.uniform(0, 5000, n)
        for rest in (1548.20, 1550.77):
            centre = rest * (1 - v / C_KMS)
            absorb = line(lam_rest, centre, rng.uniform(0.5, 2.0, n) * nal, rest * 80 / C_KMS, 1.0)
            flux = flux * np.clip(1 - absorb, 0.05, 1)
    else:
        p = bal_parameters(rng, n)
        flux = apply_bal(flux, lam_rest, p)
        params.update(bi_civ=balnicity_index(p), bal=p, bal_vmin=p["vmin"], bal_vmax=p["vmax"])
    return flux, params


def fe2_optical(lam_rest, ew_window, fwhm, alpha):
    """Optical Fe II emission (:data:`FE2_OPTICAL`) on a quasar's power-law continuum.

    Every line has the broad lines' ``fwhm`` (km/s); the lines' strengths scale so that their
    equivalent width inside :data:`FE2_WINDOW` is ``ew_window`` (Å, one per spectrum), the lines
    outside in the same proportions.
    """
    rest = np.array([w for w, _ in FE2_OPTICAL]) * AIR_TO_VACUUM
    weight = np.array([s for _, s in FE2_OPTICAL])
    inside = (rest > FE2_WINDOW[0]) & (rest < FE2_WINDOW[1])
    scale = np.asarray(ew_window, float) / weight[inside].sum()
    out = np.zeros_like(lam_rest)
    for r, w in zip(rest, weight):
        c_line = (r / 3000.0) ** (-2.0 - alpha)
        out += line(lam_rest, r, scale * w * c_line, r * fwhm / C_KMS / 2.3548, cont=1.0)
    return out


#: Pei (1992)'s fit to the Small Magellanic Cloud's extinction curve, ξ(λ) = A_λ / A_B = Σ a / ((λ/λ₀)^n +
#: (λ₀/λ)^n + b), λ in μm (his Table 4), and its R_V: quasars reddened by their own dust follow the SMC's
#: curve, steep in the UV and without the 2175 Å bump (Richards et al. 2003; Hopkins et al. 2004)
PEI_SMC = {"a": (185.0, 27.0, 0.005, 0.010, 0.012, 0.030), "lam": (0.042, 0.08, 0.22, 9.7, 18.0, 25.0),
           "b": (90.0, 5.50, -1.95, -1.95, -1.80, 0.00), "n": (2.0, 4.0, 2.0, 2.0, 2.0, 2.0), "r_v": 2.93}


def smc_extinction(lam_rest, ebv):
    """Transmission 10^(−0.4 A_λ) of SMC-like dust at rest wavelengths ``lam_rest`` (Å), for colour
    excesses ``ebv`` (one per row): A_λ = ξ(λ) A_B with A_B = (1 + R_V) E(B−V) (:data:`PEI_SMC`).
    Pei's fit rests on data above 1000 Å; below it the fit's extrapolation is used."""
    x = np.asarray(lam_rest, float) * 1e-4
    xi = sum(a / ((x / l) ** k + (l / x) ** k + b)
             for a, l, b, k in zip(PEI_SMC["a"], PEI_SMC["lam"], PEI_SMC["b"], PEI_SMC["n"]))
    ebv = np.asarray(ebv, float)
    if x.ndim == 2:
        ebv = ebv.reshape(-1, 1)   # one per row
    return 10 ** (-0.4 * (1 + PEI_SMC["r_v"]) * ebv * xi)


#: the quasars reddened by dust in their own galaxies: a tenth of them, with E(B−V) exponential of scale
#: 0.1 up to 0.5, so that 3.7 % have E(B−V) > 0.1 and 0.45 % more than 0.3 — "a few per cent" of optically
#: selected quasars are reddened by E(B−V) ≳ 0.1 of SMC-like dust (Richards et al. 2003; Hopkins et al.
#: 2004); redder ones mostly fall out of the colour selection. The rest have the spread of slopes alone.
QSO_DUST_FRAC = 0.1
QSO_DUST_SCALE = 0.1
QSO_DUST_MAX = 0.5


def qso_dust_ebv(rng, n):
    """Each quasar's E(B−V) from its own dust (:data:`QSO_DUST_FRAC`, :data:`QSO_DUST_SCALE`,
    :data:`QSO_DUST_MAX`): zero for most; a truncated exponential for the reddened ones."""
    red = rng.random(n) < QSO_DUST_FRAC
    u = rng.random(n)
    ebv = -QSO_DUST_SCALE * np.log1p(-u * (1 - np.exp(-QSO_DUST_MAX / QSO_DUST_SCALE)))
    return np.where(red, ebv, 0.0)


def bal_parameters(rng, n):
    """BAL troughs (:func:`bal_troughs`) with each ion's depth relative to CIV's."""
    p = bal_troughs(rng, n)
    p["ion_scale"] = np.column_stack([rng.uniform(lo, hi, n) for _, _, (lo, hi) in BAL_IONS])
    return p


# --------------------------------------------------------------------------- galaxies
GAL_ABSORPTION = [  # rest λ, EW range for a passive galaxy (Å), intrinsic σ (Å)
    (3934.78, (6, 14), 5.0), (3969.59, (5, 12), 5.0), (4102.89, (0.5, 3), 6.0), (4305.6, (3, 6), 12.0),
    (4341.68, (0.5, 3), 6.0), (4862.68, (1, 3), 6.0), (5176.7, (3, 7), 10.0), (5270.0, (1.5, 3), 8.0),
    (5894.6, (2, 5), 5.0), (6564.61, (1, 3), 6.0), (8500.4, (0.8, 2), 3.0), (8544.4, (1.5, 3.5), 3.0),
    (8664.5, (1.2, 3), 3.0),
]
GAL_EMISSION = [  # rest λ, flux relative to Hα
    (3727.09, 0.45), (3729.88, 0.6), (4102.89, 0.05), (4341.68, 0.09), (4862.68, 0.28), (4960.30, None),
    (5008.24, None), (6549.86, None), (6564.61, 1.0), (6585.27, None), (6718.29, 0.18), (6732.67, 0.13),
]


#: star-forming galaxies are drawn to the redshift where BOSS still sees [OII] λ3727 (9,690 Å,
#: inside the red camera's 10,400 Å) rather than cut at z = 1, which piled the log-normal's tail there
Z_SF_MAX = 1.6


#: passive galaxies are not only the CMASS-like ones (z ≈ 0.48 ± 0.14, 2 % below z = 0.2): red galaxies of
#: the SDSS main sample and LOWZ sit at 0.02–0.5, where a passive spectrum is a redshifted K star's
Z_PASSIVE_LOW = (0.02, 0.5)


def galaxy_redshifts(rng, n, passive, sf_median: float = 0.3, sf_sigma: float = 0.6, elg_frac: float = 0.0,
                     low_passive_frac: float = 0.0, side_rng=None):
    """Redshifts of passive (CMASS-like, 0.48 ± 0.14) and star-forming galaxies.

    Star-forming ones follow a log-normal with this median and ln-scatter, kept within 0.02–
    :data:`Z_SF_MAX`; a fraction ``elg_frac`` of them is instead drawn uniformly over 0.5–
    :data:`Z_SF_MAX`, emission-line galaxies whose [OII] is all that a quasar target's spectrum may show,
    and a fraction ``low_passive_frac`` of the passive ones uniformly over :data:`Z_PASSIVE_LOW`, so that
    the training set covers every redshift at which a galaxy can be recognised. Those draws come from
    ``side_rng`` (default ``rng``), the emission-line ones first, so a caller can keep ``rng``'s stream —
    and the emission-line galaxies — as they were.
    """
    z = np.where(passive, np.clip(rng.normal(0.48, 0.14, n), 0.02, 1.0),
                 np.clip(rng.lognormal(np.log(sf_median), sf_sigma, n), 0.02, Z_SF_MAX))
    side_rng = rng if side_rng is None else side_rng
    if elg_frac > 0:
        elg = ~np.asarray(passive, bool) & (side_rng.random(n) < elg_frac)
        z = np.where(elg, side_rng.uniform(0.5, Z_SF_MAX, n), z)
    if low_passive_frac > 0:
        low = np.asarray(passive, bool) & (side_rng.random(n) < low_passive_frac)
        z = np.where(low, side_rng.uniform(*Z_PASSIVE_LOW, n), z)
    return z


def galaxy_rest_flux(rng, lam_rest, passive):
    """Galaxy spectra: an old population with a 4000 Å break and metal absorption
    (Ca H&K, G band, Mg b, Na D, Ca triplet) plus, for star-forming galaxies, a young blue
    population with nebular emission ([OII], Hβ, [OIII], Hα, [NII], [SII])."""
    n = lam_rest.shape[0]
    sf = ~passive
    t_old = _col(rng.uniform(4300, 5200, n))
    d4000 = np.where(passive, rng.uniform(1.6, 2.2, n), rng.uniform(1.05, 1.4, n))
    step = 1 / _col(d4000) + (1 - 1 / _col(d4000)) * 0.5 * (1 + np.tanh((lam_rest - 4000) / 40))
    old = planck_lambda(lam_rest, t_old) * step
    old /= planck_lambda(5500.0, t_old)
    young_frac = np.where(passive, rng.uniform(0, 0.08, n), rng.uniform(0.3, 0.9, n))
    t_young = _col(rng.uniform(10000, 20000, n))
    young = planck_lambda(lam_rest, t_young) / planck_lambda(5500.0, t_young)
    cont = (1 - _col(young_frac)) * old + _col(young_frac) * young
    sigma_v = rng.uniform(120, 300, n)  # stellar velocity dispersion, km/s
    flux = cont.copy()
    for rest, (lo, hi), sig_int in GAL_ABSORPTION:
        ew = rng.uniform(lo, hi, n) * np.where(passive, 1.0, rng.uniform(0.3, 0.7, n))
        if rest in (4102.89, 4341.68, 4862.68):  # Balmer absorption is stronger in young populations
            ew = ew + np.where(sf, rng.uniform(1, 5, n), 0)
        sigma = np.sqrt(sig_int ** 2 + (rest * sigma_v / C_KMS) ** 2)
        flux -= line(lam_rest, rest, ew, sigma, cont=cont)
    flux = np.clip(flux, 0.02 * cont, None)
    # nebular emission: EW(Hα) log-normal for star-forming, weak LINER-like lines for some passive
    ew_ha = np.where(sf, 10 ** rng.normal(1.45, 0.35, n), rng.uniform(0, 3, n) * (rng.random(n) < 0.4))
    cont_ha = _cont_at(lam_rest, cont, 6564.61)
    f_ha = ew_ha * cont_ha
    decrement = rng.uniform(2.86, 5.0, n)             # Hα/Hβ, dust
    oiii_hb = 10 ** rng.normal(-0.1, 0.4, n)          # [OIII]5007/Hβ
    nii_ha = np.where(sf, 10 ** rng.normal(-0.5, 0.2, n), 10 ** rng.normal(0.0, 0.2, n))
    sig_gas = rng.uniform(50, 150, n)
    for rest, rel in GAL_EMISSION:
        if rest == 4862.68:
            f = f_ha / decrement
        elif rest in (4102.89, 4341.68):
            f = f_ha / decrement * rel / 0.28 * 0.6
        elif rest == 5008.24:
            f = f_ha / decrement * oiii_hb
        elif rest == 4960.30:
            f = f_ha / decrement * oiii_hb / 2.98
        elif rest == 6585.27:
            f = f_ha * nii_ha
        elif rest == 6549.86:
            f = f_ha * nii_ha / 3.05
        elif rest in (3727.09, 3729.88):
            f = f_ha / decrement * rel * rng.uniform(1.5, 3.5, n)
        else:
            f = f_ha * rel
        sigma = rest * sig_gas / C_KMS
        flux += line(lam_rest, rest, f, sigma, cont=1.0)
    return flux, {"d4000": d4000, "ew_halpha": ew_ha, "passive": passive}


def _cont_at(lam_rest, cont, rest):
    """Continuum of each row at rest wavelength ``rest`` (nearest pixel, clipped to the range)."""
    idx = np.clip(np.array([np.searchsorted(row, rest) for row in lam_rest]), 0, lam_rest.shape[1] - 1)
    return cont[np.arange(len(idx)), idx]


# --------------------------------------------------------------------------- stars
STAR_TYPES = {  # probability, Teff range (K)
    "OB": (0.05, (11000, 35000)), "A": (0.12, (7500, 10500)), "F": (0.24, (6000, 7500)),
    "G": (0.18, (5200, 6000)), "K": (0.15, (3900, 5200)), "M": (0.15, (2500, 3900)),
    "WD": (0.07, (7000, 30000)), "CARBON": (0.04, (2600, 3600)), "CV": (0.02, (12000, 30000)),
}
BALMER = [6564.61, 4862.68, 4341.68, 4102.89, 3971.20, 3890.16, 3836.47, 3798.98]
TIO_HEADS = [4762.0, 4955.0, 5168.0, 5449.0, 5848.0, 6160.0, 6653.0, 7055.0, 7591.0, 8433.0]
C2_HEADS = [4737.0, 5165.0, 5636.0, 6122.0]   # Swan bands, degrade to the blue
CN_HEADS = [6926.0, 7088.0, 7876.0, 8067.0]


def star_types(rng, n):
    names = list(STAR_TYPES)
    prob = np.array([STAR_TYPES[k][0] for k in names])
    return np.array(names)[rng.choice(len(names), n, p=prob / prob.sum())]


def star_rest_flux(rng, lam, types):
    """Stellar spectra from O/B to M, with white dwarfs and carbon stars as hard cases.

    A blackbody at the type's temperature with line blanketing in the blue for cool stars,
    Balmer lines whose strength peaks near 9500 K (pressure-broadened in white dwarfs),
    Ca H&K, G band, Mg b, Na D and the Ca triplet growing towards cool types, TiO bands in M
    dwarfs and C2/CN bands in carbon stars.
    """
    n = lam.shape[0]
    teff = np.array([rng.uniform(*STAR_TYPES[t][1]) for t in types])
    cont = planck_lambda(lam, _col(teff))
    cont /= _cont_at(lam, cont, 5500.0)[:, None]
    # metal line blanketing below ~4500 Å for cool stars
    blanket = _col(np.clip((6500 - teff) / 4000, 0, 0.7))
    cont = cont * (1 - blanket * 0.5 * (1 - np.tanh((lam - 4200) / 300)))
    flux = cont.copy()
    is_wd = types == "WD"
    # Balmer lines: strength peaks at ~9500 K
    balmer_ew = 14 * np.exp(-0.5 * ((teff - 9500) / 2500) ** 2) + 1.0 * (teff > 5000)
    balmer_sigma = np.where(teff > 7000, rng.uniform(8, 15, n), rng.uniform(3, 5, n))
    da = is_wd & (rng.random(n) < 0.8)   # DA white dwarfs: broad deep Balmer; the rest DC: featureless
    is_cv = types == "CV"
    balmer_ew = np.where(da, rng.uniform(30, 90, n), np.where(is_wd | is_cv, 0.0, balmer_ew))
    balmer_sigma = np.where(da, rng.uniform(20, 50, n), balmer_sigma)
    for k, rest in enumerate(BALMER):
        scale = 1.0 if k < 4 else 0.7
        flux -= line(lam, rest, balmer_ew * scale, balmer_sigma * (1 if k else 0.8), cont=cont)
    # cataclysmic variables: a hot accretion disc with broad Balmer and He emission
    for rest, lo, hi in ((6564.61, 40, 150), (4862.68, 20, 80), (4341.68, 10, 50), (4102.89, 5, 30),
                         (4472.7, 3, 15), (5877.3, 5, 20), (6679.9, 3, 12), (4687.0, 0, 15)):
        flux += line(lam, rest, rng.uniform(lo, hi, n) * is_cv, rng.uniform(12, 30, n), cont=cont)
    cool = np.clip((7000 - teff) / 3000, 0, 1.2) * ~is_wd
    for rest, ew_max, sig in ((3934.78, 16, 6), (3969.59, 12, 6), (4305.6, 5, 12), (5176.7, 6, 9),
                              (5894.6, 4, 4), (8500.4, 1.5, 3), (8544.4, 3, 3), (8664.5, 2.5, 3)):
        ew = ew_max * cool * rng.uniform(0.6, 1.2, n)
        flux -= line(lam, rest, ew, sig, cont=cont)
    # He I in hot stars
    hot = (teff > 15000) & ~is_wd
    for rest in (4027.3, 4472.7, 5877.3):
        flux -= line(lam, rest, 1.2 * hot, 3.0, cont=cont)
    # molecular bands
    m_depth = _col(np.where(types == "M", np.clip((3900 - teff) / 1300, 0.1, 0.85), 0.0))
    for head in TIO_HEADS:
        band = np.where(lam > head, np.exp(-(lam - head) / 150.0), 0.0)
        flux *= 1 - m_depth * band
    c_depth = _col(np.where(types == "CARBON", rng.uniform(0.4, 0.8, n), 0.0))
    for head in C2_HEADS:
        flux *= 1 - c_depth * np.where(lam < head, np.exp(-(head - lam) / 200.0), 0.0)
    for head in CN_HEADS:
        flux *= 1 - 0.6 * c_depth * np.where(lam > head, np.exp(-(lam - head) / 250.0), 0.0)
    return np.clip(flux, 0, None), {"teff": teff}
