"""Run the numbered notebooks headless with papermill and store them as readable documents."""
from __future__ import annotations

import ast
import json
import os
import time
from pathlib import Path

from . import paths
from .atomic import atomic_path

ORDER = ("01_explore", "02_crossmatch", "03_preprocess", "04_cnn_classify", "05_cnn_redshift",
         "06_compare_quasarnet")


def available() -> list[str]:
    """The numbered notebooks present, in order."""
    return [n for n in ORDER if (paths.NOTEBOOKS / f"{n}.ipynb").exists()]


def strip_run_metadata(path) -> None:
    """Remove papermill's per-cell timing metadata, which churns diffs of committed notebooks."""
    path = Path(path)
    nb = json.loads(path.read_text())
    nb.get("metadata", {}).pop("papermill", None)
    for cell in nb.get("cells", []):
        cell.get("metadata", {}).pop("papermill", None)
        cell.get("metadata", {}).pop("execution", None)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")


def declared_parameters(name: str) -> set:
    """Names assigned in the notebook's ``parameters`` cell."""
    import papermill as pm

    return set(pm.inspect_notebook(str(paths.NOTEBOOKS / f"{name}.ipynb")))


#: what a value must be for a parameter whose default has this type (an int is a fine float)
_ACCEPTS = {int: (int,), float: (int, float), bool: (bool,), str: (str,)}


def check_parameters(name: str, params: dict) -> None:
    """Refuse parameter names the notebook does not declare (papermill would only warn), and values
    of another type than the parameter's default (``epochs = "many"``), before anything runs."""
    import papermill as pm

    declared = pm.inspect_notebook(str(paths.NOTEBOOKS / f"{name}.ipynb"))
    unknown = set(params) - set(declared)
    if unknown:
        raise ValueError(f"{name}: unknown parameter(s) {sorted(unknown)}; it declares {sorted(declared)}")
    for key, value in params.items():
        default = declared[key].get("default")
        try:
            kind = type(ast.literal_eval(default))
        except (ValueError, SyntaxError):
            continue                      # not a literal: nothing to compare with
        ok = _ACCEPTS.get(kind)
        if ok and (not isinstance(value, ok) or (kind is not bool and isinstance(value, bool))):
            raise ValueError(f"{name}: parameter {key} takes a {kind.__name__} (default {default}), not {value!r}")


def run(name: str, params: dict | None = None, out=None, progress: bool = False) -> float:
    """Execute notebook ``name`` with ``params``; write it to ``out`` (default: in place). Return seconds.

    The executed notebook replaces the target only when the run succeeds; a failing run leaves
    the previous version intact and its partial output beside it as ``NAME.failed.ipynb``.
    """
    import papermill as pm

    params = dict(params or {})
    src = paths.NOTEBOOKS / f"{name}.ipynb"
    check_parameters(name, params)
    out = Path(out) if out else src
    t0 = time.perf_counter()
    # the kernel inherits this: viewers draw static figures, as a document needs
    os.environ["SPECML_HEADLESS"] = "1"
    with atomic_path(out, ".ipynb") as tmp:
        try:
            pm.execute_notebook(str(src), str(tmp), parameters=params, kernel_name="python3",
                                cwd=str(paths.NOTEBOOKS), progress_bar=progress, log_output=False)
        except Exception:
            failed = out.with_name(out.stem + ".failed.ipynb")
            tmp.replace(failed)
            tmp.touch()
            raise
        strip_run_metadata(tmp)
    return time.perf_counter() - t0
