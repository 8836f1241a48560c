"""QuasarNET (Busca & Balland 2018) rebuilt in Keras 3: network, training targets and loss, the
decision rule, and the import of published Keras-2 HDF5 weights.

The input is QuasarNET's: 443 bins of Δlog10λ = 1e-3 from 3600 Å, inverse-variance-weighted
rebinning and per-spectrum ivar-weighted standardisation — exactly :class:`~specml_utils.grid.Grid`
and :func:`~specml_utils.grid.standardize` with their defaults. The network looks for six
emission lines and a BAL feature; for each it splits the spectrum into 13 boxes and outputs, per box,
a confidence that the line is there and where inside the box it lies.
"""
from __future__ import annotations

import json

import h5py
import numpy as np

from .backend import keras
from keras import layers, ops

from .lines import QUASARNET_LINES
from .grid import Grid
from .models import infer

#: the heads in output order: six emission lines, then the BAL flag placed on CIV
HEADS = tuple(QUASARNET_LINES) + ("BAL",)
#: rest wavelength each head is placed on (Å)
HEAD_WAVE = {**QUASARNET_LINES, "BAL": QUASARNET_LINES["CIV"]}
N_BOXES = 13


def quasarnet(n_bins: int = 443, n_layers: int = 4, filters: int = 100, kernel: int = 10, strides: int = 2,
              padding: str = "valid", dense: int = 100, dropout: float = 0.0, n_boxes: int = N_BOXES) -> keras.Model:
    """The QuasarNET network.

    ``n_layers`` × [Conv1D → BatchNormalization → ReLU (→ Dropout)] → Flatten → Dense → BatchNormalization →
    ReLU, then per head a Dense of ``n_boxes`` sigmoid confidences and a Dense of ``n_boxes`` offsets
    rescaled to −0.1 + 1.2·σ, concatenated: the model returns a list of ``len(HEADS)`` arrays of
    shape (n, 2·n_boxes). The published networks: 4 × 100 'valid' (the paper), 4 × 25 'valid' and
    6 × 100 'same' (the public test networks, dropout 0.2).
    """
    inp = keras.Input((n_bins,), name="spectrum")
    x = layers.Reshape((n_bins, 1))(inp)
    for k in range(1, n_layers + 1):
        x = layers.Conv1D(filters, kernel, strides=strides, padding=padding, name=f"conv_{k}")(x)
        x = layers.BatchNormalization(name=f"bn_{k}")(x)
        x = layers.ReLU()(x)
        if dropout:
            x = layers.Dropout(dropout)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(dense, name="fc_common")(x)
    x = layers.BatchNormalization(name="bn_fc")(x)
    x = layers.ReLU()(x)
    outs = []
    for k, head in enumerate(HEADS):
        box = layers.Dense(n_boxes, activation="sigmoid", name=f"fc_box_{k}")(x)
        off = layers.Dense(n_boxes, activation="sigmoid", name=f"fc_offset_{k}")(x)
        off = layers.Rescaling(1.2, offset=-0.1)(off)
        outs.append(layers.Concatenate(name=f"head_{head}")([box, off]))
    return keras.Model(inp, outs, name="quasarnet")


def box_targets(z, is_qso, is_bal, grid: Grid = Grid(), n_boxes: int = N_BOXES) -> list[np.ndarray]:
    """Training targets, one (n, 2·n_boxes) array per head.

    The box that holds the line's observed wavelength gets confidence 1 and, as offset, the line's
    fractional position inside it; every other box is 0. Non-QSOs have no positive box; the BAL
    head is positive only for BAL quasars.
    """
    z = np.asarray(z, np.float64)
    is_qso = np.asarray(is_qso, bool)
    is_bal = np.asarray(is_bal, bool)
    n = len(z)
    out = []
    for head in HEADS:
        pos = (np.log10(HEAD_WAVE[head] * (1 + z)) - grid.loglam_min) / grid.dloglam / grid.nbins * n_boxes
        j = np.floor(pos).astype(np.int64)
        keep = (j >= 0) & (j < n_boxes) & (is_qso if head != "BAL" else is_qso & is_bal)
        t = np.zeros((n, 2 * n_boxes), np.float32)
        rows = np.flatnonzero(keep)
        t[rows, j[rows]] = 1.0
        t[rows, n_boxes + j[rows]] = pos[rows] - j[rows]
        out.append(t)
    return out


@keras.saving.register_keras_serializable(package="specml")
def box_loss(y_true, y_pred):
    """QuasarNET's loss for one head: binary cross-entropy with the positive and the negative boxes
    each normalised by their count, plus the squared offset error on the positive boxes."""
    nb = ops.shape(y_pred)[-1] // 2
    eps = keras.config.epsilon()
    t, p = y_true[:, :nb], ops.clip(y_pred[:, :nb], eps, 1 - eps)
    n_pos = ops.sum(t) + eps
    n_neg = ops.sum(1 - t) + eps
    loss = -ops.sum(t * ops.log(p)) / n_pos - ops.sum((1 - t) * ops.log(1 - p)) / n_neg
    return loss + ops.sum(t * ops.square(y_true[:, nb:] - y_pred[:, nb:])) / n_pos


def compile_quasarnet(model: keras.Model, learning_rate: float = 1e-3) -> keras.Model:
    model.compile(keras.optimizers.Adam(learning_rate), loss=[box_loss] * len(model.outputs))
    return model


def decode(outputs, grid: Grid = Grid(), c_th: float = 0.8, n_lines: int = 1, c_th_bal: float = 0.5) -> dict:
    """QuasarNET's decision from its raw outputs (a list, or an array (heads, n, 2·n_boxes)).

    A line is detected when its most confident box exceeds ``c_th``; a spectrum is a QSO when at
    least ``n_lines`` lines are detected; z comes from the most confident line (the BAL head
    excluded), placed by that box's offset; BAL when the BAL head's confidence exceeds ``c_th_bal``.

    Returns
    -------
    dict with ``conf`` (n, 6) line confidences, ``z_line`` (n, 6) each line's redshift, ``is_qso``,
    ``z``, ``best_line`` (index into HEADS), ``bal_conf`` and ``is_bal``.
    """
    out = np.asarray(outputs, np.float64)
    n_heads, n, width = out.shape
    nb = width // 2
    conf = out[:, :, :nb].max(axis=2).T                               # (n, heads)
    j = out[:, :, :nb].argmax(axis=2)                                 # (heads, n)
    off = np.take_along_axis(out[:, :, nb:], j[:, :, None], axis=2)[:, :, 0]
    pos_bins = (j + off) * grid.nbins / nb                             # bins from the grid start
    lam = 10 ** (grid.loglam_min + pos_bins * grid.dloglam)
    rest = np.array([HEAD_WAVE[h] for h in HEADS])[:, None]
    z_line = (lam / rest - 1).T                                       # (n, heads)
    lines = [k for k, h in enumerate(HEADS) if h != "BAL"]
    cl = conf[:, lines]
    best = cl.argmax(axis=1)
    bal_conf = conf[:, HEADS.index("BAL")]
    is_qso = (cl > c_th).sum(axis=1) >= n_lines
    return {"conf": cl, "z_line": z_line[:, lines], "is_qso": is_qso,
            "z": z_line[np.arange(n), np.array(lines)[best]], "best_line": best, "bal_conf": bal_conf,
            "is_bal": is_qso & (bal_conf > c_th_bal)}


def predict(model: keras.Model, x, batch_size: int = 1024) -> np.ndarray:
    """Raw outputs as one array of shape (heads, n, 2·n_boxes), the layout of the reference file;
    run as our networks are (:func:`specml_utils.models.infer`), so speeds compare like with like."""
    return np.stack(infer(model, x, batch_size))


# --------------------------------------------------------------------------- Keras-2 weights
def keras2_architecture(path) -> dict:
    """What a Keras-2 QuasarNET HDF5 file holds: layers, filters, padding, dense width, dropout."""
    with h5py.File(path, "r") as h:
        if "model_config" not in h.attrs:
            raise ValueError(f"{path}: no model_config attribute (not a Keras-2 HDF5 model file)")
        cfg = json.loads(h.attrs["model_config"])
    lays = cfg["config"]["layers"]
    convs = [L["config"] for L in lays if L["class_name"] == "Conv1D"]
    dense = [L["config"] for L in lays if L["class_name"] == "Dense" and L["config"]["name"] == "fc_common"]
    drops = [L["config"]["rate"] for L in lays if L["class_name"] == "Dropout"]
    inp = [L["config"] for L in lays if L["class_name"] == "InputLayer"]
    if not convs or not dense:
        raise ValueError(f"{path}: not a QuasarNET network (no Conv1D layers or no fc_common)")
    boxes = [L["config"]["units"] for L in lays
             if L["class_name"] == "Dense" and L["config"]["name"].startswith("fc_box")]
    return {"n_bins": int(inp[0]["batch_input_shape"][1]) if inp else 443, "n_layers": len(convs),
            "filters": convs[0]["filters"], "kernel": convs[0]["kernel_size"][0], "strides": convs[0]["strides"][0],
            "padding": convs[0]["padding"], "dense": dense[0]["units"], "dropout": drops[0] if drops else 0.0,
            "n_boxes": boxes[0], "n_heads": len(boxes)}


def _keras2_weights(h: h5py.File, name: str) -> list[np.ndarray]:
    g = h["model_weights"][name]
    return [np.asarray(g[w]) for w in (n.decode() if isinstance(n, bytes) else n for n in g.attrs["weight_names"])]


def load_keras2(path) -> keras.Model:
    """Build the network a Keras-2 QuasarNET HDF5 file describes and load its weights.

    Layers are matched by role (the k-th convolution, the k-th batch normalisation, the dense
    layers by name), since Keras 3 cannot read Keras-2 model configs with Lambda layers.
    """
    arch = keras2_architecture(path)
    if arch["n_heads"] != len(HEADS):
        raise ValueError(f"{path}: {arch['n_heads']} heads, expected {len(HEADS)}")
    model = quasarnet(**{k: arch[k] for k in ("n_bins", "n_layers", "filters", "kernel", "strides", "padding",
                                              "dense", "dropout", "n_boxes")})
    with h5py.File(path, "r") as h:
        lays = json.loads(h.attrs["model_config"])["config"]["layers"]
        convs = [L["config"]["name"] for L in lays if L["class_name"] == "Conv1D"]
        bns = [L["config"]["name"] for L in lays if L["class_name"] == "BatchNormalization"]
        if len(bns) != arch["n_layers"] + 1:
            raise ValueError(f"{path}: expected {arch['n_layers'] + 1} batch normalisations, found {len(bns)}")
        pairs = [(f"conv_{k + 1}", c) for k, c in enumerate(convs)]
        pairs += [(f"bn_{k + 1}", b) for k, b in enumerate(bns[:-1])] + [("bn_fc", bns[-1]), ("fc_common", "fc_common")]
        pairs += [(f"fc_{kind}_{k}", f"fc_{kind}_{k}") for k in range(len(HEADS)) for kind in ("box", "offset")]
        for ours, theirs in pairs:
            layer = model.get_layer(ours)
            weights = _keras2_weights(h, theirs)
            shapes = [tuple(w.shape) for w in layer.get_weights()]
            if [tuple(w.shape) for w in weights] != shapes:
                raise ValueError(f"{path}: layer {theirs} has shapes {[w.shape for w in weights]}, expected {shapes}")
            layer.set_weights(weights)
    return model
