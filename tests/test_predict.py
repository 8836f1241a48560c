"""`specml predict` end to end: a model trained for one epoch on a small mock survey, bad inputs included."""
import shutil
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from specml_utils import predict
from specml_utils.bundle import Bundle
from specml_utils.classes import CLASS_NAMES
from specml_utils.cli import main


def test_predict_writes_one_row_per_readable_spectrum_and_reports_bad_files(bundle_dir, tmp_path, capsys):
    models_dir, matched = bundle_dir
    inputs = tmp_path / "in"
    (inputs / "sub").mkdir(parents=True)
    good = [Path(str(matched["PATH"][i])) for i in range(12)]
    for k, p in enumerate(good):  # some in a sub-folder: folders are searched recursively
        shutil.copy(p, inputs / ("sub" if k % 2 else "") / p.name)
    trunc = inputs / "spec-9999-55555-0001.fits"
    trunc.write_bytes(open(good[0], "rb").read()[:3000])
    junk = inputs / "notes.fits"
    junk.write_text("not a FITS file")
    out = tmp_path / "pred.fits"
    assert main(["predict", str(inputs), "--out", str(out), "--model", str(models_dir)]) == 0
    with fits.open(out) as h:
        t, failed = h["PREDICTIONS"].data, h["FAILED"].data
        assert h["PREDICTIONS"].header["N_FAILED"] == 2
        # the Z_CHECK codes fit one header card whole (a longer one loses its comment, with a warning)
        assert h["PREDICTIONS"].header["ZCHECK"].endswith("3 BAL, not fit")
        assert h["PREDICTIONS"].header.comments["ZCHECK"] == "Z_CHECK: line-fit check"
    assert list(t.columns.names) == list(predict.OUTPUT_COLUMNS)
    assert len(t) == len(good)
    assert sorted(failed["FILE"]) == sorted([str(junk), str(trunc)])
    reasons = dict(zip(failed["FILE"], failed["REASON"]))
    assert "COADD" in reasons[str(trunc)] or "truncated" in reasons[str(trunc)]
    assert "FITS" in reasons[str(junk)] or "unrecognised" in reasons[str(junk)]
    assert set(t["CLASS"]) <= set(CLASS_NAMES)
    p = np.column_stack([t[c] for c in ("P_STAR", "P_GALAXY", "P_QSO", "P_QSO_BAL")])
    assert np.allclose(p.sum(axis=1), 1, atol=1e-4)
    assert (np.asarray(t["CLASS"]) == np.array(CLASS_NAMES)[p.argmax(axis=1)]).all()
    assert np.isfinite(t["Z"]).all() and (t["Z_ERR"] > 0).all()
    # identifiers come from the files
    want = {(int(r["PLATE"]), int(r["MJD"]), int(r["FIBERID"])) for r in matched[:12]}
    assert {(int(a), int(b), int(c)) for a, b, c in zip(t["PLATE"], t["MJD"], t["FIBERID"])} == want
    assert (t["TARGETID"] == -1).all()
    assert '"failed": 2' in capsys.readouterr().out


def test_predict_on_a_desi_coadd(bundle_dir, shared, tmp_path):
    coadd = shared / "quasarnet" / "test_coadd.fits"
    if not coadd.exists():
        pytest.skip("test_coadd.fits absent")
    models_dir, _ = bundle_dir
    table, report = predict.predict_files([coadd], Bundle.load(models_dir))
    # 25 targets; row 11 has ivar 0 everywhere and is reported, not written
    assert len(table) == 24 and report["failed"] == 1
    assert 11 not in set(table["TARGETID"]) and set(table["TARGETID"]) == set(range(25)) - {11}
    assert "no valid pixel" in report["failed_files"][0][1]


def test_predict_without_a_bundle_is_a_clear_error(tmp_path, small_mock, capsys):
    home, _ = small_mock
    assert main(["predict", str(home), "--out", str(tmp_path / "p.fits"), "--model", str(tmp_path)]) == 2
    assert "no model bundle here" in capsys.readouterr().err
    assert not (tmp_path / "p.fits").exists()


def test_a_file_given_twice_is_predicted_once(small_mock, tmp_path):
    from specml_utils.predict import find_inputs

    home, _ = small_mock
    f = sorted(home.rglob("spec-*.fits"))[0]
    with pytest.warns(UserWarning, match="1 input file"):
        files = find_inputs([f, f.parent])
    assert files.count(f) == 1 and len(files) == len(list(f.parent.glob("spec-*.fits")))


def _shifted_copy(src, dest, dex):
    with fits.open(src) as h:
        h[1].data["LOGLAM"] = h[1].data["LOGLAM"] + dex
        h.writeto(dest)


def test_little_coverage_is_flagged_and_no_coverage_is_not_guessed(bundle_dir, small_mock, tmp_path):
    models_dir, _ = bundle_dir
    home, _ = small_mock
    src = sorted(home.rglob("spec-*.fits"))[0]
    _shifted_copy(src, tmp_path / "spec-9000-55000-0001.fits", 0.44)   # 7 bins left on the grid
    _shifted_copy(src, tmp_path / "spec-9000-55000-0002.fits", 0.30)   # about a third of the grid
    shutil.copy(src, tmp_path / "spec-9000-55000-0003.fits")
    table, report = predict.predict_files(sorted(tmp_path.glob("spec-*.fits")), bundle_dir=models_dir, progress=False)
    assert report["failed"] == 1 and "valid bins on the model's wavelength grid" in report["failed_files"][0][1]
    row = {r["FILE"]: r for r in table}
    part, whole = row["spec-9000-55000-0002.fits"], row["spec-9000-55000-0003.fits"]
    assert part["COVERAGE"] < 0.5 and part["ZWARNING"] & 1
    assert whole["COVERAGE"] > 0.9 and not whole["ZWARNING"] & 1
    low_sn = whole["SN_MEDIAN"] < 2
    assert bool(whole["ZWARNING"] & 2) == low_sn
    assert predict.zwarning([0.9], [5.0], [0], [0.99])[0] == 0
    assert predict.zwarning([0.2], [1.0], [2], [0.4])[0] == 0b1111


def test_predict_exits_1_when_nothing_could_be_predicted(bundle_dir, tmp_path, capsys):
    models_dir, _ = bundle_dir
    junk = tmp_path / "spec-9999-55555-0002.fits"
    junk.write_text("not a FITS file")
    out = tmp_path / "pred.fits"
    assert main(["predict", str(junk), "--out", str(out), "--model", str(models_dir)]) == 1
    assert "no spectrum could be predicted" in capsys.readouterr().err
    with fits.open(out) as h:                      # the failures are still written, with their reasons
        assert len(h["PREDICTIONS"].data) == 0 and len(h["FAILED"].data) == 1


def test_batches_and_chunks_do_not_change_the_rows(bundle_dir, tmp_path):
    """The pipelined reader cuts batches across files; any batch size gives the same rows and the
    same failures, in input order, as predicting each file on its own."""
    models_dir, matched = bundle_dir
    files = [str(matched["PATH"][i]) for i in range(11)]
    bad = tmp_path / "spec-9999-55555-0002.fits"
    bad.write_bytes(b"SIMPLE  =")
    files.insert(4, str(bad))
    bundle = Bundle.load(models_dir)
    one_by_one = [predict.predict_chunk([f], bundle) for f in files]
    expect = np.concatenate([r["rows"] for r in one_by_one])
    for batch in (1, 3, 1024):
        seen = []
        got = predict.predict_chunk(files, bundle, batch_spectra=batch, on_batch=seen.append)
        assert got["rows"].tolist() == expect.tolist()
        assert [f for f, _ in got["failed"]] == [str(bad)]
        assert sum(seen) == len(files)  # progress counts every file once




def test_one_network_predicts_with_the_first_training_of_a_saved_mean(bundle_dir, tmp_path):
    import json

    from specml_utils import models
    from specml_utils.backend import keras
    from specml_utils.bundle import save_model

    models_dir, matched = bundle_dir
    ens_dir = tmp_path / "ensemble"
    shutil.copytree(models_dir, ens_dir)
    first = Bundle.load(models_dir).classifier
    other = keras.models.clone_model(first)                 # a second "training": other weights, same shape
    other.set_weights([w + 0.05 for w in first.get_weights()])
    info = json.loads((models_dir / "bundle.json").read_text())["classifier"]
    save_model(models.ensemble([Bundle.load(models_dir).classifier, other]), ens_dir, "classifier",
               **{k: v for k, v in info.items() if k not in ("file", "saved")})
    files = [str(matched["PATH"][i]) for i in range(8)]
    tables = {}
    for name, args in {"single": ["--model", str(models_dir)], "mean": ["--model", str(ens_dir)],
                       "first": ["--model", str(ens_dir), "--one-network"],
                       "first, workers": ["--model", str(ens_dir), "--one-network", "--workers", "1"]}.items():
        out = tmp_path / f"{name}.fits"
        assert main(["predict", *files, "--out", str(out), *args]) == 0
        with fits.open(out) as h:
            tables[name] = (np.column_stack([h[1].data[f"P_{c}"] for c in CLASS_NAMES]), h[1].header["NETWORKS"])
    assert [tables[n][1] for n in ("single", "mean", "first", "first, workers")] == [1, 2, 1, 1]
    np.testing.assert_allclose(tables["first"][0], tables["single"][0], atol=1e-6)
    np.testing.assert_allclose(tables["first, workers"][0], tables["single"][0], atol=1e-5)
    assert not np.allclose(tables["mean"][0], tables["single"][0], atol=1e-4)
