"""Trial of the training set's size against its epochs: is the mock's QSO / BAL QSO boundary held
back by too few distinct spectra or by too few passes over them?

Specnet is trained as notebook 04 trains it (:func:`lr_schedule_trial.run`: cosine schedule,
augmentation, balanced class weights) on N spectra of the training split of a larger mock for E
epochs, for each ``N:E`` arm; every arm is scored on that mock's one validation and test split, so
the arms differ only in what they trained on. ``N = 0`` takes the whole training split. The arm
``11446:15`` is notebook 04 as it was on the 20,000-spectrum mock (11,446 training spectra), ``0:15``
notebook 04 now; arms with the same N x E cost about the same training time.

    specml mock --n-spectra 40000 --out data/mock/n40000_seed12345_balanced_mixed
    specml preprocess --data data/mock/n40000_seed12345_balanced_mixed \\
        --out data/processed/mock_n40000_seed12345_balanced_mixed_443bins.h5
    python scripts/data_size_trial.py --n-spectra 40000 --arms 11446:15 0:8 0:15 --seeds 1 2 \\
        --record benchmarks/data_size_trial.jsonl

Each line of the record: the arm, its training spectra and epochs, the training time, the mock
validation macro F1, the mock test F1 per class, and the 4-class accuracy on the visually inspected
(``vi_acc``) and pipeline-labelled (``pipe_acc``) real spectra (scored, never trained on).
"""
from __future__ import annotations

import argparse
from pathlib import Path

from specml_utils import evaluation, real
from lr_schedule_trial import run  # scripts/ is on the path when a script runs
from trial_record import emit


def arm(text: str) -> tuple[int, int]:
    """``"N:E"`` as (training spectra, epochs)."""
    n, e = text.split(":")
    return int(n), int(e)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-spectra", type=int, default=40_000, help="size of the mock survey (the notebooks' default: 40,000)")
    ap.add_argument("--arms", type=arm, nargs="+", default=[(11_446, 15), (0, 8), (0, 15)],
                    help="N:E pairs: N training spectra (0: all) for E epochs")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--record", type=Path, default=None, help="append each run as a JSON line to this file")
    a = ap.parse_args(argv)
    data = evaluation.load_splits(n_spectra=a.n_spectra)
    truth = real.truth_table()
    for seed in a.seeds:
        for n, epochs in a.arms:
            # the same N spectra for every seed: the arms differ by their data, the seeds by their training
            d = {**data, "train": evaluation.sample(data["train"], n)}
            out = run("cosine", seed, d, truth, epochs)
            emit({"mock_spectra": a.n_spectra, "train_spectra": len(d["train"]["label"]), **out}, a.record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
