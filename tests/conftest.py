"""Shared fixtures: a small mock survey, the shared folder of real files (skip when absent)."""
from __future__ import annotations

import pytest

from specml_utils import catalog, models, paths, sources, training
from specml_utils.bundle import grid_info, save_model
from specml_utils.classes import CLASS_NAMES
from specml_utils.mock import MockConfig, generate_survey
from specml_utils.preprocess import PreprocessConfig, build_dataset, load_dataset
from specml_utils.redshift_bins import ZBins


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


@pytest.fixture(scope="session")
def bundle_dir(small_mock, tmp_path_factory):
    """Classifier and redshift CNN, one epoch each on the small mock, saved as a bundle."""
    home, _ = small_mock
    tmp = tmp_path_factory.mktemp("bundle")
    matched, _ = catalog.crossmatch(catalog.clean(sources.load_catalog(home))[0], home)
    cfg = PreprocessConfig(workers=1)
    build_dataset(matched, tmp / "ds.h5", cfg, progress=False)
    tr, va = load_dataset(tmp / "ds.h5", "train"), load_dataset(tmp / "ds.h5", "val")
    zb = ZBins()
    clf = models.compile_classifier(models.specnet(filters=8, dense=16, zbins=zb))
    training.fit(clf, tr["X"], models.classifier_targets(clf, tr["label"], tr["z"], zb),
                 va["X"], models.classifier_targets(clf, va["label"], va["z"], zb), epochs=1, batch_size=64)
    red = models.compile_redshift(models.redshift_cnn(zbins=zb, filters=8, dense=16))
    training.fit(red, tr["X"], models.redshift_targets(red, tr["z"], tr["label"], zb),
                 va["X"], models.redshift_targets(red, va["z"], va["label"], zb), epochs=1, batch_size=64)
    info = grid_info(cfg.grid, cfg.weighted)
    out = tmp / "models"
    save_model(clf, out, "classifier", architecture="specnet", class_names=list(CLASS_NAMES), **info)
    save_model(red, out, "redshift", zbins={"t_min": zb.t_min, "t_max": zb.t_max, "width": zb.width},
                       sigma_scale=1.0, **info)
    return out, matched
