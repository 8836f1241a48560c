"""The shared real spectra scored with each model folder given, as notebook 05 scores them: a trial's read-after check.

For each folder, ``specml predict`` on every real spectrum of the shared folder and, per label source (VI and
pipeline), accuracy, recall per class, and QSO purity and completeness as counts (:func:`real_scores`, which the
trial scripts also use), printed as one JSON line and appended to ``--record``.

    python scripts/real_spectra_scores.py --trial "galaxy UV, real spectra (read after)" \\
        --record benchmarks/galaxy_uv_trial.jsonl data/models OTHER_BUNDLE
"""
from __future__ import annotations

import argparse
from pathlib import Path

from specml_utils import predict, real
from trial_record import emit  # scripts/ is on the path when a script runs


def real_scores(folder: Path, truth) -> dict:
    """``specml predict`` with the bundle ``folder`` on the real spectra: per label source, accuracy, recall per
    class, and QSO purity and completeness (counts)."""
    table, _ = predict.predict_files(list(truth["PATH"]), bundle_dir=folder, progress=False)
    _, summ = real.score_sources(table.to_pandas(), truth)   # as notebook 05 scores them
    pick = lambda s: [int(s["k"]), int(s["n"])]   # noqa: E731
    return {src: {"accuracy": pick(s["accuracy"]), "recall": {c: pick(v) for c, v in s["recall"].items()},
                  "purity": pick(s["purity"]), "completeness": pick(s["completeness"])} for src, s in summ.items()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", type=Path, nargs="+", help="model folders (specml predict --model)")
    ap.add_argument("--trial", required=True, help="the record's trial name")
    ap.add_argument("--record", type=Path, default=None, help="append each result as a JSON line to this file")
    a = ap.parse_args(argv)
    truth = real.truth_table()
    if not len(truth):
        raise SystemExit("no real spectra found (the shared folder is absent): nothing to score")
    for folder in a.models:
        emit({"trial": a.trial, "models": str(folder), **real_scores(folder, truth)}, a.record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
