"""The saved-model format and the one inference path: a *model bundle*.

A bundle is a folder holding ``classifier.keras``, ``redshift.keras`` and ``bundle.json`` (the
input grid, the standardisation, the class names, the redshift bins, the class mix and the σ_z
scale). Notebooks 04 and 05 write it to ``data/models/``; :meth:`Bundle.predict_x` is what the
notebooks, ``specml predict`` and the benchmarks call to classify spectra and measure redshifts.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from . import paths
from .atomic import atomic_path, atomic_write_bytes
from .classes import CLASS_NAMES
from .grid import Grid


#: where the main job leaves the trained models
DEFAULT_MODELS = paths.MODELS


def _update_bundle_json(folder: Path, **entries) -> None:
    path = folder / "bundle.json"
    info = json.loads(path.read_text()) if path.exists() else {}
    info.update(entries)
    atomic_write_bytes(path, (json.dumps(info, indent=1) + "\n").encode())


def save_model(model, folder, role: str, **info) -> Path:
    """Save a trained model as ``FOLDER/ROLE.keras`` (atomically) and record ``info`` under ``role``
    in ``bundle.json``. ``role`` is ``classifier`` or ``redshift``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{role}.keras"
    with atomic_path(path, ".keras") as tmp:
        model.save(tmp)
    _update_bundle_json(folder, **{role: {"file": path.name, "saved": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                                    time.gmtime()), **info}})
    return path


@dataclass
class Bundle:
    """A loaded classifier + redshift CNN and the preprocessing they expect."""

    classifier: object
    redshift: object
    grid: Grid
    weighted: bool
    zbins: object
    sigma_scale: dict
    class_names: tuple = CLASS_NAMES
    z_range: dict = field(default_factory=dict)
    info: dict = field(default_factory=dict)
    prior_weights: tuple | None = None

    @classmethod
    def load(cls, folder=None, one_network: bool = False) -> "Bundle":
        """Load the bundle in ``folder`` (default: the main job's ``data/models``). With ``one_network`` a
        classifier saved as the mean of several trainings (notebook 04's ``ensemble_seeds``) is replaced by
        its first training alone: predictions run faster, a little less accurate."""
        from .models import first_member
        from .redshift_bins import ZBins

        folder = Path(folder or DEFAULT_MODELS)
        meta = folder / "bundle.json"
        if not meta.exists():
            raise FileNotFoundError(f"{meta}: no model bundle here (run notebooks 04 and 05, or give --model)")
        try:
            info = json.loads(meta.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise ValueError(f"{meta}: not a valid bundle description (corrupt JSON: {err})") from err
        missing = [r for r in ("classifier", "redshift") if r not in info]
        if missing:
            raise ValueError(f"{meta}: no {' or '.join(missing)} model recorded (run notebook "
                             f"{'04' if 'classifier' in missing else '05'})")
        c, r = info["classifier"], info["redshift"]
        if c["grid"] != r["grid"] or c["weighted"] != r["weighted"]:
            raise ValueError(f"{meta}: the classifier and redshift models were trained on different grids")
        classifier = _load_model(folder / c["file"])
        return cls(classifier=first_member(classifier) if one_network else classifier,
                   redshift=_load_model(folder / r["file"]),
                   grid=Grid(**c["grid"]), weighted=c["weighted"], zbins=ZBins(**r["zbins"]),
                   sigma_scale=_per_class(r["sigma_scale"], c["class_names"]), class_names=tuple(c["class_names"]),
                   z_range=r.get("z_range", {}), info=info,
                   prior_weights=tuple(c["prior"]["weights"]) if c.get("prior") else None)

    def predict_x(self, x: np.ndarray, flux=None, ivar=None, batch_size: int = 1024, prior: bool = True,
                  check_bal: bool = False) -> dict:
        """Class probabilities, class, z and σ_z for standardised inputs ``x`` (n, nbins).

        Class probabilities are moved from the training set's class mix to the survey's where the
        bundle records one (``prior`` in ``bundle.json``; :func:`specml_utils.classes.prior_weights`);
        ``prior=False`` keeps the training mix (for a test split drawn like the training set).

        With the rebinned ``flux`` and ``ivar`` (not standardised) the redshifts of quasars the
        CNN is unsure of are checked with a line fit (:mod:`specml_utils.zcheck`); those called BAL
        quasars only with ``check_bal``.
        """
        from .classes import shift_prior
        from .models import class_probabilities, redshift_probabilities
        from .zcheck import class_redshifts

        prob, _ = class_probabilities(self.classifier, x, batch_size)
        prob = shift_prior(prob, self.prior_weights if prior else None)  # to the survey's class mix
        label = prob.argmax(axis=1)
        zprob = redshift_probabilities(self.redshift, x, batch_size)
        out = class_redshifts(self.zbins, zprob, label, self.class_names, self.z_range, flux, ivar,
                              10 ** self.grid.centres, check_bal=check_bal)
        scale = np.array([self.sigma_scale[c] for c in self.class_names])[label]  # σ_z calibrated per class
        return {"prob": prob, "label": label, "z": out["z"], "z_err": out["z_err"] * scale,
                "z_check": out["z_check"], "z_cnn": out["z_cnn"]}


def _load_model(path: Path):
    """A saved Keras model, or an error that names the file and says what is wrong with it."""
    from .backend import keras

    if not path.exists():
        raise FileNotFoundError(f"{path}: model file missing from the bundle")
    try:
        return keras.saving.load_model(path)
    except Exception as err:  # Keras raises many kinds (zip, HDF5, JSON, ValueError) for one cause
        raise ValueError(f"{path}: cannot load this model file (corrupt or truncated? {type(err).__name__})") from err


def _per_class(scale, names) -> dict:
    """σ_z scale factors per class (a single number applies to every class)."""
    return dict(scale) if isinstance(scale, dict) else {n: float(scale) for n in names}


def grid_info(grid: Grid, weighted: bool) -> dict:
    """How inputs were made, as stored in ``bundle.json``."""
    return {"grid": asdict(grid), "weighted": bool(weighted)}
