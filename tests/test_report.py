"""What the notebooks show: display tables, figure captions."""
import numpy as np
import pytest


def test_display_tables_show_integers_fixed_decimals_and_a_dash_for_missing():
    import pandas as pd

    from specml_utils.report import table

    df = pd.DataFrame({"n": [1683.0, 12.0, np.nan], "f1": [0.98765, np.nan, 0.5], "rate": [5296.94, 13403.0, 1.25],
                       "name": ["a", None, "c"]}, index=["x", "y", "z"])
    df["k"] = pd.array([3, pd.NA, 7], dtype="Int64")
    got = table(df, {"rate": 0})
    assert got.loc["x"].tolist() == ["1,683", "0.988", "5,297", "a", "3"]
    assert got.loc["y"].tolist() == ["12", "—", "13,403", "—", "—"]
    assert got.loc["z"].tolist() == ["—", "0.500", "1", "c", "7"]
    assert table(df, 1).loc["x", "f1"] == "1.0" and table(df, 1).loc["x", "rate"] == "5,296.9"
    # a small negative value that rounds to zero shows no sign; one that does not keeps it
    tiny = table(pd.DataFrame({"dz": [-0.00002, -0.0003, -0.0006]}), 3)["dz"].tolist()
    assert tiny == ["0.000", "0.000", "-0.001"]


@pytest.mark.parametrize("name", ["01_explore", "02_crossmatch", "03_preprocess", "04_cnn_classify",
                                  "05_cnn_redshift", "06_compare_quasarnet"])
def test_every_figure_in_a_committed_notebook_has_its_caption_below_it(name):
    import json

    from specml_utils import paths
    from specml_utils.report import CAPTION_KEY

    nb = json.loads((paths.NOTEBOOKS / f"{name}.ipynb").read_text())
    missing = []
    for i, cell in enumerate(nb["cells"]):
        outputs = cell.get("outputs", [])
        for k, out in enumerate(outputs):
            if "image/png" in out.get("data", {}):
                after = outputs[k + 1] if k + 1 < len(outputs) else {}
                if not after.get("metadata", {}).get(CAPTION_KEY):
                    missing.append(f"cell {i}, output {k}")
    assert not missing, f"{name}: figures without a caption: {missing}"


def test_every_caption_belongs_to_a_figure_the_notebooks_save():
    from specml_utils import paths
    from specml_utils.captions import FIGURES

    assert [n for n in FIGURES if not (paths.FIGURES / f"{n}.png").exists()] == []
