"""Trial: BAL-called spectra fitted with their troughs (``zcheck_troughs_trial.py``), replaced only on decisive fits.

``zcheck_troughs_trial.py`` fitted the spectra called BAL quasars with a mixture model of their troughs; on the mock
it was chosen on it broke nearly as many redshifts as it mended (24 and 32, with the other quasars' checks), and was
not adopted. Looking at its replacements of BAL-called spectra on that mock and on the second and third mocks (after
that run, to design this one): every one that broke a redshift won by a score (χ² − 2 ln mass) under 450, mostly at
S/N below 2, while of the 16 that won by more than 1,000, 11 mended one, 4 were wrong before and after and 1
right both times.

Arms (:data:`zcheck.BAL_MODEL`, :data:`zcheck.BAL_MIN_GAIN`, ``check_bal`` forced on or off):

- ``BAL not fitted``: as it is;
- ``BAL fitted, troughs, gain > 1000``: fitted as ``zcheck_troughs_trial.py``'s arm, a candidate replacing the CNN's
  peak only if it gains more than 1,000 — Δχ² of 1,000 is decisive odds by any measure, and this trial's samples put
  every break below 450.

The rule, set before the run: the new arm replaces ``BAL not fitted`` only if on a fifth mock (seed 20261201, made for
this trial with the code of today, looked at by nothing before: ``--choose-on``) it makes fewer catastrophic
redshifts of true quasars called quasars (|Δv| ≥ 6000 km/s) and finds no fewer quasars, and on each of the
validation split (not looked at for this arm), the second, third and fourth mocks (seeds 20261128, 20261130,
20261131, looked at) it finds no fewer quasars and makes no more catastrophic redshifts. The test split and the real
spectra (``--real``) are read after.

    python scripts/zcheck_troughs_gain_trial.py --choose-on FIFTH.h5 --other SECOND.h5 --other THIRD.h5 \\
        --other FOURTH.h5 --real --record benchmarks/zcheck_troughs.jsonl

Run on 2026-11-29 (commit 9c90d0e; the bundle of 94c4254's run; 94 s on the 2-core AMD EPYC
machine), catastrophic redshifts and quasars found, not fitted → fitted with a decisive gain: **the fifth mock 27 → 28
and 19,158 → 19,157 of 19,257** (of the BAL-called replacements, 1 more mended, 2 more broken); validation 6 → 4 and
3,830 → 3,832; second mock 33 → 29, third 32 → 29, fourth 33 → 29, each finding 3 or 4 more. Part (1) fails by one
spectrum, so BAL-called spectra stay unfitted; the model and the threshold stay in :mod:`specml_utils.zcheck` as
switches (:data:`~specml_utils.zcheck.BAL_MODEL`, :data:`~specml_utils.zcheck.BAL_MIN_GAIN`, ``check_bal``), off.
Read after: the test split 9 → 6 and 3,839 → 3,842 of 3,863; the real spectra the same.
"""
from __future__ import annotations

from specml_utils import zcheck
from zcheck_edge_trial import fit_bal, fresh_parser, judged_on_fresh  # scripts/ is on the path

ARMS = ("BAL not fitted", "BAL fitted, troughs, gain > 1000")


def use(arm: str) -> None:
    """Put one arm in the module the bundle and the trial call."""
    fitted = arm == ARMS[1]
    zcheck.BAL_MODEL, zcheck.BAL_MIN_GAIN = ("troughs", 1000.0) if fitted else ("window", 0.0)
    fit_bal(fitted)


def main(argv=None) -> int:
    judged_on_fresh(fresh_parser(__doc__.splitlines()[0]).parse_args(argv), ARMS, use, "zcheck troughs, decisive gain")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
