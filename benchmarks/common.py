"""What every benchmark script shares: the machine description and merging into results.json."""
from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.json"


def machine() -> dict:
    return {"cores": os.cpu_count(), "python": platform.python_version(),
            "processor": platform.processor() or platform.machine()}


def merge_results(results: dict) -> Path:
    """Update benchmarks/results.json with ``results`` (other benchmarks' entries are kept)."""
    old = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    old.update(results)
    old["date"] = time.strftime("%Y-%m-%d")
    RESULTS.write_text(json.dumps(old, indent=1) + "\n")
    print(f"wrote {RESULTS}")
    return RESULTS
