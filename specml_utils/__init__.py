"""SpecML: classify BOSS spectra (star, galaxy, QSO, BAL QSO) and measure their redshifts."""
__version__ = "0.1.0"

import logging as _logging
import os as _os

# One pinned Keras backend for the whole project (measured fastest here; see the README).
# It must be chosen before keras is imported, so importing specml_utils first fixes it.
_os.environ.setdefault("KERAS_BACKEND", "tensorflow")
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# TensorFlow's Python warnings about re-tracing when batch sizes change are noise in notebooks
_logging.getLogger("tensorflow").setLevel(_logging.ERROR)
