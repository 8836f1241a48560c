"""Notebook 06's side-by-side: every model as one row on the same test split, in QuasarNET's terms.

A row is a dict: ``name``, ``is_qso``, ``z``, ``is_bal`` (per test spectrum), ``rate`` (inference
spectra/s), ``params``, ``train_s``, and ``prob`` (class probabilities) or ``raw`` (QuasarNET's
outputs), from which the threshold curves are drawn.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import metrics
from . import quasarnet as qn
from .classes import is_bal, is_qso
from .timing import timed


def box_targets(split: dict, grid) -> list:
    """QuasarNET's targets for a dataset split: line boxes for quasars, the BAL box for BAL quasars."""
    return qn.box_targets(split["z"], is_qso(split["label"]), is_bal(split["label"]), grid)


def quasarnet_row(model, name: str, test: dict, grid, train_s: float, c_th: float, n_lines: int,
                  c_th_bal: float) -> dict:
    """A QuasarNET network on the test split, with its own decision rule."""
    raw, rate = timed(lambda: qn.predict(model, test["X"]), len(test["X"]))
    d = qn.decode(raw, grid, c_th, n_lines, c_th_bal)
    return {"name": name, "is_qso": d["is_qso"], "z": d["z"], "is_bal": d["is_bal"], "rate": rate,
            "params": model.count_params(), "train_s": train_s, "raw": raw}


def bundle_row(bundle, test: dict) -> dict:
    """Our saved classifier and redshift CNN, through the bundle ``specml predict`` uses.

    The mock test split has the training set's class mix, so no shift to the survey's mix. The
    training time is what notebooks 04 and 05 recorded in ``bundle.json`` (NaN where absent)."""
    train_s = sum(float(bundle.info.get(role, {}).get("train_seconds", np.nan)) for role in ("classifier", "redshift"))
    out, rate = timed(lambda: bundle.predict_x(test["X"], test["flux"], test["ivar"], prior=False), len(test["X"]))
    return {"name": f"ours: {bundle.info['classifier']['architecture']} + redshift CNN", "prob": out["prob"],
            "is_qso": is_qso(out["label"]), "z": out["z"], "is_bal": is_bal(out["label"]), "rate": rate,
            "params": bundle.classifier.count_params() + bundle.redshift.count_params(), "train_s": train_s}


def forest_row(classifier: dict, regressor: dict) -> dict:
    """The Random Forests notebooks 04 and 05 trained, from the outputs they kept
    (:func:`specml_utils.baselines.save_outputs`): a class from one, z from the other."""
    label = classifier["prob"].argmax(axis=1)
    # two models in series: their rates combine as 1 / (1/r1 + 1/r2)
    rate = 1 / (1 / float(classifier["predict_rate"]) + 1 / float(regressor["predict_rate"]))
    return {"name": "Random Forests (classifier + regressor)", "prob": classifier["prob"], "is_qso": is_qso(label),
            "z": np.expm1(regressor["t"]), "is_bal": is_bal(label), "rate": round(rate, 1), "params": np.nan,
            "train_s": float(classifier["train_s"]) + float(regressor["train_s"])}


def pretrained_weights(choice: str):
    """The Keras-2 QuasarNET file notebook 06's ``qnet_weights`` names: ``"shared"`` for the peer's
    6-layer test network in ``../shared/quasarnet``, empty for none, else a path; None when absent."""
    from pathlib import Path

    from . import paths

    if choice == "":
        return None
    if choice == "shared":
        shared = paths.shared_dir()
        path = shared / "quasarnet" / "test_weights_6_layer.h5" if shared else None
    else:
        path = Path(choice)
    return path if path is not None and path.exists() else None


def summarise(row: dict, test: dict) -> dict:
    """One row of the side-by-side table: QSO purity/completeness/F1, redshift quality, BAL, cost."""
    true_qso, true_bal = is_qso(test["label"]), is_bal(test["label"])
    pc = metrics.qso_purity_completeness(true_qso, test["z"], test["z_conf"], row["is_qso"], row["z"])
    sure = true_qso & (test["z_conf"] == 3)
    zm = metrics.redshift_metrics(test["z"][sure], row["z"][sure])
    nonbal = true_qso & ~true_bal
    return {"purity %": 100 * pc["purity"], "completeness %": 100 * pc["completeness"], "F1 %": 100 * pc["f1"],
            "catastrophic %": 100 * zm["catastrophic_fraction"], "σ(Δv) km/s": zm["sigma_dv_kms"],
            "BAL recall %": 100 * row["is_bal"][true_bal].mean(),
            "non-BAL rejection %": 100 * (~row["is_bal"][nonbal]).mean(),
            "parameters": row["params"], "train s": row["train_s"], "inference spectra/s": row["rate"]}


def side_by_side(rows: list, test: dict) -> pd.DataFrame:
    """:func:`summarise` for every row, one table."""
    return pd.DataFrame({r["name"]: summarise(r, test) for r in rows}).T


#: the columns of :func:`side_by_side` that depend on the machine, shown apart from the science
SPEED = ["train s", "inference spectra/s"]


def speed_table(side: pd.DataFrame) -> pd.DataFrame:
    """Size and the machine-dependent columns of ``side``, integers, "—" where not measured."""
    table = side[["parameters"] + SPEED].astype(float).round(0)
    return table.astype(object).where(table.notna(), "—").map(lambda v: f"{v:,.0f}" if isinstance(v, float) else v)


def threshold_curves(rows: list, test: dict, grid, n_lines: int, thresholds) -> dict:
    """QSO purity and completeness against the decision threshold, per model: c_th for QuasarNET,
    P(QSO) + P(BAL QSO) for the classifiers. The redshifts do not depend on it."""
    true_qso = is_qso(test["label"])
    curves = {}
    for r in rows:
        if "raw" in r:
            conf_max = qn.decode(r["raw"], grid, 0.0, 1)["conf"]
            calls = [(conf_max > t).sum(axis=1) >= n_lines for t in thresholds]
        elif "prob" in r:
            calls = [r["prob"][:, 2:].sum(axis=1) > t for t in thresholds]
        else:
            continue
        pcs = [metrics.qso_purity_completeness(true_qso, test["z"], test["z_conf"], c, r["z"]) for c in calls]
        curves[r["name"]] = pd.DataFrame({"threshold": thresholds, "purity": [p["purity"] for p in pcs],
                                          "completeness": [p["completeness"] for p in pcs]})
    return curves


def tabla4(side: pd.DataFrame) -> pd.DataFrame:
    """The thesis' Tabla 4 (published purity, completeness, F1) with QuasarNET's published BAL
    figures, and every measured row of ``side`` beside them, in per cent ("—" where none was published)."""
    from . import published

    cols = ["purity %", "completeness %", "F1 %", "BAL recall %", "non-BAL rejection %"]
    pub = pd.DataFrame(published.THESIS_TABLE4, index=cols[:3]).T
    pub["BAL recall %"] = [published.QUASARNET["bal_recall"] if "QuasarNET" in n else np.nan for n in pub.index]
    pub["non-BAL rejection %"] = [published.QUASARNET["nonbal_rejection"] if "QuasarNET" in n else np.nan
                                  for n in pub.index]
    table = pd.concat([pub, side[cols].rename(index=lambda n: f"{n} (measured)")]).astype(float).round(2)
    return table.astype(object).where(table.notna(), "—")


def _words(side: pd.DataFrame, name: str) -> str:
    r = side.loc[name]
    return (f"purity {r['purity %']:.2f} %, completeness {r['completeness %']:.2f} %, "
            f"catastrophic {r['catastrophic %']:.2f} %, σ(Δv) {r['σ(Δv) km/s']:.0f} km/s")


def _interval(row: dict, test: dict, which: str) -> tuple[float, float]:
    """95 % Wilson interval, in per cent, of a row's purity or completeness on ``test``."""
    pc = metrics.qso_purity_completeness(is_qso(test["label"]), test["z"], test["z_conf"], row["is_qso"], row["z"])
    lo, hi = metrics.wilson(pc[f"{which}_k"], pc[f"{which}_n"])
    return 100 * lo, 100 * hi


def _compare(ours: tuple, theirs: tuple, diff: float) -> str:
    """``+0.40 points, within the 95 % intervals`` or ``… beyond them``."""
    apart = ours[0] > theirs[1] or theirs[0] > ours[1]
    return (f"{diff:+.2f} points, intervals [{ours[0]:.2f}, {ours[1]:.2f}] against [{theirs[0]:.2f}, {theirs[1]:.2f}]: "
            + ("a real difference" if apart else "within each other's 95 % intervals, no difference at this test size"))


def discussion(side: pd.DataFrame, n_train: int, rows: list | None = None, test: dict | None = None) -> str:
    """The paragraph 06 closes with, written from the numbers in ``side`` (with ``rows`` and
    ``test``, purity and completeness are compared with their 95 % Wilson intervals)."""
    q = "QuasarNET retrained"
    text = [f"**QuasarNET retrained** on the same {n_train:,} training spectra reaches {_words(side, q)}."]
    ours = [n for n in side.index if n.startswith("ours")]
    if ours:
        o = ours[0]
        d_p = side.loc[o, "purity %"] - side.loc[q, "purity %"]
        d_c = side.loc[o, "completeness %"] - side.loc[q, "completeness %"]
        if rows is not None and test is not None:
            by = {r["name"]: r for r in rows}
            p_txt = _compare(_interval(by[o], test, "purity"), _interval(by[q], test, "purity"), d_p)
            c_txt = _compare(_interval(by[o], test, "completeness"), _interval(by[q], test, "completeness"), d_c)
        else:
            p_txt, c_txt = f"{d_p:+.2f} points", f"{d_c:+.2f} points"
        text.append(f"**Our networks** ({o}) reach {_words(side, o)}. Against QuasarNET: purity {p_txt}; "
                    f"completeness {c_txt}. ")
        text.append(f"The redshift CNN's σ(Δv) is {side.loc[o, 'σ(Δv) km/s'] / side.loc[q, 'σ(Δv) km/s']:.2f}× "
                    "QuasarNET's: it reads the whole spectrum into fine ln(1+z) bins, while QuasarNET places one line "
                    "inside one of 13 boxes of ~34 bins each. ")
        text.append(f"On BAL quasars ours recognises {side.loc[o, 'BAL recall %']:.1f} % and rejects "
                    f"{side.loc[o, 'non-BAL rejection %']:.1f} % of non-BAL quasars, against "
                    f"{side.loc[q, 'BAL recall %']:.1f} % and {side.loc[q, 'non-BAL rejection %']:.1f} % for "
                    "QuasarNET's BAL head. ")
        text.append("QuasarNET only says whether a spectrum is a quasar; ours also tells stars from galaxies "
                    "(notebook 04) and treats BAL quasars as a class. ")
        text.append(f"QuasarNET is the smaller network ({side.loc[q, 'parameters']:,.0f} parameters against "
                    f"{side.loc[o, 'parameters']:,.0f} for our two); how fast each runs depends on the machine and "
                    "is in the speed table above.")
    rf = "Random Forests (classifier + regressor)"
    if rf in side.index:
        text.append(f" The **Random Forests** reach {_words(side, rf)}: without convolutions they cannot place a "
                    "line to better than the scatter of a regression over all pixels, and their catastrophic rate "
                    "shows it.")
    pre = [n for n in side.index if "pre-trained" in n]
    if pre:
        text.append(f" The **pre-trained QuasarNET** test network, trained on real DESI spectra and applied "
                    f"unchanged, reaches {_words(side, pre[0])} on the mock: a measure of how far the mock is from "
                    "the data it learned on, not of QuasarNET.")
    return " ".join(text)
