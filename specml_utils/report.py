"""What each notebook leaves behind: metrics JSON, figures, and the versions it ran with."""
from __future__ import annotations

import json
import platform
from importlib import metadata
from pathlib import Path

import numpy as np

from . import paths
from .atomic import atomic_path, atomic_write_bytes


def _plain(obj):
    """JSON-ready values: NumPy scalars and arrays as Python ones, NaN as null (JSON has no NaN)."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [_plain(v) for v in obj.tolist()]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    if type(obj).__name__ == "NAType":          # pandas' missing value (nullable integer columns)
        return None
    return obj


def write_metrics(name: str, metrics: dict, folder=None) -> Path:
    """Write ``metrics`` as ``figures/metrics/NAME.json`` (atomically) and return the path."""
    path = Path(folder or paths.METRICS) / f"{name}.json"
    atomic_write_bytes(path, (json.dumps(_plain(metrics), indent=1, sort_keys=False, allow_nan=False) + "\n").encode())
    return path


def read_metrics(path) -> dict:
    """A metrics JSON written by :func:`write_metrics`."""
    return json.loads(Path(path).read_text())


def parameters(namespace: dict, notebook: str) -> dict:
    """The values of every parameter ``notebook`` declares, as they stand in ``namespace`` (a
    notebook passes ``globals()``): what its metrics record as the run's settings."""
    from .notebooks import declared_parameters

    return {k: namespace[k] for k in sorted(declared_parameters(notebook)) if k in namespace}


#: the output metadata that marks a figure's caption (the appendix numbers it and uses it as alt text)
CAPTION_KEY = "specml_caption"


def save_figure(fig, name: str, folder=None, **fields) -> None:
    """Save a figure as ``figures/NAME.png`` (atomically); in a notebook, show it with its caption.

    The caption is :data:`specml_utils.captions.FIGURES` ``[name]``, its ``{fields}`` filled in
    from ``fields`` (e.g. ``best=...``). The figure is shown here and its caption right below it
    (italic; the appendix numbers it "Figure C.2: …" and gives it to the image as alt text), and
    closed so that it is not shown twice. Returns nothing, so that a cell ending with it shows no path.
    """
    from .captions import FIGURES

    path = Path(folder or paths.FIGURES) / f"{name}.png"
    with atomic_path(path, ".png") as tmp:
        fig.savefig(tmp, dpi=110, bbox_inches="tight", format="png")
    caption = FIGURES[name].format(**fields) if name in FIGURES else None
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover  (IPython comes with the notebooks)
        return
    if caption is None or get_ipython() is None:
        return
    import matplotlib.pyplot as plt

    display(fig)
    plt.close(fig)
    display({"text/markdown": f"*{caption}*", "text/plain": caption}, raw=True, metadata={CAPTION_KEY: True})


def cpu_model() -> str:
    """The processor's model name as the kernel reports it (``/proc/cpuinfo``), else what Python's
    :mod:`platform` knows ("x86_64" at least): machines of one kind differ by CPU model in speed,
    and in the last digits of a trained network's weights."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and ":" in line:
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def gpu_present() -> bool:
    """Whether this machine shows an NVIDIA GPU (a device file, or CUDA_VISIBLE_DEVICES naming one)."""
    import os

    return os.environ.get("CUDA_VISIBLE_DEVICES", "") not in ("", "-1") or Path("/dev/nvidia0").exists()


def machine_label() -> str:
    """Where timings were measured: cores, processor, GPU or none, Keras backend, date."""
    import os
    import time

    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    gpu = "a GPU present" if gpu_present() else "no GPU"
    return (f"{os.cpu_count()} cores ({cpu_model()}), {gpu}, Keras backend {backend}, "
            f"{time.strftime('%Y-%m-%d')}")


def versions() -> dict:
    """Versions of Python and the packages the results depend on."""
    out = {"python": platform.python_version(), "machine": platform.machine()}
    for pkg in ("specml", "numpy", "astropy", "scikit-learn", "keras", "tensorflow-cpu", "tensorflow",
                "h5py", "matplotlib"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return out


def table(df, decimals=3):
    """``df`` as it reads on the page: columns of whole numbers as integers (with thousands
    separators), other numbers to ``decimals`` places (an int, or a dict column → places, 3 where
    a column is not named), and a missing value as "—". The numbers themselves stay in the
    metrics JSON; this is for display only.
    """
    import pandas as pd

    def missing(v):
        return v is None or (not isinstance(v, str) and bool(pd.isna(v)))

    out = pd.DataFrame(index=df.index)
    for col in df.columns:
        values = list(df[col])
        numbers = [v for v in values if not missing(v)]
        numeric = all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                      for v in numbers)
        whole = numeric and all(float(v).is_integer() for v in numbers)
        places = decimals.get(col, 3) if isinstance(decimals, dict) else decimals
        # + 0.0 turns a −0 left by rounding into 0: "-0.000" would claim a sign the digits do not show
        out[col] = ["—" if missing(v) else f"{int(v):,}" if whole else f"{round(float(v), places) + 0.0:,.{places}f}"
                    if numeric else str(v) for v in values]
    return out
