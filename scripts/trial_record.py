"""What the trial scripts share: each result printed as one JSON line and, with ``--record``, appended to a file."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from specml_utils.report import machine_label


def provenance() -> dict:
    """Where and from what a result came: the machine (cores, CPU model, backend, date) and the
    git commit of the working tree ("+" when it has uncommitted changes), so that a record read
    later says which code and which processor made it."""
    def git(*args):
        try:
            return subprocess.run(["git", *args], capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""
    commit = git("rev-parse", "--short", "HEAD")
    dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    return {"machine": machine_label(), "commit": (commit + ("+" if dirty else "")) or None}


def emit(out: dict, record: Path | None) -> None:
    """Print ``out`` as a JSON line, its :func:`provenance` added; append the same line to
    ``record`` when one is given."""
    line = json.dumps({**out, **provenance()})
    print(line, flush=True)
    if record:
        with open(record, "a") as f:
            f.write(line + "\n")


def module_at(rev: str, name: str):
    """``specml_utils/NAME.py`` as it was at git revision ``rev``, importable beside today's package
    (its relative imports point at today's ``specml_utils``), for A/B trials of two versions."""
    root = Path(__file__).resolve().parents[1]
    text = subprocess.run(["git", "-C", str(root), "show", f"{rev}:specml_utils/{name}.py"], check=True,
                          capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / f"{name}_old.py"
    path.write_text(text.replace("from .", "from specml_utils."))
    spec = importlib.util.spec_from_file_location(f"{name}_old", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module   # a dataclass in it looks its module up there
    spec.loader.exec_module(module)
    return module
