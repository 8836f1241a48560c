"""What the trial scripts share: each result printed as one JSON line and, with ``--record``, appended to a file."""
from __future__ import annotations

import json
from pathlib import Path


def emit(out: dict, record: Path | None) -> None:
    """Print ``out`` as a JSON line; append the same line to ``record`` when one is given."""
    line = json.dumps(out)
    print(line, flush=True)
    if record:
        with open(record, "a") as f:
            f.write(line + "\n")
