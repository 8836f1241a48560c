"""How augmented batches reach the network: per-epoch time of specnet's training, fed four ways.

    python scripts/epoch_feed_trial.py --old 62c9aa9 [--epochs 8] [--rounds 3] [--record benchmarks/epoch_feed.jsonl]
    python scripts/epoch_feed_trial.py --old 62c9aa9 --scores [--seeds 0 1 2] [--record ...]

Trains notebook 04's specnet (its default settings) on the default mock dataset (``make all`` makes it)
for ``--epochs`` epochs, the feeds taking turns for ``--rounds`` rounds:

* ``per batch, 1 worker (OLD)``: ``specml_utils/augment.py`` as it was at git revision ``--old``
  (each batch re-observed in ``__getitem__``);
* ``whole epoch, 1 worker`` and ``whole epoch, 2 workers``: today's :class:`AugmentedBatches`
  (each epoch re-observed when it begins, batches sliced from it), with Keras' one-worker
  prefetching or its two-thread ordered queue (today's default);
* ``arrays, no augmentation``: the standardised training split as plain arrays given to Keras,
  and ``arrays through EpochBatches``: the same through :class:`EpochBatches` with two workers,
  as :func:`specml_utils.training.fit` now feeds arrays (QuasarNET in notebook 06).

Each epoch is split into its training batches, the wait before its first batch, validation, and
the rest. One JSON line per run; ``--record`` appends them to a file.

With ``--scores``, notebook 04's whole specnet training (15 epochs, cosine schedule, augmented) is run
for each of ``--seeds`` with the old and today's batches, and each network's validation and test
macro F1 recorded: the two feeds draw the same augmentation in another order, so the scores should
differ only as seeds do.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from trial_record import emit, module_at  # noqa: E402

from specml_utils import classifiers, evaluation, models, redshift_bins, training  # noqa: E402
from specml_utils.augment import AugmentConfig, AugmentedBatches, EpochBatches  # noqa: E402
from specml_utils.backend import keras  # noqa: E402


class EpochClock(keras.callbacks.Callback):
    """Per epoch: seconds in all, in training batches, before the first batch, and in validation."""

    def __init__(self):
        super().__init__()
        self.rows = []

    def on_epoch_begin(self, epoch, logs=None):
        self.t0, self.batches, self.first = time.perf_counter(), 0.0, None

    def on_train_batch_begin(self, batch, logs=None):
        self.tb = time.perf_counter()
        if self.first is None:
            self.first = self.tb - self.t0

    def on_train_batch_end(self, batch, logs=None):
        self.last = time.perf_counter()
        self.batches += self.last - self.tb

    def on_test_begin(self, logs=None):
        self.tv = time.perf_counter()

    def on_test_end(self, logs=None):
        self.val = time.perf_counter() - self.tv

    def on_epoch_end(self, epoch, logs=None):
        self.rows.append({"s": time.perf_counter() - self.t0, "batches_s": self.batches, "wait_first_s": self.first,
                          "val_s": self.val})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", required=True, help="git revision whose augment.py draws each batch in __getitem__")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--record", type=Path)
    ap.add_argument("--scores", action="store_true", help="train to the end and score instead of timing epochs")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    a = ap.parse_args()
    data = evaluation.load_splits("mock", 20000, 12345, "balanced", 443, 0, 0)
    tr, va = data["train"], data["val"]
    zbins = redshift_bins.ZBins()
    build = classifiers.builders(443, zbins, 64, 4, 10, 0.2)["specnet"]
    weights = classifiers.balanced_weights(tr["label"])
    old = module_at(a.old, "augment")
    if a.scores:
        return scores(a, data, zbins, build, weights, old)

    def feed(name, targets):
        if name.startswith("per batch"):
            return {"x": old.AugmentedBatches(tr["flux"], tr["ivar"], targets, AugmentConfig(), 240, 0, weights,
                                              data["weighted"])}
        if name.startswith("whole epoch"):
            ds = AugmentedBatches(tr["flux"], tr["ivar"], targets, AugmentConfig(), 240, 0, weights, data["weighted"])
            ds.workers = 2 if "2 workers" in name else 1
            return {"x": ds}
        if name.startswith("arrays through"):
            return {"x": EpochBatches(tr["X"], targets, 240, 0, weights)}
        return {"x": tr["X"], "y": targets, "batch_size": 240, "sample_weight": weights}

    names = [f"per batch, 1 worker ({a.old})", "whole epoch, 1 worker", "whole epoch, 2 workers",
             "arrays, no augmentation", "arrays through EpochBatches, 2 workers"]
    for r in range(a.rounds):
        for name in names:
            keras.utils.set_random_seed(0)
            model = models.compile_classifier(build(), 1e-3)
            targets = models.classifier_targets(model, tr["label"], tr["z"], zbins)
            clock = EpochClock()
            model.fit(**feed(name, targets), epochs=a.epochs, verbose=0, callbacks=[clock],
                      validation_data=(va["X"], models.classifier_targets(model, va["label"], va["z"], zbins)))
            rows = clock.rows[1:]     # the first epoch builds the graph
            s = np.array([row["s"] for row in rows])
            emit({"trial": "epoch_feed", "feed": name, "round": r, "epochs_timed": len(rows),
                  "n_train": len(tr["label"]), "epoch_s_median": round(float(np.median(s)), 2),
                  "epoch_s_mean": round(float(s.mean()), 2),
                  "waits_over_1s": sum(row["wait_first_s"] > 1 for row in rows),
                  "epochs": [{k: round(v, 2) for k, v in row.items()} for row in rows]}, a.record)


def scores(a, data, zbins, build, weights, old) -> None:
    """Notebook 04's specnet trained to the end with each feed, per seed: macro F1 and time."""
    recipe = classifiers.Recipe(15, 240, 1e-3, 5, True, 0, "cosine")
    for seed in a.seeds:
        for name, cls in ((f"per batch ({a.old})", old.AugmentedBatches), ("whole epoch, 2 workers", AugmentedBatches)):
            training.AugmentedBatches = cls          # what training_inputs builds
            training.seed(seed)
            model, fit = classifiers.train_one(build, data, zbins, recipe, weights, seed)
            f1 = {s: classifiers.macro_f1(data[s]["label"], models.class_probabilities(model, data[s]["X"])[0])
                  for s in ("val", "test")}
            emit({"trial": "epoch_feed_scores", "feed": name, "seed": seed, "train_s": fit.seconds,
                  "val_macro_f1": round(f1["val"], 4), "test_macro_f1": round(f1["test"], 4)}, a.record)
    training.AugmentedBatches = AugmentedBatches


if __name__ == "__main__":
    main()
