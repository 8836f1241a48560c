"""Trial: specnet trained with several seeds, each alone and their probabilities averaged (an
ensemble), scored on the mock validation and test splits and on the real spectra.

    python scripts/ensemble_trial.py --seeds 0 1 2 3 --record benchmarks/ensemble_trial.jsonl

Needs notebook 03's default dataset. Seed 0 is taken from the bundle notebook 04 saved
(``data/models/classifier.keras``, when it is specnet); each other seed is trained as notebook
04's seed spread trains it (about 2.5 minutes each on 2 cores) and kept under ``--keep``. Notebook
04 already trains seeds 0–2 for its seed spread, so an ensemble of those three would cost the
main job no training, but three times the classifier's inference in ``specml predict``.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
from pathlib import Path

import numpy as np

from specml_utils import classifiers, evaluation, metrics, models, paths, real, redshift_bins, training
from specml_utils.backend import keras
from trial_record import emit  # scripts/ is on the path when a script runs


class Averaged:
    """The members' outputs averaged, with the interface :func:`models.class_probabilities` uses."""

    def __init__(self, members):
        self.members = members
        self.output = members[0].output

    def predict_on_batch(self, x):
        outs = [m.predict_on_batch(x) for m in self.members]
        return {k: np.mean([np.asarray(o[k]) for o in outs], axis=0) for k in outs[0]}


def scores(model, name: str, data: dict, truth, prior) -> dict:
    te, va = data["test"], data["val"]
    table = metrics.classification_table(te["label"], models.class_probabilities(model, te["X"])[0].argmax(1))
    out = {"name": name, "val_f1": round(classifiers.macro_f1(va["label"], models.class_probabilities(model, va["X"])[0]), 4),
           "test_f1": {k: round(float(v), 4) for k, v in table["f1"].items()}}
    if len(truth):
        _, summ = real.score_sources(real.classify(model, data["grid"], data["weighted"], truth, prior), truth)
        out.update(vi_acc=round(summ["VI"]["accuracy"]["value"], 3), pipe_acc=round(summ["pipeline"]["accuracy"]["value"], 3))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3])
    ap.add_argument("--keep", type=Path, default=Path("data/ensemble_trial"), help="where trained seeds are kept")
    ap.add_argument("--record", type=Path, default=None, help="append each result as a JSON line to this file")
    a = ap.parse_args(argv)
    data = evaluation.load_splits()
    truth = real.truth_table()
    zb = redshift_bins.ZBins()
    build = classifiers.builders(data["grid"].nbins, zb)["specnet"]
    with contextlib.redirect_stdout(io.StringIO()):
        weights = classifiers.balanced_weights(data["train"]["label"])
    prior = classifiers.survey_prior(data["train"]["label"], "dr12")
    a.keep.mkdir(parents=True, exist_ok=True)
    members = {}
    for s in a.seeds:
        path = a.keep / f"specnet_seed{s}.keras"
        bundled = paths.MODELS / "classifier.keras"
        if s == 0 and bundled.exists() and json.loads((paths.MODELS / "bundle.json").read_text())[
                "classifier"].get("architecture") == "specnet":
            path = bundled
        elif not path.exists():
            training.seed(s)
            model, _ = classifiers.train_one(build, data, zb, classifiers.Recipe(seed=s), weights, s)
            model.save(path)
        members[s] = keras.saving.load_model(path)
    results = [scores(m, f"seed {s}", data, truth, prior) for s, m in members.items()]
    for k in range(3, len(members) + 1):
        chosen = sorted(members)[:k]
        results.append(scores(Averaged([members[s] for s in chosen]), f"average of seeds {chosen}", data, truth, prior))
    for out in results:
        emit(out, a.record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
