#!/usr/bin/env bash
# Two trainings of notebook 04's specnet (seeds 1 and 2) side by side, each process on one thread,
# against the same trainings one after the other on both cores (their lines in
# benchmarks/precision_trial.jsonl): what running a notebook's trainings as parallel single-threaded
# streams would buy on a 2-core machine.
#
#     bash scripts/side_by_side_trial.sh [benchmarks/side_by_side.jsonl]
#
# Needs notebook 03's default dataset. Appends each training's line (lr_schedule_trial.py's fields,
# "threads": 1) and one line with the wall time of the pair, start-up and scoring included.
set -euo pipefail
cd "$(dirname "$0")/.."
record=${1:-benchmarks/side_by_side.jsonl}
python=${PYTHON:-.venv/bin/python}
tmp=$(mktemp -d)
t0=$(date +%s.%N)
for seed in 1 2; do
  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 \
    "$python" scripts/lr_schedule_trial.py --schedules cosine --seeds "$seed" --record "$tmp/$seed.jsonl" \
    > "$tmp/$seed.log" 2>&1 &
done
wait
t1=$(date +%s.%N)
for seed in 1 2; do sed 's/^{/{"threads": 1, /' "$tmp/$seed.jsonl" >> "$record"; done
"$python" -c "import json, sys; print(json.dumps({'side_by_side_wall_s': round($t1 - $t0, 1), 'seeds': [1, 2]}))" \
  | tee -a "$record"
