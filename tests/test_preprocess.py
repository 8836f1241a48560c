"""The dataset: split by object, the HDF5 file, skipped spectra reported, atomic writes."""
import h5py
import numpy as np
import pytest

from specml_utils import catalog, sources
from specml_utils.atomic import atomic_path
from specml_utils.grid import standardize
from specml_utils.preprocess import PreprocessConfig, build_dataset, chunked, load_dataset, stratified_split
from specml_utils.spectra import COADD_DTYPE, spec_lite_bytes


def test_stratified_split_keeps_objects_together():
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 4, 2000)
    groups = np.arange(2000)
    groups[1900:] = groups[:100]  # 100 repeat observations
    labels[1900:] = labels[:100]
    split = stratified_split(labels, groups, seed=0)
    assert set(np.unique(split)) == {0, 1, 2}
    assert np.mean(split == 0) == pytest.approx(0.6, abs=0.02)
    assert (split[1900:] == split[:100]).all()
    for k in range(4):
        frac = np.mean(split[labels == k] == 2)
        assert frac == pytest.approx(0.2, abs=0.03)


def test_build_dataset_reports_bad_files(small_mock, tmp_path):
    home, _ = small_mock
    cat = sources.load_catalog(home)
    clean, _ = catalog.clean(cat)
    matched, _ = catalog.crossmatch(clean, home)
    # break three inputs: a truncated file, one with ivar = 0 everywhere, one outside the grid
    bad = tmp_path / "bad"
    bad.mkdir()
    paths = list(matched["PATH"])
    trunc = bad / "spec-0001-00001-0001.fits"
    trunc.write_bytes(open(paths[0], "rb").read()[:5000])
    coadd = np.zeros(100, COADD_DTYPE)
    coadd["LOGLAM"] = 3.56 + 1e-4 * np.arange(100)
    zero = bad / "spec-0001-00001-0002.fits"
    zero.write_bytes(spec_lite_bytes([], coadd, np.zeros(1, dtype=[("CLASS", "S6")])))
    coadd["LOGLAM"] = 4.2 + 1e-4 * np.arange(100)
    coadd["IVAR"] = 1
    outside = bad / "spec-0001-00001-0003.fits"
    outside.write_bytes(spec_lite_bytes([], coadd, np.zeros(1, dtype=[("CLASS", "S6")])))
    matched["PATH"][0], matched["PATH"][1], matched["PATH"][2] = str(trunc), str(zero), str(outside)
    out = tmp_path / "ds.h5"
    rep = build_dataset(matched, out, PreprocessConfig(workers=1, chunk_size=64), progress=False)
    assert sum(rep["skipped"].values()) == rep["spectra_in"] - rep["spectra_out"]
    assert any(k.startswith("unreadable") for k in rep["skipped"])
    assert rep["skipped"]["no valid pixel on the grid (ivar 0 everywhere or no overlap)"] >= 2
    assert str(trunc) in sum(rep["skipped_examples"].values(), [])
    ds = load_dataset(out)
    assert ds["X"].shape == (rep["spectra_out"], 443)
    assert np.isfinite(ds["X"]).all()
    assert set(np.unique(ds["split"])) == {0, 1, 2}
    assert ds["provenance"]["config"]["nbins"] == 443 and "specml_version" in ds["provenance"]
    assert ds["loglam"][0] == pytest.approx(np.log10(3600) + 5e-4)
    test = load_dataset(out, split="test")
    assert len(test["label"]) == rep["spectra_out"] - np.sum(ds["split"] != 2)


def test_the_dataset_is_the_same_however_the_chunks_arrive(small_mock, tmp_path):
    """Each chunk is placed and standardised as it comes back, in whatever order the workers finish:
    the file must be the one a single pass over all spectra gives, skipped spectra included."""
    home, _ = small_mock
    matched, _ = catalog.crossmatch(catalog.clean(sources.load_catalog(home))[0], home)
    coadd = np.zeros(100, COADD_DTYPE)
    coadd["LOGLAM"] = 3.56 + 1e-4 * np.arange(100)   # ivar 0 everywhere: skipped
    zero = tmp_path / "spec-0001-00001-0002.fits"
    zero.write_bytes(spec_lite_bytes([], coadd, np.zeros(1, dtype=[("CLASS", "S6")])))
    matched["PATH"][5] = str(zero)
    reps, sets = [], []
    for k, (workers, size) in enumerate([(1, 1000), (2, 7)]):
        reps.append(build_dataset(matched, tmp_path / f"{k}.h5", PreprocessConfig(workers=workers, chunk_size=size),
                                  progress=False))
        sets.append(load_dataset(tmp_path / f"{k}.h5"))
    assert reps[0]["skipped"] == reps[1]["skipped"] == {"no valid pixel on the grid (ivar 0 everywhere or no overlap)": 1}
    a, b = sets
    assert a.keys() == b.keys()
    for key in a:
        if key not in ("provenance", "report"):
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    np.testing.assert_array_equal(a["X"], standardize(a["flux"], a["ivar"]))  # all at once, as before


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "ds.h5"
    target.write_bytes(b"previous")
    with pytest.raises(RuntimeError):
        with atomic_path(target, ".h5") as tmp:
            with h5py.File(tmp, "w") as h:
                h["x"] = np.arange(3)
            raise RuntimeError("interrupted midway")
    assert target.read_bytes() == b"previous"
    assert list(tmp_path.iterdir()) == [target]


def test_atomic_write_gives_the_usual_file_mode(tmp_path):
    import os
    import stat

    from specml_utils.atomic import atomic_write_bytes

    new = tmp_path / "new.txt"
    atomic_write_bytes(new, b"x")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~mask
    old = tmp_path / "old.txt"
    old.write_bytes(b"a")
    old.chmod(0o640)
    atomic_write_bytes(old, b"b")
    assert stat.S_IMODE(old.stat().st_mode) == 0o640 and old.read_bytes() == b"b"


def test_a_class_too_small_to_split_goes_to_training_with_a_warning():
    from specml_utils.preprocess import stratified_split

    labels = np.array([2] * 30 + [0] * 12 + [3])          # one BAL quasar only
    with pytest.warns(UserWarning, match=r"QSO_BAL \(1\)"):
        split = stratified_split(labels, seed=0)
    assert split[-1] == 0
    for k in (0, 1, 2):                                      # the other classes are still split
        assert (split[labels == 2] == k).any() and (split[labels == 0] == k).any()
    assert (stratified_split(np.array([1, 1])) == 0).all()  # nothing to split at all


def test_a_catalog_without_usable_spectra_is_a_clear_error(small_mock, tmp_path):
    home, _ = small_mock
    matched, _ = catalog.crossmatch(catalog.clean(sources.load_catalog(home))[0], home)
    matched = matched[:5]
    matched["PATH"] = [str(tmp_path / f"missing{i}.fits") for i in range(5)]
    with pytest.raises(ValueError, match="no usable spectrum: 5 catalog rows"):
        build_dataset(matched, tmp_path / "x.h5", PreprocessConfig(workers=1), progress=False)
    assert not (tmp_path / "x.h5").exists()


@pytest.mark.parametrize("n, size, workers, expect", [(20000, 500, 16, 313), (20000, 500, 2, 500), (1000, 500, 16, 50),
                                                       (30, 500, 4, 30), (3, 500, 1, 3), (0, 500, 2, 0)])
def test_chunks_give_every_worker_several_and_lose_nothing(n, size, workers, expect):
    paths = [f"f{i}" for i in range(n)]
    chunks = chunked(paths, size, workers)
    assert sum(chunks, []) == paths
    assert max(map(len, chunks), default=0) == expect
    if n >= 4 * workers * 50:
        assert len(chunks) >= 4 * workers

