"""Training-time augmentation: what it changes and what it keeps."""
import numpy as np
import pytest

from specml_utils.augment import AugmentConfig, AugmentedBatches, augment
from specml_utils.grid import standardize
from specml_utils.redshift_bins import ZBins

NONE = AugmentConfig(tilt_sigma=0, bend_sigma=0, p_noise=0, p_mask=0, p_blue_loss=0, p_shift=0)


def _batch(n=200, nb=443, seed=0):
    rng = np.random.default_rng(seed)
    flux = 1 + 0.1 * rng.standard_normal((n, nb))
    ivar = np.full((n, nb), 100.0)
    return flux.astype(np.float32), ivar.astype(np.float32)


def test_nothing_drawn_is_the_identity():
    flux, ivar = _batch()
    f, iv = augment(np.random.default_rng(1), flux, ivar, NONE)
    assert np.array_equal(f, flux) and np.array_equal(iv, ivar)


def test_extra_noise_has_the_variance_it_claims():
    flux, ivar = _batch(n=400)
    cfg = AugmentConfig(tilt_sigma=0, bend_sigma=0, p_noise=1, max_noise_scale=3, p_mask=0, p_blue_loss=0, p_shift=0)
    f, iv = augment(np.random.default_rng(2), flux, ivar, cfg)
    scale2 = ivar[:, 0] / iv[:, 0]                          # s² per spectrum
    assert (scale2 >= 1).all() and (scale2 <= 9 + 1e-4).all()
    added = (f - flux) * np.sqrt(ivar)                      # in units of the original σ
    var = added.var(axis=1)
    assert np.allclose(var, scale2 - 1, rtol=0.25, atol=0.05)


def test_tilts_scale_flux_and_ivar_together_and_masks_zero_ivar():
    flux, ivar = _batch()
    cfg = AugmentConfig(p_noise=0, p_mask=1, p_blue_loss=1, p_shift=0)
    f, iv = augment(np.random.default_rng(3), flux, ivar, cfg)
    good = iv > 0
    # S/N per bin is unchanged by a multiplicative distortion
    assert np.allclose((f * np.sqrt(iv))[good], (flux * np.sqrt(ivar))[good], rtol=1e-4)
    assert (~good).sum(axis=1).min() >= 4                    # a run of ≥ 3 plus at least one blue bin
    assert not good[:, 0].any()


def test_batches_are_standardised_and_cover_every_spectrum_once_per_epoch():
    flux, ivar = _batch(n=250)
    ds = AugmentedBatches(flux, ivar, np.arange(250), batch_size=64, seed=0, sample_weight=np.ones(250, np.float32),
                          chunk=100)
    orders = []
    for _ in range(2):
        batches = [ds[k] for k in range(len(ds))]
        for x, y, w in batches:
            assert x.shape[1] == 443 and np.isfinite(x).all() and len(y) == len(w) == len(x)
        seen = np.concatenate([y for _, y, _ in batches])
        assert len(ds) == 4 and np.array_equal(np.sort(seen), np.arange(250))
        # each row is its own spectrum, re-observed: standardised like the original up to the augmentation
        x = np.concatenate([x for x, _, _ in batches])
        assert np.corrcoef(x[0], standardize(flux[seen[:1]], ivar[seen[:1]])[0])[0, 1] > 0.5
        orders.append(seen)
        ds.on_epoch_end()
    assert not np.array_equal(*orders)


def test_the_same_seed_draws_the_same_epochs():
    flux, ivar = _batch(n=120)
    a, b = (AugmentedBatches(flux, ivar, np.arange(120), batch_size=50, seed=7) for _ in range(2))
    for _ in range(2):
        assert all(np.array_equal(a[k][0], b[k][0]) for k in range(len(a)))
        a.on_epoch_end(), b.on_epoch_end()


def test_epochs_drawn_ahead_come_in_the_order_of_draws_made_one_at_a_time():
    from specml_utils.augment import EpochBatches

    x = np.arange(50, dtype=np.float32)[:, None] * np.ones((1, 3), np.float32)
    ds = EpochBatches(x, np.arange(50), batch_size=20, seed=11)
    rng = np.random.default_rng(11)
    for epoch in range(1, 4):
        order = rng.permutation(50)
        assert ds.epochs_drawn == epoch and np.array_equal(ds.order, order)
        assert np.array_equal(np.concatenate([ds[k][1] for k in range(len(ds))]), order)
        ds.on_epoch_end()


def test_fit_reads_each_epoch_whole_from_one_draw():
    """Keras prepares the next epoch's iterator before it calls ``on_epoch_end``: no batch of an epoch
    may come from another epoch's draw, and every batch of every epoch is read once."""
    import keras

    class Recorded(AugmentedBatches):
        recording = False
        log: list = []

        def __getitem__(self, k):
            if self.recording:
                self.log.append((self.epochs_drawn, k))
            return super().__getitem__(k)

    class Start(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            ds.recording = True

    flux, ivar = _batch(n=300)
    ds = Recorded(flux, ivar, np.arange(300) % 4, batch_size=32, seed=0)
    model = keras.Sequential([keras.Input((443,)), keras.layers.Dense(4, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(ds, epochs=4, verbose=0, callbacks=[Start()])
    draws = sorted({e for e, _ in ds.log})
    assert len(draws) == 4
    for draw in draws:
        assert sorted(k for e, k in ds.log if e == draw) == list(range(len(ds))), draw


def test_fine_tuning_trains_further_and_scores_before_and_after(small_mock, tmp_path):
    """The fine-tuning switch, on a dataset standing in for a real labelled one."""
    from specml_utils import catalog, models, sources, training
    from specml_utils.preprocess import PreprocessConfig, build_dataset

    home, _ = small_mock
    matched, _ = catalog.crossmatch(catalog.clean(sources.load_catalog(home))[0], home)
    build_dataset(matched, tmp_path / "real.h5", PreprocessConfig(workers=1), progress=False)
    training.seed(0)
    model = models.compile_classifier(models.rnc2())
    w0 = [w.copy() for w in model.get_weights()]
    out = training.fine_tune_classifier(model, tmp_path / "real.h5", ZBins(), epochs=1, batch_size=64)
    assert set(out["before"]) == set(out["after"]) and 0 <= out["after"]["accuracy"] <= 1
    assert out["fit"].epochs_run == 1 and sum(out["n"].values()) > 300
    assert any(not np.array_equal(a, b) for a, b in zip(w0, model.get_weights()))
    # on fewer labelled spectra: that many train it, validation and test are not cut
    cut = training.fine_tune_classifier(model, tmp_path / "real.h5", ZBins(), epochs=1, batch_size=64, max_train=40)
    assert cut["n"]["train"] == 40 and cut["n"]["test"] == out["n"]["test"] and cut["n"]["val"] == out["n"]["val"]


def test_fine_tuning_a_saved_mean_trains_every_member_and_stays_their_mean(small_mock, tmp_path):
    """The saved classifier is the mean of several trainings (``models.ensemble``): fine-tuning it
    trains all its members, and what it predicts afterwards is still their mean, after a save and load."""
    import keras

    from specml_utils import catalog, models, sources, training
    from specml_utils.preprocess import PreprocessConfig, build_dataset

    home, _ = small_mock
    matched, _ = catalog.crossmatch(catalog.clean(sources.load_catalog(home))[0], home)
    build_dataset(matched, tmp_path / "real.h5", PreprocessConfig(workers=1), progress=False)
    training.seed(0)
    members = [models.compile_classifier(models.rnc2()) for _ in range(2)]
    mean = models.compile_classifier(models.ensemble(members))
    before = [[w.copy() for w in m.get_weights()] for m in members]
    out = training.fine_tune_classifier(mean, tmp_path / "real.h5", ZBins(), epochs=1, batch_size=64)
    assert out["fit"].epochs_run == 1
    for k, w0 in enumerate(before):  # every member moved, not only the first
        assert any(not np.array_equal(a, b) for a, b in zip(w0, mean.get_layer(f"member_{k}").get_weights())), k
    mean.save(tmp_path / "mean.keras")
    loaded = keras.models.load_model(tmp_path / "mean.keras")
    x = np.random.default_rng(0).normal(size=(16, *mean.input_shape[1:])).astype("float32")
    parts = [models.class_probabilities(loaded.get_layer(f"member_{k}"), x)[0] for k in range(2)]
    np.testing.assert_allclose(models.class_probabilities(loaded, x)[0], np.mean(parts, axis=0), atol=1e-5)
    assert models.networks_in(loaded) == 2


def test_noisier_spectra_have_the_noise_they_claim_and_masks_stay():
    from specml_utils.augment import noisier

    flux, ivar = _batch(n=300)
    ivar[:, :5] = 0
    f, iv = noisier(np.random.default_rng(4), flux, ivar, 2.0)
    assert np.allclose(iv[:, 5:], ivar[:, 5:] / 4) and (iv[:, :5] == 0).all()
    assert np.array_equal(f[:, :5], flux[:, :5])              # nothing added where there is no ivar
    added = ((f - flux) * np.sqrt(ivar))[:, 5:]               # in units of the original σ: variance 2² − 1
    assert added.var() == pytest.approx(3.0, rel=0.03)
