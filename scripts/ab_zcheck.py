"""The line-fit check of another revision against this one, alternated in one process.

    python scripts/ab_zcheck.py --old b6bd3c1 [--n 4096] [--rounds 3]

Loads ``specml_utils/zcheck.py`` as it was at git revision ``--old``, runs both versions' check on
the same networks' outputs for ``--n`` spectra of the main job's mock survey, round after round
(so the machine's drift touches both alike), prints ms per spectrum for each, and says whether
every output column is identical. Needs the main job's models and mock (``make all``).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from trial_record import module_at  # noqa: E402

from specml_utils import catalog, sources, zcheck  # noqa: E402
from specml_utils.bundle import DEFAULT_MODELS, Bundle  # noqa: E402
from specml_utils.classes import shift_prior  # noqa: E402
from specml_utils.grid import rebin, standardize  # noqa: E402
from specml_utils.models import class_probabilities, redshift_probabilities  # noqa: E402
from specml_utils.spectra import read_any  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", required=True, help="git revision of the other version")
    ap.add_argument("--n", type=int, default=4096)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    mock = sources.mock_home(sources.DEFAULT_N_SPECTRA, 12345)  # the main job's mock
    matched, _ = catalog.crossmatch(catalog.clean(sources.load_catalog(mock))[0], mock)
    spectra = [s for f in matched["PATH"][: a.n] for s in read_any(f)]
    bundle = Bundle.load(DEFAULT_MODELS)
    flux, ivar = rebin(spectra, bundle.grid)
    x = standardize(flux, ivar, bundle.weighted)
    label = shift_prior(class_probabilities(bundle.classifier, x)[0], bundle.prior_weights).argmax(axis=1)
    zprob = redshift_probabilities(bundle.redshift, x)
    args = (bundle.zbins, zprob, label, bundle.class_names, bundle.z_range, flux, ivar, 10 ** bundle.grid.centres)
    versions = {f"old ({a.old})": module_at(a.old, "zcheck"), "new (working tree)": zcheck}
    out = {}
    for r in range(a.rounds):
        for name, module in versions.items():
            t = time.perf_counter()
            out[name] = module.class_redshifts(*args)
            print(f"round {r}: {name} {(time.perf_counter() - t) / len(x) * 1e3:.3f} ms per spectrum", flush=True)
    old, new = out.values()
    same = all(np.array_equal(old[k], new[k], equal_nan=True) for k in old)
    print(f"{int(np.isin(new['z_check'], (1, 2)).sum())} of {len(x)} spectra checked; every output column identical: {same}")


if __name__ == "__main__":
    main()
