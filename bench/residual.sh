#!/usr/bin/env bash
# The residual scanner's throughput on a fixed mix of kept values (Tools/sluis-scanbench), release build.
# It runs on every kept value during seal; compare the figure with README.md's pseudonymise row.
set -euo pipefail
SLUIS=${1:-.build/release/sluis}
BENCH="$(dirname "$SLUIS")/sluis-scanbench"
[ -x "$BENCH" ] || swift build -c release --product sluis-scanbench >/dev/null
for run in 1 2 3; do "$BENCH" 20; done
