"""Training with early stopping and the best checkpoint kept, class weights, precision, and throughput measured."""
from __future__ import annotations

import contextlib
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .backend import keras

from .atomic import atomic_path
from .augment import AugmentedBatches, EpochBatches
from .models import infer
from .timing import timed


@dataclass
class TrainResult:
    """What a training run leaves: the per-epoch history, the best epoch, time and throughput."""

    history: dict
    best_epoch: int
    epochs_run: int
    seconds: float
    train_spectra_per_s: float
    class_weight: dict | None = None
    params: int = 0
    precision: str = "float32"
    extra: dict = field(default_factory=dict)

    def record(self) -> dict:
        """What a notebook's metrics keep of the run."""
        return {"epochs_run": self.epochs_run, "best_epoch": self.best_epoch, "seconds": self.seconds,
                "train_spectra_per_s": self.train_spectra_per_s, "params": self.params,
                "precision": self.precision}


def balanced_class_weight(labels, n_classes: int) -> dict:
    """Weights n / (k · n_c) per class, so each class contributes equally to the loss however rare."""
    counts = np.bincount(np.asarray(labels), minlength=n_classes).astype(float)
    w = len(labels) / (n_classes * np.where(counts > 0, counts, 1))
    return {i: float(w[i]) for i in range(n_classes)}


def seed(value: int) -> None:
    """Seed Python, NumPy and the backend. Call it before building a model: its initial weights
    are drawn then, so the same seed gives the same trained model on the same machine."""
    keras.utils.set_random_seed(value)


#: learning-rate schedules :func:`fit` knows (notebook parameter ``lr_schedule``)
SCHEDULES = ("cosine", "plateau")


def cosine_rate(epoch: int, epochs: int, initial: float) -> float:
    """The learning rate of ``epoch`` (0-based) of ``epochs``: half a cosine from ``initial``
    down to ``initial`` · (1 + cos(π (epochs − 1) / epochs)) / 2 at the last epoch (1 % of it at 15 epochs)."""
    return float(initial * 0.5 * (1 + np.cos(np.pi * epoch / epochs)))


#: training precisions :func:`fit` knows (notebook parameter ``precision``)
PRECISIONS = ("auto", "float32", "mixed_bfloat16")


def bf16_cpu(cpuinfo: str = "/proc/cpuinfo") -> bool:
    """True when the processor multiplies bfloat16 natively (the ``avx512_bf16`` flag of
    ``cpuinfo``, which processors with AMX have too), as TensorFlow's oneDNN kernels use it; False
    where it cannot be read."""
    try:
        with open(cpuinfo) as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return "avx512_bf16" in flags
    except OSError:
        pass
    return False


def training_precision(precision: str = "auto") -> str:
    """The precision :func:`fit` trains in: ``"float32"``, or ``"mixed_bfloat16"`` (bfloat16
    arithmetic, float32 weights and outputs).

    ``"auto"`` picks mixed bfloat16 only where it was measured to pay: the TensorFlow backend on a
    CPU with native bfloat16 (specnet trained 1.4× faster on a 2-core AMD EPYC, its mock and real
    figures inside the float32 seed spread: ``scripts/precision_trial.py``); float32 everywhere else,
    GPUs included, where it was not measured.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"unknown training precision {precision!r}; choose from {list(PRECISIONS)}")
    if precision != "auto":
        return precision
    return "mixed_bfloat16" if keras.backend.backend() == "tensorflow" and bf16_cpu() else "float32"


@contextlib.contextmanager
def computed_in(model: keras.Model, policy: str):
    """Run ``model``'s layers in ``policy`` (e.g. ``"mixed_bfloat16"``) inside the block, and in
    float32 again after it.

    The layers that give the model's outputs stay float32 (a softmax over hundreds of redshift
    bins needs more than bfloat16's 3 significant digits); the weights are float32 variables under
    either policy, so nothing is converted, and the model saved after the block predicts in float32
    like any other. The traced train/test/predict functions are dropped on the way in and out, so
    that each runs in the precision of its moment.
    """
    if policy == "float32":
        yield model
        return
    outputs = {id(t) for t in keras.tree.flatten(model.outputs)}
    inner = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)
             and not any(id(t) in outputs for t in keras.tree.flatten(layer.output))]

    def set_policy(name):
        for layer in inner:
            layer.dtype_policy = name
        model.train_function = model.test_function = model.predict_function = None

    set_policy(policy)
    try:
        yield model
    finally:
        set_policy("float32")


def fit(model: keras.Model, x, y, x_val, y_val, epochs: int = 50, batch_size: int = 240, patience: int = 8,
        class_weight: dict | None = None, sample_weight=None, checkpoint=None, seed: int = 0,
        verbose: int = 0, schedule: str = "cosine", precision: str = "auto") -> TrainResult:
    """Train ``model`` (compiled) and restore the weights of its best validation-loss epoch.

    ``x`` is an array with targets ``y`` (an array, or a list or dict of them), fed in shuffled
    batches of ``batch_size`` by :class:`specml_utils.augment.EpochBatches`, or such a dataset
    itself (``y`` None) that yields its own batches (augmented training,
    :class:`specml_utils.augment.AugmentedBatches`).

    ``schedule`` sets the learning rate: ``"cosine"`` anneals it over the ``epochs`` from the
    compiled value to 1 % of it or less (:func:`cosine_rate`), so the last epochs take small steps
    and the weights kept do not depend on where one large, noisy step happened to land (specnet's
    mock test macro F1 0.979–0.982 over four seeds, against 0.967–0.980 with ``"plateau"``:
    ``scripts/lr_schedule_trial.py``); ``"plateau"`` keeps it constant until ``patience // 2`` epochs pass without
    improvement, then multiplies it by 0.3. Either way early stopping ends training after
    ``patience`` epochs without improvement. The best model is
    kept on disk at ``checkpoint`` (a ``.keras`` file, written atomically) when one is given.
    ``class_weight`` is for single-output models; multi-output ones take per-spectrum
    ``sample_weight`` (Keras applies class weights to one output only). ``precision`` is one of
    :data:`PRECISIONS` (:func:`training_precision`); the model comes back float32 either way.
    """
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown learning-rate schedule {schedule!r}; choose from {list(SCHEDULES)}")
    policy = training_precision(precision)
    keras.utils.set_random_seed(seed)
    with tempfile.TemporaryDirectory() as tmpdir:
        ckpt = Path(tmpdir) / "best.keras"
        callbacks = [
            keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=False),
            keras.callbacks.ModelCheckpoint(ckpt, monitor="val_loss", save_best_only=True),
        ]
        if schedule == "cosine":
            initial = float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))
            callbacks.append(keras.callbacks.LearningRateScheduler(lambda e: cosine_rate(e, epochs, initial)))
        else:  # a plateau of the validation loss first lowers the learning rate, then stops training
            callbacks.append(keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.3,
                                                               patience=max(1, patience // 2), min_lr=1e-5))
        if y is not None:  # arrays: batched the way augmented spectra are (see EpochBatches)
            x = EpochBatches(x, y, batch_size, seed, _weights(y, class_weight, sample_weight))
        t0 = time.perf_counter()
        # validation in large batches: the same loss (a mean over spectra) up to rounding, in fewer
        # steps than Keras' default of 32 spectra (it takes no batch size from a dataset)
        with computed_in(model, policy):
            hist = model.fit(x, validation_data=(x_val, y_val), validation_batch_size=1024, epochs=epochs,
                             callbacks=callbacks, verbose=verbose)
        seconds = time.perf_counter() - t0
        n_train = x.n_samples
        # read back as a model, not kept in memory: building it draws from the random state that the
        # next network's initial weights come from, so notebook 04's later candidates depend on it (in
        # memory, its RNC 2.0 and specnet came out as other draws; tried 2026-11-28)
        best = keras.saving.load_model(ckpt)
        model.set_weights(best.get_weights())
        if checkpoint is not None:
            with atomic_path(checkpoint, ".keras") as tmp:
                model.save(tmp)
    h = {k: [float(v) for v in vals] for k, vals in hist.history.items()}
    n_epochs = len(h["loss"])
    return TrainResult(history=h, best_epoch=int(np.argmin(h["val_loss"])) + 1, epochs_run=n_epochs,
                       seconds=round(seconds, 2), train_spectra_per_s=round(n_train * n_epochs / seconds, 1),
                       class_weight=class_weight, params=int(model.count_params()), precision=policy)


def _weights(y, class_weight, sample_weight):
    """Per-spectrum weights for :func:`fit`: ``sample_weight``, or ``class_weight`` looked up by
    the integer labels ``y``, or None."""
    if class_weight is None:
        return sample_weight
    if sample_weight is not None or not (isinstance(y, np.ndarray) and y.ndim == 1):
        raise ValueError("class_weight needs one output with integer labels and no sample_weight; "
                         "give per-spectrum sample_weight instead")
    return sample_weights(y, class_weight)


def sample_weights(labels, class_weight: dict) -> np.ndarray:
    """Per-spectrum weights from per-class weights."""
    lut = np.array([class_weight[k] for k in sorted(class_weight)], np.float32)
    return lut[np.asarray(labels)]


def predict_timed(model: keras.Model, x, batch_size: int = 1024) -> tuple[np.ndarray, float]:
    """Predictions and the inference rate in spectra/s (after one warm-up batch), the network run
    as ``specml predict`` runs it (:func:`specml_utils.models.infer`; Keras' ``predict`` builds a
    prefetching pipeline per call, which can stall)."""
    return timed(lambda: infer(model, x, batch_size), len(x), warm_up=lambda: infer(model, x[:batch_size], batch_size))


def training_inputs(split: dict, targets, augment=None, batch_size: int = 240, seed: int = 0,
                    sample_weight=None, weighted: bool = True):
    """What :func:`fit` trains on: ``(x, y)`` arrays, or with ``augment`` (an
    :class:`~specml_utils.augment.AugmentConfig`) an :class:`~specml_utils.augment.AugmentedBatches`
    dataset re-observed for every epoch, and None.

    ``split`` is a dataset split (``X``, and ``flux``/``ivar`` for augmentation); ``targets`` what
    the model's loss expects. With augmentation, ``sample_weight`` travels inside the dataset.
    """
    if augment is None:
        return split["X"], targets
    return AugmentedBatches(split["flux"], split["ivar"], targets, augment, batch_size=batch_size, seed=seed,
                            sample_weight=sample_weight, weighted=weighted), None


def fine_tune_classifier(model: keras.Model, dataset, zbins, epochs: int = 5, learning_rate: float = 1e-4,
                         batch_size: int = 240, patience: int = 3, seed: int = 0, augment=None,
                         precision: str = "auto", max_train: int = 0) -> dict:
    """Train a (mock-trained) classifier further on a dataset of real labelled spectra.

    ``dataset`` is an HDF5 file written by :func:`specml_utils.preprocess.build_dataset` from real
    spectra with visual-inspection labels (notebook 03 with ``source = "sdss"``, or
    ``specml preprocess`` on a download). The model keeps its architecture and weights and is
    trained on that file's training split at ``learning_rate`` (10× below the first training's
    by default), with early stopping on its validation split. Its test split scores the model
    before and after, so the effect is measured on spectra it never trained on. ``max_train`` > 0
    fine-tunes on that many training spectra drawn at random (how many labelled spectra it takes).

    Returns
    -------
    dict
        ``before`` and ``after`` (4-class accuracy and per-class recall on the real test split),
        ``fit`` (the :class:`TrainResult`), and ``n`` (spectra per split).
    """
    from .classes import CLASS_NAMES
    from .evaluation import sample
    from .models import class_probabilities, classifier_targets, compile_classifier
    from .preprocess import SPLITS, load_dataset

    d = {s: load_dataset(dataset, s) for s in SPLITS}
    d["train"] = sample(d["train"], max_train, seed)
    missing = [s for s in SPLITS if not len(d[s]["label"])]
    if missing:
        raise ValueError(f"{dataset}: no spectra in the {', '.join(missing)} split(s); fine-tuning needs all three")

    def scores():
        pred = class_probabilities(model, d["test"]["X"])[0].argmax(axis=1)
        y = d["test"]["label"]
        out = {"accuracy": float((pred == y).mean())}
        out.update({f"{c} recall": float((pred[y == k] == k).mean()) for k, c in enumerate(CLASS_NAMES) if (y == k).any()})
        return out

    before = scores()
    compile_classifier(model, learning_rate)
    tr, va = d["train"], d["val"]
    weights = sample_weights(tr["label"], balanced_class_weight(tr["label"], len(CLASS_NAMES)))
    x, y = training_inputs(tr, classifier_targets(model, tr["label"], tr["z"], zbins), augment, batch_size, seed,
                           weights)
    result = fit(model, x, y, va["X"], classifier_targets(model, va["label"], va["z"], zbins), epochs=epochs,
                 batch_size=batch_size, patience=patience, sample_weight=weights, seed=seed, precision=precision)
    return {"before": before, "after": scores(), "fit": result, "n": {s: int(len(d[s]["label"])) for s in SPLITS}}
