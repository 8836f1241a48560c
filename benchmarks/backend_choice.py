"""Measure Keras 3 backends on this machine for the project's network sizes.

Run once per backend (the backend is fixed at import):
    KERAS_BACKEND=jax python benchmarks/backend_choice.py
    KERAS_BACKEND=tensorflow python benchmarks/backend_choice.py
Prints one JSON line per network: train and predict spectra/s on random inputs of the
QuasarNET grid (443 bins), batch 240 (the thesis' batch size).
"""
from __future__ import annotations

import json
import os
import time

import numpy as np
import keras
from keras import layers


def classifier(filters=64, depth=4, dense=128):
    inp = keras.Input((443, 1))
    x = inp
    for _ in range(depth):
        x = layers.Conv1D(filters, 10, strides=2, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
    x = layers.Flatten()(x)
    x = layers.Dense(dense, activation="relu")(x)
    return keras.Model(inp, layers.Dense(4, activation="softmax")(x))


def quasarnet_like():
    inp = keras.Input((443, 1))
    x = inp
    for _ in range(4):
        x = layers.Conv1D(100, 10, strides=2, padding="valid")(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
    x = layers.Flatten()(x)
    x = layers.Dense(100)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    return keras.Model(inp, layers.Dense(7 * 26, activation="sigmoid")(x))


def measure(model, n=4800, batch=240, epochs=3):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 443, 1)).astype("float32")
    y = rng.random((n, model.output_shape[-1])).astype("float32")
    model.compile("adam", "binary_crossentropy")
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0)  # compile/warm-up
    t = time.perf_counter()
    model.fit(x, y, batch_size=batch, epochs=epochs, verbose=0)
    train = n * epochs / (time.perf_counter() - t)
    model.predict(x[:batch * 2], batch_size=1024, verbose=0)
    t = time.perf_counter()
    model.predict(x, batch_size=1024, verbose=0)
    pred = n / (time.perf_counter() - t)
    return {"params": model.count_params(), "train_spectra_per_s": round(train, 1),
            "predict_spectra_per_s": round(pred, 1)}


if __name__ == "__main__":
    keras.utils.set_random_seed(0)
    for name, build in (("cnn_64x4", classifier), ("quasarnet_4x100", quasarnet_like)):
        print(json.dumps({"backend": keras.backend.backend(), "keras": keras.__version__, "net": name,
                          "cores": os.cpu_count(), **measure(build())}))
