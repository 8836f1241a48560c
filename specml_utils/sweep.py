"""Hyperparameter sweeps: one executed notebook per grid point, then one summary table and figure.

Each point runs with its own figures folder (``SPECML_FIGURES``) and saves no model, so a sweep
never overwrites the main job's figures or ``data/models``.
"""
from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

import pandas as pd

from . import notebooks, report
from .atomic import atomic_write_bytes

#: per notebook: the metric the summary figure shows
LEAD = {"04_cnn_classify": "macro_f1", "05_cnn_redshift": "sigma_nmad"}
#: per notebook: how to read the summary's metrics from its metrics JSON
SUMMARY = {
    "04_cnn_classify": lambda m: {"macro_f1": m["macro_f1"], **{f"f1_{k}": v for k, v in m["f1"].items()},
                                  "chosen": m["chosen"]},
    "05_cnn_redshift": lambda m: {"sigma_nmad": m["qso"]["sigma_nmad"],
                                  "catastrophic_fraction": m["qso"]["catastrophic_fraction"],
                                  "median_abs_dv_kms": m["qso"]["median_abs_dv_kms"],
                                  "train_s": m["training"]["seconds"]},
}


def grid_points(grid: dict) -> list[dict]:
    """Every combination of the values in ``grid`` (name → list of values)."""
    names = list(grid)
    return [dict(zip(names, values)) for values in itertools.product(*(grid[n] for n in names))]


def run_sweep(notebook: str, grid: dict, out_dir, fixed: dict | None = None) -> pd.DataFrame:
    """Run ``notebook`` at every point of ``grid`` (plus ``fixed`` parameters) into ``out_dir``.

    Writes ``out_dir/NOTEBOOK_pointK.ipynb`` per point, ``summary.csv`` and ``summary.png``;
    returns the summary table. A point that fails is recorded with its error, and the sweep goes on.
    """
    if notebook not in SUMMARY:
        raise ValueError(f"sweeps run {sorted(SUMMARY)}, not {notebook!r}")
    out_dir = Path(out_dir)
    points = grid_points(grid)
    for p in points:  # refuse unknown names before anything runs
        notebooks.check_parameters(notebook, {**(fixed or {}), **p, "models_dir": "none"})
    rows = []
    old = os.environ.get("SPECML_FIGURES")
    try:
        for k, point in enumerate(points):
            figs = out_dir / f"point{k}"
            os.environ["SPECML_FIGURES"] = str(figs.resolve())  # inherited by the notebook's kernel
            row = {"point": k, **point}
            try:
                row["seconds"] = round(notebooks.run(notebook, {**(fixed or {}), **point, "models_dir": "none"},
                                                     out_dir / f"{notebook}_point{k}.ipynb"), 1)
                metrics = json.loads((figs / "metrics" / f"{notebook}.json").read_text())
                row.update(SUMMARY[notebook](metrics))
            except Exception as err:  # one failing point must not lose the others
                row["error"] = f"{type(err).__name__}: {err}"[:300]
            rows.append(row)
            print(json.dumps(row), flush=True)
    finally:
        if old is None:
            os.environ.pop("SPECML_FIGURES", None)
        else:
            os.environ["SPECML_FIGURES"] = old
    df = pd.DataFrame(rows)
    atomic_write_bytes(out_dir / "summary.csv", df.to_csv(index=False).encode())
    metric = LEAD[notebook]
    if metric in df and df[metric].notna().any():
        from .evalplots import sweep_summary

        fig = sweep_summary(df.dropna(subset=[metric]), metric, list(grid))
        report.save_figure(fig, "summary", out_dir)
    return df
