"""The downloader against a real loopback HTTP server that serves SAS-layout files and injects faults."""
import pytest

from specml_utils import catalog, sas, sources
from specml_utils.download import DownloadError, NotFound, download_catalogs, download_spectra, fetch

from .sas_server import SASServer


def _rel_files(home, n):
    return sorted(str(p.relative_to(home)) for p in home.rglob("spec-*.fits"))[:n]


def test_faults_are_survived_and_bytes_are_identical(small_mock, tmp_path):
    home, _ = small_mock
    rels = _rel_files(home, 6)
    out = tmp_path / "sdss"
    with SASServer(home) as srv:
        srv.faults[rels[0]] = ["cut"]            # connection cut mid-file: resumes with Range
        srv.faults[rels[1]] = ["500", "500"]     # server errors: retried with backoff
        srv.faults[rels[2]] = ["slow"]           # slow response: waited for
        srv.faults[rels[3]] = ["cut", "cut"]     # cut twice: resumes twice
        missing = "dr12/boss/spectro/redux/v5_7_0/spectra/lite/9999/spec-9999-55555-0001.fits"
        from specml_utils.download import download_files

        rep = download_files(rels + [missing], out, srv.url, workers=3, progress=False, backoff=0.01)
        log = list(srv.log)
    assert sorted(rep.downloaded) == sorted(rels)
    assert rep.missing == [missing] and not rep.failed
    for rel in rels:
        assert (out / rel).read_bytes() == (home / rel).read_bytes(), rel
    # the resumed requests asked for the rest of the file, not all of it again
    resumes = [r for r in log if r[0] == rels[0] and r[1]]
    assert resumes and resumes[0][1].startswith("bytes=") and resumes[0][1] != "bytes=0-"
    assert not list(out.rglob("*.part"))


def test_cache_is_never_fetched_twice(small_mock, tmp_path):
    home, _ = small_mock
    rels = _rel_files(home, 3)
    with SASServer(home) as srv:
        from specml_utils.download import download_files

        download_files(rels, tmp_path, srv.url, workers=2, progress=False)
        n = len(srv.log)
        rep = download_files(rels, tmp_path, srv.url, workers=2, progress=False)
        assert len(srv.log) == n
    assert sorted(rep.cached) == sorted(rels) and not rep.downloaded


def test_interrupted_download_leaves_only_a_part_file(small_mock, tmp_path):
    home, _ = small_mock
    rel = _rel_files(home, 1)[0]
    with SASServer(home) as srv:
        srv.faults[rel] = ["cut"] * 10
        with pytest.raises(DownloadError, match="gave up"):
            fetch(srv.url + rel, tmp_path / "f.fits", retries=1, backoff=0.01)
        assert not (tmp_path / "f.fits").exists()
        assert (tmp_path / "f.fits.part").exists()
        # a later run, with the network healthy again, resumes the .part and completes it
        srv.faults[rel].clear()
        fetch(srv.url + rel, tmp_path / "f.fits", retries=2, backoff=0.01)
    assert (tmp_path / "f.fits").read_bytes() == (home / rel).read_bytes()
    with SASServer(home) as srv, pytest.raises(NotFound):
        fetch(srv.url + "nope.fits", tmp_path / "n.fits")


def test_catalog_then_spectra_like_the_cli(small_mock, tmp_path):
    """`specml download`'s path: catalogs, cleaning, then the spectra of the first N rows."""
    home, _ = small_mock
    with SASServer(home) as srv:
        rep = download_catalogs(tmp_path, srv.url, progress=False)
        assert sorted(rep.downloaded) == sorted([sas.SUPERSET_RELPATH, sas.DR12Q_RELPATH])
        cat, _ = catalog.clean(catalog.read_superset(tmp_path / sas.SUPERSET_RELPATH))
        rep = download_spectra(cat, tmp_path, srv.url, max_spectra=40, progress=False)
    # rows whose file the mock left out on purpose are reported as missing, the rest arrive
    assert len(rep.downloaded) + len(rep.missing) == 40 and not rep.failed
    matched, counts = catalog.crossmatch(cat, tmp_path)
    assert counts["matched"] == len(rep.downloaded)
    full = sources.load_catalog(tmp_path)
    assert "BAL_FLAG_VI" in full.colnames


def test_real_files_from_a_loopback_sas_download_and_preprocess(shared, tmp_path, capsys):
    """The `source = "sdss"` path on real-format inputs: the real superset rows and spec-lite files of
    plate 7102, served in the SAS layout on 127.0.0.1, go through `specml download` and `specml preprocess`."""
    import h5py

    from specml_utils import real
    from specml_utils.cli import main

    folder = shared / "real_spectra" / real.VI_SET
    if not (folder / real.VI_CATALOG).exists():
        pytest.skip("no boss_dr12_vi set in ../shared")
    root = tmp_path / "sas"                           # links, so the shared files are read in place
    (root / sas.SUPERSET_RELPATH).parent.mkdir(parents=True)
    (root / sas.SUPERSET_RELPATH).symlink_to(folder / real.VI_CATALOG)
    files = sorted(folder.glob("spec-*.fits"))
    for f in files:
        p, m, fib = (int(v) for v in f.stem.split("-")[1:])
        dest = root / sas.spectrum_relpath(p, m, fib)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.symlink_to(f)
    home = tmp_path / "home"
    with SASServer(root) as srv:
        assert main(["download", "--out", str(home), "--plates", "7102", "--no-bal", "--base-url", srv.url,
                     "--quiet"]) == 0
    assert len(list(home.rglob("spec-*.fits"))) == len(files)
    out = tmp_path / "real.h5"
    assert main(["preprocess", "--data", str(home), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    with h5py.File(out) as h:
        labels = h["label"][:]
        assert h["X"].shape == (len(files), 443)
        assert sorted(set(labels)) == [0, 1, 2, 3]      # stars, galaxies, quasars and BAL quasars, from VI
        assert set(h["split"][:]) == {0, 1, 2}



def test_a_truncated_fits_file_with_matching_headers_is_never_stored(small_mock, tmp_path):
    """A server that sends a cut file and announces the cut length: the FITS structure check catches it."""
    from specml_utils.fitsbytes import structure_problem

    home, _ = small_mock
    rel = _rel_files(home, 1)[0]
    good = (home / rel).read_bytes()
    served = tmp_path / "served"
    (served / rel).parent.mkdir(parents=True)
    (served / rel).write_bytes(good[: len(good) - 2880])    # one block short, a multiple of 2880 still
    assert structure_problem(served / rel) and structure_problem(home / rel) is None
    with SASServer(served) as srv, pytest.raises(DownloadError, match="not a whole FITS file"):
        fetch(srv.url + rel, tmp_path / "f.fits", retries=1, backoff=0.01)
    assert not (tmp_path / "f.fits").exists() and not (tmp_path / "f.fits.part").exists()
