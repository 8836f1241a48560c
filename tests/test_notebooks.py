"""Notebooks 01–03 run headless through papermill with small parameters and write their outputs."""
import json

import pytest

from specml_utils import notebooks


@pytest.mark.slow
def test_notebooks_01_to_03_run_with_small_parameters(tmp_path, monkeypatch):
    figures = tmp_path / "figures"
    monkeypatch.setenv("SPECML_FIGURES", str(figures))   # the kernel inherits these
    monkeypatch.setenv("SPECML_DATA", str(tmp_path / "data"))
    params = {"n_spectra": 600, "seed": 11}
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
    assert (tmp_path / "data" / "processed" / "mock_n600_seed11_balanced_443bins.h5").exists()
    for fig in ("01_class_examples", "01_redshift_sn", "02_dropped_rows", "03_before_after", "03_split_balance"):
        assert (figures / f"{fig}.png").stat().st_size > 10_000
