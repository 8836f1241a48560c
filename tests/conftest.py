"""Shared fixtures: a small mock survey, the shared folder of real files (skip when absent)."""
from __future__ import annotations

import pytest

from specml_utils import paths
from specml_utils.mock import MockConfig, generate_survey


@pytest.fixture(scope="session")
def shared():
    d = paths.shared_dir()
    if d is None:
        pytest.skip("../shared (real spectra, QuasarNET files) is absent")
    return d


@pytest.fixture(scope="session")
def real_files(shared):
    files = paths.real_spectra_files()
    if not files:
        pytest.skip("no real spectra in ../shared/real_spectra")
    return files


@pytest.fixture(scope="session")
def small_mock(tmp_path_factory):
    """A 400-spectrum mock survey in the SAS layout (generated once per test session)."""
    home = tmp_path_factory.mktemp("mock")
    summary = generate_survey(MockConfig(n_spectra=400, seed=7, workers=1, chunk_size=100), home, progress=False)
    return home, summary
