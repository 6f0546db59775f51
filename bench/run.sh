#!/usr/bin/env bash
# make bench: every benchmark in one run, release build, figures as ratios against the baselines
# the issues name. Results also go to bench-out/results.txt.
set -euo pipefail
SLUIS=$(realpath "${1:-.build/release/sluis}")
cd "$(dirname "$0")/.."
mkdir -p bench-out
export SLUIS
: > bench-out/results.txt
for script in encrypt pseudonymise seal link readstat residual output serve upload; do
  if [ -x "bench/$script.sh" ]; then
    echo "== bench/$script.sh" | tee -a bench-out/results.txt
    if [ "$script" = readstat ]; then args=(1000000); else args=("$SLUIS"); fi
    "bench/$script.sh" "${args[@]}" 2>&1 | tee -a bench-out/results.txt
  fi
done
echo "results: bench-out/results.txt"
