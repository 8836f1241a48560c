"""One interface to the two data sources: the mock survey (default) and real SDSS DR12.

Both live in a data home in the SAS layout; everything downstream reads the same files.
"""
from __future__ import annotations

import json
from pathlib import Path

from astropy.table import Table

from . import catalog, paths, sas
from .mock import MockConfig, generate_survey
from .mock.survey import DEFAULT_CLASS_MIX, DEFAULT_N_SPECTRA, code_fingerprint, resolve_physics


def mock_tag(n_spectra: int, seed: int, class_mix: str = DEFAULT_CLASS_MIX, physics: str = "auto") -> str:
    """The name of a mock survey's settings, e.g. ``n44000_seed12345_galaxy_rich_mixed``."""
    return f"n{n_spectra}_seed{seed}_{class_mix}_{resolve_physics(physics)}"


def mock_home(n_spectra: int, seed: int, class_mix: str = DEFAULT_CLASS_MIX, physics: str = "auto") -> Path:
    """Where the mock survey with these settings lives under the data folder."""
    return paths.MOCK / mock_tag(n_spectra, seed, class_mix, physics)


def ensure_mock(n_spectra: int = DEFAULT_N_SPECTRA, seed: int = 12345, class_mix: str = DEFAULT_CLASS_MIX,
                home=None, workers: int | None = None, progress: bool = True, physics: str = "auto") -> Path:
    """Generate the mock survey unless an identical one is already on disk; return its data home.

    Identical means the same settings made by the same generator (:func:`code_fingerprint` in the
    manifest): a survey left by an older version of the mock is made again, not reused."""
    home = Path(home) if home else mock_home(n_spectra, seed, class_mix, physics)
    cfg = MockConfig(n_spectra=n_spectra, seed=seed, class_mix=class_mix, workers=workers, physics=physics)
    manifest = home / "mock_manifest.json"
    if manifest.exists():
        made = json.loads(manifest.read_text())
        old = made["config"]
        same = all(old.get(k) == v for k, v in cfg.__dict__.items() if k != "workers")
        if same and made.get("mock_code") == code_fingerprint():
            return home
    generate_survey(cfg, home, progress=progress, replace=True)  # this folder belongs to these settings
    return home


def ensure_sdss(home=None, max_spectra: int | None = 1000, plates=None, base_url: str = sas.SAS_URL,
                progress: bool = True) -> Path:
    """Download the DR12Q catalogs and spectra (of the cleaned catalog's rows) unless present."""
    from .download import download_catalogs, download_spectra

    home = Path(home) if home else paths.SDSS
    rep = download_catalogs(home, base_url, progress=progress)
    if rep.failed or rep.missing:
        raise OSError(f"could not download the DR12Q catalogs: {rep.summary()}")
    cat, _ = catalog.clean(catalog.read_superset(home / sas.SUPERSET_RELPATH))
    download_spectra(cat, home, base_url, plates=plates, max_spectra=max_spectra, progress=progress)
    return home


def prepare(source: str = "mock", n_spectra: int = DEFAULT_N_SPECTRA, seed: int = 12345, class_mix: str = DEFAULT_CLASS_MIX,
            max_spectra: int | None = 1000, base_url: str = sas.SAS_URL, progress: bool = True) -> Path:
    """Make sure the chosen source is on disk and return its data home (``source``: "mock" or "sdss")."""
    if source == "mock":
        return ensure_mock(n_spectra, seed, class_mix, progress=progress)
    if source == "sdss":
        return ensure_sdss(max_spectra=max_spectra, base_url=base_url, progress=progress)
    raise ValueError(f"source must be 'mock' or 'sdss', not {source!r}")


def load_catalog(home) -> Table:
    """The raw superset of a data home, with the BAL columns joined when the quasar catalog is there."""
    home = Path(home)
    cat = catalog.read_superset(home / sas.SUPERSET_RELPATH)
    if (home / sas.DR12Q_RELPATH).exists():
        cat = catalog.join_bal(cat, home / sas.DR12Q_RELPATH)
    return cat


def dataset_path(source: str = "mock", n_spectra: int = DEFAULT_N_SPECTRA, seed: int = 12345, class_mix: str = DEFAULT_CLASS_MIX,
                 nbins: int = 443) -> Path:
    """Where notebook 03 writes, and notebooks 04–06 read, the preprocessed dataset."""
    tag = f"mock_{mock_tag(n_spectra, seed, class_mix)}" if source == "mock" else "sdss"
    return paths.PROCESSED / f"{tag}_{nbins}bins.h5"
