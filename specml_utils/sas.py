"""Where files live on the SDSS Science Archive Server (SAS), and so in a local data home.

The mock survey is written in the same layout, so one code path serves both.
"""
from __future__ import annotations

#: default base URL of the SAS
SAS_URL = "https://data.sdss.org/sas/"
#: the BOSS DR12 reduction
RUN2D = "v5_7_0"
#: the DR12Q superset (every visually inspected quasar target) and the quasar catalog
SUPERSET_RELPATH = "dr12/boss/qso/DR12Q/Superset_DR12Q.fits"
DR12Q_RELPATH = "dr12/boss/qso/DR12Q/DR12Q.fits"
#: sizes of the catalogs on the SAS (bytes, approximate, for the README and progress bars)
SUPERSET_SIZE = 330_000_000
DR12Q_SIZE = 545_000_000
#: a typical spec-lite file (bytes)
SPEC_LITE_SIZE = 230_000


def spectrum_relpath(plate: int, mjd: int, fiberid: int, run2d: str = RUN2D) -> str:
    """SAS-relative path of a spec-lite file (PLATE and FIBER zero-padded to 4 digits)."""
    return (f"dr12/boss/spectro/redux/{run2d}/spectra/lite/{int(plate):04d}/"
            f"spec-{int(plate):04d}-{int(mjd):05d}-{int(fiberid):04d}.fits")


def spectra_root(run2d: str = RUN2D) -> str:
    """SAS-relative folder that holds the spec-lite plate folders."""
    return f"dr12/boss/spectro/redux/{run2d}/spectra/lite"
