"""A saved model gives the same outputs under every Keras backend the project supports.

The networks are trained and saved under TensorFlow (the CPU default); GPU users run them under jax
(``KERAS_BACKEND=jax``, the ``gpu`` extra). Here, on CPU, each saved network is loaded again in a
fresh process under jax and must give the same outputs to 1e-4.
"""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

LOAD_AND_PREDICT = """
import json, sys
import numpy as np
import specml_utils                      # keeps KERAS_BACKEND from the environment
import specml_utils.quasarnet            # registers the custom layer before loading
from specml_utils.backend import keras
assert keras.backend.backend() == "jax", keras.backend.backend()
folder = sys.argv[1]
x = np.load(folder + "/x.npy")
for name in json.load(open(folder + "/names.json")):
    model = keras.saving.load_model(f"{folder}/{name}.keras")
    y = model.predict(x, verbose=0)
    if not isinstance(y, dict):
        y = dict(zip(model.output_names, y if isinstance(y, (list, tuple)) else [y]))
    np.savez(f"{folder}/{name}_jax.npz", **{k: np.asarray(v) for k, v in y.items()})
"""


def _outputs(model, y) -> dict:
    """A model's outputs by name, whether predict gave an array, a list or a dict."""
    if not isinstance(y, dict):
        y = dict(zip(model.output_names, y if isinstance(y, (list, tuple)) else [y]))
    return {k: np.asarray(v) for k, v in y.items()}


def test_saved_networks_predict_the_same_under_jax(tmp_path):
    pytest.importorskip("jax")
    from specml_utils import models, quasarnet, training
    from specml_utils.redshift_bins import ZBins

    training.seed(0)
    zbins = ZBins()
    nets = {"rnc2": models.rnc2(443), "specnet": models.specnet(443, zbins=zbins),
            "redshift_cnn": models.redshift_cnn(443, zbins, aux_classes=4), "quasarnet": quasarnet.quasarnet(443)}
    x = np.random.default_rng(1).normal(size=(64, 443, 1)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    (tmp_path / "names.json").write_text(json.dumps(list(nets)))
    ref = {}
    for name, net in nets.items():
        net.save(tmp_path / f"{name}.keras")
        ref[name] = _outputs(net, net.predict(x, verbose=0))
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    subprocess.run([sys.executable, "-c", LOAD_AND_PREDICT, str(tmp_path)], env=env, check=True, timeout=600)
    for name in nets:
        with np.load(tmp_path / f"{name}_jax.npz") as f:
            got = {k: f[k] for k in f.files}
        assert set(got) == set(ref[name]), name
        for k, a in ref[name].items():
            assert a.shape == got[k].shape and np.abs(a - got[k]).max() < 1e-4, (name, k, float(np.abs(a - got[k]).max()))
