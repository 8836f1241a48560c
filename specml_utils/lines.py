"""Rest-frame wavelengths (vacuum, Angstrom) of the lines that identify each class, and a line's profile."""
from __future__ import annotations

import numpy as np

#: broad (and a few narrow) quasar emission lines
QSO_LINES = {
    "Lyβ": 1025.72,
    "Lyα": 1215.67,
    "NV": 1240.14,
    "SiIV": 1399.8,
    "CIV": 1549.06,
    "CIII]": 1908.73,
    "MgII": 2799.12,
    "Hγ": 4341.68,
    "Hβ": 4862.68,
    "[OIII]": 5008.24,
    "Hα": 6564.61,
}

#: galaxy emission lines (star-forming)
GALAXY_EMISSION = {
    "[OII]": 3728.48,
    "Hδ": 4102.89,
    "Hγ": 4341.68,
    "Hβ": 4862.68,
    "[OIII]4960": 4960.30,
    "[OIII]": 5008.24,
    "[NII]6550": 6549.86,
    "Hα": 6564.61,
    "[NII]": 6585.27,
    "[SII]6718": 6718.29,
    "[SII]6733": 6732.67,
}

#: stellar/galaxy absorption features
ABSORPTION = {
    "Ca K": 3934.78,
    "Ca H": 3969.59,
    "Hδ": 4102.89,
    "G band": 4305.6,
    "Hγ": 4341.68,
    "Hβ": 4862.68,
    "Mg b": 5176.7,
    "Na D": 5894.6,
    "Hα": 6564.61,
    "Ca triplet": 8544.4,
}

#: the lines QuasarNET looks for (its own list, Angstrom)
QUASARNET_LINES = {
    "LYA": 1215.67,
    "CIV": 1548.2049,
    "CIII": 1908.734,
    "MgII": 2796.3511,
    "Hbeta": 4862.68,
    "Halpha": 6562.8,
}

#: lines worth marking on a plot of each class
MARKED = {
    "QSO": {k: QSO_LINES[k] for k in ["Lyα", "NV", "SiIV", "CIV", "CIII]", "MgII", "Hβ", "[OIII]", "Hα"]},
    "QSO_BAL": {k: QSO_LINES[k] for k in ["Lyα", "NV", "SiIV", "CIV", "CIII]", "MgII", "Hβ", "Hα"]},
    "GALAXY": {"[OII]": 3728.48, "Ca K": 3934.78, "Ca H": 3969.59, "G band": 4305.6, "Hβ": 4862.68,
               "[OIII]": 5008.24, "Mg b": 5176.7, "Na D": 5894.6, "Hα": 6564.61, "[SII]": 6725.0},
    "STAR": {"Ca K": 3934.78, "Ca H": 3969.59, "Hδ": 4102.89, "Hγ": 4341.68, "Hβ": 4862.68,
             "Mg b": 5176.7, "Na D": 5894.6, "Hα": 6564.61, "Ca triplet": 8544.4},
}

#: optical Fe II: the strong permitted lines either side of Hβ (air wavelengths, Å; multiplets 37, 38,
#: 42, 48, 49 and their blue neighbours) and rough relative strengths in I Zw 1 (the 4924/5018/5169
#: multiplet strongest, the blue group weakest), which blend into the broad bumps at 4570 and 5250 Å
FE2_OPTICAL = [(4173.46, 0.5), (4178.86, 0.5), (4233.17, 0.5), (4303.18, 0.5), (4351.77, 0.5), (4385.39, 0.5),
               (4416.83, 0.5), (4508.29, 1.0), (4515.34, 1.0), (4520.22, 1.0), (4522.63, 1.0), (4549.47, 1.0),
               (4555.89, 1.0), (4583.84, 1.0), (4629.34, 1.0), (4923.93, 1.5), (5018.44, 1.5), (5169.03, 1.5),
               (5197.58, 1.0), (5234.63, 1.0), (5276.00, 1.0), (5316.62, 1.0), (5362.87, 1.0)]
#: air to vacuum wavelength near 4,500 Å (1 + n_air − 1)
AIR_TO_VACUUM = 1.00028
#: the UV Fe II and Balmer pseudo-continuum of quasars ("small blue bump", 2200–4000 Å) as two broad humps:
#: (centre, σ) in Å
FE2_HUMPS = ((2600.0, 250.0), (3300.0, 300.0))

C_KMS = 299792.458  # speed of light, km/s
#: Lyα forest effective optical depth τ_eff(z) = TAU_EFF_A (1 + z)^TAU_EFF_GAMMA (Faucher-Giguère et al. 2008)
TAU_EFF_A = 0.0018
TAU_EFF_GAMMA = 3.92


def gaussian(u2):
    """exp(−u²/2) of squared distances ``u2`` in units of σ: a line's profile, exactly 0 beyond 10 σ.

    There it is below 2e-22 anyway; NumPy's exp of large negative numbers takes a path about 15×
    slower, and most of a line's pixels are far from it.
    """
    return np.where(u2 < 100.0, np.exp(-0.5 * np.minimum(u2, 100.0)), 0.0)
