"""Trial of XLA compilation for training on the CPU: notebook 04's specnet trained with Keras'
``jit_compile`` off (what ``"auto"`` resolves to here) and on, the two taking turns, with the time
spent on the per-epoch validation pass measured apart.

    python scripts/jit_trial.py --epochs 3 --rounds 2 --record benchmarks/jit_trial.jsonl
    python scripts/jit_trial.py --epochs 3 --rounds 1 --precision float32 --record benchmarks/jit_trial.jsonl

Needs notebook 03's default dataset (``make notebooks`` or ``specml notebooks --only 01 02 03``).
Every training appends one JSON line: the ``jit_compile`` asked for and the one Keras resolved,
seconds, training spectra/s (validation included, as ``training.fit`` reports it), seconds spent
validating, the precision, and the validation loss per epoch.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from specml_utils import evaluation, models, training
from specml_utils.backend import keras
from trial_record import emit


class ValidationClock(keras.callbacks.Callback):
    """Seconds spent in the validation passes of ``fit``."""

    def __init__(self):
        super().__init__()
        self.seconds = 0.0

    def on_test_begin(self, logs=None):
        self._t0 = time.perf_counter()

    def on_test_end(self, logs=None):
        self.seconds += time.perf_counter() - self._t0


def run(data: dict, jit, epochs: int, seed: int, precision: str = "auto") -> dict:
    """Train specnet as notebook 04 does (its default recipe) for ``epochs`` with ``jit_compile=jit``
    in ``precision`` (:func:`specml_utils.training.training_precision`)."""
    train, val = data["train"], data["val"]
    training.seed(seed)
    model = models.specnet(train["X"].shape[1])
    model.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy", metrics=["accuracy"],
                  jit_compile=jit)
    clock = ValidationClock()
    fit_keras = model.fit

    def fit_with_clock(*args, callbacks=None, **kwargs):  # training.fit builds its own callbacks
        return fit_keras(*args, callbacks=[clock, *(callbacks or [])], **kwargs)

    model.fit = fit_with_clock
    result = training.fit(model, train["X"], train["label"], val["X"], val["label"], epochs=epochs,
                          batch_size=240, seed=seed, precision=precision)
    return {"trial": "jit_compile", "network": "specnet", "asked": jit, "resolved": bool(model.jit_compile),
            "epochs": epochs, "seed": seed, "seconds": result.seconds, "train_spectra_per_s": result.train_spectra_per_s,
            "validation_s": round(clock.seconds, 2), "precision": result.precision,
            "val_loss": [round(v, 4) for v in result.history["val_loss"]]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--precision", default="auto", choices=training.PRECISIONS)
    ap.add_argument("--record", type=Path)
    args = ap.parse_args()
    data = evaluation.load_splits("mock", 20000, 12345, "balanced", 443, 0, 0)
    for _ in range(args.rounds):
        for jit in (False, True):
            emit(run(data, jit, args.epochs, args.seed, args.precision), args.record)


if __name__ == "__main__":
    main()
