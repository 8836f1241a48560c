import h5py

from specml_utils import sas
from specml_utils.cli import main


def test_mock_then_preprocess(tmp_path, capsys):
    home = tmp_path / "mock"
    assert main(["mock", "--n-spectra", "150", "--seed", "5", "--out", str(home), "--workers", "1", "--quiet"]) == 0
    assert (home / sas.SUPERSET_RELPATH).exists()
    out = tmp_path / "ds.h5"
    assert main(["preprocess", "--data", str(home), "--out", str(out), "--processes", "1", "--quiet"]) == 0
    with h5py.File(out) as h:
        assert h["X"].shape[1] == 443 and h["X"].shape[0] > 100
    assert '"spectra_out"' in capsys.readouterr().out


def test_preprocess_without_data_is_a_clear_error(tmp_path, capsys):
    assert main(["preprocess", "--data", str(tmp_path), "--out", str(tmp_path / "x.h5"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "Superset_DR12Q.fits: catalog not found" in err
    assert not (tmp_path / "x.h5").exists()


def test_notebooks_refuse_unknown_parameters(capsys):
    import pytest

    with pytest.raises(ValueError, match="unknown parameter"):
        from specml_utils import notebooks

        notebooks.check_parameters("01_explore", {"n_spectrum": 5})
