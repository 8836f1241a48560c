"""Trial: should the line-fit check also fit the spectra the classifier calls BAL quasars?

The check (:mod:`specml_utils.zcheck`) fits each candidate redshift with emission lines on a
continuum; a BAL quasar's troughs take flux from those very lines. This script runs
:meth:`Bundle.predict_x <specml_utils.bundle.Bundle.predict_x>` with ``check_bal`` on and off over mock quasars the
networks never trained on — the validation and test splits of the default dataset and, with
``--dataset``, every split of another mock's dataset (e.g. one made with another seed) — and counts,
over all true quasars, the catastrophic redshifts (|Δv| > 6000 km/s) the check fixes and makes,
separately for spectra called BAL quasars and the rest, and the QSO completeness of notebook 05.
With ``--real`` it also scores the real spectra of ``../shared/real_spectra`` as ``specml predict``
does, with the check as it is, with BAL quasars fitted too, and with no check at all, and lists
every redshift the check changed there beside its label's (a measurement only: nothing here is
chosen on the real spectra).

    specml mock --n-spectra 12000 --seed 2024 --out /tmp/indep/mock
    specml preprocess --data /tmp/indep/mock --out /tmp/indep/mock_n12000_seed2024_balanced_mixed_443bins.h5
    python scripts/zcheck_bal_trial.py --models data/models \\
        --dataset /tmp/indep/mock_n12000_seed2024_balanced_mixed_443bins.h5 --record benchmarks/zcheck_bal.jsonl
    python scripts/zcheck_bal_trial.py --models data/models --real --record benchmarks/zcheck_bal.jsonl
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import pandas as pd

from specml_utils import evaluation, metrics, predict, real
from specml_utils.bundle import Bundle
from specml_utils.spectra import read_any
from specml_utils.preprocess import load_dataset
from trial_record import emit  # scripts/ is on the path when a script runs

QSO, BAL = 2, 3


def outcome(bundle: Bundle, split: dict, check_bal: bool) -> dict:
    """Fixed and made catastrophes (called BAL / not), and completeness, of one sample."""
    # no class-mix prior: the mock's splits keep the training mix (as notebook 05 scores them)
    out = bundle.predict_x(split["X"], split["flux"], split["ivar"], prior=False, check_bal=check_bal)
    label = out["label"]
    true_q = np.isin(split["label"], (QSO, BAL))
    bad_before = np.abs(metrics.velocity_offset(out["z_cnn"], split["z"])) > metrics.DV_CATASTROPHIC
    bad_after = np.abs(metrics.velocity_offset(out["z"], split["z"])) > metrics.DV_CATASTROPHIC
    fixed, made = true_q & bad_before & ~bad_after, true_q & ~bad_before & bad_after
    called_bal = label == BAL
    pc = metrics.qso_purity_completeness(true_q, split["z"], split["z_conf"], np.isin(label, (QSO, BAL)), out["z"])
    return {"check_bal": check_bal, "true_quasars": int(true_q.sum()),
            "called_bal": {"fixed": int((fixed & called_bal).sum()), "broken": int((made & called_bal).sum())},
            "others": {"fixed": int((fixed & ~called_bal).sum()), "broken": int((made & ~called_bal).sum())},
            "completeness_k": pc["completeness_k"], "completeness": pc["completeness"]}


def real_effect(bundle: Bundle) -> dict:
    """The real spectra scored with the check as it is, with BAL quasars fitted too, and with none."""
    truth = real.truth_table()
    prep = predict._prepare([s for p in truth["PATH"] for s in read_any(p)], bundle)  # as `specml predict`
    files = [Path(s.source).name for s in prep["kept"]]
    rows, scores = {}, {}
    for mode, kw in (("no check", {}), ("check, BAL not fitted", {"flux": prep["flux"], "ivar": prep["ivar"]}),
                     ("check, BAL fitted", {"flux": prep["flux"], "ivar": prep["ivar"], "check_bal": True})):
        out = bundle.predict_x(prep["x"], **kw)
        rows[mode] = pd.DataFrame({"FILE": files, "CLASS": np.array(bundle.class_names)[out["label"]], "Z": out["z"]})
        summary = real.score_sources(rows[mode], truth)[1]
        scores[mode] = {src: {k: [v["k"], v["n"]] for k, v in s.items() if isinstance(v, dict) and "k" in v}
                        for src, s in summary.items()}
    base = rows["no check"].set_index("FILE")
    label = truth.assign(FILE=[Path(p).name for p in truth["PATH"]]).set_index("FILE")
    changed = []
    for mode in ("check, BAL not fitted", "check, BAL fitted"):
        r = rows[mode].set_index("FILE")
        for f in r.index[r["Z"] != base["Z"]]:
            changed.append({"mode": mode, "file": f, "class": r.loc[f, "CLASS"], "z_before": float(base.loc[f, "Z"]),
                            "z_after": float(r.loc[f, "Z"]), "z_label": float(label.loc[f, "z_true"]),
                            "label_source": label.loc[f, "label_source"]})
    return {"scores": scores, "changed": changed}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=Path, default=Path("data/models"))
    ap.add_argument("--dataset", type=Path, nargs="*", default=[], help="other datasets, all their splits used")
    ap.add_argument("--real", action="store_true", help="also score the real spectra of ../shared with each choice")
    ap.add_argument("--record", type=Path, default=None, help="append each result as a JSON line to this file")
    a = ap.parse_args(argv)
    bundle = Bundle.load(a.models)
    if a.real:
        emit({"trial": "zcheck_bal", "models": str(a.models), "sample": "real spectra", **real_effect(bundle)}, a.record)
    data = evaluation.load_splits()
    samples = {f"{data['path'].name} {s}": data[s] for s in ("val", "test")}
    for path in a.dataset:
        parts = [load_dataset(path, s) for s in ("train", "val", "test")]
        samples[f"{path.name} (all splits)"] = {k: np.concatenate([p[k] for p in parts])
                                                for k in ("X", "flux", "ivar", "label", "z", "z_conf")}
    for name, split in samples.items():
        emit({"trial": "zcheck_bal", "models": str(a.models), "sample": name,
              "rows": [outcome(bundle, split, c) for c in (True, False)]}, a.record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
