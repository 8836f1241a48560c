"""Trial: fit the spectra called BAL quasars with their troughs as a mixture, not a window of inflated variance.

The line-fit check leaves BAL-called spectra to the CNN (2026-11-27, asked again on 2026-11-29: fitting
them with 1260–1530 Å — or 1216–1549 Å — free to absorb broke as many redshifts as it mended). Looking at the breaks
of the second mock (seed 20261128) while writing this: with the troughs' pixels given the forest's inflated variance, a
wrong candidate can put more of the spectrum where it may be absorbed and hide the troughs there, since the
variance's normalisation charges little for it. Of six spectra of that mock called BAL QSO (S/N 3.7–46) that the
window model scored very differently at the truth and at a wrong candidate, it preferred the wrong one in three (by
34,000 to 407,000); the model tried here prefers the truth in two of those three and in the other three.

Arms (:meth:`Bundle.predict_x` with ``check_bal`` forced on or off, :data:`zcheck.BAL_MODEL`):

- ``BAL not fitted``: as it is;
- ``BAL fitted, troughs``: each pixel within 25,000 km/s blueward of NV, SiIV or CIV is unabsorbed (noise about the
  model) or absorbed to any depth (flux uniform between 0 and the model), with a prior share 0.25 absorbed
  (:func:`zcheck.trough_fit`; the reach is the balnicity index's, the share the mock's troughs').

The rule, set before the run: ``BAL fitted, troughs`` replaces ``BAL not fitted`` only if on a fourth mock (seed
20261131, made for this trial with the code of today, looked at by nothing before: ``--choose-on``) it makes fewer
catastrophic redshifts of true quasars called quasars (|Δv| ≥ 6000 km/s) and finds no fewer quasars (notebook 05's
completeness count), and on each of the validation split, the second mock and the third mock (seed 20261130) it finds
no fewer quasars and makes no more catastrophic redshifts. The test split and the real spectra (``--real``) are read
after.

    python scripts/zcheck_troughs_trial.py --choose-on FOURTH.h5 --other SECOND.h5 --other THIRD.h5 --real \\
        --record benchmarks/zcheck_troughs.jsonl

Run on 2026-11-29 (commit d4450f1, the bundle of 94c4254's run; 96 s on the 2-core AMD EPYC machine), catastrophic
redshifts and quasars found, not fitted → troughs: the fourth mock 33 → 39 and 19,433 → 19,427 of 19,520 (of 76
replacements 32 mended, 24 broke); validation 6 → 7 and 3,830 → 3,829; second mock 33 → 32 and 19,333 → 19,334;
third mock 32 → 31 and 19,042 → 19,043. Both parts fail: BAL-called spectra stay unfitted. Read after: the test split
9 → 6 and 3,839 → 3,842 of 3,863; the real spectra the same.
"""
from __future__ import annotations

from specml_utils import zcheck
from zcheck_edge_trial import fit_bal, fresh_parser, judged_on_fresh  # scripts/ is on the path

ARMS = ("BAL not fitted", "BAL fitted, troughs")


def use(arm: str) -> None:
    """Put one arm in the module the bundle and the trial call."""
    fitted = arm == ARMS[1]
    zcheck.BAL_MODEL = "troughs" if fitted else "window"
    fit_bal(fitted)


def main(argv=None) -> int:
    judged_on_fresh(fresh_parser(__doc__.splitlines()[0]).parse_args(argv), ARMS, use, "zcheck troughs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
