"""The saved-model bundle: damaged files are named; inference in fixed-shape batches changes nothing."""
import numpy as np
import pytest

from specml_utils.bundle import Bundle


def test_damaged_bundles_are_named_clearly(bundle_dir, tmp_path):
    import shutil

    models_dir, _ = bundle_dir
    broken = tmp_path / "b"
    shutil.copytree(models_dir, broken)
    data = (broken / "classifier.keras").read_bytes()
    (broken / "classifier.keras").write_bytes(data[: len(data) // 3])
    with pytest.raises(ValueError, match=r"classifier\.keras: cannot load"):
        Bundle.load(broken)
    (broken / "bundle.json").write_text('{"classifier": \n')
    with pytest.raises(ValueError, match=r"bundle\.json: not a valid bundle description"):
        Bundle.load(broken)


def test_inference_in_padded_fixed_size_batches_matches_one_call(bundle_dir):
    from specml_utils.models import infer

    def heads(out):
        return {k: np.asarray(v) for k, v in out.items()} if isinstance(out, dict) else {"": np.asarray(out)}

    bundle = Bundle.load(bundle_dir[0])
    x = np.random.default_rng(0).normal(size=(37, bundle.grid.nbins)).astype(np.float32)
    whole = heads(bundle.classifier.predict_on_batch(x))
    for batch in (8, 16, 64):  # 37 rows: padded tails of 5, 5 and 27 rows
        got = heads(infer(bundle.classifier, x, batch))
        assert got.keys() == whole.keys()
        for k in whole:
            assert got[k].shape == whole[k].shape and np.allclose(got[k], whole[k], atol=1e-5)
    empty = heads(infer(bundle.classifier, x[:0], 8))
    assert all(v.shape == (0,) + whole[k].shape[1:] for k, v in empty.items())


def test_inference_of_a_model_with_a_list_of_outputs_keeps_each_output_whole():
    """QuasarNET answers with a list of arrays (its boxes and line heads): each comes back for every row."""
    from specml_utils import quasarnet
    from specml_utils.models import infer

    model = quasarnet.quasarnet(443, n_layers=1, filters=4)
    x = np.random.default_rng(1).normal(size=(37, 443)).astype(np.float32)
    whole = model.predict_on_batch(x)
    got = infer(model, x, 16)             # 16 + 16 + a tail of 5 padded to 8
    assert isinstance(got, list) and len(got) == len(whole)
    for a, b in zip(got, whole):
        assert a.shape == np.asarray(b).shape and np.allclose(a, b, atol=1e-5)
