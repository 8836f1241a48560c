"""SpecML: classify BOSS spectra (star, galaxy, QSO, BAL QSO) and measure their redshifts."""
__version__ = "0.1.0"
