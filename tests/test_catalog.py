import pytest
from astropy.table import Table

from specml_utils import catalog, sas


def hand_table():
    return Table({
        "SDSS_NAME": ["a", "b", "", "d", "e", "f", "g", "h", "i"],
        "THING_ID": [1, 2, 3, -1, 5, 6, 7, 8, 9],
        "PLATE": [10, 10, 10, 10, 10, 10, 10, 11, 10],
        "MJD": [5, 5, 5, 5, 5, 5, 5, 5, 5],
        "FIBERID": [1, 2, 3, 4, 5, 6, 7, 1, 1],
        "Z_VI": [0.0, 2.1, 0.5, 1.0, 0.3, 2.5, 0.0, 2.0, 0.0],
        "CLASS_PERSON": [1, 3, 4, 3, 0, 30, 2, 4, 1],
        "Z_CONF_PERSON": [3, 3, 3, 3, 0, 0, 3, 2, 3],
    })


def test_cleaning_counts_every_reason():
    out, rep = catalog.clean(hand_table())
    assert rep == {"rows_in": 9, "no object ID": 2, "invalid CLASS_PERSON code": 1,
                   "not inspected (CLASS_PERSON = 0)": 1, "Z_CONF_PERSON = 0": 1,
                   "duplicate (PLATE, MJD, FIBERID)": 1, "rows_out": 3}
    assert list(out["THING_ID"]) == [1, 2, 8]
    assert list(out["CLASS"]) == ["STAR", "QSO", "GALAXY"]
    assert list(out["LABEL"]) == [0, 2, 1]


def test_read_superset_errors_name_the_file(tmp_path):
    with pytest.raises(catalog.CatalogError, match="not found"):
        catalog.read_superset(tmp_path / "nope.fits")
    t = hand_table()
    t.remove_column("Z_CONF_PERSON")
    path = tmp_path / "Superset_DR12Q.fits"
    t.write(path)
    with pytest.raises(catalog.CatalogError, match=r"Superset_DR12Q.fits: missing column\(s\) Z_CONF_PERSON"):
        catalog.read_superset(path)
    path.write_bytes(b"garbage" * 100)
    with pytest.raises(catalog.CatalogError, match="Superset_DR12Q.fits"):
        catalog.read_superset(path)


def test_join_bal(tmp_path):
    t = hand_table()
    q = Table({"THING_ID": [2, 6, 6], "BAL_FLAG_VI": [0, 1, 1], "BI_CIV": [0.0, 1500.0, 1500.0]})
    q.write(tmp_path / "DR12Q.fits")
    j = catalog.join_bal(t, tmp_path / "DR12Q.fits")
    assert list(j["THING_ID"]) == list(t["THING_ID"])  # order and length kept
    assert list(j["BAL_FLAG_VI"]) == [-1, 0, -1, -1, -1, 1, -1, -1, -1]
    assert j["BI_CIV"][5] == 1500.0


def test_crossmatch_counts(small_mock):
    home, summary = small_mock
    cat = catalog.read_superset(home / sas.SUPERSET_RELPATH)
    matched, counts = catalog.crossmatch(cat, home)
    assert counts["catalog_rows"] == 400
    assert counts["spectra_on_disk"] == summary["n_files"]
    assert counts["matched"] == summary["n_files"]  # every file has its row
    assert counts["rows_without_spectrum"] == 400 - summary["n_files"]
    assert counts["objects"] < 400  # repeat observations
    assert all(p.endswith(".fits") for p in matched["PATH"])
    clean, _ = catalog.clean(cat)
    m2, c2 = catalog.crossmatch(clean, home)
    assert c2["spectra_without_row"] == summary["n_files"] - c2["matched"]
