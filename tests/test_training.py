"""The learning-rate schedules of :func:`specml_utils.training.fit`, and how it feeds arrays."""
import numpy as np
import pytest

from specml_utils import training
from specml_utils.backend import keras


def _tiny(lr=1e-3):
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(keras.optimizers.Adam(lr), "sparse_categorical_crossentropy")
    return model


def _data(n, seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 8)).astype("float32"), rng.integers(0, 3, n)


def test_cosine_schedule_anneals_the_rate_epoch_by_epoch():
    x, y = _data(64, 0)
    xv, yv = _data(32, 1)
    result = training.fit(_tiny(2e-3), x, y, xv, yv, epochs=4, batch_size=16, patience=10)
    # by hand: 2e-3 · (1 + cos(π e / 4)) / 2 for e = 0..3
    expected = [2e-3, 2e-3 * (1 + np.sqrt(0.5)) / 2, 1e-3, 2e-3 * (1 - np.sqrt(0.5)) / 2]
    assert result.epochs_run == 4
    np.testing.assert_allclose(result.history["learning_rate"], expected, rtol=1e-6)
    assert training.cosine_rate(14, 15, 1.0) == pytest.approx(0.0109, abs=1e-4)


def test_plateau_schedule_keeps_the_rate_while_validation_improves_and_unknown_names_fail():
    x, y = _data(64, 0)
    result = training.fit(_tiny(), x, y, x, y, epochs=2, batch_size=16, patience=10, schedule="plateau")
    np.testing.assert_allclose(result.history["learning_rate"], [1e-3, 1e-3], rtol=1e-6)
    with pytest.raises(ValueError, match="unknown learning-rate schedule 'step'"):
        training.fit(_tiny(), x, y, x, y, epochs=1, schedule="step")


def test_arrays_train_reproducibly_in_shuffled_batches_with_list_targets_and_class_weights():
    x, y = _data(100, 2)
    runs = []
    for _ in range(2):
        training.seed(3)                       # the initial weights
        runs.append(_tiny())
        training.fit(runs[-1], x, y, x, y, epochs=2, batch_size=16, patience=10, seed=3)
    assert all(np.array_equal(a, b) for a, b in zip(*(m.get_weights() for m in runs)))
    # class weights are the per-spectrum weights of each spectrum's class, and they change the training
    cw = {0: 1.0, 1: 2.0, 2: 0.5}
    by_class, by_spectrum, even = _tiny(), _tiny(), _tiny()
    for m in (by_spectrum, even):
        m.set_weights(by_class.get_weights())
    training.fit(by_class, x, y, x, y, epochs=1, batch_size=30, class_weight=cw)
    training.fit(by_spectrum, x, y, x, y, epochs=1, batch_size=30, sample_weight=np.array([cw[k] for k in y]))
    training.fit(even, x, y, x, y, epochs=1, batch_size=30)
    assert all(np.allclose(a, b) for a, b in zip(by_class.get_weights(), by_spectrum.get_weights()))
    assert not all(np.allclose(a, b) for a, b in zip(by_class.get_weights(), even.get_weights()))
    two = keras.Model(inp := keras.Input((8,)), [keras.layers.Dense(3, activation="softmax")(inp),
                                                 keras.layers.Dense(1)(inp)])
    two.compile("adam", ["sparse_categorical_crossentropy", "mse"])
    out = training.fit(two, x, [y, x[:, :1]], x, [y, x[:, :1]], epochs=1, batch_size=16)
    assert out.epochs_run == 1 and np.isfinite(out.history["loss"]).all()
    with pytest.raises(ValueError, match="class_weight needs one output"):
        training.fit(two, x, [y, x[:, :1]], x, [y, x[:, :1]], epochs=1, class_weight={0: 1.0, 1: 1.0, 2: 1.0})


def test_fit_returns_the_weights_of_its_best_validation_epoch_not_its_last():
    # separate training and validation sets, and a rate high enough that validation loss goes up again
    x, y = _data(200, 4)
    xv, yv = _data(100, 5)
    training.seed(0)
    model = _tiny(lr=0.5)
    out = training.fit(model, x, y, xv, yv, epochs=8, batch_size=20, patience=10, seed=0, schedule="plateau",
                       precision="float32")
    losses = out.history["val_loss"]
    assert out.best_epoch == int(np.argmin(losses)) + 1 < len(losses)   # the case this test is about
    assert model.evaluate(xv, yv, batch_size=1024, verbose=0) == pytest.approx(min(losses), rel=1e-5)


def _two_layer():
    inp = keras.Input((8,))
    hidden = keras.layers.Dense(16, activation="relu", name="hidden")(inp)
    model = keras.Model(inp, keras.layers.Dense(3, activation="softmax", name="out")(hidden))
    model.compile(keras.optimizers.Adam(1e-2), "sparse_categorical_crossentropy")
    return model


def _by_hand(model, x):
    """The model's float32 forward pass in NumPy."""
    w1, b1, w2, b2 = model.get_weights()
    z = np.maximum(x @ w1 + b1, 0) @ w2 + b2
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_mixed_bfloat16_computes_inside_the_block_and_float32_after_it():
    training.seed(0)
    model = _two_layer()
    x, _ = _data(64, 5)
    with training.computed_in(model, "mixed_bfloat16"):
        assert model.get_layer("hidden").compute_dtype == "bfloat16"
        assert model.get_layer("out").compute_dtype == "float32"    # the softmax keeps float32
        inside = keras.ops.convert_to_numpy(model.predict_on_batch(x))
    after = keras.ops.convert_to_numpy(model.predict_on_batch(x))
    assert {layer.compute_dtype for layer in model.layers} == {"float32"}
    assert inside.dtype == np.float32
    np.testing.assert_allclose(after, _by_hand(model, x), atol=1e-6)
    # bfloat16 keeps ~3 significant digits: the probabilities move, but only a little
    assert 1e-5 < np.abs(inside - after).max() < 3e-2


def test_fit_in_mixed_bfloat16_learns_and_returns_a_float32_model(tmp_path):
    x, y = _data(256, 6)
    y = (x[:, 0] > 0).astype(int) + (x[:, 1] > 1)     # a rule it can learn
    training.seed(1)
    model = _two_layer()
    result = training.fit(model, x, y, x, y, epochs=8, batch_size=32, patience=10, precision="mixed_bfloat16",
                          checkpoint=tmp_path / "m.keras")
    assert result.precision == "mixed_bfloat16" and result.record()["precision"] == "mixed_bfloat16"
    assert result.history["loss"][-1] < 0.7 * result.history["loss"][0]
    assert all(w.dtype == np.float32 for w in model.get_weights())
    saved = keras.saving.load_model(tmp_path / "m.keras")
    assert {layer.dtype_policy.name for layer in saved.layers} == {"float32"}
    np.testing.assert_allclose(keras.ops.convert_to_numpy(saved.predict_on_batch(x)), _by_hand(model, x), atol=1e-6)


def test_auto_precision_is_bfloat16_only_on_a_bfloat16_cpu_under_tensorflow(tmp_path, monkeypatch):
    with_bf16, without = tmp_path / "a", tmp_path / "b"
    with_bf16.write_text("processor\t: 0\nflags\t\t: fpu sse avx2 avx512f avx512_bf16\n")
    without.write_text("processor\t: 0\nflags\t\t: fpu sse avx2 avx512f avx512_vnni\n")
    assert training.bf16_cpu(str(with_bf16)) and not training.bf16_cpu(str(without))
    assert not training.bf16_cpu(str(tmp_path / "absent"))
    monkeypatch.setattr(training, "bf16_cpu", lambda: True)
    expected = "mixed_bfloat16" if keras.backend.backend() == "tensorflow" else "float32"
    assert training.training_precision("auto") == expected
    monkeypatch.setattr(training, "bf16_cpu", lambda: False)
    assert training.training_precision("auto") == "float32"
    assert training.training_precision("mixed_bfloat16") == "mixed_bfloat16"
    with pytest.raises(ValueError, match="unknown training precision 'float16'"):
        training.training_precision("float16")
