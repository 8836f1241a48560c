"""What every benchmark script shares: the machine description and merging into results.json.

``results.json`` holds one section per machine (``machines[KEY]``, KEY naming the cores, the CPU
model, the GPU and the Keras backend), so numbers from a laptop, the 2-core CI machine and a GPU node sit side
by side and are never mixed. Each section keeps the detailed entries of every benchmark and the
summary keys, in spectra/s: ``predict_end_to_end``, ``predict_workers`` (workers → spectra/s),
``preprocess_workers``, ``mock_workers``, ``train`` and ``inference`` per network, ``main_job_s``.
"""
from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import time
from pathlib import Path

#: where results go (SPECML_BENCH_RESULTS redirects a dry run, e.g. ``SMALL=1 benchmarks/device.sh``)
RESULTS = Path(os.environ.get("SPECML_BENCH_RESULTS") or Path(__file__).resolve().parent / "results.json")


def gpu_name() -> str | None:
    """The first NVIDIA GPU's name, or None (no GPU, or no driver)."""
    if not shutil.which("nvidia-smi"):
        return None
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"], capture_output=True,
                             text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    names = out.stdout.strip().splitlines()
    return names[0].strip() if out.returncode == 0 and names else None


def machine() -> dict:
    """Cores, CPU model, GPU, Keras backend and Python of the machine the benchmark runs on."""
    import specml_utils  # noqa: F401  (sets KERAS_BACKEND when the user has not)
    from specml_utils.report import cpu_model

    return {"cores": os.cpu_count(), "gpu": gpu_name(), "backend": os.environ.get("KERAS_BACKEND", "tensorflow"),
            "python": platform.python_version(), "processor": cpu_model()}


def machine_key(m: dict) -> str:
    """Sections made before the CPU model was recorded ("x86_64") keep their old key."""
    cpu = "" if m["processor"] in ("", "x86_64", "aarch64") else f"{m['processor']}, "
    return f"{m['cores']} cores, {cpu}{m['gpu'] or 'no GPU'}, {m['backend']}"


def summary(section: dict) -> dict:
    """The summary keys, computed from the detailed entries a section holds."""
    out = {}
    if "predict" in section:
        p = section["predict"]
        out["predict_end_to_end"] = p["serial_spectra_per_s"]
        out["predict_workers"] = p.get("workers", {})
        if "survey_end_to_end" in p:  # the file list many times over on the most workers
            out["predict_workers_survey_end_to_end"] = p["survey_end_to_end"]
    if "preprocess" in section:
        p = section["preprocess"]
        once = "workers" in p  # sections measured before 2026-11-28 hold only end-to-end rates
        out["preprocess_workers"] = p["workers"] if once else p.get("workers_end_to_end", {})
        out["preprocess_workers_kind"] = "once started" if once else "end to end, start-up included"
    if "mock_scaling" in section:
        out["mock_workers"] = {w: r["spectra_per_s"] for w, r in section["mock_scaling"].items()}
    if "networks" in section:
        nets = section["networks"]
        out["train"] = {n: v["train_spectra_per_s"] for n, v in nets.items()}
        out["inference"] = {n: v["inference_spectra_per_s"] for n, v in nets.items()}
    if "main_job" in section:
        out["main_job_s"] = section["main_job"]["wall_s"]
    return out


def merge_results(results: dict) -> Path:
    """Update this machine's section of benchmarks/results.json with ``results`` (entries of other
    benchmarks and other machines are kept); written to a temporary file and renamed."""
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    m = machine()
    section = data.setdefault("machines", {}).setdefault(machine_key(m), {})
    section.update(results)
    section["machine"] = m
    section["date"] = time.strftime("%Y-%m-%d")
    section.update(summary(section))
    tmp = RESULTS.with_name(".results.json.part")
    tmp.write_text(json.dumps(data, indent=1) + "\n")
    tmp.replace(RESULTS)
    print(f"wrote {RESULTS} [{machine_key(m)}]")
    return RESULTS
