"""Trial: Fe II emission and host starlight in the line-fit check's quasar model.

The check (:mod:`specml_utils.zcheck`) fits each candidate redshift with a cubic continuum in log λ and non-negative
broad lines. A quasar below z ≈ 1.5 also shows the UV Fe II and Balmer pseudo-continuum (2200–4000 Å), the optical
Fe II multiplets either side of Hβ, and, below z ≈ 1.2, its host's starlight; the model has none of them. On a mock
of another seed the check replaced right CNN redshifts of quasars at z = 0.60, 0.84 and 1.00 by score gains of
68–120 where both fits were poor (χ² 630–1,090 on 443 pixels; `scripts/README.md`, *The forest's edge at Lyα*).

Arms, each a set of :data:`zcheck.COMPONENTS`, the columns :func:`zcheck.design` adds after the lines (non-negative,
like the lines, and times the forest's mean transmission like every column; ``+Fe II +host`` was adopted on
2026-11-28 by the rule below):

- ``lines``: the check as it was;
- ``+Fe II``: the optical Fe II lines of the mock's analytic quasars (:data:`lines.FE2_OPTICAL`, at the check's two
  line widths, one column each) and the UV Fe II / Balmer pseudo-continuum as two broad humps (:data:`lines.FE2_HUMPS`: 2600 Å, σ 250 Å;
  3300 Å, σ 300 Å). These are the analytic quasars' own shapes, so on that half of the mock this arm is circular;
  the template half (real quasars' eigenspectra) and the real spectra are not;
- ``+Fe II +host``: that and an old stellar population (the mean of 200 passive analytic galaxies, rest 3000 Å and
  redward, tapered in over 3000–3400 Å since old starlight is faint in the UV).

The rule, set before the run: on the validation split of notebook 03's default dataset, an arm replaces ``lines``
only if it makes fewer catastrophic redshifts of true quasars (|Δv| ≥ 6000 km/s, the bundle's final z) and finds no
fewer quasars (notebook 05's completeness count); of two that pass, the one with fewer catastrophic redshifts, on a tie
the simpler. The test split, mocks of other seeds or physics (``--other``, each scored whole; a ``templates`` mock has
none of the analytic shapes the arms add) and the real spectra (``--real``) are read after.

    python scripts/zcheck_fe2_trial.py --other OTHER_SEED.h5 --other TEMPLATES.h5 --real --record benchmarks/zcheck_fe2.jsonl

It ran (31e9481) with the forest a step at Lyα; the check has since ramped it in (``zcheck_edge_trial.py``), which
every arm now inherits.
"""
from __future__ import annotations

from specml_utils import zcheck
from trial_record import emit  # scripts/ is on the path when a script runs
from zcheck_edge_trial import arm_parser, chosen_by_rule, run_arms

#: each arm's :data:`zcheck.COMPONENTS`
ARMS = {"lines": (), "+Fe II": ("fe2",), "+Fe II +host": ("fe2", "host")}
ADOPTED = zcheck.COMPONENTS


def use(arm: str) -> None:
    """Put one arm's components in the module the bundle calls."""
    zcheck.COMPONENTS = ARMS[arm]


def main(argv=None) -> int:
    a = arm_parser(__doc__.splitlines()[0]).parse_args(argv)
    out = run_arms(a, ARMS, use)
    zcheck.COMPONENTS = ADOPTED
    emit({"trial": "zcheck Fe II and host", **out, "chosen by the rule": chosen_by_rule(out["result"]["val"], "lines")},
         a.record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
