"""Published reference numbers, quoted as published (never computed here).

Thesis: the Universidad de los Andes thesis this project grows out of (RNC 1.0 / RNC 2.0 on
16,000 BOSS DR12 test spectra, Tablas 2–4). QuasarNET: Busca & Balland (2018), arXiv:1808.09955.
"""
from __future__ import annotations

#: thesis, RNC 2.0, per class (precision, recall, F1) on its test split (Tabla 3)
THESIS_RNC2 = {"STAR": (0.97, 0.96, 0.96), "GALAXY": (0.96, 0.96, 0.96), "QSO": (0.92, 0.92, 0.92),
               "QSO_BAL": (0.93, 0.93, 0.93)}
#: thesis, RNC 1.0, the F1 values it reports (Tabla 2)
THESIS_RNC1_F1 = {"QSO": 0.90, "QSO_BAL": 0.89}
#: thesis test-split size
THESIS_TEST_SPECTRA = 16_000
#: thesis' Tabla 4: QSO purity / completeness / F1 in per cent
THESIS_TABLE4 = {"QuasarNET (published)": (99.51, 99.52, 99.51), "RNC 2.0 (published)": (92.2, 92.1, 92.1)}
#: QuasarNET: purity, completeness (per cent, ± 0.03), BAL recognised / non-BAL rejected (per cent)
QUASARNET = {"purity": 99.51, "completeness": 99.52, "bal_recall": 98.0, "nonbal_rejection": 97.0,
             "catastrophic_below": 0.2}
