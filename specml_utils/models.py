"""The networks: the thesis' classifiers RNC 1.0 and RNC 2.0, our best classifier, and the redshift CNN.

Every builder takes the number of input bins and returns an uncompiled ``keras.Model`` whose input
is a batch of standardised spectra of shape ``(n, n_bins)``; :func:`compile_classifier` and
:func:`compile_redshift` attach the optimiser, loss and metrics.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .backend import keras
from keras import layers


def _input(n_bins: int):
    inp = keras.Input((n_bins,), name="spectrum")
    return inp, layers.Reshape((n_bins, 1))(inp)


def _conv_block(x, filters: int, kernel: int, strides: int = 1, norm: bool = True, pool: int = 1,
                padding: str = "same"):
    x = layers.Conv1D(filters, kernel, strides=strides, padding=padding, use_bias=not norm)(x)
    if norm:
        x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    if pool > 1:
        x = layers.MaxPooling1D(pool)(x)
    return x


def rnc1(n_bins: int = 443, n_classes: int = 4) -> keras.Model:
    """RNC 1.0, the thesis' simpler network: two convolution + max-pool stages and one dense layer.

    No normalisation, no dropout — the baseline design the thesis improved on.
    """
    inp, x = _input(n_bins)
    x = _conv_block(x, 16, 5, norm=False, pool=2)
    x = _conv_block(x, 32, 5, norm=False, pool=2)
    x = layers.Flatten()(x)
    x = layers.Dense(64, activation="relu")(x)
    out = layers.Dense(n_classes, activation="softmax", name="class")(x)
    return keras.Model(inp, out, name="rnc1")


def rnc2(n_bins: int = 443, n_classes: int = 4, dropout: float = 0.3) -> keras.Model:
    """RNC 2.0, the thesis' deeper network: four convolution stages with batch normalisation and
    max-pooling, then a dense layer, with dropout against over-fitting."""
    inp, x = _input(n_bins)
    for filters in (32, 64, 64, 128):
        x = _conv_block(x, filters, 5, pool=2)
    x = layers.Dropout(dropout)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(128, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.Dropout(dropout)(x)
    out = layers.Dense(n_classes, activation="softmax", name="class")(x)
    return keras.Model(inp, out, name="rnc2")


def _backbone(x, filters: int, depth: int, kernel: int, dense: int, dropout: float):
    """Strided convolutions (each halves the length, like QuasarNET's), flattened so that the
    position of a feature — its wavelength — stays available to the dense layer."""
    for _ in range(depth):
        x = _conv_block(x, filters, kernel, strides=2)
    x = layers.Flatten()(x)
    if dropout:
        x = layers.Dropout(dropout)(x)
    x = layers.Dense(dense, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    if dropout:
        x = layers.Dropout(dropout)(x)
    return x


def specnet(n_bins: int = 443, n_classes: int = 4, filters: int = 64, depth: int = 4, kernel: int = 10,
            dense: int = 128, dropout: float = 0.2, zbins: "ZBins | None" = None) -> keras.Model:
    """Our classifier: a strided-convolution backbone (QuasarNET's down-sampling, wider kernels than
    RNC 2.0 so a broad line or a BAL trough fits in one receptive field) and a softmax head.

    With ``zbins`` it also learns the redshift (a second softmax over :class:`ZBins`, output
    ``z_prob``): knowing where the lines are helps to name the class, and every prediction,
    wrong ones included, comes with the redshift the network had in mind.
    """
    inp, x = _input(n_bins)
    x = _backbone(x, filters, depth, kernel, dense, dropout)
    out = layers.Dense(n_classes, activation="softmax", name="class")(x)
    if zbins is None:
        return keras.Model(inp, out, name="specnet")
    z = layers.Dense(zbins.n, activation="softmax", name="z_prob")(x)
    return keras.Model(inp, {"class": out, "z_prob": z}, name="specnet")


CLASSIFIERS = {"rnc1": rnc1, "rnc2": rnc2, "specnet": specnet}


@dataclass(frozen=True)
class ZBins:
    """Bins of t = ln(1 + z) over which the redshift CNN spreads its probability.

    The default, 0.003 in t (≈ 900 km/s) from t = -0.01 to ln(1 + 6.5), is finer than the
    6000 km/s that separates a correct redshift from a catastrophic one.
    """

    t_min: float = -0.01
    t_max: float = float(np.log1p(6.5))
    width: float = 0.003

    @property
    def n(self) -> int:
        return int(np.ceil((self.t_max - self.t_min) / self.width))

    @property
    def centres(self) -> np.ndarray:
        return self.t_min + self.width * (np.arange(self.n) + 0.5)

    def soft_targets(self, z) -> np.ndarray:
        """One row per redshift: "two-hot" probabilities on the two bins whose centres bracket t.

        The weights are linear in t's position between the two centres, so the target's mean is
        exactly t — the network can place a redshift between bin centres — and cross-entropy on
        such targets is a proper scoring rule: the spread the network predicts reflects how
        unsure it is, which is what :meth:`estimate` turns into σ_z.
        """
        t = np.log1p(np.asarray(z, np.float64))
        u = np.clip((t - self.t_min) / self.width - 0.5, 0, self.n - 1)
        lo = np.minimum(np.floor(u).astype(np.int64), self.n - 2)
        frac = u - lo
        p = np.zeros((len(t), self.n), np.float32)
        rows = np.arange(len(t))
        p[rows, lo] = 1 - frac
        p[rows, lo + 1] = frac
        return p

    def index(self, z) -> np.ndarray:
        """The bin each redshift falls in (clipped to the grid)."""
        u = (np.log1p(np.asarray(z, np.float64)) - self.t_min) / self.width
        return np.clip(np.floor(u).astype(np.int64), 0, self.n - 1)

    def estimate(self, prob, window: int = 6) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Redshift, its 1σ uncertainty and the peak's probability from the CNN's output.

        z comes from the probability-weighted mean of t within ±``window`` bins of the most
        probable bin (so a second, weaker solution elsewhere does not pull it); σ_z adds the
        second moment of the whole distribution about z, so a spectrum with two plausible
        redshifts gets a σ as large as their separation.
        """
        prob = np.asarray(prob, np.float64)
        n, k = prob.shape
        c = self.centres
        peak = prob.argmax(axis=1)
        idx = peak[:, None] + np.arange(-window, window + 1)[None, :]
        inside = (idx >= 0) & (idx < k)
        idx = np.clip(idx, 0, k - 1)
        w = np.where(inside, np.take_along_axis(prob, idx, axis=1), 0.0)
        mass = w.sum(axis=1)
        t = (w * c[idx]).sum(axis=1) / mass
        var = (w * (c[idx] - t[:, None]) ** 2).sum(axis=1) / mass + self.width ** 2 / 12
        z = np.expm1(t)
        return z, (1 + z) * np.sqrt(var), mass

    def restrict(self, prob, ranges: dict, names, labels) -> np.ndarray:
        """Zero the probability outside the redshift range of each spectrum's class.

        ``ranges`` maps a class name to (z_min, z_max) — :func:`class_z_ranges` — and ``labels``
        index ``names``. A spectrum the classifier calls a quasar then gets the quasar solution
        even where the network also saw a star-like one at z ≈ 0; classes without a range keep
        every bin.
        """
        z = np.expm1(self.centres)
        allowed = np.ones((len(names), self.n), bool)
        for k, name in enumerate(names):
            if name in ranges:
                lo, hi = ranges[name]
                allowed[k] = (z >= lo) & (z <= hi)
        kept = np.where(allowed[np.asarray(labels)], prob, 0.0)
        # a spectrum with no probability left in its class' range (float32 underflow) keeps all
        return np.where(kept.sum(axis=1, keepdims=True) > 0, kept, prob)


def class_z_ranges(labels, z, names, margin: float = 0.01, shared=(("QSO", "QSO_BAL"),)) -> dict:
    """The redshift range the training spectra of each class cover, widened by ``margin`` in ln(1 + z).

    Classes in one group of ``shared`` get the union of their ranges: a BAL quasar's redshift is
    a quasar's (the mock's BALs start at z = 1.57 only because DR12Q flags them from CIV).
    """
    t = np.log1p(np.asarray(z, np.float64))
    labels = np.asarray(labels)
    span = {name: (t[labels == k].min(), t[labels == k].max()) for k, name in enumerate(names) if (labels == k).any()}
    for group in shared:
        present = [g for g in group if g in span]
        if present:
            both = (min(span[g][0] for g in present), max(span[g][1] for g in present))
            span.update({g: both for g in present})
    return {name: (float(np.expm1(lo - margin)), float(np.expm1(hi + margin))) for name, (lo, hi) in span.items()}


def prior_weights(train_counts, target) -> np.ndarray:
    """Per-class factors that move probabilities learned under one class mix to another.

    A classifier trained on a mix π_train estimates p(c | x) ∝ p(x | c) π_train(c); on a survey
    whose mix is π_target the posterior is p(c | x) π_target(c) / π_train(c), renormalised
    (Saerens, Latinne & Decaestecker 2002). ``train_counts`` and ``target`` are per-class
    counts or fractions in :data:`~specml_utils.classes.CLASS_NAMES` order.
    """
    train = np.asarray(train_counts, float)
    target = np.asarray(target, float)
    if train.shape != target.shape or (train <= 0).any() or (target <= 0).any():
        raise ValueError("class mixes need one positive number per class")
    w = (target / target.sum()) / (train / train.sum())
    return w / w.max()


def shift_prior(prob: np.ndarray, weights) -> np.ndarray:
    """Class probabilities multiplied by :func:`prior_weights` and renormalised (unchanged for None)."""
    if weights is None:
        return prob
    p = np.asarray(prob) * np.asarray(weights, float)[None, :]
    return (p / p.sum(axis=1, keepdims=True)).astype(np.asarray(prob).dtype)


def calibrate_sigma(z_true, z_pred, sigma, target: float = 0.6827) -> float:
    """The factor s for which a fraction ``target`` of |z_pred − z_true| falls within s·σ.

    Fitted on the validation split, applied unchanged to the test split and to new spectra.
    """
    ratio = np.abs(np.asarray(z_pred) - np.asarray(z_true)) / np.asarray(sigma)
    return float(np.quantile(ratio, target))


def calibrate_sigma_by_class(labels, z_true, z_pred, sigma, names, target: float = 0.6827) -> dict:
    """:func:`calibrate_sigma` separately for each class: a star's redshift is far surer than a
    faint quasar's, which one factor for all would hide. Classes absent from ``labels`` get the
    factor fitted on everything."""
    labels = np.asarray(labels)
    overall = calibrate_sigma(z_true, z_pred, sigma, target)
    return {name: (calibrate_sigma(np.asarray(z_true)[labels == k], np.asarray(z_pred)[labels == k],
                                   np.asarray(sigma)[labels == k], target) if (labels == k).any() else overall)
            for k, name in enumerate(names)}


def redshift_cnn(n_bins: int = 443, zbins: ZBins = ZBins(), filters: int = 64, depth: int = 4, kernel: int = 10,
                 dense: int = 128, dropout: float = 0.2, aux_classes: int = 4) -> keras.Model:
    """The redshift CNN: the :func:`specnet` backbone and a softmax over bins of t = ln(1 + z).

    Posing the regression as a probability over fine redshift bins lets the network say "this
    line is Lyα or it is MgII" instead of averaging the two into a wrong redshift between them;
    :meth:`ZBins.estimate` turns the distribution into z and a per-spectrum σ_z. An auxiliary
    head that names the class (``aux_classes`` > 0, output ``class``) helps it: on the mock
    survey it cut the catastrophic quasar redshifts several-fold.
    """
    inp, x = _input(n_bins)
    x = _backbone(x, filters, depth, kernel, dense, dropout)
    z = layers.Dense(zbins.n, activation="softmax", name="z_prob")(x)
    if not aux_classes:
        return keras.Model(inp, z, name="redshift_cnn")
    c = layers.Dense(aux_classes, activation="softmax", name="class")(x)
    return keras.Model(inp, {"z_prob": z, "class": c}, name="redshift_cnn")


def redshift_targets(model: keras.Model, z, labels, zbins: ZBins) -> "np.ndarray | dict":
    """What :func:`compile_redshift`'s loss expects: two-hot z targets, plus labels for the class head."""
    t = zbins.soft_targets(z)
    return {"z_prob": t, "class": np.asarray(labels)} if is_multitask(model) else t


def redshift_probabilities(model: keras.Model, x, batch_size: int = 1024) -> np.ndarray:
    """The redshift-bin probabilities of a redshift CNN (with or without its class head)."""
    out = infer(model, x, batch_size)
    return out["z_prob"] if isinstance(out, dict) else out


def is_multitask(model: keras.Model) -> bool:
    """True for a classifier that also has the ``z_prob`` redshift head."""
    return isinstance(model.output, dict)


def compile_classifier(model: keras.Model, learning_rate: float = 1e-3, z_weight: float = 0.5) -> keras.Model:
    """Adam and cross-entropy; a multi-task model adds ``z_weight`` × the redshift head's loss."""
    if is_multitask(model):
        model.compile(keras.optimizers.Adam(learning_rate),
                      loss={"class": "sparse_categorical_crossentropy", "z_prob": "categorical_crossentropy"},
                      loss_weights={"class": 1.0, "z_prob": z_weight}, metrics={"class": ["accuracy"]})
    else:
        model.compile(keras.optimizers.Adam(learning_rate), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def classifier_targets(model: keras.Model, labels, z, zbins: "ZBins") -> "np.ndarray | dict":
    """What :func:`compile_classifier`'s loss expects: the labels, plus soft z targets if multi-task."""
    labels = np.asarray(labels)
    return {"class": labels, "z_prob": zbins.soft_targets(z)} if is_multitask(model) else labels


def infer(model: keras.Model, x, batch_size: int = 1024):
    """The model's output for ``x``: one direct call when ``x`` fits in a batch (``predict`` costs
    a fixed overhead per call that dominates small batches), else ``predict`` batch by batch."""
    if len(x) <= batch_size:
        out = model.predict_on_batch(np.asarray(x))
        return {k: np.asarray(v) for k, v in out.items()} if isinstance(out, dict) else np.asarray(out)
    return model.predict(x, batch_size=batch_size, verbose=0)


def class_probabilities(model: keras.Model, x, batch_size: int = 1024) -> tuple[np.ndarray, "np.ndarray | None"]:
    """Class probabilities, and the redshift-bin probabilities when the model has that head."""
    out = infer(model, x, batch_size)
    return (out["class"], out["z_prob"]) if isinstance(out, dict) else (out, None)


def compile_redshift(model: keras.Model, learning_rate: float = 1e-3, class_weight: float = 0.5) -> keras.Model:
    """Cross-entropy against the two-hot targets of :meth:`ZBins.soft_targets`, plus
    ``class_weight`` × the auxiliary class head's cross-entropy when the model has one."""
    if is_multitask(model):
        model.compile(keras.optimizers.Adam(learning_rate),
                      loss={"z_prob": "categorical_crossentropy", "class": "sparse_categorical_crossentropy"},
                      loss_weights={"z_prob": 1.0, "class": class_weight})
    else:
        model.compile(keras.optimizers.Adam(learning_rate), "categorical_crossentropy")
    return model
