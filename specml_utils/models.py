"""The networks: the thesis' classifiers RNC 1.0 and RNC 2.0, our best classifier, and the redshift CNN.

Every builder takes the number of input bins and returns an uncompiled ``keras.Model`` whose input
is a batch of standardised spectra of shape ``(n, n_bins)``; :func:`compile_classifier` and
:func:`compile_redshift` attach the optimiser, loss and metrics.
"""
from __future__ import annotations

import numpy as np

from .backend import keras
from keras import layers

from .redshift_bins import ZBins


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


def ensemble(members: list, name: str = "ensemble") -> keras.Model:
    """One network whose outputs are the mean of the ``members``' (same input, same outputs), a deep
    ensemble (Lakshminarayanan et al. 2017): networks trained with different seeds err on different
    spectra, so their mean errs less often than each (``scripts/ensemble_trial.py``). It saves, loads and
    predicts like a single network; each member is renamed ``member_<k>`` (names must be unique)."""
    inp = keras.Input(members[0].input_shape[1:], name="spectrum")
    outs = []
    for k, member in enumerate(members):
        member.name = f"member_{k}"
        outs.append(member(inp))
    if isinstance(outs[0], dict):
        mean = {key: layers.Average(name=key)([o[key] for o in outs]) for key in outs[0]}
    else:
        mean = layers.Average()(outs)
    return keras.Model(inp, mean, name=name)


def first_member(model: keras.Model) -> keras.Model:
    """An ensemble's first member (:func:`ensemble`: the network of the first seed), or ``model`` itself when
    it is one network."""
    return model.get_layer("member_0") if any(layer.name == "member_0" for layer in model.layers) else model


def networks_in(model: keras.Model) -> int:
    """How many networks ``model`` averages (1 for a single network)."""
    return sum(layer.name.startswith("member_") for layer in model.layers) or 1


def redshift_targets(model: keras.Model, z, labels, zbins: ZBins) -> "np.ndarray | dict":
    """What :func:`compile_redshift`'s loss expects: two-hot z targets, plus labels for the class head."""
    t = zbins.soft_targets(z)
    return {"z_prob": t, "class": np.asarray(labels)} if is_multitask(model) else t


def redshift_probabilities(model: keras.Model, x, batch_size: int = 1024) -> np.ndarray:
    """The redshift-bin probabilities of a redshift CNN (with or without its class head)."""
    return redshift_outputs(infer(model, x, batch_size))


def redshift_outputs(out) -> np.ndarray:
    """:func:`redshift_probabilities` of a redshift CNN's output already computed by :func:`infer`."""
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
    """The model's output for ``x`` (an array, or a dict or list of arrays as the model outputs
    them), ``batch_size`` rows per call.

    Each call gets a power-of-two number of rows (the last batch is padded with zeros and the
    padding dropped), so a compiling backend (jax, TensorFlow's graphs) traces the network for a
    handful of shapes, not once per new batch length; ``predict_on_batch`` avoids ``predict``'s
    per-call set-up, which dominates small inputs. Rows do not interact, so padding changes nothing.
    """
    x = np.asarray(x, np.float32)
    parts = []
    for start in range(0, max(len(x), 1), batch_size):
        part = x[start:start + batch_size]
        n = len(part)
        size = min(batch_size, 1 << max(n - 1, 0).bit_length())
        if n < size:
            part = np.concatenate([part, np.zeros((size - n,) + x.shape[1:], np.float32)])
        out = model.predict_on_batch(part)
        if isinstance(out, dict):
            parts.append({k: np.asarray(v)[:n] for k, v in out.items()})
        elif isinstance(out, (list, tuple)):     # several outputs in a list (QuasarNET's boxes)
            parts.append([np.asarray(v)[:n] for v in out])
        else:
            parts.append(np.asarray(out)[:n])
    if isinstance(parts[0], dict):
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    if isinstance(parts[0], list):
        return [np.concatenate(column) for column in zip(*parts)]
    return np.concatenate(parts)


def class_probabilities(model: keras.Model, x, batch_size: int = 1024) -> tuple[np.ndarray, "np.ndarray | None"]:
    """Class probabilities, and the redshift-bin probabilities when the model has that head."""
    return class_outputs(infer(model, x, batch_size))


def class_outputs(out) -> tuple[np.ndarray, "np.ndarray | None"]:
    """:func:`class_probabilities` of a classifier's output already computed by :func:`infer`."""
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
