"""Where the compendium keeps things.

Every path is derived from this file's location, never from the current directory:
papermill runs a kernel in the caller's directory, JupyterLab and nbval in the notebook's.
"""
from __future__ import annotations

import os
from pathlib import Path

#: repository root (the folder holding ``pyproject.toml``)
ROOT = Path(__file__).resolve().parent.parent
#: data home; override with the environment variable ``SPECML_DATA``
DATA = Path(os.environ.get("SPECML_DATA", ROOT / "data"))
#: the default mock survey, laid out as on the SDSS Science Archive Server
MOCK = DATA / "mock"
#: real SDSS files downloaded from the SAS, same layout
SDSS = DATA / "sdss"
#: preprocessed datasets (HDF5)
PROCESSED = DATA / "processed"
#: trained models (notebooks 04 and 05 write them, ``specml predict`` reads them)
MODELS = DATA / "models"
#: figures written by the notebooks; override with ``SPECML_FIGURES`` (tests do, to keep the committed ones)
FIGURES = Path(os.environ.get("SPECML_FIGURES", ROOT / "figures"))
#: metrics JSON files written by the notebooks
METRICS = FIGURES / "metrics"
#: the executed notebooks
NOTEBOOKS = ROOT / "notebooks"


def shared_dir() -> Path | None:
    """The peers' shared folder (real spectra, templates), or None when absent.

    Looked up as ``$SPECML_SHARED`` or ``../shared`` beside the repository.
    """
    env = os.environ.get("SPECML_SHARED")
    candidates = [Path(env)] if env else []
    candidates.append(ROOT.parent / "shared")
    for path in candidates:
        if path.is_dir():
            return path
    return None


def real_spectra_files() -> list[Path]:
    """All real spec-lite files in the shared folder (empty when it is absent)."""
    shared = shared_dir()
    if shared is None:
        return []
    return sorted((shared / "real_spectra").glob("*/spec-*.fits"))


def shown(path) -> str:
    """A path as a reader should see it: relative to the project when inside it, else its name
    (machine-specific absolute paths do not belong in an executed notebook)."""
    p = Path(path).resolve()
    return str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else p.name


def models_folder(models_dir: str = "") -> Path | None:
    """The folder a notebook's ``models_dir`` parameter names: empty for :data:`MODELS`,
    ``"none"`` for nowhere (None), else that folder."""
    if models_dir == "none":
        return None
    return Path(models_dir) if models_dir else MODELS
