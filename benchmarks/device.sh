#!/usr/bin/env bash
# The GPU and many-core measurements in one go (issue: GPUs and many cores), sized to finish in under
# 8 minutes on one H100 with 16 cores. Run from the repository root on the lent machine, with the
# project installed (its wheels carried; README "Keras backend") and the main job's models in
# data/models (carry that folder):
#
#   bash benchmarks/device.sh            # jax on the GPU; results under the machine's own section
#   SMALL=1 bash benchmarks/device.sh    # a 2-minute dry run of the same steps on any machine
#
# Writes benchmarks/results.json (the machine's section: cores, GPU name, backend) and, when $OUT is
# set, copies it and the log there.
set -euo pipefail
export KERAS_BACKEND=${KERAS_BACKEND:-jax}
export PYTHONUNBUFFERED=1
cores=$(python -c 'import os; print(os.cpu_count())')
if [[ -n "${SMALL:-}" ]]; then
  n_train=4800; n_mock=4000; n_pre=4000; n_pred=4000; workers="1 2"
else
  n_train=96000; n_mock=32000; n_pre=20000; n_pred=32000
  workers=$(python -c "c=$cores; print(' '.join(str(w) for w in (1, 2, 4, 8, 16) if w <= c))")
fi
log=${OUT:-/tmp}/device_bench.log
mock=$(mktemp -d)/mock
{
  echo "== $(date -u +%FT%TZ) ${cores} cores, backend ${KERAS_BACKEND}, GPU: $(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null || echo none)"
  test -f data/models/bundle.json || { echo "data/models/bundle.json missing: carry the main job's models"; exit 2; }
  time python benchmarks/bench_models.py --n "$n_train" --precisions mixed_bfloat16
  # mock generation and preprocessing at each worker count; the mock is kept for predict
  time python benchmarks/bench_data.py --n-plan 1000000 --n-mock "$n_mock" --n-preprocess "$n_pre" \
    --keep "$mock" --workers $workers
  time python benchmarks/bench_predict.py --models data/models --mock "$mock" --n "$n_pred" --workers $workers
} 2>&1 | tee "$log"
if [[ -n "${OUT:-}" ]]; then cp "${SPECML_BENCH_RESULTS:-benchmarks/results.json}" "$OUT/"; fi
