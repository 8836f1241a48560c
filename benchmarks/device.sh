#!/usr/bin/env bash
# The GPU and many-core measurements in one go (issue: GPUs and many cores), sized to finish in under
# 8 minutes on one H100 with 16 cores. Run from the repository root on the lent machine, with the
# project installed (its wheels carried; README "Keras backend") and the main job's models in
# data/models (carry that folder):
#
#   bash benchmarks/device.sh            # jax on the GPU; results under the machine's own section
#   MAIN_JOB=1 bash benchmarks/device.sh # then the main job too (every notebook, from an empty data folder)
#   SMALL=1 bash benchmarks/device.sh    # a 2-minute dry run of the same steps on any machine
#   STEPS="data predict main" PREDICT_WORKERS=16 bash benchmarks/device.sh  # chosen steps, in this order
#   STEPS="main predict predict1" bash benchmarks/device.sh  # train the models there, then predict with them
#
# Steps: models (training and inference rates), data (mock and preprocessing at each worker count; keeps
# the mock), predict (on that mock, or on the main job's when no data step ran), predict1 (the same with
# --one-network, on the most workers alone), main (the main job: it writes data/models, so the models need
# not be carried when it runs first). A short lease runs the main job last unless the steps after it need
# its models: a run cut at its limit then still brings back every step before it, and the notebooks it finished.
#
# Writes benchmarks/results.json (the machine's section: cores, GPU name, backend), or, when $OUT is
# set, $OUT/results.json (a copy of the committed one, updated after each step, so a run cut short
# still brings back what it measured) and the log beside it. $PYTHON (default python3) runs it.
set -euo pipefail
export KERAS_BACKEND=${KERAS_BACKEND:-jax}
export PYTHONUNBUFFERED=1
py=${PYTHON:-python3}
cores=$($py -c 'import os; print(os.cpu_count())')
if [[ -n "${SMALL:-}" ]]; then
  n_train=4800; n_mock=4000; n_pre=4000; n_pred=4000; repeat=2; workers="1 2"
else
  # predict: 16,000 files at each worker count, then 32 times that list (512,000 files) on the most
  n_train=96000; n_mock=32000; n_pre=20000; n_pred=16000; repeat=32
  workers=$($py -c "c=$cores; print(' '.join(str(w) for w in (1, 2, 4, 8, 16) if w <= c))")
fi
steps=${STEPS:-models data predict}
if [[ -n "${MAIN_JOB:-}" ]]; then steps="$steps main"; fi
predict_workers=${PREDICT_WORKERS:-$workers}
if [[ -n "${OUT:-}" && -z "${SPECML_BENCH_RESULTS:-}" ]]; then
  [[ -f "$OUT/results.json" ]] || cp benchmarks/results.json "$OUT/results.json"
  export SPECML_BENCH_RESULTS=$OUT/results.json
fi
log=${OUT:-/tmp}/device_bench.log
mock=$(mktemp -d)/mock
{
  echo "== $(date -u +%FT%TZ) ${cores} cores, backend ${KERAS_BACKEND}, GPU: $(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null || echo none)"
  for step in $steps; do
    if [[ $step != main && $step != data && ! -f data/models/bundle.json ]]; then
      echo "data/models/bundle.json missing: carry the main job's models, or run the main step first"; exit 2
    fi
    # predict reads the data step's mock, or else the main job's (the one mock under data/mock)
    pmock=$mock; [[ -d $pmock ]] || pmock=$(ls -d data/mock/*/ 2>/dev/null | head -1 || true)
    case $step in
      models) time $py benchmarks/bench_models.py --n "$n_train" --precisions mixed_bfloat16 ;;
      # mock generation and preprocessing at each worker count; the mock is kept for predict
      data) time $py benchmarks/bench_data.py --n-plan 1000000 --n-mock "$n_mock" --n-preprocess "$n_pre" \
              --keep "$mock" --workers $workers ;;
      predict) time $py benchmarks/bench_predict.py --models data/models --mock "$pmock" --n "$n_pred" \
                 --workers $predict_workers --survey-repeat "$repeat" ;;
      predict1) time $py benchmarks/bench_predict.py --models data/models --mock "$pmock" --n "$n_pred" \
                  --workers ${predict_workers##* } --one-network ;;
      # with no models carried, the main job's data (its models too) stay in data/ for the steps after it
      main) time $py benchmarks/bench_models.py --main-job-only $([[ -f data/models/bundle.json ]] || echo --data data) ;;
      *) echo "unknown step $step (models, data, predict, predict1, main)"; exit 2 ;;
    esac
  done
} 2>&1 | tee -a "$log"
