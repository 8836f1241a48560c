"""A line-fit check of the redshift CNN's candidate solutions for quasars.

The redshift CNN gives a probability over redshift; where it has more than one peak (one line
that could be Lyα or MgII, CIV or Lyα), the most probable peak is not always right on real
spectra. Here each candidate peak is fitted with a generic quasar model — a smooth continuum
plus non-negative broad emission lines, Fe II emission and host starlight at that redshift, with
the Lyα forest's absorption and scatter blueward of Lyα — and the candidate with the highest
posterior (the CNN's probability times the fit's likelihood) is kept. It is what template-fitting pipelines do for every
spectrum, done here only where the network is unsure.
"""
from __future__ import annotations

import functools

import numpy as np
from scipy.ndimage import median_filter, uniform_filter1d
from scipy.optimize import nnls
from scipy.special import ndtr

from .lines import AIR_TO_VACUUM, C_KMS, FE2_HUMPS, FE2_OPTICAL, TAU_EFF_A, TAU_EFF_GAMMA, gaussian

#: rest wavelengths (Å) of the emission lines the model may use: OVI/Lyβ, Lyα, NV, SiIV, CIV,
#: HeII, CIII], CII], MgII, [OII], Hγ, Hβ, [OIII] 4960/5008, Hα
CHECK_LINES = (1033.8, 1215.67, 1240.14, 1399.8, 1549.06, 1640.4, 1908.73, 2326.0, 2799.12, 3728.5, 4341.68,
               4862.68, 4960.30, 5008.24, 6564.61)
#: each line is two Gaussians of these σ (km/s): a core and a broad base
LINE_SIGMAS_KMS = (1200.0, 3500.0)
#: continuum polynomial degree in log λ
POLY_DEGREE = 3
#: rms scatter of the forest's transmission about its mean, relative to the continuum
FOREST_SCATTER = 0.3
#: the forest comes in over these rest wavelengths (Å), as Lyα's blue wing and the quasar's proximity zone do, so
#: that χ² is continuous in z (a step at Lyα made it jump by thousands a third of a pixel apart; until 2026-11-28;
#: scripts/zcheck_edge_trial.py, benchmarks/zcheck_edge.jsonl)
FOREST_RAMP = (1200.0, 1215.67)
#: non-negative columns after the lines: "fe2", the optical Fe II lines at the lines' widths and the UV Fe II /
#: Balmer pseudo-continuum humps; "host", an old stellar population from rest 3000 Å. Without them (until
#: 2026-11-28) a wrong candidate could win where both fits of a low-redshift quasar were poor; with them the check
#: made fewer catastrophic redshifts on every mock sample tried (scripts/zcheck_fe2_trial.py,
#: benchmarks/zcheck_fe2.jsonl)
COMPONENTS = ("fe2", "host")
#: rest wavelengths (Å) where a BAL quasar's troughs may absorb (used with ``check_bal`` only: BAL-called spectra
#: are not fitted)
BAL_TROUGHS = (1260.0, 1530.0)
#: how a BAL quasar's troughs enter the fit (with ``check_bal``): "window", :data:`BAL_TROUGHS` free to absorb, with
#: the forest's inflated variance; "troughs", each pixel within :data:`TROUGH_VMAX` blueward of NV, SiIV or CIV is
#: either unabsorbed or absorbed to any depth, with prior :data:`TROUGH_SHARE` absorbed (:func:`trough_fit`)
BAL_MODEL = "window"
#: the ions whose troughs "troughs" allows (rest Å): NV, SiIV, CIV
TROUGH_IONS = (1240.14, 1396.76, 1549.06)
#: the troughs' reach blueward of their ion (km/s): the upper limit of the balnicity index (Weymann et al. 1991)
TROUGH_VMAX = 25000.0
#: the prior share of absorbed pixels within that reach: a trough's median width, 5,000 km/s, a fifth of it, and a
#: second trough in some (the mock's BAL physics)
TROUGH_SHARE = 0.25
#: the score a candidate must gain over the CNN's peak to replace a BAL quasar's redshift (with ``check_bal``)
BAL_MIN_GAIN = 0.0
#: expectation-maximisation steps of :func:`trough_fit`
TROUGH_STEPS = 6
#: refits of :func:`model_fit` with the pixels whose flux lies above the unabsorbed model (in the forest or a BAL
#: trough) fitted in full, as its score counts them (0 until 2026-11-29: one fit with their variance inflated, whose
#: continuum could dive far below the data there; on three mock samples the refits made fewer catastrophic
#: redshifts and found more quasars: scripts/zcheck_absorbed_trial.py, benchmarks/zcheck_absorbed.jsonl)
REFITS = 3
#: where the host's starlight starts and is fully in (rest Å): old populations are faint in the UV
HOST_TAPER = (3000.0, 3400.0)
#: the grid the components are tabulated on: log10 rest λ from this start, in these steps
_TABLE_START, _TABLE_STEP, _TABLE_SIZE = 2.903, 1e-5, 119_700


def forest_weight(rest) -> np.ndarray:
    """How far rest wavelengths ``rest`` (Å) lie in the forest: 0 redward of Lyα, 1 blueward of
    :data:`FOREST_RAMP`, linear between."""
    lo, hi = FOREST_RAMP
    return np.clip((hi - rest) / (hi - lo), 0.0, 1.0)


def mean_forest_transmission(lam, z):
    """exp(−τ_eff) of the Lyα forest, τ_eff = 0.0018 (1 + z_abs)^3.92 (Faucher-Giguère et al.
    2008), blueward of the quasar's Lyα, coming in by :func:`forest_weight`; 1 elsewhere."""
    tau = TAU_EFF_A * (lam / 1215.67) ** TAU_EFF_GAMMA   # (1 + z_abs)
    return 1 - forest_weight(lam / (1 + z)) * (1 - np.exp(-tau))


_CENTRES = np.repeat(CHECK_LINES, len(LINE_SIGMAS_KMS))
_SIGMAS = _CENTRES * np.tile(LINE_SIGMAS_KMS, len(CHECK_LINES)) / C_KMS
_POLY: dict = {}


#: the continuum's columns, which the fit leaves free (the lines' are non-negative)
N_FREE = POLY_DEGREE + 1


def _poly(lam) -> np.ndarray:
    key = (len(lam), float(lam[0]), float(lam[-1]))
    if key not in _POLY:  # one grid per bundle: computed once
        u = 10 * (np.log10(lam) - np.log10(lam).mean())
        _POLY[key] = u[:, None] ** np.arange(N_FREE)
    return _POLY[key]


_FE2_RESTS = np.array([w for w, _ in FE2_OPTICAL]) * AIR_TO_VACUUM
_FE2_WEIGHTS = np.array([s for _, s in FE2_OPTICAL])


@functools.lru_cache(maxsize=1)
def host_template() -> tuple[np.ndarray, np.ndarray]:
    """Rest wavelengths (Å) and flux of an old stellar population, normalised at 4500 Å: the mean
    of 200 passive galaxies of the analytic mock (4000 Å break, Ca H&K, G band, Mg b, Na D; seed 0)."""
    from .mock.physics import galaxy_rest_flux  # the mock's old population; numpy only

    lam = np.arange(2500.0, 11000.0, 1.0)
    flux, _ = galaxy_rest_flux(np.random.default_rng(0), np.tile(lam, (200, 1)), np.ones(200, bool))
    mean = flux.mean(axis=0)
    return lam, mean / np.interp(4500.0, lam, mean)


@functools.lru_cache(maxsize=4)
def _component_table(components: tuple) -> np.ndarray:
    """``components``' columns tabulated once on a fine grid of log10 rest λ (1e-5 dex, 800–12,600 Å):
    every one is a function of rest λ alone, so each redshift tried only interpolates them."""
    rest = 10 ** (_TABLE_START + _TABLE_STEP * np.arange(_TABLE_SIZE))
    cols = []
    if "fe2" in components:
        for s_kms in LINE_SIGMAS_KMS:
            sig = _FE2_RESTS * s_kms / C_KMS
            cols.append(gaussian(((rest[:, None] - _FE2_RESTS) / sig) ** 2) @ _FE2_WEIGHTS)
        cols += [gaussian(((rest - c) / s) ** 2) for c, s in FE2_HUMPS]
    if "host" in components:
        lam, flux = host_template()
        taper = np.clip((rest - HOST_TAPER[0]) / (HOST_TAPER[1] - HOST_TAPER[0]), 0.0, 1.0)
        cols.append(np.interp(rest, lam, flux, left=0.0, right=flux[-1]) * taper)
    return np.array(cols).reshape(len(cols), len(rest))   # one row per column


def component_columns(rest) -> np.ndarray:
    """The :data:`COMPONENTS` columns on rest wavelengths ``rest`` (Å), those with nothing on the
    grid (peak ≤ 1e-3) left out."""
    table = _component_table(tuple(COMPONENTS))
    if not len(table):
        return np.zeros((len(rest), 0))
    # linear interpolation, the same weights for every row; outside the table (rest < 800 Å or
    # > 12,600 Å) its edge values, 0 for all but the host
    u = np.clip((np.log10(rest) - _TABLE_START) / _TABLE_STEP, 0, _TABLE_SIZE - 1.000001)
    i = u.astype(int)
    cols = (table[:, i] * (1 - (u - i)) + table[:, i + 1] * (u - i)).T
    return cols[:, cols.max(axis=0) > 1e-3]


def design(lam, z, transmission=None) -> np.ndarray:
    """The model's columns at redshift ``z`` on wavelengths ``lam`` (Å): the :data:`N_FREE`
    continuum polynomial terms, the lines that fall in the range, then the :data:`COMPONENTS`,
    all times the forest's mean transmission."""
    rest = lam / (1 + z)
    near = (_CENTRES > rest[0] - 3.7 * _SIGMAS) & (_CENTRES < rest[-1] + 3.7 * _SIGMAS)  # peak > 1e-3 inside
    lines = gaussian(((rest[:, None] - _CENTRES[near]) / _SIGMAS[near]) ** 2)
    t = mean_forest_transmission(lam, z) if transmission is None else transmission
    return np.concatenate([_poly(lam), lines, component_columns(rest)], axis=1) * t[:, None]


def fit(a, b, n_free: int = N_FREE) -> np.ndarray:
    """Least-squares coefficients of ``b`` on the columns of ``a``, the first ``n_free`` free and
    the others non-negative.

    The triangular factor ``r`` of ``[a | b]`` (``rᵀr`` is its Gram matrix) turns the problem into
    one of as many rows as columns (‖a c − b‖² changes by a constant). Its free block is then
    solved exactly for any line coefficients, so the non-negative solver sees only the lines'
    block, not every pixel. A degenerate problem (a Gram matrix that is not positive definite)
    goes to the solver whole, with each free column given both signs.
    """
    n = a.shape[1]
    m = np.column_stack([a, b])
    try:
        r = np.linalg.cholesky(m.T @ m).T
    except np.linalg.LinAlgError:
        coef, _ = nnls(np.column_stack([a[:, :n_free], -a[:, :n_free], a[:, n_free:]]), b, maxiter=2000)
        return np.concatenate([coef[:n_free] - coef[n_free:2 * n_free], coef[2 * n_free:]])
    rb = r[:n, n]
    c = np.zeros(n)
    if n > n_free:
        c[n_free:], _ = nnls(r[n_free:n, n_free:n], rb[n_free:], maxiter=2000)
    c[:n_free] = np.linalg.solve(r[:n_free, :n_free], rb[:n_free] - r[:n_free, n_free:n] @ c[n_free:])
    return c


def flux_scale(flux, ivar) -> float:
    """The spectrum's typical |flux| (median over valid pixels): the forest's scatter is relative to it."""
    good = ivar > 0
    return float(np.median(np.abs(flux[good]))) if good.any() else 1.0


def model_fit(flux, ivar, lam, z, bal: bool = False, scale: float | None = None) -> tuple[np.ndarray, float]:
    """The best non-negative line model at ``z`` and its score, −2 ln(likelihood) up to a constant.

    The Lyα forest, and a BAL quasar's (``bal``) trough range (:data:`BAL_TROUGHS`), can only absorb:
    there the flux may lie anywhere below the unabsorbed model, so those pixels get the
    absorption's scatter added to their variance (which also enters the likelihood's
    normalisation, so a solution cannot gain by putting more of the spectrum there), while
    flux *above* the unabsorbed model counts in full — an emission line cannot hide in the forest.
    Both come in over :data:`FOREST_RAMP` (:func:`forest_weight`). With :data:`REFITS`, the
    pixels whose flux lies above the unabsorbed model are fitted in full too, as the score counts
    them, until they no longer change; the lowest score of the fits is kept.

    Returns
    -------
    model : (npix,) the model (absorbed by the forest's mean transmission) of the best fit
    score : float
    """
    good = ivar > 0
    scale = flux_scale(flux, ivar) if scale is None else scale  # one spectrum's, at every z tried
    if bal and BAL_MODEL == "troughs":
        return trough_fit(flux, ivar, lam, z, scale)
    rest = lam / (1 + z)
    w = forest_weight(rest)
    if bal:
        w = np.where((rest > BAL_TROUGHS[0]) & (rest < BAL_TROUGHS[1]), 1.0, w)
    inflate = 1 + w * ivar * (FOREST_SCATTER * scale) ** 2
    norm = float(np.log(inflate[good]).sum())
    sw = np.sqrt(ivar / inflate)
    t = mean_forest_transmission(lam, z)
    a = design(lam, z, t)
    aw, bw = a * sw[:, None], flux * sw

    def score(model):
        excess = w * np.clip(flux - model / t, 0, None)
        return float(((flux - model) ** 2 * ivar / inflate).sum() + (excess ** 2 * ivar).sum()) + norm

    model = a @ fit(aw, bw)
    best, above = (score(model), model), None
    for _ in range(REFITS):
        # a fit with inflated variance alone lets the continuum dive where the flux may be absorbed, and the
        # score then charges the flux left above it in full: fit those pixels in full too
        now = (w > 0) & (flux > model / t)
        if not now.any() or (above is not None and (now == above).all()):
            break
        above = now
        model = a @ fit(*_with_excess(aw, bw, a, t, w, ivar, flux, above))
        best = min(best, (score(model), model), key=lambda sm: sm[0])
    return best[1], best[0]


def _with_excess(rows, target, a, t, w, ivar, flux, above):
    """The weighted least-squares problem ``rows``, ``target`` with a row for each pixel ``above`` (flux above the
    unabsorbed model where ``w`` lets it absorb): its excess over the unabsorbed model ``a / t``, weighted as the
    score counts it."""
    if not above.any():
        return rows, target
    e = w[above] * np.sqrt(ivar[above])
    return np.vstack([rows, a[above] * (e / t[above])[:, None]]), np.concatenate([target, flux[above] * e])


def trough_weight(rest) -> np.ndarray:
    """1 where rest wavelengths ``rest`` (Å) lie within :data:`TROUGH_VMAX` blueward of a :data:`TROUGH_IONS` line."""
    w = np.zeros_like(rest, dtype=np.float64)
    for line in TROUGH_IONS:
        w = np.maximum(w, (rest > line * (1 - TROUGH_VMAX / C_KMS)) & (rest < line))
    return w


def trough_fit(flux, ivar, lam, z, scale: float) -> tuple[np.ndarray, float]:
    """:func:`model_fit` for a BAL quasar with troughs ("troughs" of :data:`BAL_MODEL`).

    Within the troughs' reach (:func:`trough_weight`) each pixel's likelihood is a mixture: unabsorbed, the flux
    scatters about the model as noise; absorbed (prior :data:`TROUGH_SHARE`), it lies anywhere between 0 and the
    model. So a trough costs −2 ln(share / model) per pixel wherever it lies in reach, and a candidate cannot gain by
    putting more of the spectrum where it might be absorbed, as it could with variance inflated over a wide window.
    The fit is expectation-maximisation: each step weights the pixels by their odds of being unabsorbed; the forest
    is treated as in :func:`model_fit`, its pixels above the unabsorbed model fitted in full.
    """
    good = ivar > 0
    iv = np.where(good, ivar, 1.0)
    rest = lam / (1 + z)
    wf = forest_weight(rest)
    share = TROUGH_SHARE * trough_weight(rest) * (1 - wf)
    inflate = 1 + wf * ivar * (FOREST_SCATTER * scale) ** 2
    var = inflate / iv
    sigma = 1 / np.sqrt(iv)
    t = mean_forest_transmission(lam, z)
    a = design(lam, z, t)
    weight, above = good.astype(np.float64), np.zeros(len(flux), bool)
    best = (np.inf, None)
    for _ in range(TROUGH_STEPS):
        sw = np.sqrt(weight * ivar / inflate)
        model = a @ fit(*_with_excess(a * sw[:, None], flux * sw, a, t, wf, ivar, flux, above))
        unabsorbed = np.exp(-0.5 * (flux - model) ** 2 / var) / np.sqrt(2 * np.pi * var)
        m = np.maximum(model, 1e-3 * scale)
        absorbed = (ndtr((m - flux) / sigma) - ndtr(-flux / sigma)) / m
        like = np.maximum((1 - share) * unabsorbed + share * absorbed, 1e-300)
        excess = wf * np.clip(flux - model / t, 0, None)
        score = float(-2 * np.log(like[good]).sum() + (excess[good] ** 2 * ivar[good]).sum())
        if score < best[0]:
            best = (score, model)
        weight = np.where(good, (1 - share) * unabsorbed / like, 0.0)
        above = (wf > 0) & (flux > model / t)
    return best[1], best[0]


def chi2(flux, ivar, lam, z, bal: bool = False, scale: float | None = None) -> float:
    """:func:`model_fit`'s score at ``z``: −2 ln(likelihood), up to a constant, of the best line model."""
    return model_fit(flux, ivar, lam, z, bal, scale)[1]


def candidates(zbins, prob, k: int = 4, window: int = 6, min_mass: float = 0.02) -> list:
    """Up to ``k`` peaks of one spectrum's redshift probability (:meth:`ZBins.peaks`), the CNN's
    own first: (z, mass) for each, mass being the probability within ±``window`` bins."""
    p = np.array(prob, np.float64)
    out = []
    for _ in range(k):
        j = int(zbins.peaks(p[None, :], window)[0])
        lo, hi = max(0, j - window), j + window + 1
        mass = p[lo:hi].sum()
        if mass < min_mass:
            break
        out.append((float(np.expm1((p[lo:hi] * zbins.centres[lo:hi]).sum() / mass)), float(mass)))
        p[lo:hi] = 0
    return out


#: lines an expert confuses with one another when one line dominates: Lyα, CIV, CIII], MgII, Hβ
ALIAS_LINES = (1215.67, 1549.06, 1908.73, 2799.12, 4862.68)


def aliases(z: float, z_range=(0.0, 7.0)) -> list:
    """The redshifts at which the strongest line at ``z`` would be another quasar line: for each
    pair of :data:`ALIAS_LINES`, (1 + z) λ_a / λ_b − 1, within ``z_range``."""
    out = [(1 + z) * a / b - 1 for a in ALIAS_LINES for b in ALIAS_LINES if a != b]
    return sorted(zz for zz in out if z_range[0] <= zz <= z_range[1])


def strongest_line(flux, ivar, lam, window: int = 41) -> float:
    """Observed wavelength (Å) of the most significant emission feature: the peak of the flux
    above its running median (over ``window`` bins), in units of its noise, smoothed over 3 bins."""
    good = ivar > 0
    if good.sum() < window:
        return float("nan")
    f = np.where(good, flux, np.interp(lam, lam[good], flux[good]))
    excess = (f - median_filter(f, window, mode="nearest")) * np.sqrt(ivar)
    return float(lam[int(np.argmax(uniform_filter1d(excess, 3)))])


def extra_candidates(zbins, prob, cands, flux, ivar, lam, z_range, window: int = 6) -> list:
    """Candidates the CNN may have missed: the line aliases of its top solution, and the
    redshifts at which the spectrum's strongest emission feature is Lyα, CIV, CIII], MgII, Hβ or
    [OIII]. Each gets the CNN's probability within ±``window`` bins as its prior (at least 1e-6);
    one within 2·``window`` bins of a candidate already there is not added."""
    peak = strongest_line(flux, ivar, lam)
    proposed = aliases(cands[0][0], z_range)
    if np.isfinite(peak):
        proposed += [peak / line - 1 for line in ALIAS_LINES + (5008.24,) if z_range[0] <= peak / line - 1 <= z_range[1]]
    taken = list(np.log1p([z for z, _ in cands]))
    out = []
    for z in proposed:
        if np.abs(np.array(taken) - np.log1p(z)).min() > 2 * window * zbins.width:
            j = int(zbins.index(z))
            out.append((z, max(float(prob[max(0, j - window):j + window + 1].sum()), 1e-6)))
            taken.append(np.log1p(z))
    return out


#: where each candidate is first tried, in ln(1 + z) about its peak (a pixel of the grid is 0.0023)
FIRST_OFFSETS = (-0.008, 0.0, 0.008)


def best_candidate(flux, ivar, lam, cands, bal: bool = False, prior_weight: float = 1.0) -> tuple[int, float, float]:
    """The most probable candidate given the fit and the CNN: the lowest χ² − 2 ln(mass).

    Each candidate's redshift is first tried at ln(1 + z) + :data:`FIRST_OFFSETS`; the two best
    are then refined in steps of 0.002 (≈ 600 km/s) around their best point.

    Returns its index in ``cands``, its refined z and the score it gains over the first candidate.
    """
    prior = [-prior_weight * 2 * np.log(m) for _, m in cands]  # the CNN's peak mass is the prior
    scale = flux_scale(flux, ivar)

    def score(k, t):
        return chi2(flux, ivar, lam, np.expm1(t), bal, scale) + prior[k]

    best = []  # (score, t) of each candidate
    for k, (z, _) in enumerate(cands):
        best.append(min((score(k, t), t) for t in np.log1p(z) + np.array(FIRST_OFFSETS)))
    for k in np.argsort([b[0] for b in best])[:2]:
        t0 = best[k][1]
        best[k] = min([best[k]] + [(score(k, t), t) for t in t0 + np.array([-0.004, -0.002, 0.002, 0.004])])
    i = int(np.argmin([b[0] for b in best]))
    return i, float(np.expm1(best[i][1])), float(best[0][0] - best[i][0])


def check_quasar_redshifts(zbins, prob, flux, ivar, lam, is_quasar, is_bal=None, z_range=(0.0, 7.0),
                           alias_below: float = 0.5, min_gain: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Replace the CNN's redshift by a better-fitting candidate where the CNN saw several.

    Parameters
    ----------
    zbins : ZBins
    prob : (n, nbins) array
        The redshift CNN's probabilities (already limited to each spectrum's class range).
    flux, ivar : (n, npix) arrays
        The rebinned spectra (not standardised) on wavelengths ``lam`` (Å).
    is_quasar, is_bal : (n,) bool
        Which spectra the classifier calls quasars (only those are checked), and BAL quasars.
    z_range : (float, float)
        Where a quasar may be (the line aliases of the top solution are tried within it).
    alias_below : float
        Where the top solution's probability is below this, :func:`extra_candidates` are tried too.
    min_gain : float
        The score (χ² − 2 ln mass) a candidate must gain over the most probable one to replace it
        (:data:`BAL_MIN_GAIN` for a BAL quasar, if larger).

    Returns
    -------
    z : (n,) the chosen redshift where one replaced the CNN's, NaN elsewhere
    checked : (n,) bool, the spectra that had several candidates and were fitted
    """
    n = len(prob)
    is_bal = np.zeros(n, bool) if is_bal is None else np.asarray(is_bal, bool)
    z = np.full(n, np.nan)
    checked = np.zeros(n, bool)
    for i in np.flatnonzero(is_quasar):
        out = check_one(zbins, prob[i], flux[i], ivar[i], lam, bool(is_bal[i]), z_range, alias_below)
        if out is None:
            continue
        checked[i] = True
        k, z_best, gain = out
        if k != 0 and gain > (max(min_gain, BAL_MIN_GAIN) if is_bal[i] else min_gain):
            z[i] = z_best
    return z, checked


def check_one(zbins, prob, flux, ivar, lam, bal: bool, z_range, alias_below: float = 0.5):
    """One spectrum's check (:func:`check_quasar_redshifts`): None where the CNN saw a single peak,
    else :func:`best_candidate`'s (index of the best candidate, its refined z, the score it gains
    over the CNN's peak), line aliases included where the top peak holds under ``alias_below``."""
    cands = candidates(zbins, prob)
    if len(cands) < 2:
        return None
    if cands[0][1] < alias_below:
        cands += extra_candidates(zbins, prob, cands, flux, ivar, lam, z_range)
    return best_candidate(flux, ivar, lam, cands, bal)


def class_redshifts(zbins, zprob, labels, class_names, z_range: dict, flux=None, ivar=None, lam=None,
                    quasars=("QSO", "QSO_BAL"), bal="QSO_BAL", window: int = 6, check_bal: bool = False) -> dict:
    """Each spectrum's redshift given the class the classifier names: what ``specml predict`` does.

    The CNN's probability is limited to the class' range (:meth:`ZBins.restrict`), its peak read
    (:meth:`ZBins.estimate`), and, where ``flux``, ``ivar`` and ``lam`` are given, quasars with
    several candidate peaks are checked with :func:`check_quasar_redshifts` — except those called
    BAL quasars, unless ``check_bal``: their troughs take flux from the very lines the check fits,
    and on three mock samples the check made more catastrophic redshifts of them than it mended
    (`scripts/zcheck_bal_trial.py`, `benchmarks/zcheck_bal.jsonl`).

    Returns
    -------
    dict with ``z``, ``z_err`` (unscaled σ of the chosen peak), ``peak_mass``, ``z_check``
    (0: not checked, 1: checked, the CNN's peak kept, 2: checked, replaced by another candidate,
    3: a BAL quasar whose CNN saw several peaks, not fitted, the CNN's peak kept) and ``z_cnn``
    (the CNN's own peak, before any check)
    """
    labels = np.asarray(labels)
    names = list(class_names)
    prob = zbins.restrict(zprob, z_range, names, labels) if z_range else np.asarray(zprob)
    z, z_err, mass = zbins.estimate(prob, window)
    z_cnn = z.copy()
    z_check = np.zeros(len(z), np.int16)
    if flux is not None and len(z):
        is_q = np.isin(labels, [names.index(q) for q in quasars if q in names])
        is_bal = labels == names.index(bal) if bal in names else np.zeros(len(z), bool)
        qrange = z_range.get(quasars[0], (0.0, 7.0)) if z_range else (0.0, 7.0)
        z_new, checked = check_quasar_redshifts(zbins, prob, flux, ivar, lam, is_q if check_bal else is_q & ~is_bal,
                                                is_bal, qrange)
        swap = ~np.isnan(z_new)
        z_check[checked] = 1
        z_check[swap] = 2
        if not check_bal:  # unsure BAL redshifts are still flagged as unsure
            z_check[[i for i in np.flatnonzero(is_q & is_bal) if len(candidates(zbins, prob[i])) >= 2]] = 3
        for i in np.flatnonzero(swap):  # σ and mass of the peak that was chosen
            j = int(zbins.index(z_new[i]))
            near = np.zeros_like(prob[i])
            near[max(0, j - window):j + window + 1] = prob[i][max(0, j - window):j + window + 1]
            if near.sum() > 0:
                _, e, m = zbins.estimate(near[None, :], window)
                z_err[i], mass[i] = e[0], m[0]
            else:
                z_err[i], mass[i] = zbins.width * (1 + z_new[i]), 0.0
        z = np.where(swap, z_new, z)
    return {"z": z, "z_err": z_err, "peak_mass": mass, "z_check": z_check, "z_cnn": z_cnn}
