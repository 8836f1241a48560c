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
