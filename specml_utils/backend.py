"""The Keras import, made once and quietly.

TensorFlow's C++ start-up lines ("All log messages before absl::InitializeLog() …", "oneDNN custom
operations are on …") go straight to file descriptor 2, past ``TF_CPP_MIN_LOG_LEVEL`` and Python's
logging, and would sit in every executed notebook. They are discarded while the backend loads;
anything written to stderr after that is shown as usual.
"""
from __future__ import annotations

import contextlib
import os
import sys


@contextlib.contextmanager
def _stderr_discarded():
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:          # no file descriptor 2 (some embedded interpreters): nothing to hide
        yield
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)


def _load():
    import specml_utils  # noqa: F401  (sets KERAS_BACKEND before keras is imported)

    if "keras" in sys.modules:
        return sys.modules["keras"]
    with _stderr_discarded():
        import keras

        if keras.backend.backend() == "tensorflow":
            import tensorflow  # its second start-up line comes with the full import

            # its Python warnings (re-tracing when a batch has another size) are noise in a notebook
            tensorflow.get_logger().setLevel("ERROR")
    return keras


keras = _load()
