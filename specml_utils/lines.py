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
