"""What the trial scripts share: each result printed as one JSON line and, with ``--record``, appended to a file."""
from __future__ import annotations

import json
import subprocess
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
