#!/usr/bin/env bash
# bench/seal-profile.sh [SLUIS_BIN]: CPU-seconds per thread of `sluis seal` (issue 16), from a
# `perf record` of one run on bench/seal.sh's data and configuration (run that first). Prints the
# run's CPU-seconds, the reading and the writing thread's share, and each thread's top symbols.
# Why: wall time on a shared machine varies by 2x; CPU-seconds per thread show which thread is
# the bottleneck and what moved. Environment: ROWS (default 10000000; fewer rows are taken from
# the head of the generated CSV), OUT (bench-out/seal), TOP (symbols per thread, default 15).
set -euo pipefail
cd "$(dirname "$0")/.."
SLUIS=$(realpath "${1:-.build/release/sluis}")
ROWS=${ROWS:-10000000}
OUT=${OUT:-bench-out/seal}
TOP=${TOP:-15}
command -v perf >/dev/null || { echo "bench/seal-profile.sh: missing perf (linux-perf)" >&2; exit 2; }
[ -f "$OUT/bench.json" ] || { echo "bench/seal-profile.sh: run bench/seal.sh first (it writes $OUT/bench.json and the keys)" >&2; exit 2; }
CONFIG=$OUT/bench.json
if [ "$ROWS" != 10000000 ]; then
  INPUT=$(sed -n 's/.*"path": "\([^"]*\)".*/\1/p' "$OUT/bench.json")
  head -n $((ROWS + 1)) "$INPUT" > "$OUT/profile-input.csv"
  sed "s#\"path\": \"[^\"]*\"#\"path\": \"$(realpath "$OUT/profile-input.csv")\"#" "$OUT/bench.json" > "$OUT/profile.json"
  CONFIG=$OUT/profile.json
fi
rm -f "$OUT/profile.sluis"
perf record -q -e cpu-clock -F 1999 -g -o "$OUT/perf.data" "$SLUIS" seal -c "$CONFIG" -o "$OUT/profile.sluis" --quiet >/dev/null
perf report -i "$OUT/perf.data" --no-children --sort pid --stdio -g none 2>/dev/null > "$OUT/threads.txt"
EVENTS=$(sed -n 's/.*Event count (approx.): \([0-9]*\).*/\1/p' "$OUT/threads.txt")
echo "seal of $ROWS rows: $(awk -v e="$EVENTS" 'BEGIN { printf "%.2f", e / 1e9 }') CPU-seconds"
# The two busiest threads: the reading thread (parse, normalise, pack) and the writing thread
# (pseudonyms, scans, hashing, encryption, writes), whichever has more samples first.
grep -E '^ +[0-9]' "$OUT/threads.txt" | head -2 | while read -r share thread; do
  tid=${thread%%:*}
  awk -v s="${share%\%}" -v e="$EVENTS" -v t="$tid" 'BEGIN { printf "thread %s: %.2f CPU-seconds (%.1f %%)\n", t, s * e / 1e11, s }'
  perf report -i "$OUT/perf.data" --no-children --tid "$tid" --sort dso,sym --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | head -"$TOP" | cut -c1-160
done
rm -f "$OUT/profile.sluis" "$OUT/profile-input.csv"
