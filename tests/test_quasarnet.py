"""QuasarNET in Keras 3 against a peer's reference output, and its targets, loss and decision by hand."""
import numpy as np
import pytest

from specml_utils import metrics
from specml_utils import quasarnet as qn
from specml_utils.grid import Grid, rebin, standardize
from specml_utils.spectra import read_desi_coadd


@pytest.fixture(scope="module")
def qdir(shared):
    d = shared / "quasarnet"
    if not (d / "coadd_x.npy").exists():
        pytest.skip("../shared/quasarnet is absent")
    return d


def test_desi_coadd_preprocessing_reproduces_the_reference_input(qdir):
    spectra = read_desi_coadd(qdir / "test_coadd.fits")
    flux, ivar = rebin(spectra, Grid())
    x = standardize(flux, ivar, weighted=True)
    usable = (ivar > 0).any(axis=1)
    assert np.flatnonzero(~usable).tolist() == [11]      # the reference drops row 11: all ivar zero
    ref = np.load(qdir / "coadd_x.npy")
    assert x[usable].shape == ref.shape
    assert np.abs(x[usable] - ref).max() < 1e-5


def test_six_layer_network_reproduces_the_reference_output(qdir):
    model = qn.load_keras2(qdir / "test_weights_6_layer.h5")
    assert model.count_params() == 592_882
    out = qn.predict(model, np.load(qdir / "coadd_x.npy"))
    ref = np.load(qdir / "qnet_output_6_layer.npy")
    assert out.shape == ref.shape == (7, 24, 26)
    assert np.abs(out - ref).max() < 1e-4                 # confidences and offsets


def test_four_layer_test_network_loads(qdir):
    arch = qn.keras2_architecture(qdir / "test_weights.h5")
    assert (arch["n_layers"], arch["filters"], arch["padding"]) == (4, 25, "valid")
    assert qn.load_keras2(qdir / "test_weights.h5").count_params() == 36_857


def test_keras2_loader_refuses_other_files(tmp_path):
    import h5py

    with h5py.File(tmp_path / "x.h5", "w") as h:
        h["a"] = 1
    with pytest.raises(ValueError, match="x.h5: no model_config"):
        qn.load_keras2(tmp_path / "x.h5")


def test_paper_network_size():
    # 4 × 100 filters, kernel 10, stride 2, 'valid': 443 → 217 → 104 → 48 → 20 bins
    m = qn.quasarnet()
    assert m.get_layer("fc_common").input.shape[-1] == 20 * 100
    assert len(m.outputs) == 7 and m.outputs[0].shape[-1] == 26


def test_box_targets_put_the_line_in_the_right_box():
    g = Grid()
    z = np.array([2.0, 0.5, 1.0])
    t = qn.box_targets(z, is_qso=[True, True, False], is_bal=[True, False, False], grid=g)
    lya, civ, bal = t[0], t[1], t[qn.HEADS.index("BAL")]
    # Lyα at z = 2: 3647.01 Å → bin (log10(3647.01) − log10(3600))/1e-3 = 5.63 of 443 → box 0, offset 0.165
    pos = (np.log10(1215.67 * 3) - np.log10(3600)) / 1e-3 / 443 * 13
    assert lya[0, 0] == 1 and lya[0, :13].sum() == 1
    assert lya[0, 13] == pytest.approx(pos, abs=1e-6)
    # CIV at z = 0.5 is at 2322 Å, off the grid: no positive box; non-QSOs have none either
    assert civ[1, :13].sum() == 0 and all(h[2, :13].sum() == 0 for h in t)
    assert bal[0, :13].sum() == 1 and bal[1, :13].sum() == 0
    assert (bal[0] == civ[0]).all()


def test_decode_inverts_the_targets():
    z = np.array([2.3, 1.1, 0.35])
    t = qn.box_targets(z, [True] * 3, [False] * 3)
    d = qn.decode(np.stack(t), c_th=0.5)
    assert d["is_qso"].all()
    assert np.abs(metrics.velocity_offset(d["z"], z)).max() < 1.0       # exact up to float rounding
    assert not d["is_bal"].any()


def test_box_loss_by_hand():
    import keras

    t = np.zeros((2, 4), np.float32)      # 2 spectra, 2 boxes: [box0, box1, off0, off1]
    t[0, 0], t[0, 2] = 1, 0.3
    p = np.array([[0.8, 0.1, 0.5, 0.9], [0.2, 0.4, 0.0, 0.0]], np.float32)
    # one positive (p=0.8), three negatives (0.1, 0.2, 0.4); offset error (0.3 − 0.5)² on the positive
    want = -np.log(0.8) / 1 - (np.log(0.9) + np.log(0.8) + np.log(0.6)) / 3 + 0.04 / 1
    got = float(keras.ops.convert_to_numpy(qn.box_loss(t, p)))
    assert got == pytest.approx(want, rel=1e-5)
