"""How likely the held-back half of the VI plate is to meet issue 13's targets, if the saved models
do there what they did on the half we have.

The targets are read on 71 spectra (the plate's 140 VI spectra less the 69 here: 22 stars, 5 galaxies,
40 QSO, 4 BAL QSO), so one spectrum moves a figure by 1.4 points of accuracy and 2.3 of QSO purity or
completeness: accuracy ≥ 0.96 allows two misses of 71, stars ≥ 0.90 two of 22, QSO purity and
completeness ≥ 0.98 none of 44. Each figure's visible count (k of n, from notebooks 04 and 05's
`figures/metrics/*.json`) is taken as draws of one unknown rate, every spectrum alike; with a Beta
prior, the number right of the m hidden ones is then beta-binomial, and the probability that it meets
the target is printed (the posterior predictive). Two priors bracket what so few spectra can say:
uniform (Beta(1, 1)) and Jeffreys (Beta(½, ½)). QSO purity's hidden denominator, the spectra called
quasars, is taken as the 44 VI quasars.

The half we have was looked at while the mock was built (README, *Choices made while looking at
the real spectra*), so these odds lean optimistic.

    python scripts/held_back_odds.py [--record benchmarks/held_back_odds.jsonl]
"""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from scipy.stats import betabinom

from trial_record import emit

ROOT = Path(__file__).resolve().parents[1]
#: VI classes of the held-back half: the plate's 44 / 9 / 79 / 8 (DR12Q superset) less the 22 / 4 / 39 / 4 here
HIDDEN = {"STAR": 22, "GALAXY": 5, "QSO": 40, "QSO_BAL": 4}
N_QSO = HIDDEN["QSO"] + HIDDEN["QSO_BAL"]
#: issue 13's targets on the held-back half: (figure, target, hidden count)
TARGETS = (("accuracy", 0.96, sum(HIDDEN.values())), ("star recall", 0.90, HIDDEN["STAR"]),
           ("QSO purity", 0.98, N_QSO), ("QSO completeness", 0.98, N_QSO))


def odds(k: int, n: int, m: int, target: float, a: float) -> tuple[int, float]:
    """The least number right of ``m`` that meets ``target``, and the probability of at least that
    many when ``k`` of ``n`` were right and the rate has a Beta(a, a) prior."""
    need = math.ceil(target * m - 1e-9)
    return need, float(betabinom(m, a + k, a + n - k).sf(need - 1))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--record", type=Path)
    args = ap.parse_args(argv)
    m04 = json.loads((ROOT / "figures/metrics/04_cnn_classify.json").read_text())["real"]["VI"]
    m05 = json.loads((ROOT / "figures/metrics/05_cnn_redshift.json").read_text())["real"]["VI"]
    seen = {"accuracy": m04["accuracy"], "star recall": m04["recall"]["STAR"],
            "QSO purity": m05["purity"], "QSO completeness": m05["completeness"]}
    rows = []
    for name, target, m in TARGETS:
        k, n = seen[name]["k"], seen[name]["n"]
        need, p_uniform = odds(k, n, m, target, 1.0)
        _, p_jeffreys = odds(k, n, m, target, 0.5)
        rows.append({"figure": name, "target": target, "visible": [k, n], "hidden": m, "need": need,
                     "p_uniform": round(p_uniform, 3), "p_jeffreys": round(p_jeffreys, 3)})
    emit({"trial": "held_back_odds", "rows": rows}, args.record)


if __name__ == "__main__":
    main()
