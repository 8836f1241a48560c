"""Trial: the Lyβ and Lyγ forests in the line-fit check's model, chosen on a mock nothing was chosen on before.

When the check's forest was made to ramp in at Lyα (``zcheck_edge_trial.py``, 2026-11-28), the two arms that also put
the Lyβ and Lyγ forests into the model's mean transmission tied ``ramp`` on the validation split and did two to three
quasars better on the two mocks read after. Switching on that reading would have been choosing on the read-after
samples, so this trial asks again, with its rule set before the run and a sample of its own to choose on.

Arms (:data:`zcheck_edge_trial.ARMS`): ``ramp`` (the check as it is), ``ramp+series`` (the Lyβ and Lyγ forests in the
mean transmission, optical depths 0.160 and 0.056 of Lyα's at the same absorber redshift) and ``ramp+series, finer``
(that, each candidate first tried at five points 0.004 apart in ln(1 + z) instead of three 0.008 apart).

The rule, set before the run: on ``--choose-on`` — a mixed mock of a seed not used before (``specml mock --seed
20261129 --n-spectra 20000 --class-mix dr12``, preprocessed whole; 2026-11-29) — an arm replaces ``ramp`` only if it
makes fewer catastrophic redshifts of true quasars (|Δv| ≥ 6000 km/s) and finds no fewer quasars; of two that pass,
the one with fewer catastrophic redshifts, on a tie the simpler (``ramp+series``). The validation and test splits,
the mocks of the earlier trials (``--other``) and the real spectra (``--real``) are read after.

    python scripts/zcheck_series_trial.py --choose-on NEW.h5 --other …seed20261128….h5 --other templates.h5 \\
        --other analytic.h5 --real --record benchmarks/zcheck_series.jsonl

It ran once (2026-11-29): on the new mock ``ramp+series`` tied ``ramp`` (16 catastrophic redshifts each) and the
five first points lost a quasar, so the rule kept ``ramp`` (``scripts/README.md``, *The Lyβ and Lyγ forests, asked
again*).
"""
from __future__ import annotations

from pathlib import Path

from trial_record import emit  # scripts/ is on the path when a script runs
from zcheck_edge_trial import ARMS, arm_parser, chosen_by_rule, run_arms, use

SERIES_ARMS = ("ramp", "ramp+series", "ramp+series, finer")


def main(argv=None) -> int:
    ap = arm_parser(__doc__.splitlines()[0])
    ap.add_argument("--choose-on", type=Path, required=True, help="the dataset the rule chooses on (scored whole)")
    a = ap.parse_args(argv)
    a.other = [a.choose_on, *a.other]
    out = run_arms(a, {arm: ARMS[arm] for arm in SERIES_ARMS}, use)
    use("ramp")
    chooser = f"{a.choose_on.name} (every split)"
    emit({"trial": "zcheck Lyman series", **out, "chosen on": chooser,
          "chosen by the rule": chosen_by_rule(out["result"][chooser], "ramp")}, a.record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
