"""The notebooks run headless through papermill with small parameters and write their outputs;
a sweep runs one notebook per grid point."""
import json

import pytest

from specml_utils import notebooks
from specml_utils.classes import CLASS_NAMES

pytestmark = pytest.mark.slow  # integration: runs notebooks or many spectra on workers

SMALL = {"n_spectra": 600, "seed": 11}


def _errors(path):
    nb = json.loads(path.read_text())
    return [o for c in nb["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]


@pytest.fixture(scope="module")
def small_home(tmp_path_factory):
    """Environment for a small main job: its own data and figures folders (the kernel inherits them)."""
    tmp = tmp_path_factory.mktemp("nb")
    mp = pytest.MonkeyPatch()
    mp.setenv("SPECML_FIGURES", str(tmp / "figures"))
    mp.setenv("SPECML_DATA", str(tmp / "data"))
    yield tmp
    mp.undo()


def test_notebooks_01_to_03_run_with_small_parameters(small_home):
    tmp_path, figures = small_home, small_home / "figures"
    params = SMALL
    for name in ("01_explore", "02_crossmatch", "03_preprocess"):
        extra = {"interactive": False} if name == "01_explore" else {"workers": 1} if name == "03_preprocess" else {}
        notebooks.run(name, {**params, **extra}, out=tmp_path / f"{name}.ipynb")
        nb = json.loads((tmp_path / f"{name}.ipynb").read_text())
        errors = [o for c in nb["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]
        assert not errors
        assert "papermill" not in nb["metadata"]  # run metadata stripped
    m1 = json.loads((figures / "metrics" / "01_explore.json").read_text())
    assert m1["n_rows"] == 600 and sum(m1["class_counts"].values()) == 600
    m3 = json.loads((figures / "metrics" / "03_preprocess.json").read_text())
    assert m3["spectra_out"] > 500
    from specml_utils import sources
    tag = sources.mock_tag(600, 11, "galaxy_rich")              # mixed physics with the templates, else analytic
    assert (tmp_path / "data" / "processed" / f"mock_{tag}_443bins.h5").exists()
    for fig in ("01_class_examples", "01_redshift_sn", "02_dropped_rows", "03_before_after", "03_split_balance"):
        assert (figures / f"{fig}.png").stat().st_size > 10_000


def test_notebooks_04_to_06_train_save_and_compare(small_home):
    """One epoch each on the small survey: the models are saved where 05, 06 and predict find them."""
    tmp, figures = small_home, small_home / "figures"
    models = tmp / "models"
    quick = {**SMALL, "epochs": 1, "rf_trees": 5, "models_dir": str(models)}
    for name in ("04_cnn_classify", "05_cnn_redshift", "06_compare_quasarnet"):
        notebooks.run(name, {k: v for k, v in quick.items() if k in notebooks.declared_parameters(name)},
                      out=tmp / f"{name}.ipynb")
        assert not _errors(tmp / f"{name}.ipynb")
    m4 = json.loads((figures / "metrics" / "04_cnn_classify.json").read_text())
    assert set(m4["per_model"]) == {"rnc1", "rnc2", "specnet", "random forest"}
    assert m4["chosen"] in {"rnc1", "rnc2", "specnet"} and 0 <= m4["macro_f1"] <= 1
    m5 = json.loads((figures / "metrics" / "05_cnn_redshift.json").read_text())
    assert set(m5["sigma_scale"]) == set(CLASS_NAMES) and min(m5["sigma_scale"].values()) > 0
    assert 0 <= m5["purity_completeness"]["completeness"] <= 1
    m6 = json.loads((figures / "metrics" / "06_compare_quasarnet.json").read_text())
    assert any(n.startswith("ours") for n in m6["side_by_side"]) and "QuasarNET retrained" in m6["side_by_side"]
    info = json.loads((models / "bundle.json").read_text())
    assert info["classifier"]["architecture"] == m4["chosen"] and info["redshift"]["sigma_scale"] == m5["sigma_scale"]
    assert info["classifier"]["members"] == 3 and list(m4["ensemble_members"]) == ["seed 0", "seed 1", "seed 2", "mean"]
    assert info["classifier"]["prior"]["name"] == "dr12" and len(info["classifier"]["prior"]["weights"]) == 4
    from specml_utils import real
    if real.vi_catalog() is not None:                          # the real spectra are scored, per label source
        for m in (m4, m5):
            assert m["real"]["VI"]["n"] == len(real.vi_catalog()) and m["real"]["pipeline"]["n"] > 0
        assert len(m4["real_seed_accuracy"]) == 3
        assert "completeness" in m5["real"]["VI"]
    for fig in ("04_confusion_matrix", "04_reliability", "04_training_curves", "05_dz_vs_z_qso",
                "05_zpred_vs_ztrue_qso", "05_sigma_calibration", "06_purity_completeness_vs_threshold"):
        assert (figures / f"{fig}.png").stat().st_size > 10_000


def test_sweep_runs_one_notebook_per_point(small_home, tmp_path):
    from specml_utils.cli import main

    out = tmp_path / "sweep"
    assert main(["sweep", "05", "-g", "learning_rate", "0.001,0.003", "-p", "n_spectra", "600", "-p", "seed", "11",
                 "-p", "epochs", "1", "-p", "rf_trees", "3", "-p", "filters", "8", "--out", str(out)]) == 0
    import pandas as pd

    df = pd.read_csv(out / "summary.csv")
    assert df["learning_rate"].tolist() == [0.001, 0.003]
    assert df["sigma_nmad"].notna().all() and "error" not in df
    assert (out / "05_cnn_redshift_point1.ipynb").exists() and (out / "summary.png").exists()
    assert not (out / "point0" / "models").exists()          # sweeps save no models


def test_sweep_refuses_unknown_parameters(tmp_path):
    from specml_utils.sweep import run_sweep

    with pytest.raises(ValueError, match="unknown parameter"):
        run_sweep("04_cnn_classify", {"learning_rat": [0.1]}, tmp_path)
    assert not any(tmp_path.iterdir())
