"""Benchmarks of the networks: training and inference spectra/s, FLOPs per spectrum, fraction of peak.

    python benchmarks/bench_models.py [--n 12000] [--main-job | --main-job-only]

Every network is measured on the 443-bin grid at batch 240 (training) and 1,024 (inference), with
the pinned backend. The machine's float32 matrix-multiply rate is measured in the same run with the
same backend, and each network's achieved FLOP rate (spectra/s × FLOPs per spectrum) is printed as
a fraction of it. ``--main-job`` also times the main job (every notebook, default mock survey,
from an empty data folder). Results are merged into benchmarks/results.json.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import specml_utils  # noqa: E402,F401  (pins the backend)
import keras  # noqa: E402

from common import merge_results  # noqa: E402
from specml_utils import models, quasarnet, training  # noqa: E402
from specml_utils.augment import EpochBatches, rows  # noqa: E402
from specml_utils.redshift_bins import ZBins  # noqa: E402


def flops_per_spectrum(model: keras.Model) -> int:
    """Multiply-adds × 2 of the Conv1D and Dense layers for one spectrum (inference)."""
    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv1D):
            k, cin, cout = layer.kernel.shape
            total += 2 * k * cin * cout * layer.output.shape[1]
        elif isinstance(layer, keras.layers.Dense):
            total += 2 * layer.kernel.shape[0] * layer.kernel.shape[1]
    return int(total)


def matmul_flops_per_s(n: int = 2048, seconds: float = 0.5) -> float:
    """Measured float32 matrix-multiply rate of the backend (the machine's practical peak).

    GPU backends dispatch asynchronously: the warm-up is waited for before the clock starts, and
    products are repeated until ``seconds`` have passed (a GPU does ten 2048² products in
    milliseconds, which would time the dispatch, not the arithmetic)."""
    a = keras.ops.convert_to_tensor(np.random.default_rng(0).standard_normal((n, n)).astype("float32"))
    keras.ops.convert_to_numpy(keras.ops.matmul(a, a)[0, 0])
    done, t = 0, time.perf_counter()
    while True:
        for _ in range(10):
            c = keras.ops.matmul(a, a)
        keras.ops.convert_to_numpy(c[0, 0])
        done += 10
        if (elapsed := time.perf_counter() - t) >= seconds:
            return 2 * n ** 3 * done / elapsed


def bench(name, model, y, x, peak, epochs=2, precisions=()):
    """Train (after a warm-up epoch) and predict; spectra/s and fraction of peak. Training is fed as
    the notebooks feed it (:class:`specml_utils.augment.EpochBatches`, batch 240), without
    augmentation, in the precision the notebooks train in (``training_precision("auto")``), and
    in float32 and ``precisions`` too; inference as ``specml predict`` runs it
    (:func:`specml_utils.models.infer`, float32)."""
    chosen = training.training_precision("auto")
    rates = {}
    for policy in dict.fromkeys([chosen, "float32", *precisions]):
        with training.computed_in(model, policy):
            model.fit(EpochBatches(x[:2400], rows(y, slice(0, 2400)), 240), epochs=1, verbose=0)
            t = time.perf_counter()
            model.fit(EpochBatches(x, y, 240), epochs=epochs, verbose=0)
            rates[policy] = round(len(x) * epochs / (time.perf_counter() - t), 1)
    train = rates[chosen]
    models.infer(model, x[:2048])                # as specml predict runs them: predict_on_batch, 1,024 rows
    t = time.perf_counter()
    models.infer(model, x)
    pred = len(x) / (time.perf_counter() - t)
    f = flops_per_spectrum(model)
    out = {"params": int(model.count_params()), "flops_per_spectrum": f, "train_spectra_per_s": train,
           "train_precision": chosen, "train_spectra_per_s_by_precision": rates,
           "inference_spectra_per_s": round(pred, 1),
           "inference_fraction_of_matmul_peak": round(pred * f / peak, 3),
           "train_fraction_of_matmul_peak": round(3 * train * f / peak, 3)}  # backward ≈ 2× forward
    print(f"{name}: {json.dumps(out)}", flush=True)
    return out


def bench_main_job(data: Path | None = None) -> dict:
    """The main job from an empty data folder, outputs to a temporary folder.

    Each notebook's time is printed as it finishes, so a run cut short still shows the notebooks it ran.
    ``data``, an empty or absent folder, receives the job's data (mock survey, dataset, models) and keeps
    it, for steps that predict with those models; by default it goes with the temporary folder.
    """
    if data is not None and data.exists() and any(p.name != "README.md" for p in data.iterdir()):
        raise SystemExit(f"{data} is not empty: the main job starts from an empty data folder")
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "SPECML_DATA": str(data.resolve() if data else f"{tmp}/data"),
               "SPECML_FIGURES": f"{tmp}/figures"}
        t = time.perf_counter()
        with subprocess.Popen([sys.executable, "-m", "specml_utils.cli", "notebooks", "--out-dir", tmp,
                               "-p", "interactive", "false"], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True) as proc:
            lines = []
            for line in proc.stdout:
                lines.append(line)
                print(line, end="", flush=True)
        wall = time.perf_counter() - t
        if proc.returncode:
            raise RuntimeError("".join(lines)[-2000:])
    per = {line.split(":")[0]: float(line.split(":")[1].split()[0]) for line in lines
           if line[:2].isdigit() and line.rstrip().endswith(" s")}
    return {"wall_s": round(wall, 1), "per_notebook_s": per}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=12_000, help="spectra per measurement (random inputs)")
    ap.add_argument("--main-job", action="store_true", help="also time the main job (about 15 minutes)")
    ap.add_argument("--precisions", nargs="*", default=[], choices=["float32", "mixed_bfloat16"],
                    help="also time training in these precisions (besides the notebooks' and float32)")
    ap.add_argument("--main-job-only", action="store_true", help="time the main job and nothing else")
    ap.add_argument("--data", type=Path, default=None,
                    help="an empty folder for the main job's data, kept after it (default: a temporary one)")
    a = ap.parse_args()
    if a.main_job_only:
        main_job = bench_main_job(a.data)
        print("main job:", json.dumps(main_job), flush=True)
        merge_results({"main_job": main_job})
        return
    rng = np.random.default_rng(0)
    x = rng.standard_normal((a.n, 443)).astype("float32")
    labels = rng.integers(0, 4, a.n)
    z = rng.uniform(0, 4, a.n)
    zb = ZBins()
    peak = matmul_flops_per_s()
    print(f"float32 matmul: {peak / 1e9:.1f} GFLOP/s", flush=True)
    results = {"keras_backend": keras.backend.backend(), "matmul_float32_gflops": round(peak / 1e9, 1)}
    clf = models.compile_classifier(models.specnet(zbins=zb))
    rnc2 = models.compile_classifier(models.rnc2())
    red = models.compile_redshift(models.redshift_cnn(zbins=zb))
    qn = quasarnet.compile_quasarnet(quasarnet.quasarnet())
    nets = {
        "specnet classifier": bench("specnet classifier", clf, models.classifier_targets(clf, labels, z, zb), x, peak,
                                      precisions=a.precisions),
        "RNC 2.0 classifier": bench("RNC 2.0 classifier", rnc2, labels, x, peak, precisions=a.precisions),
        "redshift CNN": bench("redshift CNN", red, models.redshift_targets(red, z, labels, zb), x, peak,
                                precisions=a.precisions),
        "QuasarNET 4x100": bench("QuasarNET 4x100", qn, quasarnet.box_targets(z, labels >= 2, labels == 3), x, peak,
                                   precisions=a.precisions),
    }
    results["networks"] = nets
    # the classifier and the redshift CNN together, as specml predict runs them (either classifier)
    for name in ("specnet classifier", "RNC 2.0 classifier"):
        pair = [nets[name], nets["redshift CNN"]]
        both = 1 / sum(1 / n["inference_spectra_per_s"] for n in pair)
        f = sum(n["flops_per_spectrum"] for n in pair)
        key = f"inference_{name.split()[0].lower().replace('.', '')}_plus_redshift"
        results[key] = {"spectra_per_s": round(both, 1), "flops_per_spectrum": f,
                        "fraction_of_matmul_peak": round(both * f / peak, 3)}
        print(f"{name} + redshift CNN:", json.dumps(results[key]), flush=True)
    if a.main_job:
        results["main_job"] = bench_main_job(a.data)
        print("main job:", json.dumps(results["main_job"]), flush=True)
    merge_results(results)


if __name__ == "__main__":
    main()
