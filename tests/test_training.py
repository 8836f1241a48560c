"""The learning-rate schedules of :func:`specml_utils.training.fit`."""
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
