import pytest
import h5py

from specml_utils import sas
from specml_utils.cli import main


def test_mock_then_preprocess(tmp_path, capsys):
    home = tmp_path / "mock"
    assert main(["mock", "--n-spectra", "150", "--seed", "5", "--out", str(home), "--workers", "1", "--quiet"]) == 0
    assert (home / sas.SUPERSET_RELPATH).exists()
    out = tmp_path / "ds.h5"
    assert main(["preprocess", "--data", str(home), "--out", str(out), "--workers", "1", "--quiet"]) == 0
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


def test_a_second_survey_is_refused_in_a_used_folder_unless_replaced(tmp_path, capsys):
    home = tmp_path / "mock"
    args = ["mock", "--n-spectra", "40", "--out", str(home), "--workers", "1", "--quiet", "--physics", "analytic"]
    assert main(args + ["--seed", "1"]) == 0
    assert main(args + ["--seed", "1"]) == 0                        # the same survey again is fine
    assert main(args + ["--seed", "2"]) == 2
    assert "holds another survey" in capsys.readouterr().err
    assert main(args + ["--seed", "2", "--replace"]) == 0
    from astropy.table import Table
    cat = Table.read(home / sas.SUPERSET_RELPATH)
    names = {f"spec-{p:04d}-{m:05d}-{f:04d}.fits" for p, m, f in zip(cat["PLATE"], cat["MJD"], cat["FIBERID"])}
    on_disk = {p.name for p in home.rglob("spec-*.fits")}
    assert on_disk <= names                                           # no spectrum of seed 1 is left


def test_bad_sizes_and_unknown_notebooks_are_clear_errors(tmp_path, capsys):
    assert main(["mock", "--n-spectra", "0", "--out", str(tmp_path / "never"), "--quiet"]) == 2
    assert not (tmp_path / "never").exists()
    assert "n_spectra must be at least 1" in capsys.readouterr().err
    assert main(["notebooks", "--only", "99"]) == 2
    assert "no notebook matches 99" in capsys.readouterr().err


def test_predict_never_overwrites_an_input(shared, tmp_path, capsys):
    import shutil

    src = sorted((shared / "real_spectra").glob("*/spec-*.fits"))[0]
    f = tmp_path / src.name
    shutil.copy(src, f)
    before = f.read_bytes()
    assert main(["predict", str(f), "--out", str(f)]) == 2
    assert "the output is one of the inputs" in capsys.readouterr().err
    assert f.read_bytes() == before


def test_an_output_that_cannot_be_written_is_refused_before_any_work(shared, tmp_path, capsys):
    import os

    src = sorted((shared / "real_spectra" / "boss_dr12_vi").glob("spec-*.fits"))[0]
    # no model exists at --model: the output is checked first, so its error is the one reported
    no_model = ["--model", str(tmp_path / "no_models")]
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    assert main(["predict", str(src), "--out", str(blocker / "pred.fits"), *no_model]) == 2
    assert "is a file, not a folder (checked before any work)" in capsys.readouterr().err
    if os.geteuid() != 0:          # permission bits do not stop root
        ro = tmp_path / "read_only"
        ro.mkdir(mode=0o555)
        assert main(["predict", str(src), "--out", str(ro / "pred.fits"), *no_model]) == 2
        assert "cannot write in" in capsys.readouterr().err


def test_a_real_spec_lite_file_under_another_name_is_read(shared, tmp_path):
    import shutil

    from specml_utils.spectra import read_any, read_spec_lite

    src = sorted((shared / "real_spectra" / "boss_dr12_vi").glob("spec-*.fits"))[0]
    f = tmp_path / "myspectrum.fits"
    shutil.copy(src, f)
    a, b = read_any(f)[0], read_spec_lite(src)
    assert (a.flux == b.flux).all() and (a.loglam == b.loglam).all()


@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_leaves_no_partial_file(tmp_path, workers):
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "mock"
    proc = subprocess.Popen([sys.executable, "-m", "specml_utils.cli", "mock", "--n-spectra", "20000", "--workers", str(workers),
                             "--out", str(out), "--quiet", "--physics", "analytic"])
    deadline = time.time() + 120
    while time.time() < deadline and not list(out.rglob("spec-*.fits")):
        time.sleep(0.2)
    assert list(out.rglob("spec-*.fits")), "the mock wrote nothing within 120 s"
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(120)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("the mock did not stop within 120 s of SIGTERM") from None
    assert rc == 130
    assert not [p for p in out.rglob("*") if ".part" in p.name], "a temporary file was left behind"
    assert not os.path.exists(out / "mock_manifest.json")


def test_parameter_values_of_the_wrong_type_are_refused_before_anything_runs(tmp_path, capsys):
    from specml_utils import notebooks

    notebooks.check_parameters("04_cnn_classify", {"epochs": 3, "learning_rate": 1, "augment": False})
    assert main(["sweep", "04", "-g", "epochs", "notanumber", "--out", str(tmp_path / "s")]) == 2
    assert "parameter epochs takes a int (default 15)" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()


def test_importing_the_networks_prints_nothing():
    # TensorFlow's C++ start-up lines would land in every executed notebook's first output
    import subprocess
    import sys

    res = subprocess.run([sys.executable, "-c", "import specml_utils.models, specml_utils.training"],
                         capture_output=True, text=True, check=True)
    assert res.stderr == "" and res.stdout == ""


@pytest.mark.slow
def test_sigterm_during_a_notebook_run_leaves_no_partial_notebook(tmp_path):
    # a batch scheduler's time limit during `specml notebooks` (or `specml sweep`, which runs the same code)
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "out"
    env = {**os.environ, "SPECML_DATA": str(tmp_path / "data"), "SPECML_FIGURES": str(tmp_path / "figures")}
    proc = subprocess.Popen([sys.executable, "-m", "specml_utils.cli", "notebooks", "--only", "02", "--out-dir", str(out)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and not list((tmp_path / "data").rglob("spec-*.fits")):
        time.sleep(0.2)                                  # the notebook is running: its kernel writes the mock
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(120) == 130
    assert not (out / "02_crossmatch.ipynb").exists()
    assert not [p for p in out.rglob("*") if ".part" in p.name], "a partial notebook was left behind"
